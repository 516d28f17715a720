"""Before a record's outcomes count: do its dotted paths import on this Django?

A path that does not import is one of two things:

- *not available*: it belongs to a package the record ``requires`` (a third-party engine
  that does not support this Django): the column reads ``not available: <package>
  <version> does not support Django X (<the error's first line>)``;
- a bad record: anything else (a typo in ``SESSION_ENGINE``): one line naming the record.

The recorder runs ``check`` once Django is set up, before any pattern. When Django cannot
even be set up (an app in ``INSTALLED_APPS`` does not import), the column runner asks
``python -m session_matrix.preflight <configuration>`` to say why.
"""

from __future__ import annotations

import importlib
import json
import sys
from dataclasses import asdict, dataclass
from importlib import metadata
from typing import Any

from session_matrix.records import Record, requirement_name

__all__ = ["Problem", "check", "dotted_paths", "main"]


@dataclass
class Problem:
    """Why the record cannot run here: ``unavailable`` or ``invalid``, and the line to show."""

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
    text = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _problem(record: Record, where: str, path: str, exc: BaseException) -> Problem:
    import django

    top = path.split(".")[0]
    owners = {d.lower() for d in metadata.packages_distributions().get(top, [])}
    required = owners & _required(record)
    if required:
        package = sorted(required)[0]
        version = metadata.version(package)
        return Problem(
            "unavailable",
            f"not available: {package} {version} does not support Django "
            f"{django.get_version()} ({_first_line(exc)})",
        )
    return Problem(
        "invalid",
        f"{record.path}: {where} {path!r} does not import ({_first_line(exc)}); fix the "
        "dotted path, or add its package to requires",
    )


def check(record: Record) -> Problem | None:
    """The first path of ``record`` that does not import, as a ``Problem``; None if all do."""
    for where, path in dotted_paths(record):
        try:
            _import(path)
        except Exception as exc:
            return _problem(record, where, path, exc)
    return None


def main(argv: list[str] | None = None) -> int:
    """Print the problem (JSON, or ``null``) for a configuration whose run could not start."""
    from session_matrix import records

    name = (argv if argv is not None else sys.argv[1:])[0]
    record = records.load(name)
    problem: Problem | None = None
    try:
        import django

        django.setup()
    except Exception:
        # Only an app the record adds can make it the record's doing; anything else is a
        # broken environment, which the runner reports as such.
        for where, path in dotted_paths(record):
            if where.startswith("lists.INSTALLED_APPS"):
                try:
                    _import(path)
                except Exception as exc:
                    problem = _problem(record, where, path, exc)
                    break
    else:
        problem = check(record)
    result: dict[str, Any] | None = asdict(problem) if problem else None
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
