"""What ``session-matrix suite`` found: outcomes compared per test, the engine-dependent ones
explained from the pattern catalogue, written as ``suite.json`` and ``index.html``.

A test *depends on the engine* when the configurations that ran disagree on its outcome
(passed, failed, error, skipped). A broken run contributes no outcomes: it says nothing
about the tests.

An explanation is a catalogued idiom (a row of the published matrix) that is justified
twice over, never by similarity alone:

1. the outcomes: on every configuration where the test failed, the idiom failed in the
   matrix with the same exception type (on that configuration, or on its engine, in the
   matrix column of the Django version nearest the one that ran); where the test passed, the
   idiom did not fail (in that configuration's own column, when the matrix has one);
2. and either the code: every session call the idiom's code makes (``client.session``,
   ``save()``, ``force_login``, ``cycle_key``... a fixed vocabulary) appears in the test's
   source, its setUp or its same-module fixtures, and the test does not already apply the
   idiom's fix; or, for an exception other than AssertionError, the message has the same
   shape (quoted values and numbers aside: ``KeyError: 'cart'`` is ``KeyError: 'foo'``).

Among several, the idiom with the most of the test's calls wins, then the same message
shape, then the same style (a ``TestCase`` method or a function), then the catalogue's
order. With none, the explanation is null and the report says so.
"""

from __future__ import annotations

import ast
import functools
import json
import platform
import re
import shutil
import textwrap
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from session_matrix import __version__, paths, schemas
from session_matrix.merge import anchor
from session_matrix.model import column_id, now
from session_matrix.vocabulary import CellStatus, Outcome

if TYPE_CHECKING:
    from session_matrix.suite import Plan, Run

__all__ = [
    "SESSION_TERMS",
    "Catalogue",
    "Idiom",
    "build",
    "explain",
    "html_page",
    "load_catalogue",
    "session_terms",
    "source_of",
    "summary",
    "write",
]

# The session calls an idiom is recognised by: what a test does to a session, its cookie,
# the login state, the clock or the settings that decide how sessions are stored.
SESSION_TERMS = frozenset(
    """
    session asession save asave session_key cookies SESSION_COOKIE_NAME update setdefault
    pop apop aset aget modified flush aflush cycle_key acycle_key set_expiry aset_expiry
    get_expiry_age aget_expiry_age get_expiry_date exists aexists get_decoded SessionStore
    Session clearsessions clear_expired force_login aforce_login login alogin logout alogout
    set_password update_session_auth_hash admin_client async_client AsyncClient rf
    RequestFactory SessionMiddleware process_request messages travel sleep atomic subprocess
    cache SESSION_CACHE_ALIAS SESSION_COOKIE_AGE SESSION_SAVE_EVERY_REQUEST SESSION_SERIALIZER
    SESSION_ENGINE SESSION_COOKIE_SECURE SESSION_EXPIRE_AT_BROWSER_CLOSE SECRET_KEY
    SECRET_KEY_FALLBACKS PickleSerializer
    """.split()  # noqa: SIM905 (a list of words, one vocabulary)
)
# In a Fix: text, only what reads as code counts (a call, an attribute, a CONSTANT).
_CODE_WORD = re.compile(r"\.([A-Za-z_]\w*)|\b([A-Za-z_]\w*)(?=\s*[(\[])|\b([A-Z][A-Z0-9_]{3,})\b")
_FAILED = ("failed", "error")
_RAN = {CellStatus.PASSED, CellStatus.FAILED, CellStatus.ERROR}
_SETUP = ("setUp", "setUpTestData", "asyncSetUp", "setup_method")
FORMAT = 1


def outcome_word(outcome: str) -> str:
    """The suite's four outcomes: *unavailable* and *not run* (a pattern's own words) skip."""
    if outcome in (Outcome.PASSED, Outcome.FAILED, Outcome.ERROR):
        return str(outcome)
    return "skipped"


def shape(message: str) -> str:
    """A message with its quoted values and numbers masked."""
    masked = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", message)
    return re.sub(r"\b0x[0-9a-f]+\b|\b\d+(\.\d+)?\b", "0", masked).strip()


def session_terms(code: str) -> frozenset[str]:
    """The session calls and names in ``code`` (one of ``SESSION_TERMS``)."""
    try:
        tree = ast.parse(textwrap.dedent(code))
    except SyntaxError:
        return frozenset(re.findall(r"[A-Za-z_]\w*", code)) & SESSION_TERMS
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.arg | ast.keyword) and node.arg:
            found.add(node.arg)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add(node.value)  # settings named in a string: "SESSION_ENGINE"
    return frozenset(found) & SESSION_TERMS


