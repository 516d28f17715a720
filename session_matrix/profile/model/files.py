"""The profile's files, read and written here only: ``results/profile.json`` (checked
against ``schemas/profile.schema.json`` both ways) and the part one coordinator run writes
for one Django version. Standard library and the harness's ``schemas`` only: the report
imports it without Django.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from session_matrix.core import paths, schemas
from session_matrix.profile.model.published import Profile

__all__ = ["dumps", "load", "profile_text", "read_part", "read_profile", "write_part"]


def dumps(document: dict[str, Any]) -> str:
    """A profile (or a part of one) as the files hold it."""
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def read_profile(path: Path) -> dict[str, Any]:
    """A published ``profile.json`` as JSON, checked against its schema (``InvalidInput``
    if not)."""
    data: dict[str, Any] = schemas.load_json(path)
    schemas.validate(data, "profile", path)
    return data


def load(path: Path) -> Profile:
    """A published ``profile.json``, checked against its schema, typed."""
    return Profile.from_json(read_profile(path))


def profile_text(document: dict[str, Any], target: Path) -> str:
    """A whole profile as ``target`` will hold it, checked against its schema first
    (``InvalidInput`` naming ``target`` if it does not match: nothing is written)."""
    schemas.validate(document, "profile", target)
    return dumps(document)


def write_part(path: Path, part: Profile) -> None:
    """The part one coordinator run measured (checked when the document is built)."""
    paths.write_atomic(path, dumps(part.to_json()))


def read_part(path: Path) -> dict[str, Any]:
    part: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return part


def __dir__() -> list[str]:
    return __all__
