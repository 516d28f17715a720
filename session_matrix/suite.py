"""``session-matrix suite``: run your own test suite on every session engine before you switch.

    cd mysite && session-matrix suite [--engines db,signed_cookies,...|--all]
        [--settings mysite.settings] [--engines-dir my_engines/] [--jobs N]
        [--report DIR] [-- PYTEST ARGS]

Your pytest suite runs once per configuration (an engine record), each in a subprocess of
this interpreter, with ``session_matrix.suite_settings`` as the settings: yours, with the
record's session settings laid over them. The services are the matrix's own: a private
Redis database per configuration, a temporary directory for ``file``. Configurations run in
parallel, one per core; a line says when each starts and ends, and a status line how far
along the running ones are.

Then ``suite_report`` compares the outcomes per test, explains the tests that depend on the
engine from the pattern catalogue, and writes ``session-matrix-report/`` (``suite.json``,
``index.html``, each configuration's pytest output in ``logs/``).

Exit status: 0 when the runs happened (differences are data; a configuration whose service
is missing reads *not run*); 1 when a run itself broke (a collection error under one
engine, a service lost mid-run), named per configuration, or when no configuration could
run; 2 on bad input (no Django project here, a settings module that does not import, an
unknown record, pytest arguments pytest rejects): one line, nothing written; 130 when
interrupted.

Loaded into each run with ``-p session_matrix.suite``, this module is also the small pytest
plugin that reports the run's progress and where each test's source is.
"""

from __future__ import annotations

import argparse
import configparser
import contextlib
import importlib.util
import json
import os
import random
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from session_matrix import column, overlay, preflight, records, schemas, services
from session_matrix.recorder import ROWS_VAR, Recording

if TYPE_CHECKING:
    import pytest

__all__ = [
    "DIR_VAR",
    "SETTINGS_ERROR",
    "SETTINGS_MODULE",
    "THEIRS_VAR",
    "BadInput",
    "Run",
    "find_settings",
    "main",
    "pytest_collection_finish",
    "pytest_runtest_logfinish",
]

SETTINGS_MODULE = "session_matrix.suite_settings"
THEIRS_VAR = "SESSION_MATRIX_SUITE_SETTINGS"  # your settings module, for suite_settings
DIR_VAR = "SESSION_MATRIX_SUITE_DIR"  # one run's scratch directory
SETTINGS_ERROR = "settings-error.txt"  # suite_settings writes it when yours do not import
COLLECTED = "collected.json"  # the plugin: how many tests, and where each one's source is
PROGRESS = "progress"  # the plugin: one byte per finished test
REPORT_DIR = "session-matrix-report"
RAN, NOT_RUN, BROKEN = "ran", "not_run", "broken"


class BadInput(Exception):
    """Unusable input: one line that names the fix; nothing is written."""


# ----------------------------------------------------------------------------- the plugin


def _scratch() -> Path | None:
    given = os.environ.get(DIR_VAR)
    return Path(given) if given else None


def pytest_collection_finish(session: pytest.Session) -> None:
    """Write how many tests will run and where each test's source is."""
    scratch = _scratch()
    if scratch is None:
        return
    locations = {}
    for item in session.items:
        path, line = getattr(item, "path", None), item.location[1]
        if path is not None and line is not None:
            locations[item.nodeid] = [str(path), line + 1]
    text = json.dumps({"count": len(session.items), "locations": locations})
    (scratch / COLLECTED).write_text(text, encoding="utf-8")


def pytest_runtest_logfinish(nodeid: str, location: tuple[str, int | None, str]) -> None:
    """One more test done."""
    scratch = _scratch()
    if scratch is not None:
        with (scratch / PROGRESS).open("a", encoding="utf-8") as handle:
            handle.write(".")


# ----------------------------------------------------------------------------- the project


