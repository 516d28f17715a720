#!/usr/bin/env bash
# restructure.sh: lay django-session-matrix out as core / matrix / profile / suite (issue 21).
#
# Run from the repository root, on a clean work tree, after every branch is merged:
#     bash /work/restructure.sh            # moves, rewrites, tidies imports; commits nothing
#     uvx nox -s lint tests                # then check, and commit
# It is idempotent (a second run changes nothing) and copes with modules it does not know:
# they stay where they are, and their imports of moved modules are rewritten.
#
# What it does, in order:
#  1. git mv the shared modules into session_matrix/core/ and the matrix's into
#     session_matrix/matrix/ (MOVES below). Shared means two features use it: the runner
#     (pytest_run, recorder, selection, preflight: the column and the suite), the pattern
#     catalogue (the report and lint), render's Jinja2 environment and templates (the
#     three pages) and its Markdown escaping (the profile's README block), which becomes
#     core/markdown_escape.py; detect.py and published.py (issue 18) go to the core when
#     present. suite/catalogue.py becomes suite/idioms.py (one catalogue); nox_profile.py
#     goes into the profile package as nox_session.py.
#  2. moves the functions two features share into the core (SYMBOLS: merge.anchor,
#     nox_columns.env_spec).
#  3. rewrites every import and dotted module name (session_matrix.x), every path
#     (session_matrix/x.py, PACKAGE / "x.py", "x.py" in a harness tuple) in session_matrix/,
#     tests/, matrix_tests/, project/, noxfile.py, pyproject.toml, .ci/, .github/ and the
#     Markdown files (results/ and CHANGELOG.md are history: never touched).
#  4. fixes paths.PACKAGE (paths.py moves one level down), follows vocabulary.RAN's rename
#     (RAN_CELLS) in code written against the old name, regenerates CONTRIBUTING.md's tree,
#     names new modules in its table, adds a line to issue 21's CHANGELOG section, then ruff
#     sorts the imports and formats the files it wrote.
#
# Every column's fingerprint covers the recorder (its path and source), matrix_tests/ and
# project/, which all change here: run it BEFORE regenerating results/, or every column
# reads stale. With the fingerprints held, the report is byte for byte the same.
set -euo pipefail

if [[ ! -f pyproject.toml || ! -d session_matrix || ! -d .git && ! -f .git ]]; then
    echo "restructure.sh: run it from the repository root (pyproject.toml, session_matrix/)" >&2
    exit 2
fi
if [[ -n "$(git diff --name-only --diff-filter=U)" ]]; then
    echo "restructure.sh: the tree has unmerged files: finish the merge first" >&2
    exit 2
fi

python3 - "$@" <<'PY'
from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path.cwd()
PKG = "session_matrix"

# (old path, new path) relative to session_matrix/, files and folders. Order matters only
# for render/: its shared parts leave before the folder moves.
MOVES = [
    # core: what every feature shares
    ("model.py", "core/model.py"),
    ("vocabulary.py", "core/vocabulary.py"),
    ("records.py", "core/records.py"),
    ("overlay.py", "core/overlay.py"),
    ("envs.py", "core/envs.py"),
    ("interpreters.py", "core/interpreters.py"),
    ("schemas.py", "core/schemas.py"),
    ("schemas", "core/schemas"),
    ("paths.py", "core/paths.py"),
    ("config.py", "core/config.py"),
    ("recorder.py", "core/recorder.py"),
    ("pytest_run.py", "core/pytest_run.py"),
    ("preflight.py", "core/preflight.py"),
    ("selection.py", "core/selection.py"),
    ("catalogue.py", "core/catalogue.py"),  # the one catalogue: the matrix and lint read it
    # shared modules other branches add (moved when present): detectors, the published matrix
    ("detect.py", "core/detect.py"),
    ("published.py", "core/published.py"),
    ("services", "core/services"),
    ("render/jinja.py", "core/jinja.py"),
    ("render/templates", "core/templates"),
    ("render/md.py", "core/markdown_escape.py"),
    # matrix: the compatibility table, from a column to the published files
    ("column.py", "matrix/column.py"),
    ("fingerprint.py", "matrix/fingerprint.py"),
    ("merge.py", "matrix/merge.py"),
    ("rollup.py", "matrix/rollup.py"),
    ("report.py", "matrix/report.py"),
    ("readme.py", "matrix/readme.py"),
    ("drift.py", "matrix/drift.py"),
    ("bench.py", "matrix/bench.py"),
    ("nox_columns.py", "matrix/nox_columns.py"),
    ("render", "matrix/render"),
    # features keep their own nox glue; one catalogue
    ("nox_profile.py", "profile/nox_session.py"),
    ("suite/catalogue.py", "suite/idioms.py"),
]

