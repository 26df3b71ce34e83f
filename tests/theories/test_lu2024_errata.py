"""The errata ledger of Lu et al.: well formed, and every check it names exists."""

import ast
import dataclasses
from pathlib import Path

import pytest

from icl_sym.core.theory import Erratum
from icl_sym.theories.lu2024 import THEORY
from icl_sym.theories.lu2024.errata import ERRATA, erratum

ROOT = Path(__file__).resolve().parents[2]


def test_entries_are_frozen_unique_and_filled():
    ids = [e.id for e in ERRATA]
    assert len(ids) == len(set(ids))
    assert {"fig4-gaussian-tasks", "fig4-ridge", "fig3-quartic", "e-icl-g-tr-corner"} <= set(ids)
    for entry in ERRATA:
        texts = [getattr(entry, f.name) for f in dataclasses.fields(entry) if f.name != "checks"]
        assert all(isinstance(v, str) and v.strip() for v in texts + list(entry.checks)), entry.id
        assert entry.checks, entry.id
        assert entry.kind in {"error", "protocol", "pitfall"}, entry.id
    with pytest.raises(dataclasses.FrozenInstanceError):
        ERRATA[0].id = "x"
    assert erratum("fig3-quartic") is next(e for e in ERRATA if e.id == "fig3-quartic")
    with pytest.raises(KeyError, match="fig3-quartic"):
        erratum("nope")


def _defined_functions(path: Path) -> set[str]:
    return {node.name for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.FunctionDef)}


@pytest.mark.parametrize("entry", ERRATA, ids=lambda e: e.id)
def test_named_checks_exist(entry: Erratum):
    """A check is a test (path::function), a script (path [flags]) or says why there is none."""
    for check in entry.checks:
        if check.startswith("not checked:"):
            continue
        path, _, function = check.split(" ")[0].partition("::")
        assert (ROOT / path).is_file(), check
        if function:
            assert function in _defined_functions(ROOT / path), check


def test_the_theory_declares_the_ledger():
    assert THEORY.errata == ERRATA
