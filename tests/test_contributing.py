"""CONTRIBUTING.md stays true to the package: its tree is the tree, and its module tables
name every module that exists and nothing that does not."""

import re
import textwrap

from tests.helpers import ROOT

PACKAGE = ROOT / "session_matrix"
TEXT_WIDTH = 92


def _contributing():
    return (ROOT / "CONTRIBUTING.md").read_text()


def package_tree(package):
    """Every package (a folder with ``__init__.py``) and its modules, wrapped; data folders
    by name only."""
    lines = []

    def walk(directory, depth):
        lines.append("  " * depth + directory.name + "/")
        files = sorted(path.name for path in directory.glob("*.py"))
        indent = "  " * depth + "    "
        lines.extend(
            textwrap.wrap(
                "  ".join(files),
                TEXT_WIDTH - len(indent),
                initial_indent=indent,
                subsequent_indent=indent,
                break_on_hyphens=False,
            )
        )
        for sub in sorted(path for path in directory.iterdir() if path.is_dir()):
            if sub.name.startswith((".", "_")):
                continue
            if (sub / "__init__.py").exists():
                walk(sub, depth + 1)
            else:
                lines.append("  " * (depth + 1) + sub.name + "/  (data)")

    walk(package, 0)
    return "\n".join(lines)


def test_the_tree_is_the_package_tree():
    block = re.search(
        r"<!-- tree:start.*?```text\n(.*?)\n```\n<!-- tree:end -->", _contributing(), re.DOTALL
    )
    assert block, "CONTRIBUTING.md lost its tree markers"
    assert block.group(1) == package_tree(PACKAGE), "CONTRIBUTING.md's tree is not the tree"


def _named():
    named = set()
    for line in _contributing().splitlines():
        if not line.startswith("| `session_matrix/"):
            continue
        for path in re.findall(r"`([^`]+)`", line.split("|")[1]):
            assert (ROOT / path).exists(), f"CONTRIBUTING.md names {path}, which does not exist"
            named.add(path.rstrip("/"))
    return named


def _covered(path, named):
    """A module is covered when the table names it; a package when the table names it or
    every module and package in it is covered."""
    if path.relative_to(ROOT).as_posix() in named:
        return True
    if path.is_dir() and (path / "__init__.py").exists():
        children = _entries(path)
        return bool(children) and all(_covered(child, named) for child in children)
    return False


def _entries(directory):
    return [
        path
        for path in directory.iterdir()
        if not path.name.startswith(("_", "."))
        and (path.suffix == ".py" or (path / "__init__.py").exists())
    ]


def test_the_module_tables_name_every_module_that_exists():
    named = _named()
    unnamed = sorted(
        path.relative_to(ROOT).as_posix()
        for path in _entries(PACKAGE)
        if not _covered(path, named)
    )
    assert unnamed == [], "modules CONTRIBUTING.md's tables do not name"
