"""The direction of imports: features (``matrix``, ``profile``, ``suite``, ``lint``: every
package but the core) import the shared ``core`` and never each other's internals; ``core``
imports no feature.

A feature may import another feature's package itself (its face, ``session_matrix.profile``)
but no module inside it. Modules at the top of the package (``cli``, ``__main__``) compose
the features and may import anything. What is read is the source, so an import inside a
function counts as much as one at the top."""

import ast

from tests.helpers import ROOT

PACKAGE = ROOT / "session_matrix"
CORE = "session_matrix.core"
# importer -> imported: crossings left to remove, each with what removes it.
KNOWN: dict[tuple[str, str], str] = {}


def _name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _exists(dotted):
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imports(path):
    """Every harness module ``path`` imports (a package's ``__init__`` by the package)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if _exists(child) else node.module)
    return {name for name in found if name.split(".")[0] == "session_matrix"}


def features():
    """Every package under ``session_matrix`` but the core (a new feature is one at once).
    Until the core is laid out, ``render`` and ``services`` are shared folders, not
    features: the features are then the two packages that were always features."""
    if not _is_package(["session_matrix", "core"]):
        return {"profile", "suite"}
    return {
        path.name
        for path in PACKAGE.iterdir()
        if (path / "__init__.py").is_file() and path.name != "core"
    }


def _layer(module, layers):
    """``core``, a feature's name, or None for the top (``session_matrix``, ``cli``...)."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in layers:
        return parts[1]
    return None


def _is_package(parts):
    return (ROOT.joinpath(*parts) / "__init__.py").is_file()


def crossings():
    layers = features() | {"core"}
    found = set()
    for path in PACKAGE.rglob("*.py"):
        importer = _name(path)
        mine = _layer(importer, layers)
        if mine is None:
            continue
        for imported in _imports(path):
            theirs = _layer(imported, layers)
            if theirs is None or theirs == mine:
                continue
            if theirs == "core":
                continue  # everyone imports the core
            if mine != "core" and imported == f"session_matrix.{theirs}":
                continue  # another feature's face, not its internals
            found.add((importer, imported))
    return found


def test_features_import_the_core_and_never_each_others_internals():
    assert sorted(crossings() - set(KNOWN)) == []


def test_every_known_crossing_still_happens():
    """A crossing that was removed leaves the list, so the list never hides a new one."""
    if not _is_package(["session_matrix", "core"]):
        return  # the packages are not laid out yet: the known crossings cannot happen
    assert sorted(set(KNOWN) - crossings()) == []
