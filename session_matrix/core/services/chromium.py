"""Chromium for the browser patterns: Debian's package, never a downloaded browser.

Optional: every column is offered it. Without it, the browser patterns read
*not run: no Chromium …* (they call ``session_matrix.core.overlay.require("chromium")``).

One Chromium per run, when ``SESSION_MATRIX_SHARED_CHROMIUM=1``: the nox process that owns
the run says so (``claim_run``: it sets ``SESSION_MATRIX_CHROMIUM_RUN`` to its pid, which its
columns inherit). The first column whose browser patterns run starts it (``shared``), under
a lock, through a small watcher process (``python -m session_matrix.core.services.chromium``)
that outlives that column, stops Chromium when the run's nox process is gone, and removes
its profile. Every column connects over CDP in a browser context of its own. The owner
stops it as it exits (``stop_run``).

It is not the default, because it measured slower: Playwright connected over CDP attaches
to every page in the browser, so each column also handles the other columns' pages (3
clients at once: 1.33 CPU-s each for 40 pages, against 0.85 s alone), and that costs more
than the launches it saves (0.6 CPU-s each). The browser theme on 4 columns took 33.8-35.7
CPU-s with one Chromium per run, 30.2-31.2 s with one per column. ``nox -s bench`` runs
both.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import ClassVar

from session_matrix.core.services import (
    EnvAddress,
    Given,
    ServiceUnavailable,
    gone_from_this_host,
)

__all__ = ["ARGS", "RUN_VAR", "SHARED_VAR", "Chromium", "claim_run", "shared", "stop_run"]

RUN_VAR = "SESSION_MATRIX_CHROMIUM_RUN"
SHARED_VAR = "SESSION_MATRIX_SHARED_CHROMIUM"  # "1": one Chromium per run
# Debian's chromium, headless, with nothing that phones home or updates itself.
ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)
_START_DEADLINE = 60.0  # seconds for Chromium to write its DevTools port


class Chromium(EnvAddress):
    name: ClassVar[str] = "chromium"
    env_var: ClassVar[str] = "CHROMIUM"
    default: ClassVar[str] = "chromium"
    placeholders: ClassVar[tuple[str, ...]] = ("chromium",)
    lost_on: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[bool] = True

    @contextlib.contextmanager
    def provide(self, label: str) -> Iterator[Given]:
        path = self.binary("Chromium", "chromium")
        try:
            version = subprocess.run(
                [path, "--version"], capture_output=True, text=True, timeout=30, check=True
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError) as exc:
            msg = f"Chromium at {path} does not start ({type(exc).__name__}: {exc})"
            raise ServiceUnavailable(msg) from exc
        number = re.search(r"\d+(?:\.\d+)+", version)
        yield Given(values={"chromium": path}, version=number.group(0) if number else version)


PROVIDER = Chromium()


def _state(owner: str) -> Path:
    return Path(tempfile.gettempdir()) / f"session-matrix-chromium-{owner}.json"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _alive(pid: int) -> bool:
    return not gone_from_this_host(platform.node(), pid)


def claim_run() -> None:
    """With ``SESSION_MATRIX_SHARED_CHROMIUM=1``, make this process the owner of the run's
    one Chromium, unless a process above it already is (a nox worker, the nox that ``nox -s
    check`` starts); stop it at exit."""
    owner = os.environ.get(RUN_VAR, "")
    if os.environ.get(SHARED_VAR) != "1" or (owner.isdigit() and _alive(int(owner))):
        return
    os.environ[RUN_VAR] = str(os.getpid())
    atexit.register(stop_run)


def stop_run() -> None:
    """Stop this process's run's Chromium, if one was started (the watcher removes its
    profile); nothing when another process owns the run."""
    owner = str(os.getpid())
    if os.environ.get(RUN_VAR) != owner:
        return
    state = _state(owner)
    with contextlib.suppress(OSError, ValueError, KeyError):
        watcher = int(json.loads(state.read_text(encoding="utf-8"))["watcher"])
        os.kill(watcher, signal.SIGTERM)
    state.unlink(missing_ok=True)
    state.with_suffix(".lock").unlink(missing_ok=True)


def _answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/json/version", timeout=5) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


def shared(executable: str) -> str | None:
    """The CDP address (``http://127.0.0.1:<port>``) of this run's one Chromium, started
    by the first caller; None outside a run, or when it does not start (the caller then
    launches its own, which says why)."""
    owner = os.environ.get(RUN_VAR, "")
    if not owner.isdigit() or not _alive(int(owner)):
        return None
    state = _state(owner)
    with _locked(state.with_suffix(".lock")):
        with contextlib.suppress(OSError, ValueError, KeyError):
            known = json.loads(state.read_text(encoding="utf-8"))
            if known["executable"] == executable and _answers(known["endpoint"]):
                return str(known["endpoint"])
        watcher = subprocess.Popen(
            [sys.executable, "-m", __name__, owner, executable],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,  # not stopped with the column that started it
            cwd=Path(__file__).resolve().parents[3],  # where session_matrix imports from
        )
        assert watcher.stdout is not None
        endpoint = watcher.stdout.readline().strip()
        watcher.stdout.close()
        if not endpoint.startswith("http://"):
            return None
        payload = {"endpoint": endpoint, "executable": executable, "watcher": watcher.pid}
        state.write_text(json.dumps(payload), encoding="utf-8")
        return endpoint


def _port(profile: Path, alive: Callable[[], bool]) -> int | None:
    """The port Chromium writes to ``DevToolsActivePort`` once it listens."""
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + _START_DEADLINE
    while time.monotonic() < deadline and alive():
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int(marker.read_text(encoding="utf-8").splitlines()[0])
        time.sleep(0.05)
    return None


def _watch(owner: int, executable: str, args: Sequence[str] = ARGS) -> int:
    """Run Chromium for the run of ``owner``: print its CDP address, then stop it (and
    remove its profile) when ``owner`` is gone or this process is told to stop.

    Chromium is launched by Playwright, as a column launched its own: the same switches
    (Playwright's defaults and ``ARGS``), so the patterns meet the same browser, plus a
    DevTools port for the columns to connect to."""
    from playwright.sync_api import Error, sync_playwright

    profile = Path(tempfile.mkdtemp(prefix="session-matrix-chromium-"))
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda number, frame: stopping.append(number))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the run; its owner stops us
    try:
        with sync_playwright() as playwright:
            try:
                context = playwright.chromium.launch_persistent_context(
                    profile,
                    executable_path=executable,
                    args=[*args, "--remote-debugging-port=0"],
                )
            except Error as exc:
                print(f"no port: {exc}", flush=True)
                return 1
            up = [True]
            context.on("close", lambda _: up.clear())
            port = _port(profile, lambda: bool(up))
            print(f"http://127.0.0.1:{port}" if port else "no port", flush=True)
            while port and not stopping and up and _alive(owner):
                time.sleep(0.5)
            with contextlib.suppress(Error):
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return 0


def __dir__() -> list[str]:
    return __all__


if __name__ == "__main__":
    sys.exit(_watch(int(sys.argv[1]), sys.argv[2]))
