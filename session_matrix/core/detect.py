"""Detectors: a pattern's ``Detect:`` line, the shape of its idiom in a test's code, and the
matching of that shape against the AST of ordinary test code. Standard library only (no
Django): ``lint`` reads code with it before anything runs, ``suite`` after a run.

    Detect: STEP -> STEP -> ... [; without STEP, ...] [; unless STEP, ...]
    Detect: like <test name>            the same idiom as that pattern (its detector)
    Detect: none: <why>                 the test's code cannot show it (it is in a view...)

A STEP is ``[del ]ROOT{.NAME}[()|(KW=)][[]|[]=]``. ROOT ``client`` is any test client
(``self.client``, pytest-django's ``client``/``admin_client``, ``APIClient()``, a name bound
to one), ROOT ``session`` any session object (``<client>.session``, ``await
<client>.asession()``, ``request.session``, ``SessionStore(...)``, a name bound to one); any
other ROOT is a name, matched as the end of a dotted chain. ``a|b`` lists alternatives;
``client.request()`` is any request method. Steps match in order; ``without`` steps must be
absent between the first and the last matched step, ``unless`` steps anywhere in the test.
A ``*`` before a step makes it the finding's position (default: the first step).

The code searched is the test's own body, its class's ``setUp``, the same-module fixtures
it takes by name and the same-module helpers it calls (inlined where they are called),
methods its class inherits among them: from a base class in the same module, or, given the
module's path, in a module it imports it from (``from .utils import UserMixin``). Events of
another module's code are placed where the test calls it (its ``def`` for an inherited
``setUp``): a finding's line is always in the test's own file.
See /work/coord/detect-format.md for examples.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

__all__ = [
    "REQUESTS",
    "DetectError",
    "Detector",
    "Match",
    "Step",
    "TestCode",
    "find",
    "match",
    "parse",
    "tests_in",
]

REQUESTS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "trace", "generic", "request"}
)
_STEP = re.compile(
    r"^(?P<mark>\*)?(?P<del>del\s+)?(?P<chain>[A-Za-z_][\w|]*(?:\.[A-Za-z_][\w|]*)*)"
    r"(?:(?P<call>\((?:(?P<kw>[A-Za-z_]\w*)=|\"(?P<arg>[^\"]+)\")?\))?(?P<item>\[\]=?)?"
    r"|(?P<assign>=(?:\[\]|\+)?))$"
)
_ROLES = ("client", "session", "handle")


class DetectError(ValueError):
    """A ``Detect:`` line that does not parse: the message says what is wrong."""


@dataclass(frozen=True)
class Step:
    """One code shape: a read, call, item read/assignment/deletion on a dotted chain."""

    text: str
    chain: tuple[frozenset[str], ...]  # root first; each part with its alternatives
    kind: str  # read, call, getitem, setitem, delitem, setattr
    keyword: str = ""
    mark: bool = False
    argument: str = ""  # ("text"): the call's first argument (a string, or reverse("...")) has it
    value: str = ""  # for =: "[]" an empty literal is assigned, "+" anything else


@dataclass(frozen=True)
class Detector:
    """A parsed ``Detect:`` line."""

    text: str
    steps: tuple[Step, ...] = ()
    without: tuple[Step, ...] = ()
    unless: tuple[Step, ...] = ()
    coroutine: bool = False  # only in an ``async def`` test
    like: str = ""  # another pattern's name: use its detector
    none: str = ""  # why no detector can be written


def _step(text: str) -> Step:
    found = _STEP.match(text.strip())
    value = ""
    if not found:
        msg = (
            f"step {text.strip()!r} is not [del ]ROOT.NAME[()|(KW=)][[]|[]=] "
            "(e.g. session.save(), client.cookies[]=)"
        )
        raise DetectError(msg)
    chain = tuple(frozenset(part.split("|")) for part in found["chain"].split("."))
    if any("" in part for part in chain):
        msg = f"step {text.strip()!r} has an empty alternative"
        raise DetectError(msg)
    if found["del"]:
        if found["item"] != "[]":
            msg = f"step {text.strip()!r}: del takes an item, e.g. del session[]"
            raise DetectError(msg)
        kind = "delitem"
    elif found["item"] == "[]=":
        kind = "setitem"
    elif found["item"] == "[]":
        kind = "getitem"
    elif found["assign"]:
        kind = "setattr"
        value = found["assign"][1:]
    else:
        kind = "call" if found["call"] else "read"
    return Step(
        text.strip(),
        chain,
        kind,
        found["kw"] or "",
        bool(found["mark"]),
        found["arg"] or "",
        value,
    )


def _steps(text: str) -> tuple[Step, ...]:
    return tuple(_step(part) for part in text.split(",") if part.strip())


def parse(text: str) -> Detector:
    """A ``Detect:`` line's detector; ``DetectError`` says what is wrong with it."""
    text = " ".join(text.split())
    if not text:
        msg = "empty: write the idiom's steps, 'like <test>' or 'none: <why>'"
        raise DetectError(msg)
    if text.startswith("none"):
        why = text.removeprefix("none").lstrip(":").strip()
        if not why:
            msg = "'none' needs its reason: none: <why the test's code cannot show it>"
            raise DetectError(msg)
        return Detector(text, none=why)
    if text.startswith("like "):
        name = text.removeprefix("like ").strip()
        if not re.fullmatch(r"[\w.:]+", name):
            msg = f"'like' names a test, not {name!r}"
            raise DetectError(msg)
        return Detector(text, like=name)
    clauses = [clause.strip() for clause in text.split(";")]
    steps = tuple(_step(part) for part in clauses[0].split("->"))
    without: tuple[Step, ...] = ()
    unless: tuple[Step, ...] = ()
    coroutine = False
    for clause in clauses[1:]:
        word, _, rest = clause.partition(" ")
        if clause == "async":
            coroutine = True
        elif word == "without":
            without += _steps(rest)
        elif word == "unless":
            unless += _steps(rest)
        else:
            msg = f"clause {clause!r}: is not 'without ...', 'unless ...' or 'async'"
            raise DetectError(msg)
    if sum(step.mark for step in steps) > 1:
        msg = "more than one step marked with *"
        raise DetectError(msg)
    return Detector(text, steps, without, unless, coroutine)