def _ini_settings(directory: Path) -> tuple[str, str] | None:
    """``(module, file)`` from the pytest configuration file pytest would use here, if it
    names ``DJANGO_SETTINGS_MODULE`` (or ``--ds`` in ``addopts``); None if it has none."""
    for folder in [directory, *directory.parents]:
        for name, section in (
            ("pytest.ini", "pytest"),
            (".pytest.ini", "pytest"),
            ("pyproject.toml", ""),
            ("tox.ini", "pytest"),
            ("setup.cfg", "tool:pytest"),
        ):
            path = folder / name
            if not path.is_file():
                continue
            options = _pytest_options(path, section)
            if options is None:
                continue
            addopts = options.get("addopts", "")
            words = addopts if isinstance(addopts, list) else shlex.split(str(addopts))
            for index, word in enumerate(words):
                if word.startswith("--ds="):
                    return word.removeprefix("--ds="), str(path)
                if word == "--ds" and index + 1 < len(words):
                    return words[index + 1], str(path)
            module = options.get("DJANGO_SETTINGS_MODULE")
            return (str(module), str(path)) if module else None
    return None


def _pytest_options(path: Path, section: str) -> dict[str, Any] | None:
    """The pytest options in one configuration file, or None if it holds no pytest section."""
    try:
        if path.suffix == ".toml":
            tool = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {})
            table = tool.get("pytest")
            if not isinstance(table, dict):
                return None
            options = table.get("ini_options", table)
            return options if isinstance(options, dict) else None
        parser = configparser.ConfigParser(interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read(path, encoding="utf-8")
    except (OSError, tomllib.TOMLDecodeError, configparser.Error) as exc:
        msg = f"{path}: unreadable as a pytest configuration ({exc}); fix it"
        raise BadInput(msg) from exc
    if not parser.has_section(section):
        return {} if path.name in ("pytest.ini", ".pytest.ini") else None
    return dict(parser.items(section))


_MANAGE = re.compile(r"""DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']""")


def find_settings(directory: Path, given: str | None) -> tuple[str, str]:
    """``(settings module, where it was found)``, in the order pytest-django looks:
    ``--settings``, ``DJANGO_SETTINGS_MODULE``, the pytest configuration, then manage.py."""
    if given:
        return given, "--settings"
    if os.environ.get("DJANGO_SETTINGS_MODULE"):
        return os.environ["DJANGO_SETTINGS_MODULE"], "DJANGO_SETTINGS_MODULE"
    found = _ini_settings(directory)
    if found:
        return found
    manage = directory / "manage.py"
    if manage.is_file():
        match = _MANAGE.search(manage.read_text(encoding="utf-8", errors="replace"))
        if match:
            return match.group(1), str(manage)
    msg = (
        f"no Django project in {directory}: no manage.py naming its settings, no "
        "DJANGO_SETTINGS_MODULE (environment or pytest configuration); run this in your "
        "project's directory, or pass --settings yoursite.settings"
    )
    raise BadInput(msg)


# ----------------------------------------------------------------------------- one run


@dataclass
class Plan:
    """What every run shares."""

    root: Path
    settings: str
    pytest_args: list[str]
    order: list[str]  # the random order's seed, when pytest-randomly is installed
    engines_dir: Path | None


@dataclass
class Run:
    """One configuration's run, and what became of it."""

    record: records.Record
    status: str = ""  # RAN, NOT_RUN or BROKEN
    reason: str = ""
    recording: Recording | None = None
    seconds: float = 0.0
    output: str = ""
    locations: dict[str, list[Any]] = field(default_factory=dict)
    scratch: Path | None = None  # while it runs
    count: int = 0  # tests collected, once known


# Django's own cache backends import their client library only when first used: without
# it every test touching a session would fail, as if the engine were to blame.
_CLIENTS = {
    "django.core.cache.backends.redis.RedisCache": "redis",
    "django.core.cache.backends.memcached.PyMemcacheCache": "pymemcache",
    "django.core.cache.backends.memcached.PyLibMCCache": "pylibmc",
}


def _missing_package(record: records.Record) -> str:
    """Why this environment cannot run ``record``: a package it needs is not installed."""
    for requirement in record.requires:
        name = re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0]
        try:
            metadata.version(name)
        except metadata.PackageNotFoundError:
            return f"not run: needs {requirement}, not installed here: pip install '{requirement}'"
    for where, path in preflight.dotted_paths(record):
        for module in (path.split(".")[0], _CLIENTS.get(path, "")):
            if module and importlib.util.find_spec(module) is None:
                return (
                    f"not run: {where} {path} needs the Python package {module}, not installed "
                    f"here: pip install {module.replace('_', '-')}"
                )
    return ""


