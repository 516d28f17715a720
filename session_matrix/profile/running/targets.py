"""The configurations of one profile run (``Target``), started side by side, and the run's
progress lines (``log``).

``start`` provisions for each configuration the services the matrix gives its column
(``services.provision``) and starts its worker on a database of its own in the run's
directory; ``rotated`` is the order in which they take their turns in a round.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from session_matrix.core import overlay, records, services
from session_matrix.core.vocabulary import ProfileStatus
from session_matrix.profile.client import Site
from session_matrix.profile.model import PlannedConfiguration, Sample
from session_matrix.profile.model.figures import KindFigure, Throughput
from session_matrix.profile.model.guarantees import Found
from session_matrix.profile.servers import djangoproc
from session_matrix.profile.worker.process import Hello, WorkerFailed, WorkerProcess

__all__ = ["SIDE_BY_SIDE", "Target", "each", "log", "ready", "rotated", "start"]

# Configurations measured at once where nothing is timed (the guarantees in process and
# with private cache servers count and weigh, never time): one per core of this machine's
# two; the timed phases (cost, throughput) measure one configuration at a time.
SIDE_BY_SIDE = 2
_T = TypeVar("_T")

_STARTED = time.monotonic()


def log(message: str) -> None:
    elapsed = int(time.monotonic() - _STARTED)
    print(f"profile [{elapsed // 60}:{elapsed % 60:02d}] {message}", flush=True)


@dataclass(eq=False)
class Target:
    """One configuration in this run."""

    record: records.Record
    python: str
    status: ProfileStatus = ProfileStatus.OK
    reason: str = ""
    provided: overlay.Provided | None = None
    worker: WorkerProcess | None = None
    info: Hello | None = None  # what its worker said when it started
    expiring_error: str = ""  # why the sessions left to expire were not made
    samples: dict[tuple[str, int], list[list[Sample]]] = field(default_factory=dict)
    request: dict[str, KindFigure] = field(default_factory=dict)  # kind -> its figure
    throughput: Throughput | None = None
    guarantees: dict[str, Found] = field(default_factory=dict)  # key -> as measured
    spent: float = 0.0  # seconds its timed blocks took (the warm-up not counted)

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def ok(self) -> bool:
        return self.status == ProfileStatus.OK

    def not_run(self, reason: str) -> None:
        self.status, self.reason = ProfileStatus.NOT_RUN, reason

    def fail(self, reason: str) -> None:
        log(f"{self.name}: {reason}")
        self.status, self.reason = ProfileStatus.ERROR, reason
        self.close()

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None

    def unmeasured(self, guarantee: str, error: str) -> None:
        self.guarantees[guarantee] = Found(error=error)

    def env(
        self, database: dict[str, Any], provided: overlay.Provided | None = None
    ) -> dict[str, str]:
        given = provided or self.provided
        assert given is not None
        return djangoproc.environment(self.name, given, database)

    def use_database(self) -> dict[str, Any]:
        assert self.info is not None
        return {"mode": "use", "name": self.info.database_name}

    def site(self) -> Site:
        assert self.info is not None
        return self.info.site

    def call(self, op: str, **arguments: Any) -> dict[str, Any]:
        assert self.worker is not None
        return self.worker.call(op, **arguments)


def each(items: Iterable[_T], job: Callable[[_T], None], at_once: int = SIDE_BY_SIDE) -> None:
    """``job`` on every item, ``at_once`` at a time, for steps that time nothing. Any
    process a job starts it also stops (``spawn``'s children die with the thread that
    started them). On Ctrl-C or SIGTERM the jobs not yet begun are dropped; a job already
    running ends when a call to a worker the run's ExitStack stopped fails, or when it is
    done (then it stops what it started itself), before the run exits."""
    pool = ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="profile")
    try:
        for future in [pool.submit(job, item) for item in items]:
            future.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def ready(targets: Sequence[Target]) -> list[Target]:
    """The targets still being measured."""
    return [target for target in targets if target.ok]


def rotated(items: Sequence[Target], turn: int) -> list[Target]:
    """Each round starts with another configuration, and every other round runs backwards."""
    if not items:
        return []
    shift = turn % len(items)
    order = [*items[shift:], *items[:shift]]
    return order[::-1] if turn % 2 else order


def start(
    configurations: list[PlannedConfiguration], rundir: Path, stack: contextlib.ExitStack
) -> list[Target]:
    """A target per entry of the plan (its interpreter, or why there is none), its services
    provisioned and its worker started, all stopped when ``stack`` closes."""
    targets: list[Target] = []
    for item in configurations:
        try:
            record = records.load(item.name)
        except Exception as exc:
            log(f"{item.name}: {exc}")
            continue
        target = Target(record, item.python)
        targets.append(target)
        if item.reason:
            target.not_run(item.reason)
            continue
        try:
            bundle = stack.enter_context(
                services.provision(record.needs, label=f"profile-{record.name}")
            )
        except services.ServiceUnavailable as exc:
            target.not_run(f"not run: {exc}")
            log(f"{record.name}: {target.reason}")
            continue
        target.provided = overlay.Provided.of(record.name, bundle)
    for target in ready(targets):
        database = {"mode": "create", "sqlite": str(rundir / f"{target.name}.sqlite3")}
        target.worker = WorkerProcess(
            target.python, target.env(database), rundir / f"{target.name}.log"
        )
        stack.callback(target.close)
    for target in ready(targets):
        if target.worker is not None:
            try:
                target.info = target.worker.hello()
            except WorkerFailed as exc:
                target.fail(str(exc))
    ok = ready(targets)
    log(f"{len(ok)} of {len(targets)} configurations ready: {', '.join(t.name for t in ok)}")
    return targets


def __dir__() -> list[str]:
    return __all__