FACES = {
    "core": '''"""What every feature shares: the records and results (``model``), the status words
(``vocabulary``), configuration records and the settings overlay, the service providers,
the pattern catalogue, environments and interpreters, the JSON Schemas, paths, the
project's settings, and running a configuration's tests under pytest with the recorder
(``pytest_run``, ``recorder``).

Features (``matrix``, ``profile``, ``suite``, ``lint``) import from here and never from each
other's modules; nothing here imports a feature (tests/test_layers.py).
"""
''',
    "matrix": '''"""The compatibility table, from one column to the published files: the ``matrix`` nox
session (``nox_columns``), the column runner, fingerprints, the merge into a ``Matrix`` and
its version ranges, the report and its renderers (``render/``), the drift check and the
benchmark.
"""
''',
}

# Functions two features share, moved into the core: (old module, name) -> new module.
SYMBOLS = {
    ("session_matrix.merge", "anchor"): "session_matrix.core.anchors",
    ("session_matrix.nox_columns", "env_spec"): "session_matrix.core.column_env",
}
# Module-attribute uses that follow a moved function: (module, attribute) -> new module.
ATTRIBUTES = {
    ("session_matrix.nox_columns", "env_spec"): "session_matrix.core.column_env",
    ("session_matrix.nox_columns", "interpreters"): "session_matrix.core.column_env",
    ("session_matrix.merge", "anchor"): "session_matrix.core.anchors",
}
NEW_MODULES = {
    "session_matrix.core.anchors": (
        '"""A pattern\'s anchor on the page and in the Markdown: the matrix\'s renderers and the\n'
        'suite\'s report link to the same rows."""\n\nfrom __future__ import annotations\n\n'
        "import re\n"
    ),
    "session_matrix.core.column_env": (
        '"""The environment a configuration\'s column runs in on one Django version (the\n'
        "``matrix`` session builds it; the profile measures in the same one).\"\"\"\n\n"
        "from __future__ import annotations\n\n"
        "from session_matrix.core import config, envs, interpreters, records\n"
        "from session_matrix.core.vocabulary import CellStatus, Support, because\n"
    ),
}

SKIP_DIRS = {".git", ".nox", "results", "node_modules", "__pycache__", ".mypy_cache",
             ".ruff_cache", ".pytest_cache", ".venv"}
TEXT_SUFFIXES = {".py", ".toml", ".md", ".yml", ".yaml", ".json", ".cfg", ".ini", ".txt",
                 ".j2", ".js", ".css", ".sh", ""}
NEVER = {"CHANGELOG.md"}


def say(message: str) -> None:
    print(f"restructure: {message}")


def git(*args: str) -> None:
    subprocess.run(["git", *args], check=True)


def dotted(rel: str) -> str:
    """session_matrix-relative path -> dotted module name (a folder is its package)."""
    rel = rel.removesuffix(".py")
    return ".".join([PKG, *rel.split("/")]) if rel else PKG


# --- 1. moves -------------------------------------------------------------------------------
def move_files() -> None:
    base = ROOT / PKG
    for face, doc in FACES.items():
        init = base / face / "__init__.py"
        if not init.exists():
            init.parent.mkdir(exist_ok=True)
            init.write_text(doc)
            git("add", str(init))
            say(f"created {init.relative_to(ROOT)}")
    for old, new in MOVES:
        source, target = base / old, base / new
        if source.exists() and target.exists():
            sys.exit(f"restructure: both {source} and {target} exist: move one by hand first")
        if not source.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        git("mv", str(source), str(target))
        say(f"moved {PKG}/{old} -> {PKG}/{new}")
    # an emptied folder (only bytecode caches left) goes
    for old, _ in MOVES:
        folder = base / old
        if folder.is_dir() and not any(p for p in folder.rglob("*") if p.is_file()
                                       and "__pycache__" not in p.parts):
            subprocess.run(["rm", "-rf", str(folder)], check=True)


