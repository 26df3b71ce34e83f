"""Bordelon et al. figure recipes: theory CSVs hold the theory's numbers; a trained marker row carries its theory."""

import csv

import numpy as np
import pytest

from icl_sym.core.registry import REGISTRY
from icl_sym.experiments.bordelon2025 import FIGURES, fig1
from icl_sym.experiments.figure import SimOptions, make_figure, run_task, simulation_tasks
from icl_sym.theories.bordelon2025.iso import iso_optimal_loss, iso_reducible_loss


def test_figures_are_declared():
    assert set(FIGURES) <= set(REGISTRY.figure_names()) and {"bordelon2025.fig1", "bordelon2025.fig2"} <= set(FIGURES)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_theory_figures_write_png_and_theory_csv(name, tmp_path):
    run = make_figure(name, "quick", tmp_path)
    assert run.png.read_bytes()[:4] == b"\x89PNG"
    rows = list(csv.DictReader(run.csv.open()))
    if name.endswith("fig1"):
        picked = [r for r in rows if r["curve"] == "L = 4"]
        alpha = np.array([float(r["x"]) for r in picked])
        np.testing.assert_allclose([float(r["y"]) for r in picked], iso_optimal_loss(alpha, 4), rtol=1e-14)
    else:
        picked = [r for r in rows if r["panel"].startswith("(b)") and r["curve"] == "L = 8"]
        step = np.array([float(r["x"]) for r in picked])
        np.testing.assert_allclose([float(r["y"]) for r in picked],
                                   [iso_reducible_loss(8 * c, 2.0, 8) for c in step], rtol=1e-14)


def test_fig1_marker_task_trains_and_stores_its_theory():
    tasks = simulation_tasks(fig1("quick"), SimOptions((8,), draws=1, seed=2, contexts=500))
    assert len(tasks) == 3 * 2  # three α, depths 1 and 2 (quick)
    task = next(t for t in tasks if dict(t.point) == {"alpha": 2.0, "depth": 2.0})
    (row,) = run_task(task)
    assert row["theory_loss"] == pytest.approx(float(iso_optimal_loss(2.0, 2)), rel=1e-14)
    # D = 8 sits above the D → ∞ optimum by its finite-size gap (about 20 % here), far below the zero model.
    assert row["theory_loss"] < row["loss"] < 1.5 * row["theory_loss"] and row["context"] == 16