# --- the code: events in the order the test runs them -------------------------------------


@dataclass(frozen=True)
class Event:
    """One shape in the code: its views (role-rooted and raw chains), at a position."""

    kind: str
    views: tuple[tuple[str, ...], ...]
    raw: tuple[str, ...]
    keywords: frozenset[str]
    line: int
    col: int
    argument: str = ""  # a call's first argument, when a string (or reverse("...")'s)
    value: str = ""  # an attribute assignment's value: "[]" an empty literal, else "+"


@dataclass
class TestCode:
    """One test's code, as the detectors see it."""

    name: str  # Class::test or test
    node: ast.FunctionDef | ast.AsyncFunctionDef
    events: list[Event] = field(default_factory=list)
    _names: frozenset[str] | None = None

    @property
    def names(self) -> frozenset[str]:
        """Every name its events read: a detector needing another is not tried."""
        if self._names is None:
            self._names = frozenset(
                part
                for event in self.events
                for chain in (*event.views, event.raw)
                for part in chain
            )
        return self._names


@dataclass(frozen=True)
class Match:
    """A detector's match in one test: the events it matched, the position it reports."""

    line: int
    col: int
    events: frozenset[int]


Function = ast.FunctionDef | ast.AsyncFunctionDef


# How far a class's bases are followed, through modules and through bases of bases.
_BASE_DEPTH = 4
_PARENTS = 4  # an absolute import (``tests.utils``) is looked for this far up from the module


