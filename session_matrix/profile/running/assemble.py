"""What one run writes (its part of ``profile.json``, ``schemas/profile.schema.json``): the
machine, the method (every bound and count the figures depend on) and one entry per
configuration, measured or not; ``described`` is the part of an entry every configuration
has, measured or not (``orchestrate`` writes it for a version it could not run)."""

from __future__ import annotations

import contextlib
import os
import platform
from pathlib import Path
from typing import Any

from session_matrix.core import records
from session_matrix.core.vocabulary import ProfileStatus
from session_matrix.profile.measures import FIGURES, MIXES, SIZES, WORKERS
from session_matrix.profile.model.figures import Throughput
from session_matrix.profile.model.shape import as_json
from session_matrix.profile.running import cost, throughput
from session_matrix.profile.running.targets import Target
from session_matrix.profile.servers import serving

__all__ = ["configuration", "described", "machine", "method"]


def machine() -> dict[str, Any]:
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
    return {
        "cores": os.cpu_count() or 1,
        "cpu": cpu,
        "memory_gib": memory,
        "platform": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "load_at_start": [round(value, 2) for value in load],
    }


def method(
    requests: int, warmup: int, rounds: int, seconds: float, throughput_rounds: int
) -> dict[str, Any]:
    """How the figures were made; the run adds what it finds (the server, the load
    generator, where the databases live)."""
    return {
        "requests_per_figure": -(-requests // rounds) * rounds,
        "warmup": warmup,
        "rounds": rounds,
        "sizes": list(SIZES),
        "kinds": list(FIGURES),
        "noise_bound": cost.NOISE_BOUND,
        "connections": "persistent (CONN_MAX_AGE = None unless the record sets it); "
        "connecting is measured apart (database.connect_us)",
        "throughput": {
            "seconds_per_round": seconds,
            "rounds": throughput_rounds,
            "connections": throughput.CONNECTIONS,
            "workers": list(WORKERS),
            "write_share": MIXES,
            "noise_bound": throughput.NOISE_BOUND,
            "session_bytes": SIZES[0],
            "pool": serving.POOL,
        },
    }


def described(record: records.Record, status: str) -> dict[str, Any]:
    """A configuration as every entry names it: its status and its record's words."""
    return {
        "status": status,
        "engine": record.engine,
        "label": record.label,
        "description": record.description,
        "default": record.default,
    }


def configuration(target: Target) -> dict[str, Any]:
    """A configuration's entry: what was measured, or why nothing was."""
    entry = described(target.record, target.status)
    if not target.ok:
        entry["reason"] = target.reason
        return entry
    entry["services"] = dict(target.provided.versions) if target.provided else {}
    database = target.info.get("database", {})
    entry["database"] = {
        "vendor": database.get("vendor", ""),
        "connect_us": database.get("connect_us"),
    }
    entry["request"] = {kind: as_json(figure) for kind, figure in target.request.items()}
    served = target.throughput or Throughput(
        status=ProfileStatus.NOT_RUN, reason="not run: no server"
    )
    entry["throughput"] = served.to_json()
    entry["guarantees"] = {key: found.to_json(key) for key, found in target.guarantees.items()}
    entry["counting"] = {
        "queries": "Django cursor execute_wrapper",
        "cache_commands": "redis-py and pymemcache commands on the wire; Django's own "
        "caches: outermost cache API calls",
    }
    return entry


def __dir__() -> list[str]:
    return __all__
