"""What the noxfile's ``matrix`` session does, kept out of the noxfile so tests can cover it.

Each column is a nox session without an environment of its own (``venv_backend="none"``):
it asks ``envs`` for the shared environment of its Django version (and ``requires``), then
runs the column runner there. Whatever stops a column before the runner (no interpreter, an
install that fails, a package that rejects this Django) is written as the column's last
run, keeping its previous outcomes.
"""

from __future__ import annotations

import os
import time
import uuid
from typing import TYPE_CHECKING, Any

from session_matrix.core import config, envs, interpreters, records, schemas
from session_matrix.core.column_env import env_spec
from session_matrix.core.model import (
    RUN_ID_VAR,
    ColumnKey,
    column_id,
    read_raw,
)
from session_matrix.core.paths import cannot_write, raw_path
from session_matrix.core.vocabulary import CellStatus, RunStatus, because
from session_matrix.matrix import last_run, rerun

if TYPE_CHECKING:
    import nox

__all__ = ["JOBS_VAR", "column_params", "job_slots", "run_column", "share_interpreters"]


JOBS_VAR = "SESSION_MATRIX_JOBS"


def job_slots() -> int:
    """Columns at once: one more than the cores, so that a column sleeping (the real-clock
    expiry twins: 355 s of the 1,734 s the 90 columns of the published table took, 20 %)
    leaves no core idle; ``SESSION_MATRIX_JOBS`` wins.

    Measured on 2 cores (the whole table, fresh, environments warm; one run each): 3 slots
    530 s, 4 slots 584 s (1.10x slower, same outcomes). The cores still idle a quarter of a
    3-slot run (783 CPU-seconds over 530 s x 2 cores), but a fourth column costs more than
    it fills. `nox -s bench -- --jobs N` measures it again."""
    given = os.environ.get(JOBS_VAR) or ""
    if given.isdigit() and int(given) > 0:
        return int(given)
    return (os.cpu_count() or 1) + 1


# The sessions that run columns (or, for `check`, a nox that does).
_COLUMNS = ("matrix", "check", "profile")


def _runs_columns(own: list[str]) -> bool:
    """Whether nox, given its own arguments ``own``, may run a session that runs columns:
    not when it only lists them, is itself a worker, or was told only other sessions."""
    if rerun.given(own, rerun.NOT_RUNNING):
        return False
    if not rerun.given(own, rerun.NAMING):
        return True  # the default sessions, or a selection by tag or keyword
    return any(arg.split("=", 1)[-1].startswith(_COLUMNS) for arg in own)


def share_interpreters(argv: list[str]) -> None:
    """Find every Django version's interpreter once, in the nox that starts the columns, for
    its children to inherit (``interpreters.SHARED_VAR``): each column's nox child finding
    them again took 0.9 s of a column's 13 s through pyenv's shims. Not when nox only lists
    sessions, is itself such a child, or runs only other sessions."""
    if _runs_columns(rerun.nox_arguments(argv)[0]):
        interpreters.share(django.python for django in config.django_versions())


def column_params() -> list[Any]:
    """One ``nox.param(django, configuration)`` per column, with a readable id and tags:
    the configuration, its engine, ``dj<version>``, ``default`` for the defaults, and
    ``needs-<service>`` for each service it needs (the CI workflow starts those)."""
    import nox

    params = []
    try:
        every = records.load_all()
    except schemas.InvalidInput as exc:  # while nox loads the noxfile: one line, not a traceback
        raise SystemExit(f"error: {exc}") from None
    for django in config.django_versions():
        for record in every:
            tags = sorted({record.name, record.engine, f"dj{django.version}"})
            tags += [f"needs-{service}" for service in record.needs]
            if record.default:
                tags.append("default")
            params.append(
                nox.param(
                    django.version,
                    record.name,
                    id=column_id(record.name, django.version),
                    tags=tags,
                )
            )
    return params


def _stop(
    session: nox.Session,
    record: records.Record,
    django: str,
    status: RunStatus,
    reason: str,
    spec: envs.EnvSpec | str | None = None,
) -> None:
    """Record a run that never reached the runner; the column's earlier outcomes stay. A
    file that cannot be written fails the session in one line. ``spec``: a verdict that
    holds while its inputs do (``rerun.remember``); None for one that may not (a build)."""
    key = ColumnKey.of(record.name, django)
    try:
        raw = last_run.record_stopped(key, status, reason)
    except OSError as exc:
        session.error(cannot_write(raw_path(key.id), exc))
    if spec is not None:
        rerun.remember(record, raw, spec, None)
    else:
        rerun.forget(key.id)


def _package(compiled: str, requires: tuple[str, ...]) -> str:
    """``name version`` of the first required package, from ``uv pip compile`` output."""
    wanted = records.requirement_name(requires[0]).lower().replace("_", "-")
    for line in compiled.splitlines():
        name, _, version = line.partition("==")
        if name.strip().lower().replace("_", "-") == wanted:
            return f"{name.strip()} {version.split()[0]}"
    return wanted


