"""``session-matrix profile`` / ``nox -s profile``: environments, the runs, the published file.

For each Django version measured (the newest; every one with ``--all-versions``) it prepares
the environment each configuration's column runs in (``nox_columns.env_spec``: the same
Django, drivers and cache clients, plus the ``profile`` dependency group, gunicorn, in an
environment of its own beside the column's so the matrix's are left alone), then starts the
``coordinator`` there. The parts become ``results/profile.json``, checked against
``schemas/profile.schema.json`` (published beside it), and a summary with ratios is printed.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
import tempfile
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from session_matrix import __version__
from session_matrix.core import column_env, config, envs, paths, records, schemas
from session_matrix.core.vocabulary import ProfileStatus
from session_matrix.profile.model import (
    Options,
    Plan,
    PlannedConfiguration,
    Profile,
    profile_text,
    read_part,
)
from session_matrix.profile.running import options
from session_matrix.profile.running.assemble import described
from session_matrix.profile.servers.processes import harness_env, spawn, stop
from session_matrix.profile.views.summary import summary_lines

__all__ = [
    "Failed",
    "build",
    "dependency_group",
    "environment",
    "main",
    "publish",
    "run",
]

FORMAT = 1


class Failed(RuntimeError):
    """The profile could not be produced; the message says why, in one line."""


def dependency_group(name: str, pyproject: Path | None = None) -> list[str]:
    """A ``[dependency-groups]`` entry of pyproject.toml, includes resolved."""
    data = tomllib.loads((pyproject or config.PYPROJECT).read_text(encoding="utf-8"))
    groups = data.get("dependency-groups", {})

    def resolve(group: str, seen: tuple[str, ...]) -> list[str]:
        found: list[str] = []
        for item in groups.get(group, []):
            if isinstance(item, dict) and "include-group" in item:
                if item["include-group"] not in seen:
                    found += resolve(item["include-group"], (*seen, group))
            else:
                found.append(str(item))
        return found

    return resolve(name, ())


def _log(message: str) -> None:
    print(f"profile: {message}", flush=True)


def environment(
    django: str,
    record: records.Record,
    matrix_group: Sequence[str],
    profile_group: Sequence[str],
    upgrade: bool = False,
) -> tuple[str, str]:
    """(the interpreter a configuration is measured with, "") or ("", why it has none): its
    column's environment (the same Django, drivers and cache clients) plus the profile
    group, in an environment of its own beside the column's."""
    spec = column_env.env_spec(django, record, list(matrix_group))
    if isinstance(spec, str):
        return "", spec
    spec = dataclasses.replace(
        spec,
        requirements=(*spec.requirements, *profile_group),
        requires=(*spec.requires, *profile_group),
    )
    try:
        return str(envs.ensure(spec, upgrade=upgrade)), ""
    except envs.InstallFailed as exc:
        last = str(exc).splitlines()[-1] if str(exc) else "no output"
        return "", f"not run: installing failed: {last}"


def _plan(
    django: str,
    matrix_group: Sequence[str],
    profile_group: Sequence[str],
    names: Sequence[str],
    upgrade: bool,
) -> tuple[str, list[PlannedConfiguration]]:
    """(the coordinator's interpreter or "", one entry per configuration)."""
    plan: list[PlannedConfiguration] = []
    base = ""
    for record in records.load_all():
        if names and record.name not in names:
            continue
        python, reason = environment(django, record, matrix_group, profile_group, upgrade)
        if not python:
            plan.append(PlannedConfiguration(record.name, reason=reason))
            continue
        plan.append(PlannedConfiguration(record.name, python=python))
        if not base and not record.requires:
            base = python
    if not base:
        base = next((entry.python for entry in plan if entry.python), "")
    return base, plan


def _run_child(command: list[str], env: dict[str, str]) -> int:
    """Run the coordinator in the foreground; on Ctrl-C (which it receives too) or SIGTERM
    (forwarded) wait for it to stop its servers, then report its exit status."""
    process = spawn(command, env=env, stdout=None, stderr=None, cwd=paths.ROOT)

    def forward(signum: int, frame: FrameType | None) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)

    previous = signal.signal(signal.SIGTERM, forward)
    try:
        while True:
            try:
                return process.wait()
            except KeyboardInterrupt:
                stop(process, signal.SIGTERM, timeout=60)
                raise
    finally:
        signal.signal(signal.SIGTERM, previous)


