"""The figures of ``profile.json``: the cost of a request (``CostFigure``, per kind with
every size: ``KindFigure``) and what a real server carried (``LoadFigure`` per mix and worker
count, in a configuration's ``Throughput``). ``schemas/profile.schema.json`` says what each
field means."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Self

from session_matrix.core.vocabulary import ProfileStatus
from session_matrix.profile.model.shape import Json, as_json, known

__all__ = ["CostFigure", "KindFigure", "LoadFigure", "Throughput"]


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
        return known(cls, data)


@dataclass(kw_only=True)
class KindFigure(CostFigure):
    """A kind at the smallest session size, with every size under ``by_size``."""

    session_bytes: int
    by_size: dict[str, CostFigure] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Json) -> Self:
        by_size = {size: CostFigure.from_json(f) for size, f in data.get("by_size", {}).items()}
        return known(cls, data, by_size=by_size)


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
        return known(cls, data)


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


def __dir__() -> list[str]:
    return __all__
