"""The columns' environments: one per Django version, plus one per distinct ``requires`` set.

Every built-in configuration runs in the same environment for its Django version (the
``matrix`` dependency group holds every driver and cache client), so a cold run creates
one environment per Django version, not one per column. A third-party engine's ``requires`` get an
environment of their own beside it. Environments live in ``SESSION_MATRIX_ENVDIR``
(default ``.nox/columns``), are created with uv when nox has it (else venv and pip), and
are reused while their specification (interpreter and requirements) is unchanged. A lock
per environment lets parallel columns share one: the first builds, the others wait.

A run (the nox that starts the columns, ``claim_run``) tries each environment, and asks the
index each question, once: a column that finds its environment failed earlier in the same
run gets that failure again. The 23 columns of a Django line with no release yet each asked
the index twice otherwise, in turn behind the environment's lock: 95 of the 1,544
column-seconds of a full fresh run. The next run tries again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from session_matrix.core.paths import ROOT, file_lock

__all__ = [
    "RUN_VAR",
    "EnvSpec",
    "InstallFailed",
    "claim_run",
    "ensure",
    "envdir",
    "ready",
    "resolves",
]

_MARKER = ".session-matrix-env.json"
RUN_VAR = "SESSION_MATRIX_ENV_RUN"  # the run whose answers are reused (``claim_run``)


# What uv ("Failed to build `pkg==1.0`") and pip ("Failed building wheel for pkg") say when a
# package's build from source failed, rather than its resolution.
_BUILD_FAILED = re.compile(r"Failed to build `|Failed building wheel for ")


class InstallFailed(RuntimeError):
    """The requirements could not be installed; the message is the installer's own.
    ``build_failed``: a package resolved but did not build (a C header this machine lacks)."""

    def __init__(self, message: str, build_failed: bool = False) -> None:
        super().__init__(message)
        self.build_failed = build_failed


@dataclass(frozen=True)
class EnvSpec:
    """What an environment holds: an interpreter and requirements."""

    django: str
    python: str  # the interpreter's path
    requirements: tuple[str, ...]
    requires: tuple[str, ...] = ()  # the configuration's own (part of requirements too)
    pre: bool = False  # a Django pre-release

    @property
    def name(self) -> str:
        if not self.requires:
            return f"dj{self.django}"
        digest = hashlib.sha256("\n".join(sorted(self.requires)).encode()).hexdigest()[:8]
        return f"dj{self.django}-{digest}"


def envdir() -> Path:
    return Path(os.environ.get("SESSION_MATRIX_ENVDIR") or ROOT / ".nox" / "columns")


def claim_run() -> None:
    """Make this process, and every process it starts, one run, unless a process above it
    already made one (the nox that ``nox -s check`` starts joins the run above it)."""
    os.environ.setdefault(RUN_VAR, uuid.uuid4().hex)


def _answer_path(kind: str, key: str) -> Path:
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return envdir() / "answers" / f"{kind}-{digest}.json"


def _earlier(kind: str, key: str) -> dict[str, object] | None:
    """What this run found for ``key`` already, or None (outside a run, another run's
    answer, or one that cannot be read: ask again)."""
    run = os.environ.get(RUN_VAR)
    if not run:
        return None
    try:
        kept = json.loads(_answer_path(kind, key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(kept, dict) or kept.get("run") != run or kept.get("key") != key:
        return None
    return kept


def _keep(kind: str, key: str, answer: dict[str, object]) -> None:
    """Keep ``answer`` for the rest of this run; nothing outside a run, or if it cannot be
    written (the next column asks again)."""
    run = os.environ.get(RUN_VAR)
    if not run:
        return
    path = _answer_path(kind, key)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_text(json.dumps(answer | {"run": run, "key": key}), encoding="utf-8")
        partial.replace(path)


def _uv() -> str | None:
    with contextlib.suppress(ImportError, AttributeError):
        import nox.virtualenv

        has_uv, uv, _ = nox.virtualenv.find_uv()
        if has_uv:
            return str(uv)
    return shutil.which("uv")


def _run(command: Sequence[str], env: dict[str, str] | None = None) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        text = done.stderr.strip() or done.stdout.strip()
        output = text.splitlines()
        raise InstallFailed(
            "\n".join(output[-30:]) or f"exit code {done.returncode}",
            build_failed=bool(_BUILD_FAILED.search(text)),
        )


def _install(spec: EnvSpec, location: Path, upgrade: bool) -> None:
    uv = _uv()
    python = location / "bin" / "python"
    flags = ["--upgrade"] if upgrade else []
    flags += ["--prerelease=allow"] if spec.pre and uv else ["--pre"] if spec.pre else []
    if uv:
        if not python.exists():
            _run([uv, "venv", "--quiet", "--python", spec.python, str(location)])
        # Bytecode now, once per environment: every column starting in it would compile it.
        _run(
            [
                uv,
                "pip",
                "install",
                "--quiet",
                "--compile-bytecode",
                "--python",
                str(python),
                *flags,
                *spec.requirements,
            ]
        )
    else:
        if not python.exists():
            _run([spec.python, "-m", "venv", str(location)])
        _run([str(python), "-m", "pip", "install", "--quiet", *flags, *spec.requirements])


def ensure(spec: EnvSpec, *, upgrade: bool = False, log: bool = True) -> Path:
    """The environment for ``spec``, created or updated if needed; its interpreter's path."""
    location = envdir() / spec.name
    marker = location / _MARKER
    wanted = json.dumps(asdict(spec), sort_keys=True)
    key = f"{wanted}\nupgrade={upgrade}"
    with file_lock(envdir() / f".{spec.name}.lock"):
        if upgrade or not marker.exists() or marker.read_text(encoding="utf-8") != wanted:
            failed = _earlier("install", key)
            if failed is not None:  # another column of this run tried it already
                raise InstallFailed(str(failed["message"]), bool(failed["build_failed"]))
            if log:
                verb = "upgrading" if upgrade and marker.exists() else "preparing"
                print(f"{verb} {location} ({len(spec.requirements)} requirements)", flush=True)
            marker.unlink(missing_ok=True)
            try:
                _install(spec, location, upgrade)
            except InstallFailed as exc:
                _keep("install", key, {"message": str(exc), "build_failed": exc.build_failed})
                raise
            marker.write_text(wanted, encoding="utf-8")
    return location / "bin" / "python"


