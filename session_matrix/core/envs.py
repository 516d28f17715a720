"""The columns' environments: one per Django version, plus one per distinct ``requires`` set.

Every built-in configuration runs in the same environment for its Django version (the
``matrix`` dependency group holds every driver and cache client), so a cold run creates
one environment per Django version, not one per column. A third-party engine's ``requires`` get an
environment of their own beside it. Environments live in ``SESSION_MATRIX_ENVDIR``
(default ``.nox/columns``), are created with uv when nox has it (else venv and pip), and
are reused while their specification (interpreter and requirements) is unchanged. A lock
per environment lets parallel columns share one: the first builds, the others wait.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from session_matrix.core.paths import ROOT, file_lock

__all__ = ["EnvSpec", "InstallFailed", "ensure", "envdir", "ready", "resolves"]

_MARKER = ".session-matrix-env.json"


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
    with file_lock(envdir() / f".{spec.name}.lock"):
        if upgrade or not marker.exists() or marker.read_text(encoding="utf-8") != wanted:
            if log:
                verb = "upgrading" if upgrade and marker.exists() else "preparing"
                print(f"{verb} {location} ({len(spec.requirements)} requirements)", flush=True)
            marker.unlink(missing_ok=True)
            _install(spec, location, upgrade)
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
    done = subprocess.run(
        [uv, "pip", "compile", "--quiet", "--no-header", "--python", python, "-"],
        input="\n".join(requirements),
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    if done.returncode == 0:
        return True, done.stdout
    lines = [line.strip(" ×╰─▶") for line in done.stderr.splitlines() if line.strip(" ×╰─▶")]
    return False, " ".join(lines[:3])


def __dir__() -> list[str]:
    return __all__