# module map: old dotted -> new dotted (files and folders)
MODULES = {dotted(old): dotted(new) for old, new in MOVES}
# path map: old session_matrix-relative path -> new
PATHS = {f"{PKG}/{old}": f"{PKG}/{new}" for old, new in MOVES}


def new_module(name: str) -> str:
    """The module's name after the moves (longest moved prefix wins)."""
    for old in sorted(MODULES, key=len, reverse=True):
        if name == old or name.startswith(old + "."):
            return MODULES[old] + name[len(old):]
    return name


def module_exists(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


# --- 2. shared functions into the core ----------------------------------------------------------
def module_path(name: str) -> Path:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py") if path.with_suffix(".py").is_file() else path / "__init__.py"


def drop_from_all(text: str, name: str) -> str:
    text = re.sub(rf'\n\s*"{name}",[ \t]*(?=\n)', "", text, count=1)  # one name a line
    return re.sub(rf'"{name}",\s*|,\s*"{name}"(?=\s*\])', "", text, count=1)  # on one line


def move_symbols() -> None:
    for (old_module, name), target in SYMBOLS.items():
        source = module_path(new_module(old_module))
        destination = module_path(target) if module_exists(target) else None
        text = source.read_text()
        tree = ast.parse(text)
        node = next((n for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)
                     and n.name == name), None)
        if node is None:
            if destination is None:
                say(f"WARNING: {old_module}.{name} not found and {target} missing: skipped")
            continue
        lines = text.splitlines(keepends=True)
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
        end = node.end_lineno or node.lineno
        body = "".join(lines[start:end])
        rest = lines[:start] + lines[end:]
        # the blank lines around the cut: keep two
        text = re.sub(r"\n{4,}", "\n\n\n", "".join(rest))
        text = drop_from_all(text, name)
        path = ROOT.joinpath(*target.split(".")).with_suffix(".py")
        if path.exists():
            existing = path.read_text()
            existing = existing.replace("__all__ = [", f'__all__ = ["{name}", ', 1)
            cut = existing.index("\n\ndef __dir__")
            path.write_text(existing[:cut] + "\n\n" + body + existing[cut:])
        else:
            header = NEW_MODULES[target]
            path.write_text(f'{header}\n__all__ = ["{name}"]\n\n\n{body}\n\ndef __dir__() -> '
                            "list[str]:\n    return __all__\n")
            git("add", str(path))
        # the module it left still uses it: import it from its new home
        if re.search(rf"\b{name}\b", text):
            text = add_import(text, f"from {target} import {name}")
        source.write_text(text)
        say(f"moved {old_module}.{name} -> {target}")


def add_import(text: str, statement: str) -> str:
    """``statement`` after the module's last top-level import (ruff sorts it later)."""
    if statement in text:
        return text
    tree = ast.parse(text)
    last = max((n.end_lineno or n.lineno for n in tree.body
                if isinstance(n, ast.Import | ast.ImportFrom)), default=0)
    lines = text.splitlines(keepends=True)
    if last == 0:  # after the docstring
        last = tree.body[0].end_lineno if tree.body and isinstance(tree.body[0], ast.Expr) else 0
    return "".join([*lines[:last], statement + "\n", *lines[last:]])


# --- 3. rewriting ---------------------------------------------------------------------------
def files() -> list[Path]:
    found = []
    for path in ROOT.rglob("*"):
        rel = path.relative_to(ROOT)
        if any(part in SKIP_DIRS for part in rel.parts) or not path.is_file():
            continue
        if rel.as_posix() in NEVER or path.suffix not in TEXT_SUFFIXES:
            continue
        if path.suffix == "" and rel.parts[0] not in (".ci",):
            continue
        if path.suffix == ".json" and rel.parts[0] != PKG:
            continue
        found.append(path)
    return found