def ready(spec: EnvSpec) -> Path | None:
    """The environment for ``spec`` if it is built and up to date (nothing is built): its
    folder, or None."""
    location = envdir() / spec.name
    marker = location / _MARKER
    wanted = json.dumps(asdict(spec), sort_keys=True)
    try:
        return location if marker.read_text(encoding="utf-8") == wanted else None
    except OSError:
        return None


def resolves(
    requirements: Sequence[str], python: str, timeout: float | None = None
) -> tuple[bool, str]:
    """Whether ``requirements`` resolve on their own (no Django pin): ``(ok, first line or
    the chosen versions)``; tells a misspelt package from one that rejects a Django. An index
    that does not answer within ``timeout`` seconds raises ``subprocess.TimeoutExpired``."""
    uv = _uv()
    if uv is None:
        return True, ""
    key = json.dumps([list(requirements), python])
    asked = _earlier("resolves", key)
    if asked is not None:
        return bool(asked["ok"]), str(asked["text"])
    done = subprocess.run(
        [uv, "pip", "compile", "--quiet", "--no-header", "--python", python, "-"],
        input="\n".join(requirements),
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    if done.returncode == 0:
        answer = (True, done.stdout)
    else:
        lines = [line.strip(" ×╰─▶") for line in done.stderr.splitlines() if line.strip(" ×╰─▶")]
        answer = (False, " ".join(lines[:3]))
    _keep("resolves", key, {"ok": answer[0], "text": answer[1]})
    return answer


def __dir__() -> list[str]:
    return __all__
