"""The pattern catalogue, read from ``matrix_tests/`` without importing it (no Django needed).

Each pattern is a test function or ``TestCase`` method. Its docstring is the record:

    first line       the idiom, as the developer writes it
    Expect: ...      what the developer expects
    Why: ...         why it breaks where it breaks (once the matrix has shown it)
    Fix: ...         the portable way to write it
    Source: ...      ticket, doc or issue behind the pattern
    Kind: ...        for a pattern that fails on every engine: mistake, django-limitation
                     or test-tool-limitation
    Depends: ...     what in the test setup (not the engine) decides the outcome
    Twin: ...        its counterpart (a browser idiom's test-client twin, or the companion
                     that removes a setup dependency): a test name in the same module
    Detect: ...      the idiom's shape in a test's code, for ``lint`` and ``suite``'s
                     explanations (``session_matrix.core.detect``); ``like <test>`` reuses a
                     pattern's, ``none: <why>`` says the test's code cannot show it

Its theme is a marker named in ``[tool.session-matrix.themes]`` (module ``pytestmark``,
class or function decorator); ``@pytest.mark.since_django("5.1", reason=...)`` gives the
version it needs.
"""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path
from typing import Any

from session_matrix.core import detect
from session_matrix.core.model import Pattern

__all__ = [
    "FIELDS",
    "CatalogueError",
    "base_id",
    "detectors",
    "parse_docstring",
    "published_patterns",
    "read_catalogue",
]

FIELDS = ("expect", "why", "fix", "source", "kind", "depends", "twin", "detect")
_LABEL = re.compile(r"^(Expect|Why|Fix|Source|Kind|Depends|Twin|Detect):\s*(.*)$", re.IGNORECASE)


class CatalogueError(ValueError):
    """A pattern's docstring field that cannot be read, named by file, test and field."""


def base_id(node_id: str) -> str:
    """A node id without its parametrization: ``t.py::test_x[a]`` -> ``t.py::test_x``."""
    return node_id.split("[", 1)[0]


def parse_docstring(doc: str | None) -> dict[str, str]:
    """Split a pattern docstring into idiom and the labelled fields."""
    texts = dict.fromkeys(("idiom", *FIELDS), "")
    if not doc:
        return texts
    lines = textwrap.dedent(doc).strip().splitlines()
    texts["idiom"] = lines[0].strip()
    current = ""
    for line in lines[1:]:
        match = _LABEL.match(line.strip())
        if match:
            current = match.group(1).lower()
            texts[current] = match.group(2).strip()
        elif current and line.strip():
            texts[current] = f"{texts[current]} {line.strip()}".strip()
        else:
            current = "" if not line.strip() else current
    return texts


def _mark_calls(node: ast.AST) -> list[ast.expr]:
    """Every ``pytest.mark.X`` / ``pytest.mark.X(...)`` expression inside ``node``."""
    return [
        sub
        for sub in ast.walk(node)
        if isinstance(sub, ast.Attribute)
        and isinstance(sub.value, ast.Attribute)
        and sub.value.attr == "mark"
    ]


def _markers(nodes: list[ast.AST]) -> tuple[list[str], str, str]:
    names: list[str] = []
    since, reason = "", ""
    for node in nodes:
        for mark in _mark_calls(node):
            assert isinstance(mark, ast.Attribute)
            names.append(mark.attr)
        for call in ast.walk(node):
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr == "since_django"
            ):
                args = [a.value for a in call.args if isinstance(a, ast.Constant)]
                kwargs = {
                    k.arg: k.value.value
                    for k in call.keywords
                    if isinstance(k.value, ast.Constant)
                }
                if args and not since:  # the closest marker wins
                    since = str(args[0])
                    reason = str(kwargs.get("reason") or (args[1] if len(args) > 1 else ""))
    return names, since, reason


def _pytestmark(body: list[ast.stmt]) -> list[ast.AST]:
    """The values assigned to ``pytestmark`` in a module or class body."""
    return [
        stmt.value
        for stmt in body
        if isinstance(stmt, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in stmt.targets)
    ]