class _Module:
    """A module's helpers and fixtures, and how a test's code reads with them inlined."""

    def __init__(self, tree: ast.Module, path: Path | None = None) -> None:
        self.tree = tree
        self.path = path
        self.walked: dict[int, list[tuple[ast.AST, int]]] = {}
        self.functions: dict[str, Function] = {}
        self.fixtures: dict[str, Function] = {}
        self.foreign: set[int] = set()  # ids of methods from another module's classes
        self._modules: dict[Path, ast.Module | None] = {}
        for stmt in tree.body:
            if isinstance(stmt, Function):
                self.functions[stmt.name] = stmt
                if any("fixture" in ast.unparse(d) for d in stmt.decorator_list):
                    self.fixtures[stmt.name] = stmt

    def methods(self, cls: ast.ClassDef | None) -> dict[str, Function]:
        """A class's methods with those it inherits (its own first, then each base's in
        order); ``super.NAME`` is the inherited ``NAME``, for ``super().NAME()``."""
        if cls is None:
            return {}
        own = {item.name: item for item in cls.body if isinstance(item, Function)}
        inherited: dict[str, Function] = {}
        for base, foreign in self._bases(cls, self.tree, self.path, _BASE_DEPTH):
            for item in base.body:
                if isinstance(item, Function) and item.name not in inherited:
                    inherited[item.name] = item
                    if foreign:
                        self.foreign.add(id(item))
        return inherited | own | {f"super.{name}": item for name, item in inherited.items()}

    def _bases(
        self, cls: ast.ClassDef, tree: ast.Module, path: Path | None, depth: int
    ) -> list[tuple[ast.ClassDef, bool]]:
        """The classes ``cls`` inherits from that can be read, nearest first, each with
        whether it is another module's."""
        found: list[tuple[ast.ClassDef, bool]] = []
        if depth <= 0:
            return found
        for base in cls.bases:
            if not isinstance(base, ast.Name):
                continue
            located = self._class(base.id, tree, path)
            if located is None:
                continue
            klass, where, module_path = located
            found.append((klass, where is not self.tree))
            found += self._bases(klass, where, module_path, depth - 1)
        return found

    def _class(
        self, name: str, tree: ast.Module, path: Path | None
    ) -> tuple[ast.ClassDef, ast.Module, Path | None] | None:
        """The class ``name`` means in ``tree``: defined there, or imported from a module
        found beside it."""
        for stmt in tree.body:
            if isinstance(stmt, ast.ClassDef) and stmt.name == name:
                return stmt, tree, path
        if path is None:
            return None
        for stmt in tree.body:
            if not isinstance(stmt, ast.ImportFrom) or not stmt.module:
                continue
            for alias in stmt.names:
                if (alias.asname or alias.name) != name:
                    continue
                other = self._import(stmt, path)
                parsed = self._parsed(other) if other else None
                for item in parsed.body if parsed else []:
                    if isinstance(item, ast.ClassDef) and item.name == alias.name:
                        return item, parsed, other  # type: ignore[return-value]
                return None
        return None

    def _import(self, stmt: ast.ImportFrom, path: Path) -> Path | None:
        """The file ``from MODULE import ...`` reads, when it is one beside ``path``."""
        parts = (stmt.module or "").split(".")
        if stmt.level:
            bases = [path.parents[stmt.level - 1]] if stmt.level <= len(path.parents) else []
        else:
            bases = list(path.parents)[:_PARENTS]
        for base in bases:
            for candidate in (
                base.joinpath(*parts[:-1], f"{parts[-1]}.py"),
                base.joinpath(*parts, "__init__.py"),
            ):
                if candidate.is_file():
                    return candidate
        return None

    def _parsed(self, path: Path) -> ast.Module | None:
        if path not in self._modules:
            try:
                self._modules[path] = ast.parse(path.read_bytes())
            except (OSError, SyntaxError, ValueError):
                self._modules[path] = None
        return self._modules[path]

    def test_code(self, name: str, func: Function, cls: ast.ClassDef | None) -> TestCode:
        methods = self.methods(cls)
        bodies: list[Function] = []
        for fixture in (arg.arg for arg in func.args.args):
            if fixture in self.fixtures:
                bodies.append(self.fixtures[fixture])
        bodies += [methods[setup] for setup in ("setUpTestData", "setUp") if setup in methods]
        bodies.append(func)
        roles = _Roles()
        for body in bodies:
            roles.learn(body, self, methods)
        for fixture in (arg.arg for arg in func.args.args if arg.arg in self.fixtures):
            roles.learn_fixture(fixture, self.fixtures[fixture])
        code = TestCode(name, func)
        for body in bodies:
            events = self._events(body, roles, methods, depth=0, seen={body.name})
            if id(body) in self.foreign:  # an inherited setUp: placed at the test's def
                events = [replace(e, line=func.lineno, col=func.col_offset) for e in events]
            code.events += events
        return code

    def nodes(self, func: Function) -> list[tuple[ast.AST, int]]:
        """Every node of a function with its depth, walked once per module."""
        if id(func) not in self.walked:
            self.walked[id(func)] = list(_walk(func))
        return self.walked[id(func)]

    def _helper(self, call: ast.Call, methods: dict[str, Function]) -> Function | None:
        func = call.func
        if isinstance(func, ast.Name):
            found = self.functions.get(func.id)
        elif isinstance(func, ast.Attribute) and _is_self(func.value):
            found = methods.get(func.attr)
        elif isinstance(func, ast.Attribute) and _is_super(func.value):
            found = methods.get(f"super.{func.attr}")
        else:
            return None
        if found is None or found.name.startswith("test") or found.name in self.fixtures:
            return None
        return found

    def _events(
        self,
        func: Function,
        roles: _Roles,
        methods: dict[str, Function],
        depth: int,
        seen: set[str],
    ) -> list[Event]:
        nodes: list[tuple[tuple[int, int, int], ast.AST]] = []
        for node, level in self.nodes(func):
            if node is func or not hasattr(node, "lineno"):
                continue
            nodes.append(((node.lineno, node.col_offset, -level), node))  # type: ignore[attr-defined]
        nodes.sort(key=lambda pair: pair[0])
        events: list[Event] = []
        for _, node in nodes:
            events += _node_events(node, roles)
            if isinstance(node, ast.Call) and depth < 3:
                helper = self._helper(node, methods)
                if helper is not None and helper.name not in seen:
                    inner = self._events(helper, roles, methods, depth + 1, seen | {helper.name})
                    if id(helper) in self.foreign:  # another file's lines: placed at the call
                        line, col = node.lineno, node.col_offset
                        inner = [replace(event, line=line, col=col) for event in inner]
                    events += inner
        return events


