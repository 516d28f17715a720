"""One configuration's measurement process: the real project, requests in process.

    python -m session_matrix.profile.worker      (started by the coordinator, never by hand)

The environment names the configuration (``SESSION_MATRIX_ENGINE``), what its services gave
(``SESSION_MATRIX_PROVIDED``) and the database (``SESSION_MATRIX_PROFILE_DB``). The worker
sets Django up, prints one JSON line (Django's version, the settings a client needs), then
answers one JSON command per line on stdin with one JSON line on stdout; everything else it
prints goes to stderr. It measures only when told: the coordinator decides the order, so that
configurations take turns and drift on the machine hits all of them alike.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import random
import string
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from session_matrix.profile import djangoproc
from session_matrix.profile.client import Client, Reply, Site, Transport

__all__ = ["main", "payload"]

USERNAME = "profile-user"
PASSWORD = "profile-password"
BROWSER_COOKIE_LIMIT = 4096  # bytes of name=value a browser keeps (RFC 6265's minimum)
_ALPHABET = string.ascii_letters + string.digits


@functools.cache
def payload(size: int) -> str:
    """What the project's ``/token/<size>/`` view stores: ``size`` incompressible characters,
    seeded from ``size`` (the same in every process)."""
    return "".join(random.Random(size).choices(_ALPHABET, k=size))


class Worker:
    def __init__(self, transport: Transport, site: Site) -> None:
        self.transport = transport
        self.site = site
        self.clients: dict[str, Client] = {}
        self.kept: dict[str, list[Client]] = {}

    def client(self) -> Client:
        return Client(self.transport, self.site)

    def seeded(self, size: int) -> Client:
        """A visitor whose session holds ``size`` bytes of data and a counter ``n``."""
        client = self.client()
        for method, path in (("GET", f"/token/{size}/"), ("POST", "/session/n/")):
            reply = client.request(method, path, {"value": "0"})
            if reply.status != 200:
                msg = f"seeding a {size}-byte session: {path} answered {reply.status}"
                raise RuntimeError(msg)
        return client

    # -------------------------------------------------------------- cost per request

    def block(self, kind: str, size: int, count: int) -> dict[str, list[list[int]]]:
        """``count`` requests of one kind on a session of ``size`` bytes; per request:
        [ns, queries, cache commands, Set-Cookie bytes, Cookie bytes, status]."""
        key = f"{kind}:{size}"
        if key not in self.clients:
            self.clients[key] = self.seeded(size)
        client = self.clients[key]
        out: dict[str, list[list[int]]] = {}

        def timed(name: str, send: Callable[[], Reply]) -> None:
            before = djangoproc.COUNTS.snapshot()
            reply = send()
            after = djangoproc.COUNTS.snapshot()
            out.setdefault(name, []).append(
                [
                    reply.elapsed_ns,
                    after[0] - before[0],
                    after[1] - before[1],
                    reply.set_cookie_bytes,
                    reply.cookie_bytes,
                    reply.status,
                ]
            )

        credentials = {"username": USERNAME, "password": PASSWORD}
        for number in range(count):
            if kind == "anonymous":
                timed(kind, lambda: client.request("GET", "/untouched/"))
            elif kind == "read":
                timed(kind, lambda: client.request("GET", "/session/n/"))
            elif kind == "write":
                value = {"value": str(number)}
                timed(kind, functools.partial(client.request, "POST", "/session/n/", value))
            elif kind == "auth":
                # An anonymous visitor holding `size` bytes logs in, then out (which flushes
                # the session): the data is stored again, untimed, before the next login.
                self.store_directly(client, size)
                timed("login", lambda: client.request("POST", "/login/", credentials))
                timed("logout", lambda: client.request("POST", "/logout/"))
            else:
                msg = f"unknown request kind {kind!r}"
                raise ValueError(msg)
        return out

    def store_directly(self, client: Client, size: int) -> None:
        """What ``/token/<size>/`` does for a new visitor, through the engine's
        ``SessionStore`` without a request (untimed set-up, cheaper than a request)."""
        store = new_store()
        store["token"] = payload(size)
        store.save()
        client.jar[self.site.session_cookie] = str(store.session_key)

    # -------------------------------------------------------------- guarantees

    def replay(self) -> dict[str, Any]:
        """Log in, copy the cookies, log out through the view, send the copy again."""
        client = self.client()
        credentials = {"username": USERNAME, "password": PASSWORD}
        login = client.request("POST", "/login/", credentials)
        stolen = client.copy()
        logout = client.request("POST", "/logout/")
        after = stolen.request("GET", "/whoami/")
        if 200 not in (login.status,) or logout.status != 200 or after.status != 200:
            statuses = f"login {login.status}, logout {logout.status}, replay {after.status}"
            return {"error": f"unexpected status: {statuses}"}
        return {"authenticated_after_logout": bool(json.loads(after.body)["authenticated"])}

    def round_trip(self, size: int) -> dict[str, Any]:
        client = self.client()
        stored = client.request("GET", f"/token/{size}/")
        cookie = len(self.site.session_cookie) + 1 + len(client.session_cookie)
        if stored.status != 200:
            return {
                "ok": False,
                "how": f"storing it answered HTTP {stored.status}",
                "cookie": cookie,
            }
        read = client.request("GET", "/session/token/")
        if read.status != 200:
            return {
                "ok": False,
                "how": f"reading it back answered HTTP {read.status}",
                "cookie": cookie,
            }
        value = json.loads(read.body).get("value")
        if value == payload(size):
            return {"ok": True, "how": "", "cookie": cookie}
        how = "lost silently (read back empty)" if not value else "read back changed"
        return {"ok": False, "how": how, "cookie": cookie}

    def largest(self, cap: int) -> dict[str, Any]:
        """The largest session that round-trips (doubling from 1 KiB, then bisection), and
        the largest whose cookie a browser keeps (name=value within 4096 bytes)."""
        seen: dict[int, dict[str, Any]] = {}

        def trial(size: int) -> dict[str, Any]:
            if size not in seen:
                seen[size] = self.round_trip(size)
            return seen[size]

        def search(good: Callable[[dict[str, Any]], bool]) -> tuple[int, int | None]:
            low, high = 0, None
            size = 1024
            while size <= cap:
                if good(trial(size)):
                    low = size
                    size *= 2
                else:
                    high = size
                    break
            if high is None:
                return low, None
            while high - low > max(16, low // 100):
                middle = (low + high) // 2
                if good(trial(middle)):
                    low = middle
                else:
                    high = middle
            return low, high

        largest, failed_at = search(lambda r: bool(r["ok"]))
        browser, _ = search(lambda r: bool(r["ok"]) and r["cookie"] <= BROWSER_COOKIE_LIMIT)
        result: dict[str, Any] = {
            "largest_round_trip_bytes": largest,
            "capped": failed_at is None,
            "largest_browser_keeps_bytes": browser,
            "cookie_bytes_at_largest_browser": trial(browser)["cookie"] if browser else None,
        }
        if failed_at is not None:
            result["failure"] = {"bytes": failed_at, "how": trial(failed_at)["how"]}
        return result

    def canary_write(self, name: str) -> dict[str, Any]:
        client = self.client()
        reply = client.request("POST", "/session/canary/", {"value": name})
        self.clients[f"canary:{name}"] = client
        return {"status": reply.status}

    def canary_read(self, name: str) -> dict[str, Any]:
        """Whether the canary's session still holds its value; one retry if the first
        request failed (a client reconnecting after its server restarted)."""
        client = self.clients[f"canary:{name}"].copy()
        errors = 0
        for _ in range(2):
            reply = client.request("GET", "/session/canary/")
            if reply.status == 200:
                return {"present": json.loads(reply.body)["value"] == name, "errors": errors}
            errors += 1
        return {"present": False, "errors": errors, "status": reply.status}

    def cache_clear(self) -> dict[str, Any]:
        """``clear()`` on the session engine's cache, or every cache when it uses none."""
        from django.core.cache import caches

        cache = session_cache()
        targets = [cache] if cache is not None else list(caches.all(initialized_only=False))
        for each in targets:
            each.clear()
        return {"cleared": len(targets)}

    def expiring(self, count: int, seconds: int) -> dict[str, Any]:
        """``count`` visitors whose sessions expire ``seconds`` from now."""
        clients = []
        for _ in range(count):
            client = self.client()
            reply = client.request("GET", f"/expiry/{seconds}/")
            if reply.status != 200:
                return {"error": f"/expiry/{seconds}/ answered HTTP {reply.status}"}
            clients.append(client)
        self.kept["expiring"] = clients
        return {"created": count}

    def clearsessions(self) -> dict[str, Any]:
        """How many of the expired sessions the store still holds, before and after
        ``manage.py clearsessions``."""
        from django.core.management import call_command

        keys = [client.session_cookie for client in self.kept.pop("expiring", [])]

        def stored() -> int:
            return sum(1 for key in keys if key and new_store().exists(key))

        before = stored()
        error = ""
        output = io.StringIO()
        try:
            with contextlib.redirect_stderr(output):
                call_command("clearsessions", stdout=output, stderr=output)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        return {
            "expired": len(keys),
            "stored_before": before,
            "stored_after": stored(),
            "command_error": error or " ".join(output.getvalue().split())[:200],
        }

    def storage(self, count: int, size: int) -> dict[str, Any]:
        """Store ``count`` sessions of ``size`` bytes through the engine's ``SessionStore``
        and measure what the database and the files grew by (the cache server's growth is
        measured by the coordinator, from the server's own statistics)."""
        from django.db import transaction

        store_class = engine().SessionStore
        model = _model(store_class)
        if model is not None:
            model.objects.all().delete()
        directory = _file_dir(store_class)
        if directory is not None:
            for path in directory.glob(f"{self.site.session_cookie}*"):
                path.unlink()
        cache = session_cache()
        if cache is not None and local_cache_bytes(cache) is not None:
            cache.clear()
        before_cache = local_cache_bytes(cache)
        before_db = database_bytes(model)
        before_files = files_bytes(directory)
        data = payload(size)
        cookie = 0
        keys: list[str] = []
        with transaction.atomic() if model is not None else contextlib.nullcontext():
            for number in range(count):
                store = new_store()
                store["token"] = data
                store["n"] = number
                store.save()
                keys.append(str(store.session_key))
                if number == 0:
                    cookie = len(self.site.session_cookie) + 1 + len(store.session_key or "")
        after_db = database_bytes(model)
        after_files = files_bytes(directory)
        after_cache = local_cache_bytes(cache)
        # Whether the store still holds them all (a cache may have culled some): a sample.
        sample = keys[:: max(1, len(keys) // 500)]
        held = sum(1 for key in sample if new_store().exists(key))
        kept = None if store_class.__module__.endswith("signed_cookies") else held
        return {
            "kept": None if kept is None else round(kept / len(sample) * count),
            "local_cache_bytes": None
            if after_cache is None or before_cache is None
            else after_cache - before_cache,
            "sessions": count,
            "database_bytes": None if model is None else after_db - before_db,
            "files_bytes": None if directory is None else after_files[0] - before_files[0],
            "files_allocated_bytes": None
            if directory is None
            else after_files[1] - before_files[1],
            "cookie_bytes": cookie,
        }

    def live(self, count: int, size: int) -> dict[str, Any]:
        clients = [self.client() for _ in range(count)]
        for client in clients:
            reply = client.request("GET", f"/token/{size}/")
            if reply.status != 200:
                return {"error": f"/token/{size}/ answered HTTP {reply.status}"}
        self.kept["live"] = clients
        return {"created": count}

    def flood(self, count: int, size: int) -> dict[str, Any]:
        """``count`` other visitors' sessions of ``size`` bytes, stored through the engine."""
        from django.db import transaction

        data = payload(size)
        errors = 0
        first = ""
        # One transaction for a database-backed store: a commit per session would measure
        # the disk's flushes, not the cache filling up.
        database = _model(engine().SessionStore) is not None
        with transaction.atomic() if database else contextlib.nullcontext():
            for number in range(count):
                store = new_store()
                store["token"] = data
                store["n"] = number
                try:
                    store.save()
                except Exception as exc:
                    errors += 1
                    first = first or f"{type(exc).__name__}: {exc}"
        return {"stored": count - errors, "errors": errors, "first_error": first[:200]}

    def live_check(self, size: int) -> dict[str, Any]:
        expected = payload(size)
        present = errors = 0
        for client in self.kept.get("live", []):
            reply = client.copy().request("GET", "/session/token/")
            if reply.status != 200:
                errors += 1
            elif json.loads(reply.body).get("value") == expected:
                present += 1
        return {"live": len(self.kept.get("live", [])), "present": present, "errors": errors}

    def info(self) -> dict[str, Any]:
        cache = session_cache()
        store_class = engine().SessionStore
        directory = _file_dir(store_class)
        return {
            "cache": None
            if cache is None
            else {
                "backend": f"{type(cache).__module__}.{type(cache).__qualname__}",
                "max_entries": getattr(cache, "_max_entries", None),
                "local": type(cache).__module__.startswith("django.core.cache.backends.")
                and not any(w in type(cache).__module__ for w in ("redis", "memcached")),
            },
            "database": _model(store_class) is not None,
            "files": directory is not None,
        }


_ARGUMENTS = {"user_agent": "session-matrix profile", "ip": "127.0.0.1"}


def new_store(session_key: str | None = None) -> Any:
    """The engine's ``SessionStore``, also for a third-party store that takes more
    arguments (django-user-sessions: the user agent and the IP)."""
    import inspect

    store_class = engine().SessionStore
    arguments: dict[str, Any] = {}
    for name, parameter in inspect.signature(store_class).parameters.items():
        if name == "session_key" or parameter.default is not inspect.Parameter.empty:
            continue
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        arguments[name] = _ARGUMENTS.get(name)
    return store_class(session_key=session_key, **arguments)


def engine() -> Any:
    from importlib import import_module

    from django.conf import settings

    return import_module(settings.SESSION_ENGINE)


def session_cache() -> Any:
    """The cache the session engine keeps sessions in, or None."""
    return getattr(new_store(), "_cache", None)


def _model(store_class: Any) -> Any:
    getter = getattr(store_class, "get_model_class", None)
    return getter() if getter is not None else None


def _file_dir(store_class: Any) -> Path | None:
    getter = getattr(store_class, "_get_storage_path", None)
    return Path(getter()) if getter is not None else None


def local_cache_bytes(cache: Any) -> int | None:
    """What one of Django's own caches holds, or None for a cache server (measured from
    the server's statistics instead): a database cache's table as the database reports it,
    a file cache's files as allocated, a local-memory cache's pickled keys and values."""
    if cache is None:
        return None
    module = type(cache).__module__
    if module == "django.core.cache.backends.db":
        return database_bytes(table=cache._table)
    if module == "django.core.cache.backends.filebased":
        return files_bytes(Path(cache._dir))[1]
    if module == "django.core.cache.backends.locmem":
        with cache._lock:
            return sum(len(str(key)) + len(value) for key, value in cache._cache.items())
    return None


def database_bytes(model: Any = None, table: str = "") -> int:
    """Bytes a table (the sessions model's, or ``table``) takes, as the database reports it
    (after compacting it, so that freed pages do not hide growth)."""
    if model is None and not table:
        return 0
    from django.db import connection

    table = table or model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            with contextlib.suppress(Exception):  # dbstat is a compile-time option
                cursor.execute(
                    "SELECT SUM(pgsize) FROM dbstat WHERE name IN "
                    "(SELECT name FROM sqlite_master WHERE tbl_name = %s)",
                    [table],
                )
                return int(cursor.fetchone()[0] or 0)
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute("PRAGMA freelist_count")
            free = cursor.fetchone()[0]
            cursor.execute("PRAGMA page_size")
            return int((pages - free) * cursor.fetchone()[0])
        if connection.vendor == "postgresql":
            cursor.execute(f'VACUUM FULL "{table}"') if not connection.in_atomic_block else None
            cursor.execute("SELECT pg_total_relation_size(%s)", [table])
            return int(cursor.fetchone()[0])
        if connection.vendor == "mysql":
            if not connection.in_atomic_block:
                cursor.execute(f"OPTIMIZE TABLE `{table}`")
                cursor.fetchall()
            cursor.execute(f"ANALYZE TABLE `{table}`")
            cursor.fetchall()
            cursor.execute(
                "SELECT data_length + index_length FROM information_schema.tables "
                "WHERE table_schema = DATABASE() AND table_name = %s",
                [table],
            )
            return int(cursor.fetchone()[0])
    return 0


def files_bytes(directory: Path | None) -> tuple[int, int]:
    """(logical bytes, allocated bytes) of the files in ``directory``."""
    if directory is None:
        return 0, 0
    logical = allocated = 0
    for path in directory.iterdir():
        if path.is_file():
            stat = path.stat()
            logical += stat.st_size
            allocated += stat.st_blocks * 512
    return logical, allocated


def main() -> int:
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints must not break the protocol
    try:
        info = djangoproc.setup()
        if json.loads(os.environ.get(djangoproc.DB_VAR) or "{}").get("mode") == "create":
            from django.contrib.auth import get_user_model

            get_user_model().objects.create_user(USERNAME, password=PASSWORD)
    except Exception as exc:
        protocol.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
        protocol.flush()
        raise
    worker = Worker(djangoproc.wsgi_transport(), Site.from_json(info["site"]))
    protocol.write(json.dumps(info | {"store": worker.info()}) + "\n")
    protocol.flush()
    for line in sys.stdin:
        command = json.loads(line)
        op = command.pop("op")
        if op == "quit":
            break
        try:
            answer = getattr(worker, op)(**command)
        except Exception as exc:
            import traceback

            traceback.print_exc()
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        protocol.write(json.dumps(answer) + "\n")
        protocol.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