def _pattern(
    node_id: str,
    func: ast.FunctionDef | ast.AsyncFunctionDef,
    scopes: list[ast.AST],  # closest first: class marks, then module marks
    source: str,
    path: str,
    themes: dict[str, str],
) -> Pattern:
    names, since, reason = _markers([*func.decorator_list, *scopes])
    first = min([func.lineno, *(d.lineno for d in func.decorator_list)])
    code = "\n".join(source.splitlines()[first - 1 : func.end_lineno])
    texts = parse_docstring(ast.get_docstring(func, clean=True))
    if texts["twin"] and ".py::" not in texts["twin"]:
        texts["twin"] = f"{path}::{texts['twin']}"  # a name in the same module
    texts["kind"] = texts["kind"].lower()
    theme = next((name for name in names if name in themes), "")
    return Pattern(
        id=node_id,
        theme=theme,
        since_django=since,
        since_reason=reason,
        code=textwrap.dedent(code),
        path=path,
        line=func.lineno,
        markers=sorted(set(names)),
        **texts,
    )


def _read_module(path: Path, root: Path, themes: dict[str, str]) -> list[Pattern]:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    rel = path.relative_to(root).as_posix()
    module_marks = _pytestmark(tree.body)
    found = []
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name.startswith(
            "test"
        ):
            found.append(_pattern(f"{rel}::{stmt.name}", stmt, module_marks, source, rel, themes))
        elif isinstance(stmt, ast.ClassDef):
            scopes = [*stmt.decorator_list, *_pytestmark(stmt.body), *module_marks]
            for item in stmt.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and (
                    item.name.startswith("test")
                ):
                    node_id = f"{rel}::{stmt.name}::{item.name}"
                    found.append(_pattern(node_id, item, scopes, source, rel, themes))
    return found


def read_catalogue(directory: Path, themes: dict[str, str]) -> dict[str, Pattern]:
    """Every pattern under ``directory`` (``test_*.py``), keyed by pytest node id."""
    root = directory.parent
    patterns: dict[str, Pattern] = {}
    for path in sorted(directory.rglob("test_*.py")):
        for pattern in _read_module(path, root, themes):
            patterns[pattern.id] = pattern
    return patterns


def detectors(patterns: dict[str, Pattern]) -> dict[str, detect.Detector]:
    """Every pattern's parsed ``Detect:`` (a ``like`` resolved to its pattern's steps), keyed
    by node id; ``CatalogueError`` names the file, test and field of one that cannot be read."""
    parsed: dict[str, detect.Detector] = {}
    for node_id, pattern in patterns.items():
        if not pattern.detect:
            continue
        try:
            parsed[node_id] = detect.parse(pattern.detect)
        except detect.DetectError as exc:
            msg = f"{pattern.path}:{pattern.line}: {node_id}: field Detect: {exc}"
            raise CatalogueError(msg) from exc
    for node_id, detector in parsed.items():
        if detector.like:
            target = f"{patterns[node_id].path}::{detector.like}"
            if target not in parsed or not parsed[target].steps:
                pattern = patterns[node_id]
                msg = (
                    f"{pattern.path}:{pattern.line}: {node_id}: field Detect: 'like "
                    f"{detector.like}' names no pattern with steps in {pattern.path}"
                )
                raise CatalogueError(msg)
    return parsed


def published_patterns(data: dict[str, Any], checkout: Path | None) -> dict[str, Pattern]:
    """The patterns ``lint`` and ``suite`` match with: the checkout's ``matrix_tests/`` when
    there is one (the current tree), else those ``matrix.json`` (``data``) carries."""
    if checkout is not None and checkout.is_dir():
        return read_catalogue(checkout, {})
    return {
        p["id"]: Pattern(
            id=p["id"],
            idiom=p.get("idiom", ""),
            why=p.get("why", ""),
            fix=p.get("fix", ""),
            path=p.get("path", ""),
            line=int(p.get("line", 0)),
            detect=p.get("detect", ""),
        )
        for p in data["patterns"]
    }


def __dir__() -> list[str]:
    return __all__