def _walk(func: Function) -> Iterator[tuple[ast.AST, int]]:
    stack: list[tuple[ast.AST, int]] = [(func, 0)]
    while stack:
        node, level = stack.pop()
        yield node, level
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node))


def _is_super(node: ast.expr) -> bool:
    """``super()``, as in ``super().setUp()``."""
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
    )


def _is_self(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id in ("self", "cls")


def _key(node: ast.expr) -> str:
    """A name a value can be bound to: ``s`` or ``self.s``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and _is_self(node.value):
        return f"self.{node.attr}"
    return ""


def _terminal(node: ast.expr) -> str:
    while isinstance(node, ast.Await | ast.Call):
        node = node.value if isinstance(node, ast.Await) else node.func
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


_BINDINGS = (ast.Assign, ast.AnnAssign, ast.NamedExpr, ast.withitem)


class _Roles:
    """Which names hold a test client and which a session (flow-insensitive)."""

    def __init__(self) -> None:
        self.clients: set[str] = set()
        self.sessions: set[str] = set()

    def learn(self, func: Function, module: _Module, methods: dict[str, Function]) -> None:
        functions = [func]
        calls: list[tuple[ast.Call, Function]] = []
        bindings: list[ast.AST] = []
        for function in functions:  # grows: helpers of helpers
            for node, _ in module.nodes(function):
                if isinstance(node, ast.Call):
                    helper = module._helper(node, methods)
                    if helper is not None:
                        calls.append((node, helper))
                        if helper not in functions and len(functions) < 20:
                            functions.append(helper)
                elif isinstance(node, _BINDINGS):
                    bindings.append(node)
        for _ in range(3):  # an alias of an alias, a helper's parameter
            for node in bindings:
                self._bind(node)
            for call, helper in calls:
                params = [a.arg for a in helper.args.args if a.arg not in ("self", "cls")]
                for param, arg in zip(params, call.args, strict=False):
                    if self.is_session(arg):
                        self.sessions.add(param)
                    elif self.is_client(arg):
                        self.clients.add(param)

    def learn_fixture(self, name: str, fixture: Function) -> None:
        """A fixture's name holds what it returns or yields (``api`` -> ``APIClient()``)."""
        for node in ast.walk(fixture):
            if isinstance(node, ast.Return | ast.Yield) and node.value is not None:
                if self.is_session(node.value):
                    self.sessions.add(name)
                elif self.is_client(node.value):
                    self.clients.add(name)

    def _bind(self, node: ast.AST) -> None:
        pairs: list[tuple[ast.expr, ast.expr]] = []
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    pairs += zip(target.elts, node.value.elts, strict=False)
                else:
                    pairs.append((target, node.value))
        elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and node.value is not None:
            pairs.append((node.target, node.value))
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            pairs.append((node.optional_vars, node.context_expr))
        for target, value in pairs:
            key = _key(target)
            if not key:
                continue
            if self.is_session(value):
                self.sessions.add(key)
            elif self.is_client(value):
                self.clients.add(key)

    def is_client(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Await):
            return self.is_client(node.value)
        key = _key(node)
        if key and (key in self.clients or key.split(".")[-1].lower().endswith("client")):
            return key not in self.sessions
        if isinstance(node, ast.Attribute):
            return node.attr.lower().endswith("client")
        if isinstance(node, ast.Call):
            return _terminal(node.func).endswith("Client")
        return False

    def is_session(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Await):
            return self.is_session(node.value)
        key = _key(node)
        if key and key in self.sessions:
            return True
        if isinstance(node, ast.Attribute):
            return node.attr == "session"
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "asession":
                return True
            return _terminal(func) == "SessionStore"
        return False


def _views(node: ast.expr, roles: _Roles) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]:
    """The chains an expression reads as: rooted at each role it passes through, and raw."""
    parts: list[str] = []
    views: list[tuple[str, ...]] = []
    current: ast.expr = node
    while True:
        rest = tuple(reversed(parts))
        if roles.is_session(current):
            views.append(("session", *rest))
            if _key(current) in roles.sessions:
                views.append(("handle", *rest))
        if roles.is_client(current):
            views.append(("client", *rest))
        if isinstance(current, ast.Attribute):
            parts.append(current.attr)
            current = current.value
        elif isinstance(current, ast.Call):
            current = current.func
        elif isinstance(current, ast.Await | ast.Subscript):
            current = current.value
        elif isinstance(current, ast.Name):
            parts.append(current.id)
            break
        else:
            break
    return tuple(views), tuple(reversed(parts))


