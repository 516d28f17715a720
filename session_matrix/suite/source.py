"""The session calls in a piece of code: the calls an idiom of the catalogue makes, the ones
its fix writes, and the ones a test makes, read from the test's source (with its class's
setUp and the same-module fixtures it names)."""

from __future__ import annotations

import ast
import functools
import re
import textwrap
from pathlib import Path

__all__ = ["SESSION_TERMS", "fix_terms", "session_terms", "source_of"]

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
_SETUP = ("setUp", "setUpTestData", "asyncSetUp", "setup_method")


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


def __dir__() -> list[str]:
    return __all__
