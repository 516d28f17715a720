"""Before a record's outcomes count: do its dotted paths import on this Django?

A path that does not import is one of two things:

- *not available*: it belongs to a package the record ``requires`` (a third-party engine
  that does not support this Django): the column reads ``not available: <package>
  <version> does not support Django X (<the error's first line>)``;
- a bad record: anything else (a typo in ``SESSION_ENGINE``): one line naming the record.

Settings that Django rejects once a session store starts (``ImproperlyConfigured``: the
file engine's folder does not exist) make a *broken* column with Django's message, never a
column of failures.

The recorder runs ``check`` once Django is set up, before any pattern. When Django cannot
even be set up (an app in ``INSTALLED_APPS`` does not import), the column runner asks
``python -m session_matrix.core.preflight <configuration>`` to say why.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
import traceback
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from session_matrix.core.records import Record, requirement_name
from session_matrix.core.vocabulary import CellStatus, RunStatus, because

__all__ = ["BROKEN", "INVALID", "UNAVAILABLE", "Problem", "check", "dotted_paths", "main"]

# A Problem's kind: the column is not available here, the record is wrong (nothing is
# written), or Django rejects the record's settings as it starts (a broken column).
UNAVAILABLE, INVALID, BROKEN = RunStatus.UNAVAILABLE.value, "invalid", RunStatus.ERROR.value


@dataclass
class Problem:
    """Why the record cannot run here: ``UNAVAILABLE`` or ``INVALID``, and the line to show."""

    kind: str
    message: str


def dotted_paths(record: Record) -> list[tuple[str, str]]:
    """``(where, dotted path)`` for every path the record names: engines, backends, apps."""
    settings = record.settings
    found = [("settings.SESSION_ENGINE", settings["SESSION_ENGINE"])]
    if "SESSION_SERIALIZER" in settings:
        found.append(("settings.SESSION_SERIALIZER", settings["SESSION_SERIALIZER"]))
    for alias, cache in settings.get("CACHES", {}).items():
        if isinstance(cache, dict) and "BACKEND" in cache:
            found.append((f"settings.CACHES.{alias}.BACKEND", cache["BACKEND"]))
    for alias, database in settings.get("DATABASES", {}).items():
        if isinstance(database, dict) and "ENGINE" in database:
            found.append((f"settings.DATABASES.{alias}.ENGINE", database["ENGINE"]))
    for setting, edit in record.lists.items():
        added = [*edit.get("append", []), *edit.get("replace", {}).values()]
        found += [(f"lists.{setting}", path) for path in added]
    return found


def _import(path: str) -> None:
    """Import a module path, or a module attribute path (a class)."""
    try:
        importlib.import_module(path)
    except ImportError:
        module, _, attribute = path.rpartition(".")
        if not module:
            raise
        if not hasattr(importlib.import_module(module), attribute):
            msg = f"module {module!r} has no attribute {attribute!r}"
            raise ImportError(msg) from None


def _required(record: Record) -> set[str]:
    return {requirement_name(r).lower() for r in record.requires}


def _first_line(exc: BaseException) -> str:
    """The error's first line, without the file path an ImportError appends (a path on the
    machine that ran the column says nothing to a reader of the table)."""
    text = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    text = re.sub(r" \((?:/|[A-Za-z]:\\)[^()]*\)$", "", text)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _unavailable(record: Record, top: str, exc: BaseException) -> Problem | None:
    """*not available*, if the top-level module ``top`` belongs to a required package."""
    import django

    owners = {d.lower() for d in metadata.packages_distributions().get(top, [])}
    required = owners & _required(record)
    if not required:
        return None
    package = sorted(required)[0]
    version = metadata.version(package)
    return Problem(
        UNAVAILABLE,
        because(
            CellStatus.UNAVAILABLE,
            f"{package} {version} does not support Django {django.get_version()} "
            f"({_first_line(exc)})",
        ),
    )


def _raised_in(exc: BaseException) -> str:
    """The top-level module whose code raised ``exc``: its innermost frame outside Django
    and the import machinery (a third-party models module importing a name Django removed
    raises there, while Django imports it). ``""`` when no such frame is installed code."""
    import django

    django_dir = Path(django.__file__).resolve().parent
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        path = Path(frame.filename)
        if frame.filename.startswith("<") or path.resolve().is_relative_to(django_dir):
            continue
        parts = path.parts
        if "site-packages" not in parts:
            return ""
        below = parts[parts.index("site-packages") + 1 :]
        return below[0].removesuffix(".py") if below else ""
    return ""


def _problem(record: Record, where: str, path: str, exc: BaseException) -> Problem:
    unavailable = _unavailable(record, path.split(".")[0], exc)
    if unavailable:
        return unavailable
    return Problem(
        INVALID,
        f"{record.path}: {where} {path!r} does not import ({_first_line(exc)}); fix the "
        "dotted path, or add its package to requires",
    )


def _rejected(record: Record) -> Problem | None:
    """Whether Django rejects the settings when a session store starts (the file engine's
    ``SESSION_FILE_PATH`` names no folder): every pattern would fail with the same
    ``ImproperlyConfigured``, which says nothing about the idioms."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        importlib.import_module(settings.SESSION_ENGINE).SessionStore()
    except ImproperlyConfigured as exc:
        return Problem(
            BROKEN,
            f"Django rejects the settings of {record.path}: {_first_line(exc).rstrip('.')}; "
            "fix the setting",
        )
    except Exception:  # a store that needs arguments, or a server: the patterns will say
        return None
    return None


def check(record: Record) -> Problem | None:
    """The first path of ``record`` that does not import, or the settings Django rejects
    as a session store starts, as a ``Problem``; None if all is well."""
    for where, path in dotted_paths(record):
        try:
            _import(path)
        except Exception as exc:
            return _problem(record, where, path, exc)
    return _rejected(record)


def main(argv: list[str] | None = None) -> int:
    """Print the problem (JSON, or ``null``) for a configuration whose run could not start."""
    from session_matrix.core import records

    name = (argv if argv is not None else sys.argv[1:])[0]
    record = records.load(name)
    problem: Problem | None = None
    try:
        import django

        django.setup()
    except Exception as setup_error:
        # Only an app the record adds can make it the record's doing; anything else is a
        # broken environment, which the runner reports as such.
        for where, path in dotted_paths(record):
            if where.startswith("lists.INSTALLED_APPS"):
                try:
                    _import(path)
                except Exception as exc:
                    problem = _problem(record, where, path, exc)
                    break
        if problem is None:
            # The app imports, but setting it up does not (its models, its ready()): a
            # required package's own code raising is that package not supporting Django.
            problem = _unavailable(record, _raised_in(setup_error), setup_error)
    else:
        problem = check(record)
    result: dict[str, Any] | None = asdict(problem) if problem else None
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