def _node_events(node: ast.AST, roles: _Roles) -> list[Event]:
    found: list[tuple[str, ast.expr, frozenset[str]]] = []
    argument = value = ""
    if isinstance(node, ast.Call):
        found.append(("call", node.func, frozenset(k.arg for k in node.keywords if k.arg)))
        argument = _argument(node)
    elif isinstance(node, ast.Subscript):
        kind = {ast.Store: "setitem", ast.Del: "delitem"}.get(type(node.ctx), "getitem")
        found.append((kind, node.value, frozenset()))
    elif isinstance(node, ast.Attribute | ast.Name) and isinstance(node.ctx, ast.Load):
        found.append(("read", node, frozenset()))
    elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute):
                found.append(("setattr", target, frozenset()))
        empty = node.value is not None and _empty(node.value) and isinstance(node, ast.Assign)
        value = "[]" if empty else "+"
    events = []
    for kind, expr, keywords in found:
        views, raw = _views(expr, roles)
        line, col = node.lineno, node.col_offset  # type: ignore[attr-defined]
        events.append(Event(kind, views, raw, keywords, line, col, argument, value))
    return events


def _argument(call: ast.Call) -> str:
    """A call's first argument when it names something: a string, or one in its own first
    argument (``reverse("logout")``, ``f"/x/{y}/"``'s text)."""
    if not call.args:
        return ""
    first = call.args[0]
    if isinstance(first, ast.Call):
        return _argument(first)
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    if isinstance(first, ast.JoinedStr):
        return "".join(
            part.value
            for part in first.values
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        )
    return ""


def _empty(node: ast.expr) -> bool:
    return isinstance(node, ast.List | ast.Tuple | ast.Set | ast.Dict) and not (
        node.keys if isinstance(node, ast.Dict) else node.elts
    )


def _decorator_events(func: Function, roles: _Roles) -> list[Event]:
    events: list[Event] = []
    for decorator in func.decorator_list:
        for node in ast.walk(decorator):
            events += _node_events(node, roles)
    return events


