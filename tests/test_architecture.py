"""The layering of the package: an engine that knows no paper, generic layers that name none."""

import ast
from pathlib import Path

import pytest

from icl_sym.core.registry import REGISTRY

PACKAGE = Path(__file__).resolve().parents[1] / "icl_sym"
#: Modules that must work for any theory.
GENERIC = [PACKAGE / "cli.py", *sorted((PACKAGE / "core").glob("*.py")), PACKAGE / "experiments" / "figure.py",
           PACKAGE / "experiments" / "sweep.py", PACKAGE / "experiments" / "store.py",
           *sorted((PACKAGE / "sim").glob("*.py"))]


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", GENERIC, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_generic_modules_name_no_theory(path):
    text = path.read_text().lower()
    assert [t.name for t in REGISTRY.theories() if t.name in text] == []


@pytest.mark.parametrize("path", sorted((PACKAGE / "core").glob("*.py")), ids=lambda p: p.name)
def test_core_imports_no_other_layer(path):
    assert {m for m in imported_modules(path)
            if m.startswith(("icl_sym.theories", "icl_sym.sim", "icl_sym.experiments"))} == set()


@pytest.mark.parametrize("path", sorted((PACKAGE / "sim").glob("*.py")), ids=lambda p: p.name)
def test_generic_simulations_import_no_theory(path):
    assert {m for m in imported_modules(path) if m.startswith("icl_sym.theories")} == set()


def test_theories_are_not_imported_by_name():
    assert imported_modules(PACKAGE / "theories" / "__init__.py") == set()
    tree = ast.parse((PACKAGE / "theories" / "__init__.py").read_text())
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
