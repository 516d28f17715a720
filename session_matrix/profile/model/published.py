"""``profile.json`` typed: the machine, the method, and per configuration its cost per
request, its throughput and its guarantees (``figures``, ``guarantees``).
``Profile.from_json(document)`` builds it from a document already checked against the
schema; the views read only these classes. Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from session_matrix.core.vocabulary import ProfileStatus
from session_matrix.profile.model.figures import KindFigure, Throughput
from session_matrix.profile.model.guarantees import Found
from session_matrix.profile.model.shape import Json, as_json, known

__all__ = [
    "Configuration",
    "Database",
    "LoadMethod",
    "Machine",
    "Method",
    "Profile",
    "Version",
]


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
        return known(
            cls,
            data,
            name=name,
            status=ProfileStatus(data["status"]),
            database=known(Database, data.get("database", {})),
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

    def to_json(self) -> Json:
        """The entry under ``configurations.<name>``: its record's words and status, the
        reason when it was not measured, else every figure."""
        entry: Json = {
            "status": self.status.value,
            "engine": self.engine,
            "label": self.label,
            "description": self.description,
            "default": self.default,
        }
        if not self.ok:
            return entry | {"reason": self.reason}
        served = self.throughput or Throughput(
            status=ProfileStatus.NOT_RUN, reason="not run: no server"
        )
        return entry | {
            "services": self.services,
            "database": as_json(self.database, null=("connect_us",)),
            "request": {kind: as_json(figure) for kind, figure in self.request.items()},
            "throughput": served.to_json(),
            "guarantees": {key: found.to_json(key) for key, found in self.guarantees.items()},
            "counting": self.counting,
        }


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

    def to_json(self) -> Json:
        """The document (or the part one run writes), as ``profile.json`` holds it."""
        method = as_json(self.method) | {
            "throughput": as_json(self.method.throughput, null=("server", "load_generator"))
        }
        document: Json = {
            "django": self.django,
            "django_series": self.django_series,
            "machine": as_json(self.machine),
            "method": method,
            "configurations": {name: c.to_json() for name, c in self.configurations.items()},
        }
        optional = {
            "generated_by": self.generated_by,
            "finished": self.finished,
            "duration_s": self.duration_s,
        }
        return document | {k: v for k, v in optional.items() if v is not None and v != ""}

    @classmethod
    def from_json(cls, document: Json) -> Profile:
        method = document.get("method", {})
        return known(
            cls,
            document,
            machine=known(Machine, document.get("machine", {})),
            method=known(
                Method, method, throughput=known(LoadMethod, method.get("throughput", {}))
            ),
            configurations=_configurations(document.get("configurations", {})),
            versions={
                series: known(
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