def tests_in(tree: ast.Module, path: Path | None) -> list[TestCode]:
    """Every test in a module: ``test*`` functions and ``test*`` methods of its classes.
    With the module's ``path``, base classes imported from modules beside it are read."""
    module = _Module(tree, path)
    found = []
    for stmt in tree.body:
        if isinstance(stmt, Function) and stmt.name.startswith("test"):
            code = module.test_code(stmt.name, stmt, None)
            code.events = _decorator_events(stmt, _Roles()) + code.events
            found.append(code)
        elif isinstance(stmt, ast.ClassDef):
            decorated = [e for d in stmt.decorator_list for e in _walk_events(d)]
            for item in stmt.body:
                if isinstance(item, Function) and item.name.startswith("test"):
                    code = module.test_code(f"{stmt.name}::{item.name}", item, stmt)
                    code.events = decorated + _decorator_events(item, _Roles()) + code.events
                    found.append(code)
    return found


def _walk_events(node: ast.AST) -> list[Event]:
    roles = _Roles()
    return [event for sub in ast.walk(node) for event in _node_events(sub, roles)]


# --- matching ---------------------------------------------------------------------------


def _part_matches(part: frozenset[str], name: str) -> bool:
    return name in part


def _chain_matches(chain: tuple[frozenset[str], ...], view: tuple[str, ...], kind: str) -> bool:
    if len(chain) != len(view):
        return False
    for index, (part, name) in enumerate(zip(chain, view, strict=True)):
        last = index == len(chain) - 1
        if last and kind == "call" and part == frozenset({"request"}) and view[0] == "client":
            if name not in REQUESTS and name.removeprefix("a") not in REQUESTS:
                return False
        elif not _part_matches(part, name):
            return False
    return True


def step_matches(step: Step, event: Event) -> bool:
    """Whether one event in the code has the step's shape."""
    if step.kind != event.kind:
        return False
    if step.keyword and step.keyword not in event.keywords:
        return False
    if step.argument and step.argument not in event.argument:
        return False
    if step.value and step.value != event.value:
        return False
    root = step.chain[0]
    if root <= set(_ROLES):
        return any(
            view[0] in root and _chain_matches(step.chain, view, step.kind) for view in event.views
        )
    size = len(step.chain)
    return len(event.raw) >= size and _chain_matches(step.chain, event.raw[-size:], step.kind)


def match(detector: Detector, code: TestCode) -> Match | None:
    """The detector's first match in a test's code (steps in order, nothing forbidden)."""
    if not detector.steps:
        return None
    if detector.coroutine and not isinstance(code.node, ast.AsyncFunctionDef):
        return None
    names = code.names
    for step in detector.steps:
        last = step.chain[-1]
        if len(step.chain) > 1 and last != {"request"} and not last & names:
            return None  # a step whose name the test never uses
    events = code.events
    if any(step_matches(step, event) for step in detector.unless for event in events):
        return None
    first_step, *others = detector.steps
    for start, event in enumerate(events):
        if not step_matches(first_step, event):
            continue
        indices = [start]
        for step in others:
            following = (
                index
                for index in range(indices[-1] + 1, len(events))
                if step_matches(step, events[index])
            )
            found = next(following, None)
            if found is None:
                return None  # a later start finds no more than this one
            indices.append(found)
        window = events[indices[0] : indices[-1] + 1]
        if any(step_matches(step, seen) for step in detector.without for seen in window):
            continue
        marked = next(
            (i for step, i in zip(detector.steps, indices, strict=True) if step.mark), start
        )
        return Match(events[marked].line, events[marked].col + 1, frozenset(indices))
    return None


def find(code: TestCode, detectors: dict[str, Detector]) -> list[tuple[str, Match]]:
    """Every detector that matches a test, keyed as given, without those whose match is part
    of a more specific one's (the naive save inside the naive save after force_login)."""
    found = [
        (name, found)
        for name, detector in detectors.items()
        if (found := match(detector, code)) is not None
    ]
    return [
        (name, one)
        for name, one in found
        if not any(one.events < other.events for _, other in found)
    ]


def __dir__() -> list[str]:
    return __all__