def _not_run_part(django: str, plan: list[PlannedConfiguration]) -> dict[str, Any]:
    configurations: dict[str, Any] = {}
    for entry in plan:
        record = records.load(entry.name)
        configurations[record.name] = described(
            record, ProfileStatus.NOT_RUN, entry.reason or "not run: no environment"
        ).to_json()
    return {"django": "", "django_series": django, "configurations": configurations}


def build(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The published document: the newest version's part at the top, the others under
    ``versions``."""
    newest, *older = parts
    document: dict[str, Any] = {
        "$schema": "profile.schema.json",
        "format": FORMAT,
        "generated_by": f"session-matrix {__version__} profile",
        **newest,
    }
    if older:
        document["versions"] = {
            part["django_series"]: {
                key: part[key] for key in ("django", "configurations", "finished") if key in part
            }
            for part in older
        }
    return document


def publish(text: str, target: Path, *, alone: bool = False) -> None:
    """Write the profile (``alone``: that file only, as ``--out`` asks) or publish it into
    ``results/`` with its schema as one set. A write that fails is ``Failed`` in one line
    naming the path and the fix, never a traceback; nothing published changes."""
    schema_text = (schemas.SCHEMAS / "profile.schema.json").read_text(encoding="utf-8")
    try:
        if alone:
            paths.write_atomic(target, text)
        else:
            published = {"profile.json": text, "profile.schema.json": schema_text}
            paths.publish(published, target.parent)
    except paths.PublishError as exc:
        raise Failed(f"nothing published: {exc}") from None
    except OSError as exc:
        raise Failed(paths.cannot_write(target, exc)) from None


def run(
    matrix_group: Sequence[str],
    profile_group: Sequence[str],
    argv: Sequence[str],
    log: Callable[[str], None] = _log,
) -> Path:
    """Measure, publish ``results/profile.json``; returns its path. ``Failed`` if nothing
    could be measured."""
    try:
        args = options.parse(argv)
    except options.InvalidOption as exc:
        raise Failed(str(exc)) from None
    versions = config.django_versions()
    chosen = versions if args.all_versions else [config.newest_release()]
    names = [n for n in (args.configurations or "").split(",") if n]
    known = records.names()
    unknown = [n for n in names if n not in known]
    if unknown:
        msg = f"unknown configuration(s) {', '.join(unknown)}; choose from {', '.join(known)}"
        raise Failed(msg)
    upgrade = bool(os.environ.get("SESSION_MATRIX_UPGRADE"))
    parts: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="session-matrix-profile-parts-") as tmp:
        for version in reversed(chosen):  # the newest first: it is the document's top
            log(f"Django {version.version}: preparing the environments")
            base, plan = _plan(version.version, matrix_group, profile_group, names, upgrade)
            if not base:
                parts.append(_not_run_part(version.version, plan))
                continue
            plan_path = Path(tmp) / f"plan-{version.version}.json"
            given = Options.given(vars(args))
            plan_path.write_text(
                Plan(version.version, tuple(plan), given).dumps(), encoding="utf-8"
            )
            out = Path(tmp) / f"part-{version.version}.json"
            command = [base, "-m", "session_matrix.profile.running.coordinator"]
            command += ["--plan", str(plan_path), "--out", str(out)]
            code = _run_child(command, harness_env())
            if code == 130:
                msg = "interrupted: servers and load generator stopped, nothing published"
                raise Failed(msg)
            if code != 0 or not out.exists():
                msg = f"the profile run for Django {version.version} failed (exit code {code})"
                raise Failed(msg)
            parts.append(read_part(out))
    document = build(parts)
    target = args.out or paths.results_dir() / "profile.json"
    text = profile_text(document, target)
    publish(text, target, alone=bool(args.out))
    for line in summary_lines(document):
        log(line)
    ok = Profile.from_json(document).measured()
    log(f"{len(ok)} of {len(document['configurations'])} configurations measured -> {target}")
    if not ok:
        msg = "no configuration could be measured (see the reasons above)"
        raise Failed(msg)
    return target


def main(argv: list[str] | None = None) -> int:
    """``session-matrix profile``: the environments from pyproject.toml's groups."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        run(dependency_group("matrix"), dependency_group("profile"), argv)
    except (Failed, schemas.InvalidInput) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 130 if str(exc).startswith("interrupted") else 1
    except KeyboardInterrupt:
        return 130
    return 0


def __dir__() -> list[str]:
    return __all__
