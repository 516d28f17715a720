"""What became of a run, from what its pytest process left: it ran, it could not run here
(a package or service is missing: *not run*, saying which), or it broke (a collection error
under one engine, a service lost mid-run); or the input was bad (``BadInput``: your settings
do not import, pytest rejects its arguments, nothing collected), which stops every run.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
from importlib import metadata

from session_matrix.core import preflight, pytest_run, records
from session_matrix.core.vocabulary import CellStatus, because
from session_matrix.suite import scratch
from session_matrix.suite.runs import BROKEN, NOT_RUN, RAN, BadInput, Plan, Run

__all__ = ["classify", "headline", "missing_package", "together"]

# Django's own cache backends import their client library only when first used: without
# it every test touching a session would fail, as if the engine were to blame.
_CLIENTS = {
    "django.core.cache.backends.redis.RedisCache": "redis",
    "django.core.cache.backends.memcached.PyMemcacheCache": "pymemcache",
    "django.core.cache.backends.memcached.PyLibMCCache": "pylibmc",
}
# The column runner's words for a broken run, said of one configuration.
_BROKEN_WORDS = {
    "collection failed: ": "collection failed under {name}: ",
    "a service went away during the run: ": "a service went away under {name}: ",
}


def missing_package(record: records.Record) -> str:
    """Why this environment cannot run ``record``: a package it needs is not installed."""
    for requirement in record.requires:
        name = records.requirement_name(requirement)
        try:
            metadata.version(name)
        except metadata.PackageNotFoundError:
            why = f"needs {requirement}, not installed here: pip install '{requirement}'"
            return because(CellStatus.NOT_RUN, why)
    for where, path in preflight.dotted_paths(record):
        for module in (path.split(".")[0], _CLIENTS.get(path, "")):
            if module and importlib.util.find_spec(module) is None:
                return because(
                    CellStatus.NOT_RUN,
                    f"{where} {path} needs the Python package {module}, not installed "
                    f"here: pip install {module.replace('_', '-')}",
                )
    return ""


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


def _settings_error(settings: str, error: str) -> str:
    """The one line for settings that do not import: a module that is not there is the wrong
    name (or the wrong directory); one that fails inside is to be fixed where it fails."""
    parts = settings.split(".")
    absent = {".".join(parts[:n]) for n in range(1, len(parts) + 1)}
    missing = re.match(r"ModuleNotFoundError: No module named '([\w.]+)'", error)
    if missing and missing.group(1) in absent:
        fix = "pass --settings with the module your tests use, or run this where it imports"
    else:
        fix = "fix your settings module"
    return f"your settings module {settings!r} does not import ({error}); {fix}"


def classify(run: Run, code: int, plan: Plan) -> None:
    """Set ``run.status`` and ``run.reason``, or raise ``BadInput``."""
    name, directory = run.record.name, run.scratch
    assert directory is not None
    error = directory / scratch.SETTINGS_ERROR
    if error.is_file():
        raise BadInput(_settings_error(plan.settings, error.read_text(encoding="utf-8").strip()))
    replaced = directory / scratch.SETTINGS_REPLACED
    if replaced.is_file():
        msg = (
            f"Django ran your tests with {replaced.read_text(encoding='utf-8')!r}, not your "
            "settings with the configuration laid over them: a --ds after -- (or a conftest "
            "that configures Django itself) replaced them; name your settings with --settings, "
            "before --"
        )
        raise BadInput(msg)
    if code == pytest_run.USAGE_ERROR and "while loading conftest" not in run.output:
        msg = (
            f"pytest rejected the arguments {shlex.join(plan.pytest_args) or '(none)'}: "
            f"{_pytest_error(run.output)}; fix what follows --"
        )
        raise BadInput(msg)
    recording = run.recording
    if code == pytest_run.USAGE_ERROR:
        run.status, run.reason = BROKEN, f"conftest failed to import under {name}: "
        run.reason += _last_error(run.output) or "see its log"
        return
    if recording is not None and recording.preflight:
        problem = recording.preflight
        run.status = NOT_RUN if problem["kind"] == preflight.UNAVAILABLE else BROKEN
        run.reason = problem["message"]
        return
    nothing = recording is not None and not (recording.tests or recording.collection_errors)
    if nothing and code == pytest_run.NOTHING_COLLECTED:
        msg = f"no tests collected with pytest arguments {shlex.join(plan.pytest_args)!r}"
        raise BadInput(msg + "; check the paths and -k/-m expressions after --")
    if recording is None or not (recording.tests or recording.collection_errors or recording.lost):
        run.status = BROKEN
        run.reason = f"pytest broke before running any test under {name} (exit code {code})"
        last = _last_error(run.output)
        run.reason += f": {last}" if last else ": see its log"
        return
    broken = pytest_run.broken((recording,), recording.django, plan.pytest_args)
    if broken:
        for prefix, words in _BROKEN_WORDS.items():
            if broken.startswith(prefix):
                broken = words.format(name=name) + broken.removeprefix(prefix)
                break
        else:
            broken = f"{name}: {broken}"
        run.status, run.reason = BROKEN, broken
        return
    stopped = directory / scratch.STOPPED
    if stopped.is_file():
        msg = (
            f"pytest stopped early under {name} ({stopped.read_text(encoding='utf-8')}: -x or "
            "--maxfail, after -- or in your pytest configuration's addopts); every test must run "
            "on every configuration to compare them: drop it, or add --maxfail=0 after --"
        )
        raise BadInput(msg)
    run.status = RAN


# Where a reason names its configuration: " under db", or "db: " before it. The name is
# held out as a character no reason holds.
_NAME = "\x00"
_UNDER = " under {name}"
_BEFORE = "{name}: "


def _held_out(reason: str, name: str) -> str:
    """``reason`` with its configuration's name held out: the same break under several
    configurations reads the same."""
    under = _UNDER.format(name=name)
    if under in reason:
        return reason.replace(under, _UNDER.format(name=_NAME), 1)
    before = _BEFORE.format(name=name)
    if reason.startswith(before):
        return _BEFORE.format(name=_NAME) + reason.removeprefix(before)
    return reason


def together(reasons: dict[str, str]) -> list[tuple[list[str], str]]:
    """Each reason once, whatever configurations it was given for (a module that fails to
    collect on every engine is one error, not five): the configurations, in the order given,
    and the reason naming them all where it named one (``collection failed under db,
    signed_cookies: ...``), else as it was."""
    grouped: dict[str, list[str]] = {}
    for name, reason in reasons.items():
        grouped.setdefault(_held_out(reason, name), []).append(name)
    return [
        (names, template.replace(_NAME, ", ".join(names), 1))
        for template, names in grouped.items()
    ]


def headline(run: Run) -> str:
    """What the terminal says as a run ends that did not run: why it was not run; for a
    broken run only its first words, the whole error being said once, after every run."""
    if run.status != BROKEN:
        return run.reason
    held = _held_out(run.reason, run.record.name)
    words = held.replace(_UNDER.format(name=_NAME), "").removeprefix(_BEFORE.format(name=_NAME))
    words = words.split(":", 1)[0]
    return f"{words} (the error follows the report)"


def __dir__() -> list[str]:
    return __all__
