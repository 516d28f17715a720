"""``session-matrix suite``: run your own test suite on every session engine before you switch.

    cd mysite && session-matrix suite [--engines db,signed_cookies,...|--all]
        [--settings mysite.settings] [--engines-dir my_engines/] [--jobs N]
        [--report DIR] [-- PYTEST ARGS]

Your pytest suite runs once per configuration (an engine record), each in a subprocess of
this interpreter, with ``session_matrix.suite.settings`` as the settings: yours, with the
record's session settings laid over them. The services are the matrix's own: a private
Redis database per configuration, a temporary directory for ``file``. Configurations run in
parallel, one per core; a line says when each starts and ends, and a status line how far
along the running ones are.

Then the report compares the outcomes per test, explains the tests that depend on the
engine from the pattern catalogue, and writes ``session-matrix-report/`` (``suite.json``,
``index.html``, each configuration's pytest output in ``logs/``).

Exit status: 0 when the runs happened (differences are data; a configuration whose service
is missing reads *not run*); 1 when a run itself broke (a collection error under one
engine, a service lost mid-run), named per configuration, or when no configuration could
run; 2 on bad input (no Django project here, a settings module that does not import, an
unknown record, pytest arguments pytest rejects, a ``--ds`` after ``--`` that replaces the
laid settings, ``-x`` or ``--maxfail`` stopping a run early): one line, nothing written; 130
when interrupted.

The modules: ``discovery`` finds your settings module; ``runs`` holds what a run is and
what became of it; ``runner`` runs them (``classify`` says what became of each, ``terminal``
shows them going); ``settings`` and ``plugin`` are loaded into each run's pytest (``scratch``
names what passes between the two sides); ``report`` compares and writes, ``explain`` matches
a test with the published ``idioms`` by the outcomes and the ``source``, ``page`` renders
``index.html`` and ``summary`` the terminal's account.
"""

from __future__ import annotations

import argparse
import configparser
import importlib.util
import os
import random
import shlex
import signal
import sys
import threading
import tomllib
from pathlib import Path

from session_matrix.core import records, schemas, services
from session_matrix.core.runner import interruptible
from session_matrix.suite.alone import run_alone
from session_matrix.suite.classify import together
from session_matrix.suite.discovery import find_settings
from session_matrix.suite.runner import Runner, reclaim_scratch, run_all
from session_matrix.suite.runs import BROKEN, RAN, BadInput, Plan, deduplicated
from session_matrix.suite.terminal import StatusLine

__all__ = ["main"]

REPORT_DIR = "session-matrix-report"


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        msg = f"must be a whole number, 1 or more, not {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return int(text)