def split_import(node: ast.ImportFrom, symbols: dict[tuple[str, str], str]) -> list[str] | None:
    """The statements that replace ``from M import a, b`` (None: nothing changes)."""
    groups: dict[str, list[str]] = {}
    changed = False
    for alias in node.names:
        module = node.module or ""
        child = f"{module}.{alias.name}"
        local = alias.asname or alias.name
        if (module, alias.name) in symbols:
            parent, name = symbols[(module, alias.name)], alias.name
            changed = True
        elif child in MODULES or new_module(child) != child and module_exists(new_module(child)):
            parent, _, name = new_module(child).rpartition(".")
            changed = changed or new_module(child) != child
        else:
            parent, name = new_module(module), alias.name
            changed = changed or parent != module
        groups.setdefault(parent, []).append(name if name == local else f"{name} as {local}")
    if not changed:
        return None
    return [f"from {parent} import {', '.join(names)}" for parent, names in groups.items()]


def rewrite_imports(text: str) -> str:
    """``from`` imports, statement by statement (a name may change module on its own)."""
    tree = ast.parse(text)
    symbols = {(old, name): new for (old, name), new in SYMBOLS.items()}
    symbols |= {(new_module(old), name): new for (old, name), new in SYMBOLS.items()}
    lines = text.splitlines(keepends=True)
    edits = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module):
            continue
        if node.module.split(".")[0] != PKG:
            continue
        statements = split_import(node, symbols)
        if statements is None:
            continue
        indent = " " * node.col_offset
        new = "".join(f"{indent}{s}\n" for s in statements)
        edits.append((node.lineno - 1, node.end_lineno or node.lineno, new))
    for start, end, new in sorted(edits, reverse=True):
        tail = lines[end - 1]
        if not tail.rstrip("\n").rstrip().endswith((")",)) and ";" in tail:
            continue  # a statement sharing its line: left for a person
        lines[start:end] = [new]
    return "".join(lines)


def rewrite_attributes(text: str) -> str:
    """``nox_columns.env_spec`` -> ``column_env.env_spec``, with the import it needs."""
    tree = ast.parse(text)
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bound[alias.asname] = alias.name
    wanted = {(new_module(m), a): new for (m, a), new in ATTRIBUTES.items()}
    wanted |= {(m, a): new for (m, a), new in ATTRIBUTES.items()}
    edits = []
    needed = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            module = bound.get(node.value.id)
            target = wanted.get((module or "", node.attr))
            if target is None:
                continue
            local = target.rpartition(".")[2]
            edits.append((node.value.lineno, node.value.col_offset, node.value.end_col_offset,
                          local))
            needed.add(target)
    if not edits:
        return text
    lines = text.splitlines(keepends=True)
    for lineno, start, end, local in sorted(edits, reverse=True):
        line = lines[lineno - 1]
        lines[lineno - 1] = line[:start] + local + line[end:]
    text = "".join(lines)
    for target in sorted(needed):
        parent, _, local = target.rpartition(".")
        text = add_import(text, f"from {parent} import {local}")
    return text


def dotted_pattern() -> re.Pattern[str]:
    keys = [*MODULES, *(f"{m}.{n}" for m, n in SYMBOLS)]
    alternatives = "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])({alternatives})(?![\w])")


def rewrite_dotted(text: str) -> str:
    symbols = {f"{m}.{n}": f"{new}.{n}" for (m, n), new in SYMBOLS.items()}

    def replace(match: re.Match[str]) -> str:
        found = match.group(1)
        return symbols.get(found) or new_module(found)

    return dotted_pattern().sub(replace, text)


FROM_PACKAGE = re.compile(r"from session_matrix import ([A-Za-z_][\w]*(?:, *[A-Za-z_]\w*)*)")


def rewrite_from_package(text: str) -> str:
    """``from session_matrix import services`` written in a string (a script a test runs, a
    snippet in the docs): real imports were rewritten from the syntax tree already."""

    def replace(match: re.Match[str]) -> str:
        groups: dict[str, list[str]] = {}
        for name in (n.strip() for n in match.group(1).split(",")):
            parent, _, leaf = new_module(f"{PKG}.{name}").rpartition(".")
            if leaf != name:
                parent, leaf = PKG, name  # renamed module: keep the name it is used by
                moved = new_module(f"{PKG}.{name}")
                parent, _, leaf_new = moved.rpartition(".")
                groups.setdefault(parent, []).append(f"{leaf_new} as {name}")
                continue
            groups.setdefault(parent, []).append(name)
        return "; ".join(f"from {parent} import {', '.join(names)}"
                         for parent, names in groups.items())

    return FROM_PACKAGE.sub(replace, text)


