"""Chromium for the browser patterns: Debian's package, never a downloaded browser.

Optional: every column is offered it. Without it, the browser patterns read
*not run: no Chromium …* (they call ``session_matrix.core.overlay.require("chromium")``).

One Chromium per run: the nox process that owns the run says so (``claim_run``: it sets
``SESSION_MATRIX_CHROMIUM_RUN`` to its pid, which its columns inherit). The first column
whose browser patterns run starts it (``shared``), under a lock, through a small watcher
process (``python -m session_matrix.core.services.chromium``) that outlives that column and
stops it when the run's nox process is gone. The browser is Playwright's own browser server
(``launchServer``, run by the Node.js that Playwright ships), with the switches a column's
own launch had; every column connects to it (``chromium.connect``) in a browser context of
its own. The owner stops it as it exits (``stop_run``). Run outside such a run (the column
runner by hand), or with ``SESSION_MATRIX_SHARED_CHROMIUM=0``, a column launches a Chromium
of its own, as every column did before.

Connected over CDP instead (``connect_over_cdp``), each column also handled every other
column's pages (3 at once: 1.33 CPU-s each for 40 pages, against 0.85 s alone) and the
browser theme cost more than with one Chromium per column; through the browser server each
column sees only its own (0.56-0.59 CPU-s each, 3 at once).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

from session_matrix.core.paths import file_lock
from session_matrix.core.services import (
    EnvAddress,
    Given,
    ServiceUnavailable,
    gone_from_this_host,
)

__all__ = ["ARGS", "RUN_VAR", "SHARED_VAR", "Chromium", "claim_run", "shared", "stop_run"]

RUN_VAR = "SESSION_MATRIX_CHROMIUM_RUN"
SHARED_VAR = "SESSION_MATRIX_SHARED_CHROMIUM"  # "0": one Chromium per column
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


def _alive(pid: int) -> bool:
    return not gone_from_this_host(platform.node(), pid)


def claim_run() -> None:
    """Make this process the owner of the run's one Chromium, unless a process above it
    already is (a nox worker, the nox that ``nox -s check`` starts) or
    ``SESSION_MATRIX_SHARED_CHROMIUM=0`` says one per column; stop it at exit."""
    owner = os.environ.get(RUN_VAR, "")
    if os.environ.get(SHARED_VAR) == "0" or (owner.isdigit() and _alive(int(owner))):
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


def shared(executable: str) -> str | None:
    """The address (``ws://127.0.0.1:<port>/<id>``) of this run's one Chromium, for
    Playwright's ``connect``, started by the first caller; None outside a run, or when it
    does not start (the caller then launches its own, which says why)."""
    owner = os.environ.get(RUN_VAR, "")
    if not owner.isdigit() or not _alive(int(owner)):
        return None
    state = _state(owner)
    with file_lock(state.with_suffix(".lock")):
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            known = json.loads(state.read_text(encoding="utf-8"))
            if known["executable"] == executable and _alive(int(known["watcher"])):
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
        if not endpoint.startswith("ws://"):
            return None
        payload = {"endpoint": endpoint, "executable": executable, "watcher": watcher.pid}
        state.write_text(json.dumps(payload), encoding="utf-8")
        return endpoint


# Playwright's own browser server (``launchServer``), run by the Node.js that Playwright's
# Python package ships: the same switches as ``launch``, and each client sees only its own
# contexts. It stops when its stdin closes or on SIGTERM.
_SERVER_JS = r"""
const [driver, executable, ...args] = process.argv.slice(1);
require(driver + "/package").chromium.launchServer({executablePath: executable, args}).then(
  (server) => {
    process.stdout.write(server.wsEndpoint() + "\n");
    const stop = () => server.close().then(() => process.exit(0));
    process.stdin.on("end", stop);
    process.stdin.resume();
    process.on("SIGTERM", stop);
  },
  (error) => { process.stdout.write("no endpoint: " + error.message + "\n"); process.exit(1); },
);
"""


def _watch(owner: int, executable: str, args: Sequence[str] = ARGS) -> int:
    """Run Chromium for the run of ``owner``: print its address, then stop it when
    ``owner`` is gone or this process is told to stop. Launched by Playwright's browser
    server with the switches a column's own launch had (Playwright's defaults and
    ``ARGS``), so the patterns meet the same browser."""
    import playwright

    driver = Path(playwright.__file__).resolve().parent / "driver"
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda number, frame: stopping.append(number))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the run; its owner stops us
    # Its stdin is ours: if this process is killed outright, the server stops too.
    server = subprocess.Popen(
        [str(driver / "node"), "-e", _SERVER_JS, str(driver), executable, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdin is not None
    assert server.stdout is not None
    try:
        endpoint = server.stdout.readline().strip()
        up = endpoint.startswith("ws://")
        print(endpoint if up else f"no endpoint ({endpoint})", flush=True)
        while up and not stopping and server.poll() is None and _alive(owner):
            time.sleep(0.5)
    finally:
        server.stdin.close()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return 0


def __dir__() -> list[str]:
    return __all__


if __name__ == "__main__":
    sys.exit(_watch(int(sys.argv[1]), sys.argv[2]))