def fix_terms(fix: str) -> frozenset[str]:
    """The session calls a Fix: text writes as code."""
    words = {word for match in _CODE_WORD.finditer(fix) for word in match.groups() if word}
    return frozenset(words) & SESSION_TERMS


# ----------------------------------------------------------------------------- the catalogue


@dataclass(frozen=True)
class Idiom:
    """One pattern of the published matrix, as an explanation needs it."""

    id: str
    idiom: str
    why: str
    fix: str
    anchor: str
    terms: frozenset[str]
    fix_terms: frozenset[str]

    @property
    def in_class(self) -> bool:
        return self.id.count("::") > 1


@dataclass
class Catalogue:
    """The published matrix: every idiom and its outcome in every column."""

    idioms: list[Idiom]
    configurations: set[str]
    versions: list[str]  # Django versions, oldest first
    cells: dict[str, dict[str, dict[str, Any]]]
    source: str = ""

    def version_for(self, django: str) -> str:
        """The matrix's Django version nearest ``django`` (the same X.Y when it has it)."""
        if not self.versions:
            return ""
        return min(self.versions, key=lambda v: (abs(_number(v) - _number(django)), _version(v)))

    def configuration_for(self, name: str, engine: str) -> str:
        """The matrix column that confirms a failure on configuration ``name``: its own, else
        its engine's (a variant the matrix lacks, a record of your own, may fix what fails
        on its engine, so the engine's column never contradicts its passing)."""
        if name in self.configurations:
            return name
        return engine if engine in self.configurations else ""

    def cell(self, idiom: str, configuration: str, django: str) -> dict[str, Any] | None:
        return self.cells.get(idiom, {}).get(column_id(configuration, django))


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3]) or (0,)


def _number(text: str) -> float:
    major, minor = [*_version(text), 0][:2]
    return major + minor / 100


def matrix_files() -> tuple[Path, Path] | None:
    """The published ``matrix.json`` and its page: the package's copy, else the checkout's."""
    for folder, page in (
        (paths.PACKAGE / "data", "matrix.html"),
        (paths.ROOT / "results", "index.html"),
    ):
        if (folder / "matrix.json").is_file():
            return folder / "matrix.json", folder / page
    return None


def load_catalogue(path: Path) -> Catalogue:
    """The fields every format of ``matrix.json`` shares: columns, patterns, cells."""
    data = schemas.load_json(path)
    configurations = {str(c.get("configuration") or c["engine"]) for c in data["columns"]}
    versions = sorted({str(c["django"]) for c in data["columns"]}, key=_version)
    idioms = [
        Idiom(
            id=p["id"],
            idiom=p.get("idiom", ""),
            why=p.get("why", ""),
            fix=p.get("fix", ""),
            anchor=p.get("anchor") or anchor(p["id"]),
            terms=session_terms(p.get("code", "")),
            fix_terms=fix_terms(p.get("fix", "")),
        )
        for p in data["patterns"]
    ]
    return Catalogue(idioms, configurations, versions, data["cells"], str(path))


@functools.cache
def matrix_url() -> str:
    """The published page, when the installed package names it (``[project.urls] Matrix``)."""
    try:
        urls = metadata.metadata("django-session-matrix").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return ""
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "matrix":
            return str(url).strip()
    return ""


def link(idiom: Idiom) -> str:
    """Where the idiom's row is: the published page, or the copy beside the report."""
    return f"{matrix_url() or 'matrix.html'}#{idiom.anchor}"


# ----------------------------------------------------------------------------- explaining


@dataclass
class Observed:
    """One test's outcome on one configuration."""

    outcome: str
    exception: str = ""
    message: str = ""


def explain(
    node: str,
    observed: dict[str, Observed],
    engines: dict[str, str],
    source: str | None,
    catalogue: Catalogue,
    django: str,
) -> dict[str, Any] | None:
    """The catalogued idiom that explains why ``node``'s outcome depends on the engine, or
    None. ``engines`` maps each configuration to its engine; ``source`` is the test's code."""
    failing = {c: o for c, o in observed.items() if o.outcome in _FAILED}
    passing = [c for c, o in observed.items() if o.outcome == "passed"]
    if not failing or not passing:
        return None
    version = catalogue.version_for(django)
    terms = session_terms(source) if source else frozenset()
    best: tuple[tuple[bool | int, ...], Idiom, str] | None = None
    for index, idiom in enumerate(catalogue.idioms):
        evidence = _evidence(idiom, failing, passing, engines, catalogue, version)
        if evidence is None:
            continue
        same_shape, exceptions = evidence
        fix = idiom.fix_terms - idiom.terms - {"session"}  # what the fix adds to the idiom
        if fix and fix <= terms:
            continue  # the test already writes the fix
        by_code = bool(idiom.terms) and idiom.terms <= terms
        by_message = same_shape and "AssertionError" not in exceptions
        if not (by_code or by_message):
            continue
        same_style = idiom.in_class == (node.count("::") > 1)
        rank = (by_code, len(idiom.terms) if by_code else 0, same_shape, same_style, -index)
        why = _because(failing, passing, exceptions, version, idiom.terms if by_code else None)
        if best is None or rank > best[0]:
            best = (rank, idiom, why)
    if best is None:
        return None
    _, idiom, because = best
    return {
        "pattern": idiom.id,
        "idiom": idiom.idiom,
        "why": idiom.why,
        "fix": idiom.fix,
        "url": link(idiom),
        "because": because,
    }


