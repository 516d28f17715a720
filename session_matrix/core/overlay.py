"""Lay a configuration record over a Django settings module.

``project/settings.py`` ends with ``overlay.apply(globals())``; the ``suite`` command's
settings module does the same over a user's settings. The record is named by
``SESSION_MATRIX_ENGINE``; the values of its ``{placeholders}`` come from the column runner
(``SESSION_MATRIX_PROVIDED``, JSON) or, in a run by hand, from the providers themselves,
provisioned in this process and released when it exits. Processes started from here
inherit the same values.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any

from session_matrix.core import records, services

__all__ = [
    "ENGINE_VAR",
    "PROVIDED_VAR",
    "Provided",
    "apply",
    "provided",
    "service",
    "session_settings",
]

ENGINE_VAR = "SESSION_MATRIX_ENGINE"
PROVIDED_VAR = "SESSION_MATRIX_PROVIDED"
DEFAULT_ENGINE = "db"
_BY_HAND = contextlib.ExitStack()


@dataclass
class Provided:
    """What the services gave this run (the ``Bundle`` of the process that provisioned them)."""

    configuration: str = ""  # the record these values were provisioned for
    values: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    lost_on: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, configuration: str, bundle: services.Bundle) -> Provided:
        return cls(configuration, bundle.values, bundle.versions, bundle.missing, bundle.lost_on)

    def to_env(self) -> str:
        return json.dumps(asdict(self))


def provided(record: records.Record) -> Provided:
    """The values this process runs with: given by the runner (or the process that started
    this one) for this record, or provisioned here."""
    given = os.environ.get(PROVIDED_VAR)
    if given:
        found = Provided(**json.loads(given))
        if found.configuration == record.name:
            return found
    bundle = _BY_HAND.enter_context(services.provision(record.needs, label="by-hand"))
    atexit.register(_BY_HAND.close)
    values = Provided.of(record.name, bundle)
    os.environ[PROVIDED_VAR] = values.to_env()  # a subprocess of a pattern sees the same
    return values


def service(name: str) -> tuple[Any, str]:
    """What the service ``name`` gave this run, or ``(None, why it is missing)``; for
    patterns that need an optional service (the browser patterns: ``chromium``)."""
    found = Provided(**json.loads(os.environ.get(PROVIDED_VAR) or "{}"))
    placeholders = services.registry()[name].placeholders
    if placeholders and placeholders[0] in found.values:
        return found.values[placeholders[0]], ""
    return None, found.missing.get(name, f"no {name} was provisioned for this run")


def _edit(items: list[Any], edit: dict[str, Any]) -> list[Any]:
    replace = edit.get("replace", {})
    edited = [replace.get(item, item) for item in items if item not in edit.get("remove", [])]
    return edited + [item for item in edit.get("append", []) if item not in edited]


def session_settings(record: records.Record, values: dict[str, Any]) -> dict[str, Any]:
    """The record's ``[settings]`` with every placeholder filled in."""
    filled: dict[str, Any] = records.fill(record.settings, values)
    return filled


def apply(namespace: dict[str, Any], name: str | None = None) -> records.Record:
    """Lay the record ``name`` (default: ``SESSION_MATRIX_ENGINE``, else ``db``) over the
    settings in ``namespace``: tables merged key by key, lists edited, the rest replaced."""
    record = records.load(name or os.environ.get(ENGINE_VAR) or DEFAULT_ENGINE)
    given = provided(record)
    for service in record.needs:
        services.registry()[service].prepare_process()
    for key, value in session_settings(record, given.values).items():
        current = namespace.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            namespace[key] = records.deep_merge(current, value)
        else:
            namespace[key] = value
    for key, edit in records.fill(record.lists, given.values).items():
        namespace[key] = _edit(list(namespace.get(key, [])), edit)
    return record


def __dir__() -> list[str]:
    return __all__
