"""Builders and runners the harness's tests share (imported by test modules; conftest only
holds fixtures). Nothing here lists engines or Django versions: they come from the records
and pyproject.toml."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from session_matrix.core import config, records
from session_matrix.core.model import ColumnKey, GoodRun, LastRun, RawRecord, Row, to_json
from session_matrix.core.paths import ROOT
from session_matrix.core.services.memcached import free_port
from session_matrix.core.vocabulary import Outcome, RunStatus

RESOURCES = Path(__file__).resolve().parent / "resources"
NEWEST = config.newest_release().version
DEFAULTS = [record.name for record in records.load_all() if record.default]
FINISHED = "2026-11-25T08:00:00+00:00"


def row(outcome="passed", exception="", message="", **extra):
    """One pattern's row in a raw result."""
    fields = {"phase": "call", "duration": 0.01, "at": FINISHED} | extra
    return Row(Outcome(outcome), exception=exception, message=message, **fields)


def raw_record(column_id, tests=None, *, status="ok", reason="", fingerprint="", **results):
    """A raw result as the column runner writes it."""
    configuration, _, django = column_id.rpartition("-dj")
    last = LastRun(
        status=RunStatus(status),
        reason=reason,
        finished=FINISHED,
        seed=1,
        origin={"host": "test"},
    )
    good = None
    if status == "ok" or tests:
        good = GoodRun(
            finished=FINISHED,
            fingerprint=fingerprint,
            environment={"django": f"{django}.1", "python": "3.13.0", "services": {}},
            origin={"host": "test"},
            timings={"startup": 1.0, "tests": 0.5, "total": 1.6},
            **results,
        )
    key = ColumnKey(column_id, configuration, django)
    return RawRecord(key, last, good, dict(tests or {}))


def write_raw(results, record):
    path = results / "raw" / f"{record.column.id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_json(record), encoding="utf-8")
    return path


def read_json(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def snapshot(directory):
    """Every file under ``directory`` (relative path -> bytes): "left byte for byte"."""
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(Path(directory).rglob("*"))
        if p.is_file()
    }


def nox(results, *args, check=True, env=None, timeout=900):
    """``nox ARGS`` from the checkout, writing results to ``results``."""
    command = [sys.executable, "-m", "nox", *args]
    environment = os.environ | {"SESSION_MATRIX_RESULTS": str(results)} | (env or {})
    done = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=timeout
    )
    if check:
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


class RedisServer:
    """A private redis-server on a free port, which a test may kill and restart."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"redis-server did not start on {self.port}")

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


@contextmanager
def redis_server():
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.kill()


def backend(record):
    """``db``, ``cache``, ``signed_cookies``...: the Django session backend a record (or the
    record of that name) uses, from its SESSION_ENGINE."""
    if isinstance(record, str):
        record = records.load(record)
    return record.settings["SESSION_ENGINE"].rsplit(".", 1)[-1]


# ------------------------------------------------------------------ the suite command, installed


def make_venv(path, extras="", *packages):
    """A fresh virtualenv holding Django, pytest-django, ``packages`` and this checkout, as
    pip-installed."""
    uv = [sys.executable, "-m", "uv"]
    subprocess.run([*uv, "venv", "-q", "--python", sys.executable, str(path)], check=True)
    install = [*uv, "pip", "install", "-q", "--python", str(path / "bin" / "python")]
    # The checkout is rebuilt every time: uv would reuse a wheel built from older sources.
    install += ["--refresh-package", "django-session-matrix"]
    subprocess.run([*install, f"{ROOT}{extras}", "django", "pytest-django", *packages], check=True)
    return path


def suite(venv, cwd, *args, env=None):
    """``session-matrix suite ARGS`` in ``cwd``, from a shell that knows nothing of this
    harness (no settings module, no harness variables)."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SESSION_MATRIX_", "DJANGO_", "PYTHON", "VIRTUAL_ENV", "PYTEST"))
    }
    environment["PATH"] = f"{venv / 'bin'}{os.pathsep}{environment.get('PATH', '')}"
    return subprocess.run(
        [str(venv / "bin" / "session-matrix"), "suite", *args],
        cwd=cwd,
        env=environment | (env or {}),
        capture_output=True,
        text=True,
        timeout=600,
    )