def path_pattern() -> re.Pattern[str]:
    keys = sorted(PATHS, key=len, reverse=True)
    alternatives = "|".join(re.escape(k) for k in keys)
    return re.compile(rf"(?<![\w])({alternatives})(?![\w])")


def rewrite_paths(text: str) -> str:
    return path_pattern().sub(lambda m: PATHS[m.group(1)], text)


RELATIVE = {old: new for old, new in MOVES}
CHAIN = re.compile(r'(?P<head>\bPACKAGE|"session_matrix")(?P<rest>(?:[ \t]*/[ \t]*"[^"\n]*")+)')


def rewrite_chains(text: str) -> str:
    """``PACKAGE / "recorder.py"`` -> ``PACKAGE / "core" / "recorder.py"``."""

    def replace(match: re.Match[str]) -> str:
        segments = re.findall(r'"([^"\n]*)"', match.group("rest"))
        rel = "/".join(segments)
        for old in sorted(RELATIVE, key=len, reverse=True):
            if rel == old or rel.startswith(old + "/"):
                moved = RELATIVE[old] + rel[len(old):]
                return match.group("head") + "".join(f' / "{s}"' for s in moved.split("/"))
        return match.group(0)

    return CHAIN.sub(replace, text)


# bare file names of moved top-level modules, as a harness tuple spells them ("recorder.py")
def bare_names() -> dict[str, str]:
    base = ROOT / PKG
    names = {}
    for old, new in MOVES:
        if "/" in old or not old.endswith(".py"):
            continue
        same = [p for p in base.rglob(old) if "__pycache__" not in p.parts]
        if len(same) == 1:  # unambiguous after the moves (report.py, catalogue.py are not)
            names[old] = new
    return names