def _evidence(
    idiom: Idiom,
    failing: dict[str, Observed],
    passing: list[str],
    engines: dict[str, str],
    catalogue: Catalogue,
    version: str,
) -> tuple[bool, set[str]] | None:
    """``(same message shape everywhere, exception types)`` if the idiom's cells agree with
    the test's outcomes (at least one failure confirmed, nothing contradicted), else None."""
    confirmed, same_shape, exceptions = 0, True, set()
    for name, seen in failing.items():
        cell = catalogue.cell(idiom.id, catalogue.configuration_for(name, engines[name]), version)
        if cell is None or CellStatus(cell["status"]) not in _RAN:
            continue
        if cell["status"] not in _FAILED or cell.get("exception", "") != seen.exception:
            return None
        confirmed += 1
        exceptions.add(seen.exception)
        same_shape = same_shape and shape(cell.get("message", "")) == shape(seen.message)
    if not confirmed:
        return None
    for name in passing:  # only a configuration's own column can say it should fail
        own = name if name in catalogue.configurations else ""
        cell = catalogue.cell(idiom.id, own, version)
        if cell is not None and cell["status"] in _FAILED:
            return None
    return same_shape, exceptions


def _because(
    failing: dict[str, Observed],
    passing: list[str],
    exceptions: set[str],
    version: str,
    terms: frozenset[str] | None,
) -> str:
    text = (
        f"fails with {', '.join(sorted(exceptions))} on {', '.join(sorted(failing))} and "
        f"passes on {', '.join(sorted(passing))}, as this idiom does in the matrix "
        f"(Django {version})"
    )
    if terms:
        return f"{text}; the test makes its session calls: {', '.join(sorted(terms))}"
    return f"{text}, with the same message shape"


# ----------------------------------------------------------------------------- the tests' code


@functools.cache
def _tree(path: str) -> ast.Module | None:
    try:
        return ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None


def _segment(path: str, node: ast.AST) -> str:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])  # type: ignore[attr-defined]
    return "\n".join(lines[first - 1 : node.end_lineno])  # type: ignore[attr-defined]


def source_of(path: str, line: int) -> str | None:
    """The source of the test defined at ``line`` of ``path``, with its class's setUp and
    the same-module fixtures it names; None when it cannot be found."""
    tree = _tree(path)
    if tree is None:
        return None
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    module_functions = {n.name: n for n in tree.body if isinstance(n, functions)}
    owners: list[ast.Module | ast.ClassDef] = [tree]
    owners += [n for n in tree.body if isinstance(n, ast.ClassDef)]
    for owner in owners:
        for node in owner.body:
            if not isinstance(node, functions):
                continue
            starts = {node.lineno, *(d.lineno for d in node.decorator_list)}
            if line not in starts:
                continue
            parts = [_segment(path, node)]
            if isinstance(owner, ast.ClassDef):
                parts += [
                    _segment(path, n)
                    for n in owner.body
                    if isinstance(n, functions) and n.name in _SETUP
                ]
            for arg in node.args.args:
                fixture = module_functions.get(arg.arg)
                if fixture is not None and fixture is not node:
                    parts.append(_segment(path, fixture))
            return "\n\n".join(textwrap.dedent(part) for part in parts)
    return None


# ----------------------------------------------------------------------------- the report


