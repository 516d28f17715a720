"""Every module's ``__all__`` is complete and true, as attrs checks its own: each name it lists
exists, and each name another module (or a test) imports from it is listed. The imports are
read from the source (``from session_matrix.x import name`` and ``x.name`` after
``from session_matrix import x``), so a name used only through an attribute counts too."""

import ast
import importlib
import inspect

import pytest

from tests.helpers import ROOT

PACKAGE = ROOT / "session_matrix"


def _module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name):
    dotted = ROOT.joinpath(*name.split("."))
    return dotted.with_suffix(".py").exists() or (dotted / "__init__.py").exists()


def _sources():
    """The harness, the noxfile and the tests (not the sample projects in tests/resources)."""
    tests = [p for p in (ROOT / "tests").rglob("*.py") if "resources" not in p.parts]
    return [*PACKAGE.rglob("*.py"), ROOT / "noxfile.py", *tests]


def _imported_names():
    """module -> {public name: a file that imports it}, for every harness module."""
    wanted = {}
    for path in _sources():
        tree = ast.parse(path.read_text(), str(path))
        where = path.relative_to(ROOT).as_posix()
        modules = {}  # a local name bound to a harness module
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("session_matrix.") and alias.asname:
                        modules[alias.asname] = alias.name
            if not (isinstance(node, ast.ImportFrom) and node.level == 0):
                continue
            if (node.module or "").split(".")[0] != "session_matrix":
                continue
            for alias in node.names:
                if _is_module(f"{node.module}.{alias.name}"):
                    modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                elif not alias.name.startswith("_"):
                    wanted.setdefault(node.module, {})[alias.name] = where
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in modules
                and not node.attr.startswith("_")
            ):
                wanted.setdefault(modules[node.value.id], {})[node.attr] = where
    return wanted


def _with_all():
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "__all__" in path.read_text():
            names.append(_module_name(path))
    return names


@pytest.mark.parametrize("name", _with_all())
def test_every_name_in_all_exists(name):
    module = importlib.import_module(name)
    # vars, not dir: the modules' __dir__ returns __all__ itself.
    assert [name for name in module.__all__ if name not in vars(module)] == []
    assert len(module.__all__) == len(set(module.__all__)), f"{name}.__all__ lists a name twice"


def test_every_imported_name_is_in_all():
    missing = []
    for name, imported in sorted(_imported_names().items()):
        module = importlib.import_module(name)
        public = getattr(module, "__all__", None)
        for attribute, where in sorted(imported.items()):
            if inspect.ismodule(getattr(module, attribute, None)):
                continue  # a module it imports, reached through it (a test's monkeypatch)
            if public is None or attribute not in public:
                missing.append(f"{name}.{attribute} (imported by {where})")
    assert not missing, "missing from __all__: " + ", ".join(missing)


def test_every_module_with_public_names_declares_all():
    """Entry points (``__main__``), a WSGI file and packages with nothing to export are the
    only modules without ``__all__``."""
    exempt = {"__main__.py", "wsgi.py"}
    lacking = [
        path.relative_to(ROOT).as_posix()
        for path in PACKAGE.rglob("*.py")
        if path.name not in exempt
        and "__all__" not in (text := path.read_text())
        and any(line.startswith(("def ", "class ")) for line in text.splitlines())
    ]
    assert lacking == []