def rewrite_bare(text: str, where: str, names: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        say(f'{where}: "{match.group(1)}" -> "{names[match.group(1)]}" (a harness file name)')
        return f'"{names[match.group(1)]}"'

    def unless_chained(match: re.Match[str]) -> str:
        if text[: match.start()].rstrip().endswith("/"):
            return match.group(0)  # a segment of a path chain, already rewritten
        return replace(match)

    alternatives = "|".join(re.escape(n) for n in names)
    return re.sub(rf'"({alternatives})"', unless_chained, text) if names else text


# Short names in prose that the moves make wrong (dotted and path names are rewritten above).
PROSE = [
    (r"``render\.jinja", "``core.jinja"),
    (r"the ``catalogue``'s idioms", "the published ``idioms``"),
    (r"one Jinja2 environment from ``jinja``", "one Jinja2 environment from ``core.jinja``"),
]


def rename_ran(text: str) -> str:
    """vocabulary.RAN is RAN_CELLS (issue 21): code written against the old name on another
    branch follows (the suite's own ``RAN``, a run status from ``suite.runs``, stays)."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return text
    vocabulary = {"session_matrix.vocabulary", "session_matrix.core.vocabulary"}
    imported = any(
        isinstance(node, ast.ImportFrom) and node.module in vocabulary
        and any(alias.name == "RAN" and alias.asname is None for alias in node.names)
        for node in ast.walk(tree)
    )
    text = re.sub(r"\bvocabulary\.RAN\b", "vocabulary.RAN_CELLS", text)
    return re.sub(r"(?<![\w.])RAN(?!\w)", "RAN_CELLS", text) if imported else text


def rewrite_all() -> list[Path]:
    changed = []
    names = bare_names()
    for path in files():
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        new = text
        if path.suffix == ".py":
            try:
                new = rewrite_attributes(rewrite_imports(new))
            except SyntaxError:
                say(f"WARNING: {rel} does not parse: only its dotted names rewritten")
            new = rename_ran(rewrite_chains(new))
            if rel.startswith(f"{PKG}/"):
                new = rewrite_bare(new, rel, names)
        new = rewrite_paths(rewrite_dotted(rewrite_from_package(new)))
        if path.suffix == ".py":
            for pattern, replacement in PROSE:
                new = re.sub(pattern, replacement, new)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


# --- 4. fixes, CONTRIBUTING.md, tidy -----------------------------------------------------
def fix_paths_module() -> None:
    path = ROOT / PKG / "core" / "paths.py"
    if not path.exists():
        return
    text = path.read_text()
    old = "PACKAGE = Path(__file__).resolve().parent\n"
    if old in text:
        path.write_text(text.replace(old, "PACKAGE = Path(__file__).resolve().parent.parent\n"))
        say("core/paths.py: PACKAGE is the package above core/")
    for moved in (ROOT / PKG / "core", ROOT / PKG / "matrix"):
        for module in moved.rglob("*.py"):
            if "Path(__file__)" in module.read_text() and module != path:
                say(f"CHECK: {module.relative_to(ROOT)} finds files from its own place "
                    "(Path(__file__)): it moved")


def tree(package: Path, width: int = 92) -> str:
    """As tests/test_contributing.py draws it."""
    lines: list[str] = []

    def walk(directory: Path, depth: int) -> None:
        lines.append("  " * depth + directory.name + "/")
        names = sorted(p.name for p in directory.glob("*.py"))
        indent = "  " * depth + "    "
        lines.extend(textwrap.wrap("  ".join(names), width - len(indent), initial_indent=indent,
                                   subsequent_indent=indent, break_on_hyphens=False))
        for sub in sorted(p for p in directory.iterdir() if p.is_dir()):
            if sub.name.startswith((".", "_")):
                continue
            if (sub / "__init__.py").exists():
                walk(sub, depth + 1)
            else:
                lines.append("  " * (depth + 1) + sub.name + "/  (data)")

    walk(package, 0)
    return "\n".join(lines)


# Rows the moves add to CONTRIBUTING.md's tables: path -> (the table's heading, what it holds).
ROWS = {
    f"{PKG}/core/anchors.py": ("What every feature shares",
        "a pattern's anchor on the page and in the Markdown (the matrix and the suite link "
        "to the same rows)"),
    f"{PKG}/core/column_env.py": ("What every feature shares",
        "the environment a column runs in on one Django version (the matrix session builds "
        "it, the profile measures in it)"),
    f"{PKG}/core/markdown_escape.py": ("What every feature shares",
        "the one Markdown escaping: every text bound for `matrix.md` or the README"),
    f"{PKG}/core/jinja.py": ("What every feature shares",
        "the pages' one Jinja2 environment and their templates (`templates/`): the matrix "
        "page, the profile section, the suite's report"),
}
ROW_TEXT = {
    "`markdown.py` + `md.py` (the one Markdown escaping), `html.py` + templates (in "
    "`jinja.py`'s one environment, which the profile and suite pages share), `svg.py`":
    "`markdown.py` (`matrix.md`, the README block), `html.py` (the page), `svg.py` (the chart)",
}


def insert_row(text: str, heading: str, row: str) -> str:
    """``row`` at the end of the first table after the line that holds ``heading`` (else
    the last table)."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if heading in line and
                  not line.startswith("|")), None)
    rows = [i for i, line in enumerate(lines) if line.startswith("| `")]
    if start is not None:
        after = [i for i in rows if i > start]
        block = []
        for i in after:
            if block and i != block[-1] + 1:
                break
            block.append(i)
        last = block[-1] if block else rows[-1]
    else:
        last = rows[-1]
    lines.insert(last + 1, row)
    return "\n".join(lines) + "\n"