@dataclass
class _Tally:
    tests: dict[str, dict[str, Observed]] = field(default_factory=dict)

    def groups(self, ran: list[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {
            "engine_dependent": [],
            "fails_everywhere": [],
            "passes_everywhere": [],
            "skipped_everywhere": [],
        }
        for node, seen in sorted(self.tests.items()):
            outcomes = {o.outcome for o in seen.values()}
            if len(outcomes) > 1 or len(seen) < len(ran):
                found["engine_dependent"].append(node)
            elif outcomes <= set(_FAILED):
                found["fails_everywhere"].append(node)
            elif outcomes == {"passed"}:
                found["passes_everywhere"].append(node)
            else:
                found["skipped_everywhere"].append(node)
        return found


def _run_entry(run: Run) -> dict[str, Any]:
    counts: dict[str, int] = {}
    recording = run.recording if run.status == "ran" else None
    for row in recording.tests.values() if recording else []:
        word = outcome_word(row.outcome)
        counts[word] = counts.get(word, 0) + 1
    return {
        "status": run.status,
        "reason": run.reason,
        "engine": run.record.engine,
        "label": run.record.label,
        "description": run.record.description,
        "seconds": round(run.seconds, 1),
        "counts": counts,
        "django": recording.django if recording else "",
        "log": f"logs/{run.record.name}.txt" if run.output else "",
    }


def build(runs: list[Run], plan: Plan) -> dict[str, Any]:
    """``suite.json``, checked against ``schemas/suite.schema.json``."""
    ran = [run for run in runs if run.status == "ran" and run.recording is not None]
    tally = _Tally()
    for run in ran:
        assert run.recording is not None
        for node, row in run.recording.tests.items():
            tally.tests.setdefault(node, {})[run.record.name] = Observed(
                outcome_word(row.outcome), row.exception, row.message
            )
    groups = tally.groups([run.record.name for run in ran])
    django = next((run.recording.django for run in ran if run.recording), "")
    locations = {node: where for run in ran for node, where in run.locations.items()}
    engines = {run.record.name: run.record.engine for run in runs}
    found = matrix_files()
    catalogue = load_catalogue(found[0]) if found else None
    explanations: dict[str, Any] = {}
    for node in groups["engine_dependent"]:
        where = locations.get(node)
        source = source_of(str(where[0]), int(where[1])) if where else None
        explanations[node] = (
            explain(node, tally.tests[node], engines, source, catalogue, django)
            if catalogue
            else None
        )
    report: dict[str, Any] = {
        "$schema": "suite.schema.json",
        "format": FORMAT,
        "generated_by": f"session-matrix suite {__version__}",
        "finished": now(),
        "project": {
            "root": str(plan.root),
            "settings": plan.settings,
            "pytest_args": [*plan.order, *plan.pytest_args],
            "django": django,
            "python": platform.python_version(),
        },
        "catalogue": {
            "source": catalogue.source if catalogue else "",
            "django": catalogue.version_for(django) if catalogue else "",
        },
        "configurations": [run.record.name for run in runs],
        "runs": {run.record.name: _run_entry(run) for run in runs},
        "tests": {
            node: {name: seen.outcome for name, seen in by.items()}
            for node, by in sorted(tally.tests.items())
        },
        "failures": {
            node: {
                name: f"{seen.exception}: {seen.message}" if seen.message else seen.exception
                for name, seen in by.items()
                if seen.outcome in _FAILED
            }
            for node, by in sorted(tally.tests.items())
            if any(seen.outcome in _FAILED for seen in by.values())
        },
        **groups,
        "explanations": explanations,
    }
    schemas.validate(report, "suite", "suite.json")
    return report


def write(report: dict[str, Any], runs: list[Run], directory: Path) -> list[Path]:
    """``suite.json``, ``index.html``, the pytest output of each run, and the matrix page
    the explanations link to (unless they link to the published one)."""
    written = [directory / "suite.json", directory / "index.html"]
    paths.write_atomic(written[0], json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    paths.write_atomic(written[1], html_page(report))
    logs = directory / "logs"
    if logs.is_dir():
        for old in logs.glob("*.txt"):
            old.unlink()
    for run in runs:
        if run.output:
            paths.write_atomic(logs / f"{run.record.name}.txt", run.output)
    found = matrix_files()
    linked = any(report["explanations"].values())
    if found and linked and not matrix_url() and found[1].is_file():
        shutil.copyfile(found[1], directory / "matrix.html")
        written.append(directory / "matrix.html")
    return written


_RUN_TERMS = {"not_run": CellStatus.NOT_RUN, "broken": CellStatus.HARNESS_ERROR}


def _page_context(report: dict[str, Any]) -> dict[str, Any]:
    """Everything the page shows, precomputed (the template only lays it out)."""
    runs = report["runs"]
    names = report["configurations"]

    def row(node: str) -> dict[str, Any]:
        cells = []
        for name in names:
            outcome = report["tests"][node].get(name)
            if runs[name]["status"] != "ran":
                status = _RUN_TERMS.get(runs[name]["status"], CellStatus.NOT_RUN)
            else:
                status = CellStatus(outcome) if outcome else CellStatus.ABSENT
            term = status.term
            cells.append(
                {
                    "config": name,
                    "glyph": term.glyph,
                    "tone": term.tone,
                    "word": outcome or term.word,
                    "failure": report["failures"].get(node, {}).get(name, ""),
                }
            )
        return {
            "node": node,
            "anchor": anchor(node),
            "cells": cells,
            "explanation": report["explanations"].get(node),
        }

    sections = [
        (
            "engine_dependent",
            "Depends on the engine",
            "These tests pass on some configurations and not on others: the engine decides.",
        ),
        (
            "fails_everywhere",
            "Fails on every configuration",
            "Not the engine's doing: these fail whichever engine runs them.",
        ),
    ]
    return {
        "report": report,
        "configurations": [
            runs[name] | {"name": name, "term": _RUN_TERMS[runs[name]["status"]].term}
            if runs[name]["status"] in _RUN_TERMS
            else runs[name] | {"name": name, "term": None}
            for name in names
        ],
        "sections": [
            {"id": key, "title": title, "lede": lede, "rows": [row(n) for n in report[key]]}
            for key, title, lede in sections
        ],
        "passes": report["passes_everywhere"],
        "skipped": report["skipped_everywhere"],
        "legend": [CellStatus(word).term for word in ("passed", "failed", "error", "skipped")],
    }


def html_page(report: dict[str, Any]) -> str:
    """``index.html``: one self-contained page, no script (its policy forbids any)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(paths.PACKAGE / "render" / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.policies["urlize.extra_schemes"] = []
    env.policies["urlize.rel"] = "noopener noreferrer"
    return env.get_template("suite.html.j2").render(_page_context(report))


def _wrap(label: str, text: str, indent: str = "      ") -> str:
    return textwrap.fill(
        text, width=100, initial_indent=f"{indent}{label}", subsequent_indent=indent + "  "
    )


def _shown(nodes: list[str], limit: int = 10) -> list[str]:
    lines = [f"  {node}" for node in nodes[:limit]]
    if len(nodes) > limit:
        lines.append(f"  … and {len(nodes) - limit} more (see the report)")
    return lines


def summary(report: dict[str, Any], directory: Path) -> str:
    """The terminal's account of the report."""
    ran = [name for name, run in report["runs"].items() if run["status"] == "ran"]
    lines = [""]
    dependent = report["engine_dependent"]
    lines.append(
        f"Depends on the engine: {len(dependent)} of {len(report['tests'])} tests "
        f"(compared across {', '.join(ran) or 'no configuration'})"
    )
    for node in dependent:
        outcomes = report["tests"][node]
        failures = report["failures"].get(node, {})
        by_outcome: dict[str, list[str]] = {}
        for name in ran:
            by_outcome.setdefault(outcomes.get(name, "absent"), []).append(name)
        lines.append(f"  {node}")
        for outcome, names in sorted(by_outcome.items()):
            detail = ""
            if outcome in _FAILED:
                messages = sorted({failures[name] for name in names if name in failures})
                detail = f" ({'; '.join(messages)})" if messages else ""
            lines.append(_wrap("", f"{outcome} on {', '.join(names)}{detail}", "    "))
        explanation = report["explanations"].get(node)
        if explanation:
            lines.append(_wrap("likely: ", explanation["idiom"] or explanation["pattern"]))
            if explanation["why"]:
                lines.append(_wrap("why: ", explanation["why"]))
            if explanation["fix"]:
                lines.append(_wrap("fix: ", explanation["fix"]))
            url = explanation["url"]
            if not url.startswith(("http://", "https://")):
                url = str(directory / url)
            lines.append(f"      see: {url}")
        else:
            log = next((report["runs"][n]["log"] for n in failures if n in report["runs"]), "")
            where = f": read its failure in {directory / log}" if log else ""
            lines.append(f"      no catalogued idiom matches{where}")
    everywhere = report["fails_everywhere"]
    lines.append(f"Fails on every configuration (not the engine's doing): {len(everywhere)}")
    lines += _shown(everywhere)
    lines.append(f"Passes on every configuration: {len(report['passes_everywhere'])}")
    if report["skipped_everywhere"]:
        lines.append(f"Skipped on every configuration: {len(report['skipped_everywhere'])}")
    for name, run in report["runs"].items():
        if run["status"] == "not_run":
            lines.append(f"{name}: {run['reason']}")
        elif run["status"] != "ran":
            lines.append(f"{name} broke: {run['reason']}")
    return "\n".join(lines)


def __dir__() -> list[str]:
    return __all__