def _epilog() -> str:
    """What --help says beyond the options: the defaults, the services, the report."""
    try:
        defaults = ", ".join(r.name for r in records.load_all() if r.default)
    except schemas.InvalidInput as exc:
        defaults = f"(the records do not load: {exc})"
    found = [
        f"  {name:<10} {provider.env_var} (default: {provider.default or 'unset'})"
        for name, provider in sorted(services.registry().items())
        if getattr(provider, "env_var", "")
    ]
    return "\n".join(
        [
            "Everything after -- goes to pytest, e.g. -- tests -k cart",
            "",
            f"default configurations: {defaults}",
            "services (each configuration gets a private namespace; a missing one makes its",
            "configurations 'not run'):",
            *found,
            "",
            f"report: ./{REPORT_DIR}/ (suite.json, index.html, logs/, its own .gitignore);",
            "--report DIR writes it elsewhere. Before a run, `session-matrix lint tests/` finds",
            "the known idioms in seconds, with no services.",
        ]
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="session-matrix suite",
        description="Run your pytest suite once per session engine configuration and report "
        "the tests whose outcome depends on the engine, with the likely reason.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    if args.engines_dir is not None:
        # A record of yours under a built-in name would replace it, and the report would
        # read its outcomes against the matrix's column of that name.
        builtin = {path.stem for path in dirs[-1].glob("*.toml")}
        taken = sorted(p.name for p in args.engines_dir.glob("*.toml") if p.stem in builtin)
        if taken:
            msg = (
                f"--engines-dir {args.engines_dir}: {', '.join(taken)} has the name of a "
                'built-in record; rename it (e.g. mine.toml, with extends = "<that record>" '
                "to start from it)"
            )
            raise BadInput(msg)
    try:
        if args.engines is not None:
            names = [name.strip() for name in args.engines.split(",") if name.strip()]
            if not names:
                msg = "--engines names no configuration; e.g. --engines db,signed_cookies"
                raise BadInput(msg)
            return [records.load(name, dirs) for name in dict.fromkeys(names)]
        every = records.load_all(dirs)
    except schemas.InvalidInput as exc:
        raise BadInput(str(exc)) from exc
    return every if args.all else [record for record in every if record.default]


def _check_report_dir(path: Path) -> None:
    """No file stands where the report directory or a parent of it would be (found after the
    runs, it was a traceback)."""
    where = next(folder for folder in [path, *path.parents] if folder.exists())  # "." at worst
    if not where.is_dir():
        msg = (
            f"--report {path}: {where} is a file, not a directory; name a directory for the "
            f"report (default {REPORT_DIR})"
        )
        raise BadInput(msg)


def _order(pytest_args: list[str]) -> list[str]:
    """One random order for every configuration, when pytest-randomly shuffles the tests:
    a test that depends on the order must not look like one that depends on the engine."""
    if importlib.util.find_spec("pytest_randomly") is None:
        return []
    if any("randomly" in arg for arg in pytest_args):
        return []
    return [f"--randomly-seed={random.randrange(10**6)}"]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# Every signal that ends a run and can be caught unwinds it as Ctrl-C does (SIGPIPE too:
# `session-matrix suite | head` must not leave a leased Redis database full of sessions).
_UNWIND = ("SIGTERM", "SIGHUP", "SIGQUIT", "SIGPIPE", "SIGUSR1", "SIGUSR2", "SIGALRM")

# pytest options that stop a run at a failure: every test must run on every configuration.
_STOPS = ("-x", "--exitfirst")


def _addopts(root: Path) -> list[str]:
    """The ``addopts`` of the pytest configuration pytest would read in ``root``, and
    ``PYTEST_ADDOPTS``: options there stop a run as surely as after --."""
    found = shlex.split(os.environ.get("PYTEST_ADDOPTS", ""))
    for name, section in (
        ("pytest.ini", "pytest"),
        ("pyproject.toml", ""),
        ("tox.ini", "pytest"),
        ("setup.cfg", "tool:pytest"),
    ):
        path = root / name
        if not path.is_file():
            continue
        try:
            if name == "pyproject.toml":
                table = tomllib.loads(path.read_text(encoding="utf-8"))
                options = table.get("tool", {}).get("pytest", {}).get("ini_options")
                if options is None:
                    continue
                addopts = options.get("addopts", "")
                found += addopts if isinstance(addopts, list) else shlex.split(str(addopts))
            else:
                parser = configparser.ConfigParser(interpolation=None)
                parser.read(path, encoding="utf-8")
                if not parser.has_section(section):
                    continue
                found += shlex.split(parser.get(section, "addopts", fallback=""))
        except (OSError, ValueError, configparser.Error, tomllib.TOMLDecodeError):
            return found  # pytest says what is wrong with it, in its own words
        return found  # pytest reads the first of these files that configures it
    return found


def _refused(pytest_args: list[str]) -> str:
    """What in the pytest arguments would spoil the comparison, found before any run."""
    for index, arg in enumerate(pytest_args):
        if arg in _STOPS or (
            arg.startswith("-")
            and not arg.startswith("--")
            and "x" in arg[1:]
            and arg[1:].isalpha()
        ):
            return (
                f"pytest argument {arg} stops each configuration at its first failure; every "
                "test must run on every configuration to compare them: drop it"
            )
        value = (
            arg.partition("=")[2]
            if arg.startswith("--maxfail=")
            else (
                pytest_args[index + 1]
                if arg == "--maxfail" and index + 1 < len(pytest_args)
                else ""
            )
        )
        if value.isdigit() and int(value) > 0:
            return (
                f"pytest argument --maxfail {value} stops each configuration early; every test "
                "must run on every configuration to compare them: drop it"
            )
        if arg == "--ds" or arg.startswith("--ds="):
            return (
                f"pytest argument {arg} would replace your settings with the configuration "
                "laid over them; name your settings with --settings, before --"
            )
    return ""


def main(argv: list[str] | None = None) -> int:
    with interruptible(*_UNWIND):  # each unwinds as Ctrl-C does
        return _main(sys.argv[1:] if argv is None else argv)


def _main(argv: list[str]) -> int:
    cut = argv.index("--") if "--" in argv else len(argv)
    own, pytest_args = argv[:cut], argv[cut + 1 :]
    args = _parser().parse_args(own)
    root = Path.cwd()
    status = StatusLine(sys.stdout)
    try:
        refused = _refused(pytest_args)
        configured = _refused(_addopts(root))
        if refused or configured:
            where = "" if refused else " (in your pytest configuration's addopts)"
            raise BadInput((refused or configured) + where)
        reclaim_scratch()
        settings, source = find_settings(root, args.settings)
        _check_report_dir(args.report)
        if importlib.util.find_spec("pytest_django") is None:
            msg = "pytest-django is not installed here: pip install pytest-django"
            raise BadInput(msg)
        engines_dir = args.engines_dir.resolve() if args.engines_dir else None
        runs = deduplicated(_records(args))
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
        run_all(Runner(plan), [run for run in runs if not run.status], jobs, status)
        order_dependent = run_alone(plan, runs, status)
    except BadInput as exc:
        print(f"error: {exc}; nothing written", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: nothing written", file=sys.stderr)
        return 130
    # Imported here, not above: each run's pytest imports this package (for its settings
    # module and plugin) and needs nothing of the report's (Jinja2 among it).
    from session_matrix.suite.report import build, write
    from session_matrix.suite.summary import summary

    if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # services released: a closed pipe now
    report = build(runs, plan, order_dependent)  # only loses what it would have printed
    written = write(report, runs, args.report)
    try:
        print(summary(report, args.report))
        print(f"report: {', '.join(str(path) for path in written)}", flush=True)
    except BrokenPipeError:  # `| head`: the report is written all the same
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    broken = [run for run in runs if run.status == BROKEN]
    for _, reason in together({run.record.name: run.reason for run in broken}):
        print(f"error: {reason}", file=sys.stderr)
    if not any(run.status == RAN for run in runs):
        print("error: no configuration could run; see the reasons above", file=sys.stderr)
        return 1
    return 1 if broken else 0
