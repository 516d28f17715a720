"""Which cells of a column must run again: a fingerprint per cell (one pattern in one column).

A cell's fingerprint covers everything that can change its outcome:

- the pattern's own code and its module's other code (imports, helpers), docstrings left out;
- the patterns' shared files: ``matrix_tests/conftest.py`` and any other non-pattern module
  there, everything under ``project/`` (views, urls, settings), pytest's configuration;
- the record after ``extends`` (settings, lists, needs, requires);
- the harness that runs it: the recorder, the overlay, the pytest command, and the
  providers of the services it uses;
- the environment: its Python and every installed distribution (name and version), read
  from the environment's own files, so a no-op check builds nothing;
- the version of each service it uses (``probes``): the record's ``needs``, and Chromium for
  the patterns that take the ``page`` fixture.

The nox process computes the current fingerprints before it starts a column
(``current``); the column runner stamps the same fingerprints on the rows it writes
(``stamp``). Whatever cannot be computed (no environment yet, a service that does not
answer its probe) gives the cell no fingerprint: it is stale, never fresh.

A column that never reached its patterns (no interpreter, no release of its Django line on
the package index, a required package that rejects its Django) has no cells to compare;
``verdict_inputs`` is the digest of what that verdict was reached from instead: the
environment's specification, and the environment's packages if it was built, else the
package index's answer for its requirements (asked once per specification per process, with
a short timeout: no answer, no digest); for *not available*, also the inputs every cell
shares and the preflight.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import subprocess
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from session_matrix.core import envs
from session_matrix.core.catalogue import base_id
from session_matrix.core.model import RawRecord, Row
from session_matrix.core.paths import PACKAGE, PATTERNS_DIR, ROOT
from session_matrix.core.records import Record
from session_matrix.matrix import probes
from session_matrix.matrix.fingerprint import docstring_lines, pytest_config, resolved

__all__ = [
    "BROWSER_FIXTURE",
    "HARNESS",
    "INDEX_TIMEOUT",
    "PatternCode",
    "ask_index",
    "current",
    "environment",
    "pattern_codes",
    "stale",
    "stamp",
    "verdict_inputs",
]

HARNESS = ("core/recorder.py", "core/overlay.py", "core/pytest_run.py", "core/runner.py")
_PREFLIGHT = "core/preflight.py"  # decides "not available" before any pattern runs
INDEX_TIMEOUT = 20.0  # seconds the package index gets to answer one resolution
BROWSER_FIXTURE = "page"  # matrix_tests/conftest.py: a pattern taking it uses Chromium


def _digest(parts: Iterable[bytes | str]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class PatternCode:
    """One pattern's code digest (its own lines and its module's other lines, docstrings
    dropped) and the services it uses beyond its record's."""

    digest: str
    browser: bool


def _tests(tree: ast.Module, rel: str) -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    found: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name.startswith(
            "test"
        ):
            found.append((f"{rel}::{stmt.name}", stmt))
        elif isinstance(stmt, ast.ClassDef):
            found += [
                (f"{rel}::{stmt.name}::{item.name}", item)
                for item in stmt.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                and item.name.startswith("test")
            ]
    return found


def _span(func: ast.FunctionDef | ast.AsyncFunctionDef) -> range:
    first = min([func.lineno, *(d.lineno for d in func.decorator_list)])
    return range(first - 1, func.end_lineno or func.lineno)


def pattern_codes(root: Path = ROOT) -> dict[str, PatternCode]:
    """Every pattern (node id without parameters) -> its code digest."""
    codes: dict[str, PatternCode] = {}
    for path in sorted((root / PATTERNS_DIR).rglob("test_*.py")):
        rel = path.relative_to(root).as_posix()
        lines = path.read_text(encoding="utf-8").splitlines()
        tree = ast.parse("\n".join(lines))
        dropped = docstring_lines(tree)
        tests = _tests(tree, rel)
        own = {node: set(_span(func)) for node, func in tests}
        everyone = set().union(*own.values()) if own else set()
        shared = [line for n, line in enumerate(lines) if n not in everyone | dropped]
        for node, func in tests:
            mine = [line for n, line in enumerate(lines) if n in own[node] - dropped]
            arguments = {arg.arg for arg in [*func.args.args, *func.args.kwonlyargs]}
            codes[node] = PatternCode(
                _digest([rel, *shared, "\0own", *mine]), BROWSER_FIXTURE in arguments
            )
    return codes


def _shared_files(root: Path) -> list[Path]:
    """What every pattern may use: conftest and helpers beside the patterns, the project."""
    helpers = [
        path for path in (root / PATTERNS_DIR).rglob("*.py") if not path.name.startswith("test_")
    ]
    project = [
        path
        for path in (root / "project").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    ]
    return sorted([*helpers, *project])


def _harness(services: Iterable[str]) -> list[Path]:
    providers = [PACKAGE / "core" / "services" / f"{name}.py" for name in services]
    return [PACKAGE / name for name in HARNESS] + [p for p in providers if p.is_file()]


