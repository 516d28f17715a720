"""How the model's classes meet JSON: ``known`` builds a class from the keys of an object
that are its fields, ``as_json`` writes one back without the fields left unset. Standard
library only."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import Any, TypeVar

__all__ = ["Json", "as_json", "known"]

Json = dict[str, Any]  # one object of the document, as json.load gives it
_T = TypeVar("_T")


def known(cls: type[_T], data: Json, **nested: Any) -> _T:
    """``cls`` from the keys of ``data`` that are its fields (``nested``: built already)."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in data.items() if k in names} | nested)


def as_json(item: Any, *, null: Collection[str] = ()) -> Json:
    """A model object as the document holds it: its fields, without those left unset
    (None) but for those named in ``null`` (the document writes them as null)."""
    out: Json = {}
    for f in dataclasses.fields(item):
        value = _plain(getattr(item, f.name))
        if value is not None or f.name in null:
            out[f.name] = value
    return out


def _plain(value: Any) -> Any:
    """A field's value as JSON holds it (model objects within it as objects)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return as_json(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def __dir__() -> list[str]:
    return __all__
