"""``profile.json`` typed: the machine, the method, and per configuration its cost per
request, its throughput and its guarantees (``schemas/profile.schema.json`` says what each
field means). ``Profile.from_json(document)`` builds it from a document already checked against the
schema; the views read only these classes. Standard library only.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Self, TypeVar

from session_matrix.core.vocabulary import LostWrites, ProfileStatus

__all__ = [
    "Configuration",
    "CostFigure",
    "Database",
    "Failure",
    "Found",
    "KindFigure",
    "LoadFigure",
    "LoadMethod",
    "Machine",
    "Method",
    "Profile",
    "Sequential",
    "Throughput",
    "Version",
    "as_json",
]

Json = dict[str, Any]  # one object of the document, as json.load gives it
_T = TypeVar("_T")


def _known(cls: type[_T], data: Json, **nested: Any) -> _T:
    """``cls`` from the keys of ``data`` that are its fields (``nested``: built already)."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in data.items() if k in names} | nested)


def as_json(item: Any) -> Json:
    """A model object as the document holds it: its fields, without those left unset
    (None)."""
    out: Json = {}
    for f in dataclasses.fields(item):
        value = _plain(getattr(item, f.name))
        if value is not None:
            out[f.name] = value
    return out


def _plain(value: Any) -> Any:
    """A field's value as JSON holds it (model objects within it as objects)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return as_json(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


@dataclass(kw_only=True)
class CostFigure:
    """One kind of request on one session size (``$defs/figure``)."""

    median_us: float
    p99_us: float
    queries: int
    cache_commands: int
    set_cookie_bytes: int
    requests: int
    noisy: bool
    min_us: float | None = None
    max_us: float | None = None
    ratio: float | None = None
    p99_ratio: float | None = None
    queries_max: int | None = None
    cache_commands_max: int | None = None
    cookie_bytes: int | None = None
    errors: int = 0
    wrong: int = 0
    error_statuses: list[int] | None = None
    rounds_us: list[float] | None = None
    spread: float | None = None

    @classmethod
    def from_json(cls, data: Json) -> Self:
        return _known(cls, data)


@dataclass(kw_only=True)
class KindFigure(CostFigure):
    """A kind at the smallest session size, with every size under ``by_size``."""

    session_bytes: int
    by_size: dict[str, CostFigure] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Json) -> Self:
        by_size = {size: CostFigure.from_json(f) for size, f in data.get("by_size", {}).items()}
        return _known(cls, data, by_size=by_size)


@dataclass(kw_only=True)
class LoadFigure:
    """One mix at one worker count, through a real server (``$defs/byWorkers``)."""

    rps: float
    p99_ms: float
    p50_ms: float | None = None
    requests: int = 0
    errors: int = 0
    checked: int = 0
    wrong: int = 0
    absent: int = 0
    stale: int = 0
    new_session: int = 0
    wrong_share: float | None = None
    rounds_rps: list[float] | None = None
    spread: float | None = None
    noisy: bool = False
    ratio: float | None = None
    p99_ratio: float | None = None

    @classmethod
    def from_json(cls, data: Json) -> Self:
        return _known(cls, data)


@dataclass(kw_only=True)
class Throughput:
    """A configuration's throughput: mix -> worker count -> figure, or why there is none."""

    status: ProfileStatus
    reason: str = ""
    mixes: dict[str, dict[str, LoadFigure]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Json) -> Throughput:
        mixes = {
            mix: {workers: LoadFigure.from_json(f) for workers, f in by_workers.items()}
            for mix, by_workers in data.items()
            if mix not in ("status", "reason")
        }
        return cls(
            status=ProfileStatus(data.get("status", ProfileStatus.NOT_RUN)),
            reason=str(data.get("reason", "")),
            mixes=mixes,
        )

    def to_json(self) -> Json:
        """As ``profile.json`` holds it: the status, the reason when there is one, and the
        figures by mix and worker count."""
        mixes = {
            mix: {workers: as_json(f) for workers, f in by_workers.items()}
            for mix, by_workers in self.mixes.items()
        }
        return (
            {"status": self.status.value}
            | ({"reason": self.reason} if self.reason else {})
            | mixes
        )

    def most_workers(self, mix: str) -> tuple[str, LoadFigure] | None:
        """(the largest worker count, its figure) of ``mix``, None when it has none."""
        by_workers = self.mixes.get(mix) or {}
        if not by_workers:
            return None
        workers = max(by_workers, key=int)
        return workers, by_workers[workers]


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
            nested["sequential"] = _known(Sequential, data["sequential"])
        if isinstance(data.get("failure"), dict):
            nested["failure"] = _known(Failure, data["failure"])
        if data.get("mechanism") in set(LostWrites):
            nested["mechanism"] = LostWrites(data["mechanism"])
        return _known(cls, data, **nested)

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


