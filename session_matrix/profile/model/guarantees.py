"""A guarantee of ``profile.json`` as measured (``Found``), with the lost-update control
(``Sequential``) and the first size that did not round-trip (``Failure``)."""

from __future__ import annotations

from dataclasses import dataclass

from session_matrix.core.vocabulary import LostWrites
from session_matrix.profile.model.shape import Json, as_json, known

__all__ = ["Failure", "Found", "Sequential"]


@dataclass(kw_only=True)
class Sequential:
    """The lost-update control: the same pairs one after the other, the same stale cookie."""

    lost: int | None = None
    of: int | None = None
    pairs: int | None = None
    errors: int | None = None


@dataclass(kw_only=True)
class Failure:
    """The first size that did not round-trip, and how."""

    bytes: int = 0
    how: str = ""


# The fields a measured guarantee writes even when null (the schema says what null means).
_WRITTEN_NULL = {
    "storage_per_10000": (
        "database_bytes",
        "files_bytes",
        "files_allocated_bytes",
        "cache_bytes",
        "kept",
        "kept_newest",
    ),
    "largest_browser_keeps": ("cookie_bytes",),
}


@dataclass(kw_only=True)
class Found:
    """One guarantee as measured (``$defs/guarantees``): ``value`` is its headline, None when
    it does not apply (``reason``) or could not be measured (``error``); the other fields are
    those of the guarantees that have them (the schema names which), None where absent."""

    value: bool | int | None = None
    error: str | None = None
    reason: str | None = None
    how: str | None = None
    # across_processes
    reads: int | None = None
    absent: int | None = None
    stale: int | None = None
    # lost_updates, eviction_when_full, survives_cache_restart
    errors: int | None = None
    pairs: int | None = None
    mechanism: LostWrites | None = None
    structural: bool | None = None
    sequential: Sequential | None = None
    lost: int | None = None
    of: int | None = None
    writes: int | None = None
    failed_writes: int | None = None
    workers: int | None = None
    silent: bool | None = None
    flood_sessions: int | None = None
    first_error: str | None = None
    limit: str | int | None = None  # eviction: what bounded the cache; browser: 4096 bytes
    # largest_round_trip, largest_browser_keeps
    capped: bool | None = None
    cap: int | None = None
    failure: Failure | None = None
    cookie_bytes: int | None = None
    # clearsessions
    expired: int | None = None
    stored_before: int | None = None
    stored_after: int | None = None
    command_error: str | None = None
    # storage_per_10000
    server_side: bool | None = None
    database_bytes: int | None = None
    files_bytes: int | None = None
    files_allocated_bytes: int | None = None
    cache_bytes: int | None = None
    cookie_bytes_each: int | None = None
    session_bytes: int | None = None
    sessions: int | None = None
    kept: int | None = None
    kept_newest: int | None = None

    @classmethod
    def from_json(cls, data: Json) -> Found:
        nested: Json = {}
        if isinstance(data.get("sequential"), dict):
            nested["sequential"] = known(Sequential, data["sequential"])
        if isinstance(data.get("failure"), dict):
            nested["failure"] = known(Failure, data["failure"])
        if data.get("mechanism") in set(LostWrites):
            nested["mechanism"] = LostWrites(data["mechanism"])
        return known(cls, data, **nested)

    @property
    def measured(self) -> bool:
        """Measured (it may still not apply: value None with a reason)."""
        return self.error is None

    def to_json(self, key: str) -> Json:
        """As ``profile.json`` holds it under ``guarantees.<key>``: the headline ``value``
        (null too), the fields set, and the fields that guarantee writes even when null."""
        written = as_json(self) | {"value": self.value}
        if self.error is None:
            written |= {name: getattr(self, name) for name in _WRITTEN_NULL.get(key, ())}
        return written


def __dir__() -> list[str]:
    return __all__
