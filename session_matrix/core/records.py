"""Configuration records: ``engines/<name>.toml`` found, checked, resolved and filled in.

A record is checked against ``schemas/record.schema.json``; a variant (``extends = "cache"``)
is its base with the variant's keys laid over it (tables merged key by key, everything else
replaced). After that the resolved record must name a ``SESSION_ENGINE``, every service it
``needs`` must have a provider, and every ``{placeholder}`` in its settings must be filled
by one of those services. Every problem is one ``InvalidInput`` line naming the file.

Records are found in ``SESSION_MATRIX_ENGINES_DIR`` or the checkout's ``engines/``, else
in the installed package's copy (``session_matrix/engines``); the ``suite`` command adds a
directory of the user's own.
"""

from __future__ import annotations

import copy
import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from session_matrix.core import schemas, services
from session_matrix.core.model import Configuration
from session_matrix.core.paths import PACKAGE, ROOT

__all__ = [
    "Record",
    "deep_merge",
    "directories",
    "fill",
    "load",
    "load_all",
    "names",
    "requirement_name",
]

_PLACEHOLDER = re.compile(r"\{([a-z0-9_]+)\}")
_NAME = re.compile(r"[a-z0-9_]+(-[a-z0-9_]+)*")  # a column id, a nox session, a file name
# Settings that name a folder or file: only a run's own folder may be written to.
_PATH_SUFFIXES = ("_PATH", "_ROOT", "_DIR")
_IN_MEMORY = ":memory:"


@dataclass(frozen=True)
class Record:
    """One configuration, resolved (its base's keys included) and checked."""

    name: str
    path: Path
    engine: str  # the record at the root of its ``extends`` chain
    description: str
    label: str
    extends: str = ""
    needs: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)
    lists: dict[str, Any] = field(default_factory=dict)
    files: tuple[Path, ...] = ()  # this record's file and its bases'

    @property
    def default(self) -> bool:
        """One of the columns shown first: a record that is no variant."""
        return not self.extends

    def configuration(self) -> Configuration:
        """The record as the matrix stores it (lists where the record holds tuples)."""
        values = {f.name: getattr(self, f.name) for f in fields(Configuration)}
        return Configuration(
            **values | {"needs": list(self.needs), "requires": list(self.requires)}
        )


def directories(extra: Path | None = None) -> list[Path]:
    """Where records are looked for, first match wins: ``extra`` (the suite command's
    ``--engines-dir``), ``SESSION_MATRIX_ENGINES_DIR``, then the built-in records."""
    found = [extra] if extra else []
    given = os.environ.get("SESSION_MATRIX_ENGINES_DIR")
    if given:
        found.append(Path(given))
    # A checkout has the noxfile beside engines/; installed, ROOT is site-packages, where an
    # unrelated top-level "engines" package must not be taken for ours.
    checkout = ROOT / "engines"
    ours = checkout.is_dir() and (ROOT / "noxfile.py").is_file()
    return [*found, checkout if ours else PACKAGE / "engines"]


def _files(dirs: Iterable[Path]) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for directory in reversed(list(dirs)):  # earlier directories win
        for path in sorted(directory.glob("*.toml")):
            files[path.stem] = path
    return files


def names(dirs: Iterable[Path] | None = None) -> list[str]:
    """Every record's name, sorted: defaults first, then variants under their engine."""
    return [record.name for record in load_all(dirs)]