def update_contributing() -> None:
    path = ROOT / "CONTRIBUTING.md"
    if not path.exists():
        say("WARNING: no CONTRIBUTING.md: its tree and table not updated")
        return
    text = path.read_text()
    text = re.sub(r"(<!-- tree:start[^\n]*-->\n```text\n).*?(\n```\n<!-- tree:end -->)",
                  lambda m: m.group(1) + tree(ROOT / PKG) + m.group(2), text, flags=re.DOTALL)
    named = set()
    for line in text.splitlines():
        if line.startswith(f"| `{PKG}/"):
            named.update(n.rstrip("/") for n in re.findall(r"`([^`]+)`", line.split("|")[1]))

    def covered(p: Path) -> bool:
        if p.relative_to(ROOT).as_posix() in named:
            return True
        children = entries(p) if (p / "__init__.py").exists() else []
        return bool(children) and all(covered(c) for c in children)

    def entries(d: Path) -> list[Path]:
        return [p for p in d.iterdir() if not p.name.startswith(("_", "."))
                and (p.suffix == ".py" or (p / "__init__.py").exists())]

    missing = []

    def find(d: Path) -> None:
        for p in sorted(entries(d)):
            if covered(p):
                continue
            if (p / "__init__.py").exists() and p.name in ("core", "matrix"):
                find(p)
            else:
                missing.append(p)

    find(ROOT / PKG)
    for old, new in ROW_TEXT.items():
        text = text.replace(old, new)
    for p in missing:
        rel = p.relative_to(ROOT).as_posix() + ("/" if p.is_dir() else "")
        if rel in ROWS:
            heading, holds = ROWS[rel]
        else:
            source = p / "__init__.py" if p.is_dir() else p
            doc = ast.get_docstring(ast.parse(source.read_text())) or ""
            holds = " ".join(doc.split("\n\n")[0].split()).replace("|", "\\|")
            heading = {"core": "What every feature shares", "matrix": "The matrix"}.get(
                p.relative_to(ROOT / PKG).parts[0], "Features and entry points")
            say(f"CONTRIBUTING.md: named {rel} from its docstring: word it if needed")
        text = insert_row(text, heading, f"| `{rel}` | {holds} |")
    path.write_text(text)


def tidy(changed: list[Path]) -> None:
    # only what this script wrote: the rest of the tree keeps its bytes
    python = sorted({str(p) for p in changed if p.suffix == ".py" and p.exists()}
                    | {str(ROOT.joinpath(*m.split(".")).with_suffix(".py")) for m in NEW_MODULES}
                    | {str(module_path(new_module(m))) for m, _ in SYMBOLS})
    python = [p for p in python if Path(p).is_file()]
    ruff = ["uvx", "ruff"]
    subprocess.run([*ruff, "check", "--fix", "--select", "I001,F401", "--quiet", *python],
                   check=False)
    subprocess.run([*ruff, "format", "--quiet", *python], check=False)


CHANGELOG_LINE = (
    "- The tree shows the design: `session_matrix/core/` (what every feature shares),\n"
    "  `session_matrix/matrix/` (from a column to the published table), `profile/` and\n"
    "  `suite/`; `anchor` and `env_spec`, which two features shared, live in the core; one\n"
    "  `catalogue`, in the core (the suite's reading of the published matrix is `idioms`);\n"
    "  the Markdown escaping is\n"
    "  `core/markdown_escape.py` beside `matrix/render/markdown.py`.\n"
)


def note_in_changelog() -> None:
    path = ROOT / "CHANGELOG.md"
    if not path.exists():
        return
    text = path.read_text()
    heading = next((line for line in text.splitlines() if "(issue 21)" in line), None)
    if heading is None or CHANGELOG_LINE in text:
        return
    start = text.index(heading) + len(heading) + 1
    nxt = text.find("\n### ", start)
    nxt = len(text) if nxt == -1 else nxt
    section = text[start:nxt].rstrip("\n") + "\n" + CHANGELOG_LINE
    path.write_text(text[:start] + section + text[nxt:])


def main() -> None:
    note_in_changelog()
    move_files()
    move_symbols()
    changed = rewrite_all()
    fix_paths_module()
    update_contributing()
    tidy(changed)
    git("add", "-A", PKG)
    leftovers = subprocess.run(
        ["git", "grep", "-nE", r"session_matrix[./](" + "|".join(
            re.escape(old.removesuffix(".py")) + (r"\b" if not old.endswith("/") else "")
            for old, _ in MOVES if "/" not in old) + r")([^_\w]|$)", "--", ".",
         ":!results", ":!CHANGELOG.md"],
        capture_output=True, text=True, check=False).stdout
    if leftovers.strip():
        say("CHECK: old names still written (review):\n" + leftovers)
    say("done: now `uvx nox -s lint tests`")


main()
PY