def output(done):
    return f"exit {done.returncode}\n{done.stdout[-4000:]}\n{done.stderr[-3000:]}"


# ------------------------------------------------------------------ a matrix from fixtures

SAMPLE = "patterns/test_sample.py"
HOSTILE_MESSAGE = "<script>window.pwned=1</script> `tick` | pipe [x](javascript:alert(1))"


def fixture_raws(versions=None, configurations=None):
    """Raw records for the resource patterns: ``test_key_error`` fails on the last default
    configuration only (with a hostile message), ``test_passes`` passes everywhere, the
    hostile module fails everywhere, and the oldest version of the first default configuration
    is not run."""
    versions = versions or [d.version for d in config.django_versions()]
    configurations = configurations or [r.name for r in records.load_all()]
    odd = DEFAULTS[-1]
    raws = {}
    for name in configurations:
        for django in versions:
            column = f"{name}-dj{django}"
            if name == DEFAULTS[0] and django == versions[0]:
                raws[column] = raw_record(
                    column, status="not_run", reason="not run: no Redis at redis://x"
                )
                continue
            key_error = row("failed", "KeyError", HOSTILE_MESSAGE) if name == odd else row()
            tests = {
                f"{SAMPLE}::test_passes": row(),
                f"{SAMPLE}::test_key_error": key_error,
                f"{SAMPLE}::TestGrouped::test_method": row(),
            }
            for value in ("a`b", "<script>window.pwned=1</script>", "x|y"):
                tests[f"hostile/test_hostile.py::test_hostile_ids[{value}]"] = row(
                    "failed", "AssertionError", HOSTILE_MESSAGE
                )
            raws[column] = raw_record(column, tests)
    return raws


def fixture_matrix():
    """A whole matrix built by the real merge from the fixture raws and resource patterns."""
    from session_matrix.core.catalogue import read_catalogue
    from session_matrix.matrix.fingerprint import fingerprint
    from session_matrix.matrix.merge import build_matrix

    catalogue = read_catalogue(RESOURCES / "patterns", config.themes())
    catalogue |= read_catalogue(RESOURCES / "hostile", config.themes())
    every = records.load_all()
    return build_matrix(
        raws=fixture_raws(),
        catalogue=catalogue,
        configurations=every,
        django=config.django_versions(),
        themes=config.themes(),
        fingerprints={r.name: fingerprint(r) for r in every},
    )


def undocumented(schema, document):
    """Every key of ``document`` its JSON Schema does not name with a description (a
    property without one, or a key only an open ``additionalProperties`` lets through), as
    dotted paths; a mapping's own keys (``additionalProperties`` with a schema) need none."""

    def resolve(node):
        """``node`` with what its ``$ref`` and ``allOf`` bring: their properties, and any
        key ``node`` does not set itself."""
        merged = {k: v for k, v in node.items() if k not in ("$ref", "allOf")}
        parts = [*node.get("allOf", []), *([{"$ref": node["$ref"]}] if "$ref" in node else [])]
        for part in parts:
            target = part
            if "$ref" in part:
                target = schema
                for step in part["$ref"].removeprefix("#/").split("/"):
                    target = target[step]
            target = resolve(target)
            properties = target.get("properties", {}) | merged.get("properties", {})
            merged = target | merged | {"properties": properties}
        return merged

    def walk(node, value, path):
        node = resolve(node)
        if isinstance(value, list):
            for item in value:
                yield from walk(node.get("items", {}), item, f"{path}[]")
            return
        if not isinstance(value, dict):
            return
        properties = node.get("properties", {})
        extra = node.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                if "description" not in resolve(properties[key]):
                    yield f"{path}.{key}"
                yield from walk(properties[key], item, f"{path}.{key}")
            elif isinstance(extra, dict):
                yield from walk(extra, item, f"{path}.*")
            else:
                yield f"{path}.{key}"

    return sorted(set(walk(schema, document, "$")))