def _read(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        msg = f"{path}: unreadable ({exc.strerror})"
        raise schemas.InvalidInput(msg) from exc
    except tomllib.TOMLDecodeError as exc:
        msg = f"{path}: not valid TOML ({exc}); fix the record"
        raise schemas.InvalidInput(msg) from exc
    schemas.validate(data, "record", path)
    return data


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` laid on ``base``: tables merged key by key, every other value replaced."""
    merged = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _placeholders(value: Any) -> set[str]:
    if isinstance(value, str):
        return set(_PLACEHOLDER.findall(value))
    if isinstance(value, dict):
        return {name for item in value.values() for name in _placeholders(item)}
    if isinstance(value, list):
        return {name for item in value for name in _placeholders(item)}
    return set()


def _resolve(name: str, files: dict[str, Path], chain: tuple[str, ...] = ()) -> Record:
    path = files[name]
    data = _read(path)
    base_name = data.get("extends", "")
    if base_name:
        if base_name in (*chain, name):
            msg = f"{path}: extends {base_name!r}, which extends it back; break the cycle"
            raise schemas.InvalidInput(msg)
        if base_name not in files:
            known = ", ".join(sorted(files))
            msg = f"{path}: extends unknown record {base_name!r}; use one of {known}"
            raise schemas.InvalidInput(msg)
        base = _resolve(base_name, files, (*chain, name))
        return Record(
            name=name,
            path=path,
            engine=base.engine,
            description=data.get("description", base.description),
            label=data.get("label", name),
            extends=base_name,
            needs=tuple(data.get("needs", base.needs)),
            requires=tuple(data.get("requires", base.requires)),
            settings=deep_merge(base.settings, data.get("settings", {})),
            lists=deep_merge(base.lists, data.get("lists", {})),
            files=(path, *base.files),
        )
    return Record(
        name=name,
        path=path,
        engine=name,
        description=data.get("description", ""),
        label=data.get("label", name),
        needs=tuple(data.get("needs", ())),
        requires=tuple(data.get("requires", ())),
        settings=data.get("settings", {}),
        lists=data.get("lists", {}),
        files=(path,),
    )


def _path_settings(settings: dict[str, Any]) -> list[tuple[str, Any]]:
    """``(where, value)`` for every setting that names a path Django writes to: the file
    engine's folder, a file-based cache, a SQLite database, any ``*_PATH``/``_ROOT``/``_DIR``."""
    found = [(f"settings.{k}", v) for k, v in settings.items() if k.endswith(_PATH_SUFFIXES)]
    for alias, cache in settings.get("CACHES", {}).items():
        if isinstance(cache, dict) and "filebased" in str(cache.get("BACKEND", "")).lower():
            found.append((f"settings.CACHES.{alias}.LOCATION", cache.get("LOCATION")))
    for alias, database in settings.get("DATABASES", {}).items():
        if not isinstance(database, dict) or "sqlite" not in database.get("ENGINE", "sqlite3"):
            continue
        found.append((f"settings.DATABASES.{alias}.NAME", database.get("NAME")))
        test = database.get("TEST")
        if isinstance(test, dict):
            found.append((f"settings.DATABASES.{alias}.TEST.NAME", test.get("NAME")))
    return [(where, value) for where, value in found if value is not None]


def _own_path(value: Any, owned: tuple[str, ...]) -> bool:
    """A path inside a folder a provider makes and removes per run (``{file_dir}``)."""
    if not isinstance(value, str):
        return False
    if value == _IN_MEMORY:
        return True
    for placeholder in owned:
        head = f"{{{placeholder}}}"
        if value == head or (value.startswith(f"{head}/") and ".." not in value.split("/")):
            return True
    return False


def _check_paths(record: Record) -> None:
    owned = services.registry()["files"].placeholders
    for where, value in _path_settings(record.settings):
        if not _own_path(value, owned):
            folder = "".join(f"{{{p}}}" for p in owned)
            msg = (
                f"{record.path}: {where} = {value!r} is a path outside the run's own folder; "
                f'use {folder} (made and removed per run, needs "files"), e.g. "{folder}/sessions"'
            )
            raise schemas.InvalidInput(msg)


def _check(record: Record) -> Record:
    where = record.path
    if not _NAME.fullmatch(record.name):
        msg = (
            f"{where}: {record.name!r} is not a record name: use lowercase letters, digits, "
            "'_' and single '-' (rename the file)"
        )
        raise schemas.InvalidInput(msg)
    if "SESSION_ENGINE" not in record.settings:
        msg = f"{where}: settings.SESSION_ENGINE is missing; name a session engine (or extend one)"
        raise schemas.InvalidInput(msg)
    if not record.description:
        msg = f"{where}: description is missing; say in one sentence what this configuration is"
        raise schemas.InvalidInput(msg)
    providers = services.registry()
    unknown = [need for need in record.needs if need not in providers]
    if unknown:
        msg = (
            f"{where}: needs unknown service(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(providers))}"
        )
        raise schemas.InvalidInput(msg)
    fillers = services.placeholders()
    for placeholder in sorted(_placeholders([record.settings, record.lists])):
        service = fillers.get(placeholder)
        if service is None:
            known = ", ".join(f"{{{p}}}" for p in sorted(fillers))
            msg = f"{where}: unknown placeholder {{{placeholder}}}; known: {known}"
            raise schemas.InvalidInput(msg)
        if service not in record.needs and not providers[service].optional:
            msg = f'{where}: {{{placeholder}}} is filled by {service}: add "{service}" to needs'
            raise schemas.InvalidInput(msg)
    _check_paths(record)
    return record


def load(name: str, dirs: Iterable[Path] | None = None) -> Record:
    """The record called ``name``, resolved and checked."""
    files = _files(directories() if dirs is None else dirs)
    if name not in files:
        known = ", ".join(sorted(files)) or "none"
        msg = f"unknown configuration {name!r}: choose one of {known}"
        raise schemas.InvalidInput(msg)
    return _check(_resolve(name, files))


def load_all(dirs: Iterable[Path] | None = None) -> list[Record]:
    """Every record, checked: the defaults (sorted), each followed by its variants (sorted)."""
    files = _files(directories() if dirs is None else dirs)
    records = [_check(_resolve(name, files)) for name in sorted(files)]
    return sorted(records, key=lambda r: (r.engine, not r.default, r.name))


def requirement_name(requirement: str) -> str:
    """The distribution a PEP 508 requirement names: ``pkg>=2.0`` -> ``pkg``."""
    return re.split(r"[\[<>=!~; ]", requirement.strip(), maxsplit=1)[0]


def fill(value: Any, values: dict[str, Any]) -> Any:
    """``value`` with its ``{placeholders}`` filled in; a string that is exactly one
    placeholder takes the provided value whole (a dict, for a database's settings)."""
    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value)
        if whole:
            return copy.deepcopy(values[whole.group(1)])
        return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), value)
    if isinstance(value, dict):
        return {key: fill(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, values) for item in value]
    return value


def __dir__() -> list[str]:
    return __all__