def _build_error(lines: list[str]) -> str:
    """The line that says why a build failed: uv's hint when it names what to install
    (``...a library that provides `libmemcached/memcached.h`...``), else the build's own
    last line (not uv's general hint)."""
    hints = [line for line in lines if line.startswith("hint:")]
    if hints and "that provides" in hints[-1]:
        return hints[-1]
    return next((line for line in reversed(lines) if line and line not in hints), "")


def _environment(
    session: nox.Session, django: str, record: records.Record, group: list[str]
) -> str:
    """The interpreter of the column's environment; stops the session if there is none."""
    spec = env_spec(django, record, group)
    if isinstance(spec, str):
        _stop(session, record, django, RunStatus.NOT_RUN, spec, spec)
        session.skip(spec)
    assert isinstance(spec, envs.EnvSpec)
    try:
        return str(envs.ensure(spec, upgrade=bool(os.environ.get("SESSION_MATRIX_UPGRADE"))))
    except envs.InstallFailed as exc:
        lines = [line.strip(" ×╰─▶│") for line in str(exc).splitlines()]
        first = next((line for line in reversed(lines) if line), "no output")
        first = first.removeprefix("cause:").strip()
        released, _ = envs.resolves(spec.requirements[:1], spec.python)
        if not released:  # e.g. a pre-release line added before its first alpha is out
            why = because(
                CellStatus.NOT_RUN, f"no Django {django} release on the package index ({first})"
            )
            _stop(session, record, django, RunStatus.NOT_RUN, why, spec)
            session.skip(why)
        if record.requires:
            ok, compiled = envs.resolves(record.requires, spec.python)
            if not ok:
                message = (
                    f"{record.path}: requires {', '.join(record.requires)} does not resolve "
                    f"({compiled}); fix the requirement"
                )
                session.error(message)
            package = _package(compiled, record.requires)
            if exc.build_failed:
                # A package built from source that lacks what this machine must provide
                # (pylibmc without libmemcached's headers): not run here, not Django's doing.
                error = _build_error(lines) or first
                why = because(CellStatus.NOT_RUN, f"{package} did not build here ({error})")
                _stop(session, record, django, RunStatus.NOT_RUN, why)
                session.skip(why)
            why = because(
                CellStatus.UNAVAILABLE, f"{package} does not support Django {django} ({first})"
            )
            _stop(session, record, django, RunStatus.UNAVAILABLE, why, spec)
            session.skip(why)
        failed = f"installing Django {django} failed: {first}"
        _stop(session, record, django, RunStatus.ERROR, failed)
        session.error(failed)
    raise AssertionError  # pragma: no cover - session.skip/error raise


def run_column(session: nox.Session, django: str, configuration: str, group: list[str]) -> None:
    """Prepare the column's environment and run it; a broken run fails the session."""
    started = time.time()
    try:
        record = records.load(configuration)
    except schemas.InvalidInput as exc:
        session.error(str(exc))
    # Only the stale cells run (all with --fresh); a column with none is not started.
    spec = env_spec(django, record, group)
    prefix = envs.ready(spec) if isinstance(spec, envs.EnvSpec) else None
    todo = rerun.plan(record, django, list(session.posargs), prefix, spec=spec)
    if todo.args is None:
        session.skip(todo.message)
    if todo.message:
        session.log(todo.message)
    python = _environment(session, django, record, group)
    run_id = uuid.uuid4().hex  # the raw file read back below must be this run's
    # 0: outcomes or a stated not-run; 1: the run broke (written, and failed below);
    # 2 (bad input, nothing written) and 130 (interrupted) fail the session here.
    session.run(
        python,
        "-m",
        "session_matrix.matrix.column",
        "--configuration",
        configuration,
        "--django",
        django,
        "--",
        *(todo.args or []),
        # Let Python cache the project's bytecode: a column starts twice as fast.
        env={
            "SESSION_MATRIX_T0": str(started),
            "PYTHONDONTWRITEBYTECODE": None,
            RUN_ID_VAR: run_id,
        },
        external=True,
        success_codes=[0, 1],
        # Interrupted, the column releases its services and records it: wait for that
        # rather than killing it 0.3 s after Ctrl-C (nox's default).
        interrupt_timeout=10.0,
    )
    record_path = raw_path(column_id(configuration, django))
    if not record_path.exists():
        session.error(f"no raw result at {record_path}")
    try:
        raw = read_raw(record_path)
    except schemas.InvalidInput as exc:
        session.error(str(exc))
    if raw.last_run.run_id != run_id:
        session.error(
            f"{record_path} is not this run's (an earlier run wrote it): this run recorded "
            "nothing; see the error above"
        )
    if raw.last_run.status == RunStatus.ERROR:
        session.error(raw.last_run.reason)
    if raw.last_run.status == RunStatus.UNAVAILABLE:  # a required package rejects Django
        built = envs.ready(spec) if isinstance(spec, envs.EnvSpec) else None
        rerun.remember(record, raw, spec, built)
    else:  # outcomes, or a not-run that may change by itself (a service that was down)
        rerun.forget(raw.column.id)
    if raw.last_run.status in (RunStatus.NOT_RUN, RunStatus.UNAVAILABLE):
        session.skip(raw.last_run.reason)


def __dir__() -> list[str]:
    return __all__
