"""What a column's nox session runs: only its stale cells (``staleness``), all of them, or
nothing at all.

- Extra pytest arguments (``nox -- -k naive``) run as given: the user chose the cells.
- ``--fresh`` among them, ``SESSION_MATRIX_FRESH=1`` or ``SESSION_MATRIX_UPGRADE=1`` (what
  ``nox -s check`` sets) rerun every cell.
- A column with no raw file, or a damaged one (it is named, and moved aside by the runner),
  reruns every cell; so does one where every cell is stale.
- Otherwise the stale patterns run as a selection (their node ids), merged into the column
  like any selection; a column with nothing stale is not started.
- A column whose last run stopped before its patterns, as *not run* (no interpreter, no
  release of its Django line on the package index) or *not available* (a required package
  rejects its Django), is not started either while that verdict's inputs
  (``staleness.verdict_inputs``) are the ones it was reached from: the nox process asks the
  package index once per environment specification, not each column in a session of its
  own. The inputs are remembered (``remember``) beside the environments, in
  ``<envdir>/verdicts/``, for the raw file and the run that wrote them: a raw file from
  elsewhere (CI, another checkout) is checked by a run first.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from session_matrix.core import envs, paths, schemas
from session_matrix.core.catalogue import base_id
from session_matrix.core.model import RawRecord, column_id, read_raw
from session_matrix.core.records import Record
from session_matrix.core.vocabulary import RunStatus
from session_matrix.matrix import staleness

__all__ = [
    "FRESH_FLAG",
    "FRESH_VAR",
    "NAMING",
    "NOT_RUNNING",
    "Plan",
    "default_sessions",
    "forget",
    "given",
    "kept_since",
    "nox_arguments",
    "plan",
    "remember",
    "verdict_path",
]

FRESH_FLAG = "--fresh"
FRESH_VAR = "SESSION_MATRIX_FRESH"
_UP_TO_DATE = "up to date"
_UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Plan:
    """The pytest arguments to run the column with (None: do not start it), and why."""

    args: list[str] | None
    message: str


def _fresh(posargs: list[str]) -> bool:
    forced = (os.environ.get(FRESH_VAR) or "").strip().lower() in ("1", "true", "yes")
    return forced or FRESH_FLAG in posargs or bool(os.environ.get("SESSION_MATRIX_UPGRADE"))


def _repeat() -> int:
    text = os.environ.get("SESSION_MATRIX_REPEAT") or "1"
    return int(text) if text.isdigit() else 1  # the runner refuses a bad value itself


def kept_since(raw: RawRecord, nodes: list[str] | None = None) -> str:
    """When the kept rows ran: ``2026-12-01`` or ``2026-11-20 to 2026-12-01``."""
    dates = sorted(
        {row.at[:10] for node, row in raw.tests.items() if nodes is None or node in nodes}
    )
    if not dates:
        return "never"
    return dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"


_KEPT_VERDICTS = (RunStatus.NOT_RUN, RunStatus.UNAVAILABLE)


def verdict_path(column: str, results: Path | None = None) -> Path:
    """Where the inputs of ``column``'s last verdict from before its patterns are kept, for
    the raw file in ``results`` (``nox -s check``'s scratch directory has verdicts of its
    own)."""
    raw = paths.raw_path(column, results).resolve()
    where = hashlib.sha256(str(raw.parent).encode()).hexdigest()[:8]
    return envs.envdir() / "verdicts" / f"{column}-{where}.json"


def forget(column: str, results: Path | None = None) -> None:
    """Drop ``column``'s remembered verdict: its last run ran patterns, or stopped for a
    reason that may change by itself."""
    with contextlib.suppress(OSError):
        verdict_path(column, results).unlink(missing_ok=True)


def _verdict(raw: RawRecord, path: Path, inputs: str) -> dict[str, str]:
    last = raw.last_run
    return {
        "raw": str(path.resolve()),
        "finished": last.finished,
        "status": last.status.value,
        "reason": last.reason,
        "inputs": inputs,
    }


def remember(
    record: Record,
    raw: RawRecord,
    spec: envs.EnvSpec | str,
    prefix: Path | None,
    results: Path | None = None,
) -> None:
    """Keep what ``raw``'s verdict (not run or not available, before any pattern ran) was
    reached from; forget it when that cannot be read (the column then starts next time)."""
    path = paths.raw_path(raw.column.id, results)
    target = verdict_path(raw.column.id, results)
    imports = raw.last_run.status == RunStatus.UNAVAILABLE
    inputs = staleness.verdict_inputs(record, spec, prefix, imports=imports)
    # Not kept (no inputs, or a folder that cannot be written): the column starts next time.
    with contextlib.suppress(OSError):
        if inputs is None or raw.last_run.status not in _KEPT_VERDICTS:
            target.unlink(missing_ok=True)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        paths.write_atomic(target, json.dumps(_verdict(raw, path, inputs), indent=1))


def _verdict_holds(
    record: Record,
    raw: RawRecord,
    results: Path | None,
    spec: envs.EnvSpec | str,
    prefix: Path | None,
) -> bool:
    """Whether ``raw``'s last run is a remembered verdict whose inputs have not changed."""
    path = paths.raw_path(raw.column.id, results)
    try:
        kept = json.loads(verdict_path(raw.column.id, results).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(kept, dict) or "inputs" not in kept:
        return False
    imports = raw.last_run.status == RunStatus.UNAVAILABLE
    inputs = staleness.verdict_inputs(record, spec, prefix, imports=imports)
    return inputs is not None and kept == _verdict(raw, path, inputs)


def plan(
    record: Record,
    django: str,
    posargs: list[str],
    prefix: Path | None,
    results: Path | None = None,
    codes: dict[str, staleness.PatternCode] | None = None,
    spec: envs.EnvSpec | str | None = None,
) -> Plan:
    """What to run for ``record`` on ``django``, in the environment at ``prefix`` (None
    when it is not built yet: every cell is then stale). ``spec``: the column's environment
    (or why it has none), to tell whether a remembered verdict still holds."""
    given = [arg for arg in posargs if arg != FRESH_FLAG]
    if given:
        return Plan(given, "")
    if _fresh(posargs):
        return Plan([], "fresh: every cell runs")
    path = paths.raw_path(column_id(record.name, django), results)
    if not path.exists():
        return Plan([], "no earlier result: every cell runs")
    try:
        raw = read_raw(path)
    except schemas.InvalidInput as exc:
        return Plan([], f"damaged raw result, every cell runs again: {exc}")
    last = raw.last_run
    if (
        spec is not None
        and last.status in _KEPT_VERDICTS
        and _verdict_holds(record, raw, results, spec, prefix)
    ):
        since = last.finished[:10] or "an earlier run"
        return Plan(None, f"{_UNCHANGED} since {since}: {last.reason} (--fresh tries again)")
    fingerprints = staleness.current(record, prefix, codes=codes)
    todo = staleness.stale(raw, fingerprints, _repeat())
    if not todo:
        return Plan(None, f"{_UP_TO_DATE}: {len(raw.tests)} cells kept, run {kept_since(raw)}")
    if len(todo) == len(fingerprints):
        return Plan([], f"every cell is stale ({len(todo)} patterns): every cell runs")
    wanted = set(todo)
    kept = [node for node in raw.tests if base_id(node) not in wanted]
    return Plan(
        sorted(todo),
        f"{len(todo)} stale pattern(s) run; {len(kept)} cells kept, run {kept_since(raw, kept)}",
    )


# nox options after which this nox runs no session in its children: it lists them, prints
# its help, or is itself a worker of ``--parallel``.
NOT_RUNNING: tuple[str, ...] = ("-l", "--list", "--list-sessions", "--json", "--usage")
NOT_RUNNING += ("--parallel-worker", "-h", "--help")
NAMING = ("-s", "--session", "--sessions", "-e")  # nox options that name the sessions to run
# nox options that choose sessions (by name, tag or keyword), or run none.
_CHOOSING = (*NAMING, "-t", "--tags", "-k", "--keywords", *NOT_RUNNING)


def nox_arguments(argv: list[str]) -> tuple[list[str], list[str]]:
    """nox's command line split into its own arguments and the sessions' (after ``--``)."""
    cut = argv.index("--") if "--" in argv else len(argv)
    return argv[:cut], argv[cut + 1 :]


def given(own: list[str], options: tuple[str, ...]) -> bool:
    """Whether any of ``options`` is among nox's own arguments ``own`` (``--opt=value`` too)."""
    return any(arg.split("=", 1)[0] in options for arg in own)


def default_sessions(argv: list[str], group: list[str]) -> list[str]:
    """What plain ``nox`` runs: the columns with a stale cell, then the report; every column
    (``matrix``) when nox was told which sessions to run, or given pytest arguments or
    ``--fresh``, or when the check itself fails (each column's session checks again)."""
    every = ["matrix", "report"]
    own, posargs = nox_arguments(argv)
    if given(own, _CHOOSING) or posargs or _fresh([]):
        return every
    from session_matrix.core import config, interpreters, records
    from session_matrix.core.column_env import env_spec

    try:
        codes = staleness.pattern_codes()
        versions = config.django_versions()
        every_record = records.load_all()
        # Finding each Django version's interpreter waits on a subprocess: all at once.
        interpreters.share(django.python for django in versions)
        with ThreadPoolExecutor(max_workers=8) as pool:
            columns = []
            for django in versions:
                for record in every_record:
                    spec = env_spec(django.version, record, group)
                    prefix = envs.ready(spec) if isinstance(spec, envs.EnvSpec) else None
                    column = column_id(record.name, django.version)
                    asks = isinstance(spec, envs.EnvSpec) and prefix is None
                    asks = asks and verdict_path(column).exists()
                    columns.append((asks, column, record, django.version, spec, prefix))
            # The index questions of the remembered verdicts wait on the network: asked all
            # at once, while the other columns are checked.
            asking = [c[4] for c in columns if c[0] and isinstance(c[4], envs.EnvSpec)]
            asked = pool.submit(staleness.ask_index, asking)
            stale = []
            for asks, column, record, django_version, spec, prefix in sorted(
                columns, key=lambda c: c[0]
            ):
                if asks:
                    asked.result()
                todo = plan(record, django_version, [], prefix, codes=codes, spec=spec)
                if todo.args is not None:
                    stale.append((column, f"matrix({column})"))
        order = {c[1]: n for n, c in enumerate(columns)}
        stale.sort(key=lambda item: order[item[0]])
    except Exception:
        return every
    return [*(session for _, session in stale), "report"]
    return [*stale, "report"]


def __dir__() -> list[str]:
    return __all__
