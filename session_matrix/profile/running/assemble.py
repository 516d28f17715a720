"""What one run writes (its part of ``profile.json``, ``schemas/profile.schema.json``): the
machine, the method (every bound and count the figures depend on) and one entry per
configuration, measured or not; ``described`` is the part of an entry every configuration
has, measured or not (``orchestrate`` writes it for a version it could not run)."""

from __future__ import annotations

import contextlib
import os
import platform
from pathlib import Path

from session_matrix.core import records
from session_matrix.core.vocabulary import ProfileStatus
from session_matrix.profile.measures import FIGURES, MIXES, SIZES, WORKERS
from session_matrix.profile.model.published import (
    Configuration,
    Database,
    LoadMethod,
    Machine,
    Method,
)
from session_matrix.profile.running import cost, throughput
from session_matrix.profile.running.targets import Target
from session_matrix.profile.servers import serving

__all__ = ["COUNTING", "configuration", "described", "machine", "method"]


def machine() -> Machine:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    memory = 0.0
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                memory = round(int(line.split()[1]) / 1024 / 1024, 1)
    load = list(os.getloadavg()) if hasattr(os, "getloadavg") else []
    return Machine(
        cores=os.cpu_count() or 1,
        cpu=cpu,
        memory_gib=memory,
        platform=f"{platform.system()} {platform.machine()}",
        python=platform.python_version(),
        load_at_start=[round(value, 2) for value in load],
    )


def method(
    requests: int, warmup: int, rounds: int, seconds: float, throughput_rounds: int
) -> Method:
    """How the figures were made; the run adds what it finds (the server, the load
    generator, where the databases live)."""
    return Method(
        requests_per_figure=-(-requests // rounds) * rounds,
        warmup=warmup,
        rounds=rounds,
        sizes=list(SIZES),
        kinds=list(FIGURES),
        noise_bound=cost.NOISE_BOUND,
        connections="persistent (CONN_MAX_AGE = None unless the record sets it); "
        "connecting is measured apart (database.connect_us)",
        throughput=LoadMethod(
            seconds_per_round=seconds,
            rounds=throughput_rounds,
            connections=throughput.CONNECTIONS,
            workers=list(WORKERS),
            write_share=dict(MIXES),
            noise_bound=throughput.NOISE_BOUND,
            session_bytes=SIZES[0],
            pool=serving.POOL,
        ),
    )


def described(record: records.Record, status: ProfileStatus, reason: str = "") -> Configuration:
    """A configuration as every entry names it: its status and its record's words."""
    return Configuration(
        name=record.name,
        status=status,
        engine=record.engine,
        label=record.label,
        description=record.description,
        default=record.default,
        reason=reason,
    )


COUNTING = {
    "queries": "Django cursor execute_wrapper",
    "cache_commands": "redis-py and pymemcache commands on the wire; Django's own "
    "caches: outermost cache API calls",
}


def configuration(target: Target) -> Configuration:
    """A configuration's entry: what was measured, or why nothing was."""
    entry = described(target.record, target.status, target.reason)
    if not target.ok:
        return entry
    entry.services = dict(target.provided.versions) if target.provided else {}
    if target.info is not None:
        entry.database = Database(vendor=target.info.vendor, connect_us=target.info.connect_us)
    entry.request = target.request
    entry.throughput = target.throughput
    entry.guarantees = target.guarantees
    entry.counting = COUNTING
    return entry


def __dir__() -> list[str]:
    return __all__
