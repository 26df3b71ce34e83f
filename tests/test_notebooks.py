"""The derivation documents: derivations/*.py (py:percent) and their paired notebooks/*.ipynb.

(a) Every document has a paired, up-to-date, unexecuted notebook (jupytext pairing, see jupytext.toml).
(b) Every notebook executes in a fresh ``python3`` kernel and renders each derivation step as math.
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient

import icl_sym.theories  # noqa: F401  (registers the derivations)
from icl_sym.core.registry import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = sorted((ROOT / "derivations").glob("*.py"))
SYNC = "jupytext --sync derivations/*.py"


def _notebook_path(document: Path) -> Path:
    return ROOT / "notebooks" / f"{document.stem}.ipynb"


def _ids(paths):
    return [p.stem for p in paths]


def test_documents_exist():
    assert DOCUMENTS, "no derivation documents found in derivations/"
    assert (ROOT / "jupytext.toml").is_file(), "jupytext.toml (the derivations/ <-> notebooks/ pairing) is missing"


@pytest.mark.parametrize("document", DOCUMENTS, ids=_ids(DOCUMENTS))
def test_notebook_is_paired_and_up_to_date(document: Path):
    notebook = _notebook_path(document)
    rel_doc, rel_nb = document.relative_to(ROOT), notebook.relative_to(ROOT)
    assert notebook.is_file(), f"{rel_nb} is missing: run `{SYNC}` to create it from {rel_doc}"
    source = [(c.cell_type, c.source) for c in jupytext.read(document).cells]
    paired = [(c.cell_type, c.source) for c in jupytext.read(notebook).cells]
    stale = f"{rel_nb} is out of date with {rel_doc}: run `{SYNC}`"
    assert len(paired) == len(source), f"{stale} ({len(source)} cells in the document, {len(paired)} in the notebook)"
    for i, (want, got) in enumerate(zip(source, paired), start=1):
        assert got == want, f"{stale} (cell {i} differs:\n--- document ---\n{want[1]}\n--- notebook ---\n{got[1]})"


@pytest.mark.parametrize("document", DOCUMENTS, ids=_ids(DOCUMENTS))
def test_notebook_is_committed_unexecuted(document: Path):
    notebook = _notebook_path(document)
    if not notebook.is_file():
        pytest.fail(f"{notebook.relative_to(ROOT)} is missing: run `{SYNC}`")
    executed = [i for i, c in enumerate(jupytext.read(notebook).cells, start=1)
                if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not executed, (
        f"{notebook.relative_to(ROOT)} was saved with outputs (cells {executed}); commit it unexecuted: "
        f"`jupytext --to ipynb -o notebooks/{document.stem}.ipynb derivations/{document.stem}.py`"
    )


def _latex_outputs(cell) -> int:
    return sum(1 for out in cell.get("outputs", []) if "text/latex" in out.get("data", {}))


def _outputs_of_type(cell, mime: str) -> list[str]:
    return [out["data"][mime] for out in cell.get("outputs", []) if mime in out.get("data", {})]


#: The documents that draw what they derive (theory curves, and simulation against theory where cheap).
PLOTTING = {"lu2024_lemma1", "lu2024_reduction", "lu2024_proposition1", "lu2024_asymptotic_curves", "lu2024_limits",
            "bordelon2025_iso", "bordelon2025_fs", "bordelon2025_rrs", "bordelon2025_bottlenecks",
            "bordelon2025_compute_optimal", "mehta2025_claims", "bordelon2025_reduction",
            "bordelon2025_errata"}


@pytest.mark.parametrize("document", DOCUMENTS, ids=_ids(DOCUMENTS))
def test_notebook_executes_and_renders_every_step(document: Path):
    notebook = _notebook_path(document)
    if not notebook.is_file():
        pytest.fail(f"{notebook.relative_to(ROOT)} is missing: run `{SYNC}`")
    nb = jupytext.read(notebook)
    match = re.search(r'Walkthrough\("([^"]+)"\)', "\n".join(c.source for c in nb.cells if c.cell_type == "code"))
    assert match, f"{document.name}: no Walkthrough(\"...\") call names the derivation it documents"
    derivation = REGISTRY.get_derivation(match.group(1))

    # Execute in memory (nothing is written back), in a fresh kernel started at the repository root.
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()

    # A step cell shows one step with walk.step(...); each must display that step as rendered math.
    step_cells = [c for c in nb.cells if c.cell_type == "code" and "walk.step(" in c.source]
    assert len(step_cells) == len(derivation), (
        f"{document.name} has {len(step_cells)} step cells but {derivation.name} has {len(derivation)} steps"
    )
    for cell in step_cells:
        assert _latex_outputs(cell) >= 1, f"{document.name}: no rendered math (text/latex) for\n{cell.source}"
        # ... and say, in a sentence, how the step was verified (not a CheckResult(...) repr).
        sentences = _outputs_of_type(cell, "text/markdown")
        assert any("**verified** by " in text for text in sentences), f"{document.name}: no check sentence for\n{cell.source}"
    shown = "\n".join(str(out) for c in nb.cells if c.cell_type == "code" for out in c.get("outputs", []))
    assert "CheckResult(" not in shown, f"{document.name}: a check is shown as a repr"
    if document.stem in PLOTTING:
        assert any(_outputs_of_type(c, "image/png") for c in nb.cells if c.cell_type == "code"), (
            f"{document.name}: draws no figure of what it derives")
    total = sum(_latex_outputs(c) for c in nb.cells if c.cell_type == "code")
    assert total >= len(derivation) + len(derivation.results), (
        f"{document.name}: {total} rendered equations, expected every step and every established result"
    )
