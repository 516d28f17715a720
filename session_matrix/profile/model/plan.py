"""What a run is told and what its workers measure: ``Sample`` (one timed request of the
cost phase, as a worker measured it), ``Options`` and ``Plan`` (what ``session-matrix
profile`` hands its coordinator, in the plan file: the options travel there, parsed once,
never turned back into argv). Standard library only.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from session_matrix.profile.measures import DEFAULTS

__all__ = [
    "Options",
    "Plan",
    "PlannedConfiguration",
    "Sample",
]


class Sample(NamedTuple):
    """One timed request, as the worker measured it (a list of ints on the wire)."""

    ns: int  # its time, nanoseconds
    queries: int  # SQL statements it sent
    cache_commands: int  # cache commands it sent
    set_cookie_bytes: int  # the session cookie's Set-Cookie value in the answer (0: none)
    cookie_bytes: int  # the session cookie it carried, name=value
    status: int  # the HTTP status
    wrong: int = 0  # 1: answered below 400 with the wrong content

    @classmethod
    def of(cls, row: Sequence[int]) -> Sample:
        return cls(*row)


@dataclass(frozen=True)
class Options:
    """A run's size (``DEFAULTS`` unless told otherwise)."""

    requests: int = DEFAULTS["requests"]
    warmup: int = DEFAULTS["warmup"]
    rounds: int = DEFAULTS["rounds"]
    seconds: float = DEFAULTS["seconds"]
    throughput_rounds: int = DEFAULTS["throughput_rounds"]

    @classmethod
    def given(cls, values: dict[str, Any]) -> Options:
        """The options given (None: the default)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names and v is not None})


@dataclass(frozen=True)
class PlannedConfiguration:
    """A configuration to measure: the interpreter of its environment, or why none."""

    name: str
    python: str = ""
    reason: str = ""


@dataclass(frozen=True)
class Plan:
    """What one coordinator run measures, and how much."""

    django: str
    configurations: tuple[PlannedConfiguration, ...]
    options: Options = field(default_factory=Options)

    def dumps(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=1)

    @classmethod
    def read(cls, path: Path) -> Plan:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            str(data["django"]),
            tuple(PlannedConfiguration(**item) for item in data["configurations"]),
            Options(**data.get("options", {})),
        )


def __dir__() -> list[str]:
    return __all__