def _common(record: Record, root: Path) -> str:
    """Digest of the inputs every cell of the column shares, the environment aside."""
    parts: list[bytes | str] = []
    for path in [*_shared_files(root), *_harness(record.needs)]:
        name = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
        parts += [name, path.read_bytes()]
    parts += [resolved(record), pytest_config(root)]
    return _digest(parts)


def environment(prefix: Path) -> str | None:
    """Python's version and every distribution installed in the environment at ``prefix``
    (a venv), from its ``pyvenv.cfg`` and ``*.dist-info`` folders; None if unreadable."""
    try:
        config = (prefix / "pyvenv.cfg").read_text(encoding="utf-8")
    except OSError:
        return None
    python = ""
    for line in config.splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("version_info", "version"):
            python = value.strip()
    site = sorted(prefix.glob("lib/python*/site-packages"))
    if not python or len(site) != 1:
        return None
    installed = sorted(path.name for path in site[0].glob("*.dist-info"))
    if not installed:
        return None
    return _digest([python, *installed])


def current(
    record: Record,
    prefix: Path | None,
    root: Path = ROOT,
    codes: dict[str, PatternCode] | None = None,
) -> dict[str, str | None]:
    """Every pattern of the tree -> its cell's fingerprint in ``record``'s column, run in the
    environment at ``prefix``; None where some input could not be read. ``codes``:
    ``pattern_codes(root)`` already read (for many columns at once)."""
    env = environment(prefix) if prefix is not None else None
    common = _common(record, root)
    versions = {name: probes.version(name) for name in record.needs}
    fingerprints: dict[str, str | None] = {}
    for node, code in (pattern_codes(root) if codes is None else codes).items():
        used = dict(versions)
        if code.browser:
            used["chromium"] = probes.version("chromium")
        if env is None or any(value is None for value in used.values()):
            fingerprints[node] = None
            continue
        services = [f"{name}={value}" for name, value in sorted(used.items())]
        fingerprints[node] = _digest([code.digest, common, env, *services])
    return fingerprints


def stale(
    raw: RawRecord | None, fingerprints: dict[str, str | None], repeat: int = 1
) -> list[str]:
    """The patterns (node ids without parameters) whose cells must run: no row yet, a row of
    other inputs, an input unknown, or fewer repeats than asked for."""
    rows: dict[str, list[Row]] = {}
    for node, row in (raw.tests if raw else {}).items():
        rows.setdefault(base_id(node), []).append(row)
    return [
        node
        for node, fingerprint in fingerprints.items()
        if fingerprint is None
        or not rows.get(node)
        or any(
            row.fingerprint != fingerprint or (repeat > 1 and len(row.runs) < repeat)
            for row in rows[node]
        )
    ]


def stamp(rows: dict[str, Row], fingerprints: dict[str, str | None]) -> None:
    """Write each new row's fingerprint ("" where it is unknown: such a row is stale)."""
    for node, row in rows.items():
        row.fingerprint = fingerprints.get(base_id(node)) or ""


@functools.cache
def _index_answer(spec: envs.EnvSpec) -> str | None:
    """What the package index resolves ``spec``'s requirements to, or its refusal (``no
    Django 6.2 release``); None when it does not answer in time, or there is no uv to ask."""
    try:
        ok, text = envs.resolves(spec.requirements, spec.python, timeout=INDEX_TIMEOUT)
    except (OSError, subprocess.SubprocessError):
        return None
    if ok and not text:  # no uv: nothing was asked
        return None
    return f"{'resolves' if ok else 'refused'}\n{text}"


def ask_index(specs: Iterable[envs.EnvSpec]) -> None:
    """Ask the package index about every specification at once (each question waits on the
    network, not the CPU), so that ``verdict_inputs`` finds the answers ready."""
    distinct = set(specs)
    if distinct:
        with ThreadPoolExecutor(max_workers=min(8, len(distinct))) as pool:
            list(pool.map(_index_answer, distinct))


def verdict_inputs(
    record: Record,
    spec: envs.EnvSpec | str,
    prefix: Path | None,
    root: Path = ROOT,
    *,
    imports: bool = True,
) -> str | None:
    """Digest of what a column's verdict from before its patterns depends on: ``spec`` (the
    column's environment, or why it has none), the environment at ``prefix`` if it is
    built, else the package index's answer for ``spec``; None where that cannot be read.
    ``imports``: the verdict also read the record and the shared files (*not available*: a
    required package rejects this Django); a *not run* for want of an interpreter or of a
    release depends on the environment alone (the record's ``requires`` are in ``spec``)."""
    if isinstance(spec, str):
        described, evidence = spec, "no environment"
    else:
        described = json.dumps(asdict(spec), sort_keys=True)
        answer = environment(prefix) if prefix is not None else _index_answer(spec)
        if answer is None:
            return None
        evidence = f"{'environment' if prefix is not None else 'index'} {answer}"
    if not imports:
        return _digest([described, evidence])
    preflight = (PACKAGE / _PREFLIGHT).read_bytes()
    return _digest([_common(record, root), preflight, described, evidence])


def __dir__() -> list[str]:
    return __all__