@dataclass(kw_only=True)
class Database:
    vendor: str = ""
    connect_us: float | None = None


@dataclass(kw_only=True)
class Configuration:
    """One configuration (engine record): its figures, or why it has none."""

    name: str
    status: ProfileStatus
    engine: str = ""
    label: str = ""
    description: str = ""
    default: bool = False
    reason: str = ""
    services: dict[str, str] = field(default_factory=dict)
    database: Database = field(default_factory=Database)
    counting: dict[str, str] = field(default_factory=dict)
    request: dict[str, KindFigure] = field(default_factory=dict)
    throughput: Throughput | None = None
    guarantees: dict[str, Found] = field(default_factory=dict)

    @classmethod
    def from_json(cls, name: str, data: Json) -> Configuration:
        throughput = data.get("throughput")
        return _known(
            cls,
            data,
            name=name,
            status=ProfileStatus(data["status"]),
            database=_known(Database, data.get("database", {})),
            request={kind: KindFigure.from_json(f) for kind, f in data.get("request", {}).items()},
            throughput=Throughput.from_json(throughput) if throughput else None,
            guarantees={key: Found.from_json(g) for key, g in data.get("guarantees", {}).items()},
        )

    @property
    def ok(self) -> bool:
        return self.status == ProfileStatus.OK

    def guarantee(self, key: str) -> Found | None:
        """A guarantee that was measured (None: not measured, or its measurement broke)."""
        found = self.guarantees.get(key)
        return found if found is not None and found.measured else None


@dataclass(kw_only=True)
class Machine:
    cores: int | str = "?"
    cpu: str = ""
    memory_gib: float | str = "?"
    platform: str = ""
    python: str = ""
    load_at_start: list[float] = field(default_factory=list)


@dataclass(kw_only=True)
class LoadMethod:
    server: str | None = None
    load_generator: str | None = None
    seconds_per_round: float | str = "?"
    rounds: int | str = "?"
    connections: int | str = "?"
    workers: list[int] = field(default_factory=list)
    write_share: dict[str, float] = field(default_factory=dict)
    noise_bound: float = 0.25
    session_bytes: int | None = None
    pool: int | None = None


@dataclass(kw_only=True)
class Method:
    requests_per_figure: int | str = "?"
    warmup: int | str = "?"
    rounds: int | str = "?"
    sizes: list[int] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    noise_bound: float = 0.5
    connections: str = ""
    database_directory: str = ""
    throughput: LoadMethod = field(default_factory=LoadMethod)


@dataclass(kw_only=True)
class Version:
    """Another Django version's figures (``--all-versions``)."""

    django: str = ""
    finished: str = ""
    configurations: dict[str, Configuration] = field(default_factory=dict)


def _configurations(data: Json) -> dict[str, Configuration]:
    return {name: Configuration.from_json(name, entry) for name, entry in data.items()}


@dataclass(kw_only=True)
class Profile:
    """A whole ``profile.json``."""

    django: str = ""
    django_series: str = ""
    generated_by: str = ""
    finished: str = ""
    duration_s: float | None = None
    machine: Machine = field(default_factory=Machine)
    method: Method = field(default_factory=Method)
    configurations: dict[str, Configuration] = field(default_factory=dict)
    versions: dict[str, Version] = field(default_factory=dict)

    @classmethod
    def from_json(cls, document: Json) -> Profile:
        method = document.get("method", {})
        return _known(
            cls,
            document,
            machine=_known(Machine, document.get("machine", {})),
            method=_known(
                Method, method, throughput=_known(LoadMethod, method.get("throughput", {}))
            ),
            configurations=_configurations(document.get("configurations", {})),
            versions={
                series: _known(
                    Version, v, configurations=_configurations(v.get("configurations", {}))
                )
                for series, v in document.get("versions", {}).items()
            },
        )

    def measured(self) -> dict[str, Configuration]:
        """The configurations measured (status ok), in the profile's order."""
        return {name: c for name, c in self.configurations.items() if c.ok}


def __dir__() -> list[str]:
    return __all__
