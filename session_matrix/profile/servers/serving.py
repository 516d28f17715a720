"""Phase 2 of a run, its start: every configuration behind gunicorn (1 and 2 sync workers) on
its worker's database, each server ready with the load generator's pool of sessions, a wrk
script per mix and, on the 1-worker server, a canary for the app-server restart.

``throughput`` then drives the servers, ``guarantees_served`` measures through them, and
``stop`` ends them (each is also registered with the run's ``ExitStack``).
"""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from session_matrix.core.vocabulary import Guarantee, ProfileStatus
from session_matrix.profile.client import Client, Site, http_transport
from session_matrix.profile.measures import MIXES, OVERLAP_DIR_VAR, SIZES, WORKERS
from session_matrix.profile.model.figures import Throughput
from session_matrix.profile.model.published import Method
from session_matrix.profile.running.targets import Target, log, ready
from session_matrix.profile.servers.app_server import Gunicorn, gunicorn_options
from session_matrix.profile.servers.load_generator import Pool, Wrk, WrkRound

__all__ = [
    "CANARY",
    "POOL",
    "Served",
    "cookie_store",
    "start",
    "stop",
    "stop_all",
    "until_ready",
]

POOL = 16  # sessions the load generator spreads its requests over
CANARY = "restart"  # the value the canary's session holds across an app-server restart


@dataclass(eq=False)
class Served:
    """One configuration behind one gunicorn server."""

    target: Target
    workers: int
    server: Gunicorn
    scripts: dict[str, Path] = field(default_factory=dict)  # mix -> wrk script
    rounds: dict[str, list[WrkRound]] = field(default_factory=dict)  # mix -> wrk's
    canary: Client | None = None  # a visitor whose session holds CANARY


def until_ready(client: Client, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    last = ""
    while time.monotonic() < deadline:
        try:
            reply = client.request("GET", "/untouched/")
            if reply.status == 200:
                return
            last = f"HTTP {reply.status}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.1)
    msg = f"the server did not answer within {seconds:.0f} s ({last})"
    raise RuntimeError(msg)


def cookie_store(target: Target) -> bool:
    """The session travels in the cookie (Django's signed_cookies): every write sets a new
    one, so a new cookie is not a new session."""
    return str(target.record.settings.get("SESSION_ENGINE", "")).endswith("signed_cookies")


def _pool(port: int, site: Site, cookies_hold_session: bool) -> Pool:
    """POOL sessions, session ``i`` holding "0" under the key ``s<i>``."""
    keys, sessions, others, tokens = [], [], [], []
    for number in range(1, POOL + 1):
        key = f"s{number}"
        client = Client(http_transport(port), site)
        client.request("GET", f"/token/{SIZES[0]}/")
        reply = client.request("POST", f"/session/{key}/", {"value": "0"})
        if reply.status != 200 or not client.session_cookie:
            msg = f"seeding the load generator's sessions: HTTP {reply.status}"
            raise RuntimeError(msg)
        keys.append(key)
        sessions.append(client.session_cookie)
        others.append(
            "; ".join(f"{k}={v}" for k, v in client.jar.items() if k != site.session_cookie)
        )
        tokens.append(client.token or client.jar.get(site.csrf_cookie, ""))
    return Pool(
        tuple(keys),
        tuple(sessions),
        tuple(others),
        tuple(tokens),
        site.session_cookie,
        site.csrf_header,
        cookies_hold_session,
    )


def start(
    targets: list[Target],
    rundir: Path,
    stack: contextlib.ExitStack,
    method: Method,
) -> tuple[Wrk, list[Served]]:
    """The load generator, and the servers that are ready (a configuration whose servers
    are not says why in its throughput); ``method.throughput`` gets their versions."""
    ok = ready(targets)
    wrk = Wrk()
    found = {python: gunicorn_options(python) for python in {t.python for t in ok}}
    versions = {python: version for python, (version, _) in found.items()}
    method.throughput.load_generator = wrk.version() or None
    method.throughput.server = (
        f"gunicorn {sorted(set(versions.values()))[-1]}, sync workers"
        if any(versions.values())
        else None
    )
    served: list[Served] = []
    for target in ok:
        if not versions[target.python]:
            target.throughput = Throughput(
                status=ProfileStatus.NOT_RUN, reason="not run: gunicorn is not installed"
            )
            target.unmeasured(Guarantee.LOST_UPDATES, "gunicorn is not installed")
            continue
        for workers in WORKERS:
            server = Gunicorn(
                target.python,
                workers,
                target.env(target.use_database()) | {OVERLAP_DIR_VAR: str(rundir / "overlap")},
                rundir / f"{target.name}-gunicorn-{workers}.log",
                found[target.python][1],
            ).start()
            stack.callback(server.stop)
            served.append(Served(target, workers, server))
    log(f"servers: {len(served)} gunicorn servers starting (1 and 2 workers per configuration)")
    for entry in list(served):
        target = entry.target
        try:
            site = target.site()
            client = Client(http_transport(entry.server.port), site)
            until_ready(client)
            pool = _pool(entry.server.port, site, cookie_store(target))
            for mix, share in MIXES.items():
                path = rundir / f"{target.name}-{entry.workers}-{mix}.lua"
                entry.scripts[mix] = wrk.script(path, pool, share)
            if entry.workers == WORKERS[0]:
                reply = client.request("POST", "/session/canary/", {"value": CANARY})
                if reply.status == 200:
                    entry.canary = client
        except (RuntimeError, OSError) as exc:
            target.throughput = Throughput(
                status=ProfileStatus.ERROR, reason=f"{exc}: {entry.server.tail()}"
            )
            served = [s for s in served if s.target is not target]
    return wrk, served


def stop(served: list[Served]) -> None:
    """Every server stopped, all at once (each takes a moment to stop its workers)."""
    stop_all([entry.server for entry in served])


def stop_all(servers: list[Gunicorn]) -> None:
    """Stop ``servers`` side by side: their graceful stops overlap instead of adding up."""
    with ThreadPoolExecutor(max_workers=max(1, len(servers))) as pool:
        list(pool.map(lambda server: server.stop(), servers))


def __dir__() -> list[str]:
    return __all__