def laid(record: records.Record) -> str:
    """What of ``record`` the suite lays over a user's settings (``suite_settings``), as a
    key: two records with the same one are the same configuration here."""
    settings = record.settings
    alias = settings.get("SESSION_CACHE_ALIAS", "default")
    session = {key: value for key, value in settings.items() if key.startswith("SESSION_")}
    cache = settings.get("CACHES", {}).get(alias)
    return json.dumps([session, cache, record.lists], sort_keys=True)


def _same_as(record: records.Record, other: records.Record) -> str:
    differ = sorted(
        key
        for key in {*record.settings, *other.settings}
        if record.settings.get(key) != other.settings.get(key)
    )
    return (
        f"not run: the same session settings as {other.name}; it differs only in "
        f"{', '.join(differ) or 'its services'}, which stay yours here"
    )


def _pytest_error(output: str) -> str:
    """pytest's own line about what it rejected."""
    lines = [line.strip() for line in output.splitlines() if "error" in line.lower()]
    if not lines:
        return output.strip()
    return lines[-1][lines[-1].find("error: ") :] if "error: " in lines[-1] else lines[-1]


def _last_error(output: str) -> str:
    """The last line that names an exception, for a run that broke before any test."""
    found = re.findall(r"^(?:E\s+)?(\w+(?:Error|Exception|Exit)\b.*)$", output, re.MULTILINE)
    return found[-1].strip() if found else ""


_BROKEN_WORDS = {
    "collection failed: ": "collection failed under {name}: ",
    "a service went away during the run: ": "a service went away under {name}: ",
}


def _classify(run: Run, code: int, plan: Plan) -> None:
    """Set ``run.status`` and ``run.reason``, or raise ``BadInput``."""
    name, scratch = run.record.name, run.scratch
    assert scratch is not None
    error = scratch / SETTINGS_ERROR
    if error.is_file():
        msg = (
            f"your settings module {plan.settings!r} does not import "
            f"({error.read_text(encoding='utf-8').strip()}); pass --settings with the module "
            "your tests use"
        )
        raise BadInput(msg)
    if code == column.USAGE_ERROR and "while loading conftest" not in run.output:
        msg = (
            f"pytest rejected the arguments {shlex.join(plan.pytest_args) or '(none)'}: "
            f"{_pytest_error(run.output)}; fix what follows --"
        )
        raise BadInput(msg)
    recording = run.recording
    if code == column.USAGE_ERROR:
        run.status, run.reason = BROKEN, f"conftest failed to import under {name}: "
        run.reason += _last_error(run.output) or "see its log"
        return
    if recording is not None and recording.preflight:
        problem = recording.preflight
        run.status = NOT_RUN if problem["kind"] == "unavailable" else BROKEN
        run.reason = problem["message"]
        return
    nothing = recording is not None and not (recording.tests or recording.collection_errors)
    if nothing and code == column.NOTHING_COLLECTED:
        msg = f"no tests collected with pytest arguments {shlex.join(plan.pytest_args)!r}"
        raise BadInput(msg + "; check the paths and -k/-m expressions after --")
    if recording is None or not (recording.tests or recording.collection_errors or recording.lost):
        run.status = BROKEN
        run.reason = f"pytest broke before running any test under {name} (exit code {code})"
        last = _last_error(run.output)
        run.reason += f": {last}" if last else ": see its log"
        return
    broken = column._broken((recording,), recording.django, plan.pytest_args)
    if broken:
        for prefix, words in _BROKEN_WORDS.items():
            if broken.startswith(prefix):
                broken = words.format(name=name) + broken.removeprefix(prefix)
                break
        else:
            broken = f"{name}: {broken}"
        run.status, run.reason = BROKEN, broken
        return
    run.status = RAN


class Runner:
    """Runs configurations, each in its services and a pytest subprocess of its own."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.stopping = threading.Event()
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()
        self.on_start: Callable[[Run], None] = lambda run: None

    def stop(self) -> None:
        """Terminate every pytest still running (their services are released by their
        threads as they unwind)."""
        self.stopping.set()
        with self._lock:
            for process in self._processes.values():
                with contextlib.suppress(OSError):
                    process.terminate()

    def _env(
        self, record: records.Record, bundle: services.Bundle, scratch: Path
    ) -> dict[str, str]:
        env = dict(os.environ) | {
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            THEIRS_VAR: self.plan.settings,
            overlay.ENGINE_VAR: record.name,
            overlay.PROVIDED_VAR: overlay.Provided.of(record.name, bundle).to_env(),
            ROWS_VAR: str(scratch / "rows.json"),
            DIR_VAR: str(scratch),
        }
        if self.plan.engines_dir:
            env["SESSION_MATRIX_ENGINES_DIR"] = str(self.plan.engines_dir)
        return env

    def _pytest(self, run: Run, env: dict[str, str]) -> int:
        command = [sys.executable, "-m", "pytest", "-p", "session_matrix.recorder"]
        command += ["-p", "session_matrix.suite", "-p", "no:cacheprovider"]
        command += [f"--ds={SETTINGS_MODULE}", *self.plan.order, *self.plan.pytest_args]
        if importlib.util.find_spec("xdist") is not None:
            # One process per configuration (after your arguments, so that an `-n auto` in
            # addopts or after -- gives way): the configurations are what runs in parallel,
            # and the recorder sees each test's exception only in the process that ran it.
            command += ["-n", "0"]
        assert run.scratch is not None
        log = run.scratch / "output.txt"
        with log.open("wb") as handle:
            process = subprocess.Popen(
                command, cwd=self.plan.root, env=env, stdout=handle, stderr=subprocess.STDOUT
            )
            with self._lock:
                self._processes[run.record.name] = process
            try:
                code = process.wait()
            finally:
                with self._lock:
                    self._processes.pop(run.record.name, None)
        run.output = log.read_text(encoding="utf-8", errors="replace")
        rows = run.scratch / "rows.json"
        run.recording = Recording.read(rows) if rows.is_file() else None
        collected = run.scratch / COLLECTED
        if collected.is_file():
            run.locations = json.loads(collected.read_text(encoding="utf-8"))["locations"]
        return code

    def run(self, run: Run) -> Run:
        """Provision, run pytest, classify; ``BadInput`` propagates."""
        started = time.monotonic()
        try:
            run.reason = _missing_package(run.record)
            if run.reason:
                run.status = NOT_RUN
                return run
            label = f"suite-{run.record.name}"
            with (
                services.provision(run.record.needs, label) as bundle,
                tempfile.TemporaryDirectory(prefix=f"session-matrix-{label}-") as tmp,
            ):
                if self.stopping.is_set():
                    run.status, run.reason = BROKEN, "interrupted"
                    return run
                run.scratch = Path(tmp)
                self.on_start(run)
                code = self._pytest(run, self._env(run.record, bundle, run.scratch))
                if self.stopping.is_set():
                    run.status, run.reason = BROKEN, "interrupted"
                    return run
                _classify(run, code, self.plan)
                bundle.check()
        except services.ServiceLost as exc:
            run.status, run.reason = BROKEN, f"{run.record.name}: {exc}"
        except services.ServiceUnavailable as exc:
            run.status, run.reason = NOT_RUN, f"not run: {exc}"
        except ImportError as exc:  # a service's client library (redis) is not installed
            package = exc.name or str(exc)
            run.status = NOT_RUN
            run.reason = f"not run: needs the Python package {package}: pip install {package}"
        finally:
            run.scratch = None
            run.seconds = time.monotonic() - started
        return run

    def progress(self, runs: list[Run]) -> str:
        """``cache 40/120, db 75/120``: how far along the running configurations are."""
        parts = []
        for run in runs:
            scratch = run.scratch
            if scratch is None or run.status:
                continue
            with contextlib.suppress(OSError, ValueError, KeyError):
                if not run.count and (scratch / COLLECTED).is_file():
                    text = (scratch / COLLECTED).read_text(encoding="utf-8")
                    run.count = json.loads(text)["count"]
            done = 0
            with contextlib.suppress(OSError):
                done = (scratch / PROGRESS).stat().st_size
            done_of = f"{done}/{run.count}" if run.count else "collecting"
            parts.append(f"{run.record.name} {done_of}")
        return ", ".join(parts)


# ----------------------------------------------------------------------------- the command


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        msg = f"must be a whole number, 1 or more, not {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="session-matrix suite",
        description="Run your pytest suite once per session engine configuration and report "
        "the tests whose outcome depends on the engine, with the likely reason.",
        epilog="Everything after -- goes to pytest, e.g. -- tests -k cart",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--engines",
        help="comma-separated configurations (default: one per engine: the records that "
        "extend no other)",
    )
    which.add_argument("--all", action="store_true", help="every configuration, variants too")
    parser.add_argument("--settings", help="your settings module (default: as pytest-django)")
    parser.add_argument(
        "--engines-dir", type=Path, help="a directory of your own engine records (*.toml)"
    )
    parser.add_argument(
        "--jobs",
        type=_positive,
        default=os.cpu_count() or 1,
        help="configurations run at once (default: one per core)",
    )
    parser.add_argument("--report", type=Path, default=Path(REPORT_DIR), help="output directory")
    return parser


def _records(args: argparse.Namespace) -> list[records.Record]:
    if args.engines_dir is not None and not args.engines_dir.is_dir():
        msg = f"--engines-dir {args.engines_dir}: no such directory; name one holding *.toml"
        raise BadInput(msg)
    dirs = records.directories(args.engines_dir.resolve() if args.engines_dir else None)
    try:
        if args.engines:
            names = [name.strip() for name in args.engines.split(",") if name.strip()]
            if not names:
                msg = "--engines names no configuration; e.g. --engines db,signed_cookies"
                raise BadInput(msg)
            return [records.load(name, dirs) for name in dict.fromkeys(names)]
        every = records.load_all(dirs)
    except schemas.InvalidInput as exc:
        raise BadInput(str(exc)) from exc
    return every if args.all else [record for record in every if record.default]


def _order(pytest_args: list[str]) -> list[str]:
    """One random order for every configuration, when pytest-randomly shuffles the tests:
    a test that depends on the order must not look like one that depends on the engine."""
    if importlib.util.find_spec("pytest_randomly") is None:
        return []
    if any("randomly" in arg for arg in pytest_args):
        return []
    return [f"--randomly-seed={random.randrange(10**6)}"]


class _Status:
    """Lines about the runs, and the running configurations' progress: a line redrawn in
    place on a terminal, otherwise printed every ``every`` seconds when it changed."""

    def __init__(self, stream: TextIO, every: float = 10.0) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.every = every
        self._shown = ("", 0.0)
        self._lock = threading.Lock()

    def show(self, text: str) -> None:
        with self._lock:
            if self.tty:
                self.stream.write(f"\r\x1b[K  running: {text}" if text else "\r\x1b[K")
                self.stream.flush()
                return
            now = time.monotonic()
            if text and text != self._shown[0] and now - self._shown[1] >= self.every:
                print(f"  running: {text}", file=self.stream, flush=True)
                self._shown = (text, now)

    def line(self, text: str) -> None:
        with self._lock:
            if self.tty:
                self.stream.write("\r\x1b[K")
            print(text, file=self.stream, flush=True)


def _counts(run: Run) -> str:
    if run.recording is None:
        return ""
    counts: dict[str, int] = {}
    for row in run.recording.tests.values():
        counts[str(row.outcome)] = counts.get(str(row.outcome), 0) + 1
    return ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "no tests"


def _run_all(runner: Runner, runs: list[Run], jobs: int, status: _Status) -> None:
    """Every run, ``jobs`` at a time; the first ``BadInput`` stops the others."""
    total = len(runs)
    runner.on_start = lambda run: status.line(f"{run.record.name}: started")
    finished = 0
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, total))) as pool:
        pending = {pool.submit(runner.run, run) for run in runs}
        try:
            while pending:
                done, pending = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
                for future in done:
                    run = future.result()
                    finished += 1
                    what = _counts(run) if run.status == RAN else run.reason
                    status.line(
                        f"{run.record.name}: {what} in {run.seconds:.1f}s "
                        f"({finished} of {total} done)"
                    )
                status.show(runner.progress(runs))
        except BaseException:
            runner.stop()
            for future in pending:
                future.cancel()
            raise
        finally:
            status.show("")


def _deduplicated(selected: list[records.Record]) -> list[Run]:
    """One run per distinct configuration: a record whose laid settings are an earlier one's
    (``db-postgres`` is ``db`` on your own database) reads *not run*, saying so."""
    runs: list[Run] = []
    first: dict[str, records.Record] = {}
    for record in selected:
        key = laid(record)
        if key in first:
            runs.append(Run(record, NOT_RUN, _same_as(record, first[key])))
        else:
            first[key] = record
            runs.append(Run(record))
    return runs


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwind as Ctrl-C does: pytest stopped, services released


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
    cut = argv.index("--") if "--" in argv else len(argv)
    own, pytest_args = argv[:cut], argv[cut + 1 :]
    args = _parser().parse_args(own)
    root = Path.cwd()
    status = _Status(sys.stdout)
    try:
        settings, source = find_settings(root, args.settings)
        if importlib.util.find_spec("pytest_django") is None:
            msg = "pytest-django is not installed here: pip install pytest-django"
            raise BadInput(msg)
        engines_dir = args.engines_dir.resolve() if args.engines_dir else None
        runs = _deduplicated(_records(args))
        plan = Plan(root, settings, pytest_args, _order(pytest_args), engines_dir)
        jobs = max(1, min(args.jobs, len(runs)))
        status.line(
            f"session-matrix suite: {_plural(len(runs), 'configuration')} "
            f"({', '.join(run.record.name for run in runs)}), {jobs} at a time; settings "
            f"{settings} (from {source}); pytest "
            f"{shlex.join([*plan.order, *pytest_args]) or '(no arguments)'}"
        )
        for run in runs:
            if run.status:
                status.line(f"{run.record.name}: {run.reason}")
        _run_all(Runner(plan), [run for run in runs if not run.status], jobs, status)
    except BadInput as exc:
        print(f"error: {exc}; nothing written", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: nothing written", file=sys.stderr)
        return 130
    from session_matrix import suite_report

    report = suite_report.build(runs, plan)
    written = suite_report.write(report, runs, args.report)
    print(suite_report.summary(report, args.report))
    print(f"report: {', '.join(str(path) for path in written)}")
    broken = [run for run in runs if run.status == BROKEN]
    for run in broken:
        print(f"error: {run.reason}", file=sys.stderr)
    if not any(run.status == RAN for run in runs):
        print("error: no configuration could run; see the reasons above", file=sys.stderr)
        return 1
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
