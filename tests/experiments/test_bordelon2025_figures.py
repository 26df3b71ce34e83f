"""Bordelon et al. figure recipes: theory CSVs hold the theory's numbers; a trained marker row carries its theory."""

import csv

import numpy as np
import pytest

from icl_sym.core.registry import REGISTRY
from icl_sym.experiments.bordelon2025 import FIGURES, fig1
from icl_sym.experiments.figure import SimOptions, make_figure, run_task, simulation_tasks
from icl_sym.theories.bordelon2025.iso import iso_optimal_loss, iso_reducible_loss


def _curve(rows: list[dict], panel: str, curve: str) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of one curve of a figure's theory CSV, its panel named by its title's start, e.g. "(a)"."""
    chosen = [r for r in rows if r["panel"].startswith(panel) and r["curve"] == curve]
    return np.array([float(r["x"]) for r in chosen]), np.array([float(r["y"]) for r in chosen])


def test_figures_are_declared():
    assert set(FIGURES) <= set(REGISTRY.figure_names()) and {"bordelon2025.fig1", "bordelon2025.fig2"} <= set(FIGURES)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_theory_figures_write_png_and_theory_csv(name, tmp_path):
    run = make_figure(name, "quick", tmp_path)
    assert run.png.read_bytes()[:4] == b"\x89PNG"
    rows = list(csv.DictReader(run.csv.open()))
    if name.endswith("fig1"):
        picked = [r for r in rows if r["panel"].startswith("(c)") and r["curve"] == "L = 4"]
        alpha = np.array([float(r["x"]) for r in picked])
        np.testing.assert_allclose([float(r["y"]) for r in picked], iso_optimal_loss(alpha, 4), rtol=1e-14)
    elif name.endswith("fig2"):
        picked = [r for r in rows if r["panel"].startswith("(b)") and r["curve"] == "L = 8"]
        step = np.array([float(r["x"]) for r in picked])
        np.testing.assert_allclose([float(r["y"]) for r in picked],
                                   [iso_reducible_loss(8 * c, 2.0, 8) for c in step], rtol=1e-14)


def test_fig1_marker_task_trains_and_stores_its_theory():
    tasks = simulation_tasks(fig1("quick"), SimOptions((8,), draws=1, seed=2, contexts=500))
    assert len([t for t in tasks if t.estimator == "reduced"]) == 3 * 2  # three α, depths 1 and 2 (quick)
    task = next(t for t in tasks if dict(t.point) == {"alpha": 2.0, "depth": 2.0, "time": float("inf")})
    (row,) = run_task(task)
    assert row["theory_loss"] == pytest.approx(float(iso_optimal_loss(2.0, 2)), rel=1e-14)
    # D = 8 sits above the D → ∞ optimum by its finite-size gap (about 20 % here), far below the zero model.
    assert row["theory_loss"] < row["loss"] < 1.5 * row["theory_loss"] and row["context"] == 16


def test_fig4_csv_holds_result_6_and_the_finite_context_flow(tmp_path):
    from icl_sym.experiments.bordelon2025 import FIG4
    from icl_sym.experiments.bordelon2025.structured import FIG4_MODES, rrs_learning_curve
    from icl_sym.sim.bordelon2025.data import make_spec
    from icl_sym.sim.bordelon2025.landscape import IsotropicLandscape
    from icl_sym.theories.bordelon2025.rotated_structure import rrs_gamma, rrs_loss
    from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum

    rows = list(csv.DictReader(make_figure("bordelon2025.fig4", "quick", tmp_path).csv.open()))
    quick = FIG4_MODES["quick"]

    # (a) β = 1 at L = 8 against SGD steps of the tied model at η = 5: flow time ηs/D
    d = quick["a_dim"]
    s = power_law_spectrum(d, 1.5, 1.0)
    steps, y = _curve(rows, "(a)", "β = 1")
    t = FIG4["a"]["lr"] * steps / d
    np.testing.assert_allclose(y, rrs_loss(rrs_gamma(t, 8, s.eigenvalues, s.weights), 8, s.eigenvalues, s.weights),
                               rtol=1e-8)
    # (b) the landscape at L = 4, cut at the edge of stability 2L/λ₁ = 8
    s = power_law_spectrum(64, 1.5, 0.8)
    g, y = _curve(rows, "(b)", "L = 4")
    assert g.max() <= 8 < 1.2 * g.max()
    np.testing.assert_allclose(y, rrs_loss(g, 4, s.eigenvalues, s.weights), rtol=1e-12)
    # (c) untied L = 8 at one rate per layer, P = 512: the Γ = γI flow on the Monte Carlo landscape at ηs/(DL)
    d = quick["c_dim"]
    steps, y = _curve(rows, "(c)", "L = 8")
    landscape = IsotropicLandscape(make_spec("rrs", d, 512 / d, nu=1.75, beta=0.5), 8, contexts=2000, seed=0)
    picked = [0, len(steps) // 2, len(steps) - 1]
    gammas = landscape.flow(FIG4["c"]["lr"] * steps[picked] / (d * 8))
    np.testing.assert_allclose(y[picked], [landscape.loss(g) for g in gammas], rtol=1e-6)
    # at the paper's run (D = 45, 20000 steps) the line meets the authors' stored final loss at L = 4 (0.144; the
    # α = ∞ flow is 0.1394, 3 % below)
    full = float(rrs_learning_curve(20_000, 4, 0.5, 1.75, 45, 512, 3.0, 1))
    assert full == pytest.approx(0.144, rel=0.01)


def test_fig3_csv_holds_results_4_and_5(tmp_path):
    from icl_sym.theories.bordelon2025.fixed_structure import fs_gamma, fs_loss, fs_ood_loss, rotated_covariance
    from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum

    from icl_sym.experiments.bordelon2025.structured import FIG3_MODES

    rows = list(csv.DictReader(make_figure("bordelon2025.fig3", "quick", tmp_path).csv.open()))

    d = FIG3_MODES["quick"]["dim"]
    s = power_law_spectrum(d, 1.25, 1.25)
    t, y = _curve(rows, "(a)", "k = 4")
    np.testing.assert_allclose(y, fs_gamma(t, 4, s.eigenvalues, s.weights)[:, 3], rtol=1e-12)
    t, y = _curve(rows, "(a)", "(L = ∞) k = 2")
    np.testing.assert_allclose(y, np.log1p(4 * s.weights[1] * s.eigenvalues[1] ** 3 * t) / (2 * s.eigenvalues[1]),
                               rtol=1e-12)
    assert t.max() == pytest.approx(0.5 * 25_000)  # FS flow time ηT per mode
    t, y = _curve(rows, "(b)", "L = 2")
    np.testing.assert_allclose(y, fs_loss(t, 2, s.eigenvalues, s.weights), rtol=1e-12)
    theta, y = _curve(rows, "(c)", "L = 4")
    g = np.random.default_rng(np.random.SeedSequence(0)).standard_normal((d, d))
    shifted = rotated_covariance(np.diag(s.eigenvalues), (g - g.T) / (2 * np.sqrt(d)), theta[-1])
    assert y[-1] == pytest.approx(fs_ood_loss(np.diag(s.eigenvalues), shifted, np.diag(s.weights), 4), rel=1e-10)
    assert np.all(np.diff(y) > 0)  # Result 5: the loss grows with the shift


def test_fig6_csv_holds_result_9_and_the_stored_softmax_losses(tmp_path):
    from icl_sym.experiments.bordelon2025.authors import authors_values
    from icl_sym.theories.bordelon2025.bottlenecks import full_attention_time_of_gamma
    from icl_sym.theories.bordelon2025.rotated_structure import rrs_loss
    from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum

    rows = list(csv.DictReader(make_figure("bordelon2025.fig6", "quick", tmp_path).csv.open()))

    s = power_law_spectrum(80, 1.25, 1.2)
    t, y = _curve(rows, "(b)", "L = 4")
    # invert the curve's loss to γ on a fine grid, then the time the balanced flow takes from γ0 = 2 · 0.45⁵
    gamma0 = 2 * 0.45**5
    grid = np.geomspace(gamma0 * 1.01, 1.0, 4000)
    loss = rrs_loss(grid, 4, s.eigenvalues, s.weights)
    gamma = np.interp(-y[5], -loss, grid)
    want = full_attention_time_of_gamma([gamma], gamma0, 4, s.eigenvalues, s.weights)[0]
    assert t[5] == pytest.approx(want, rel=1e-3)
    assert np.all(np.diff(t) > 0) and np.all(np.diff(y) < 0)
    stored = {(v.figure, v.depth): v.final_loss for v in authors_values()}
    depth, y = _curve(rows, "(c)", "authors: softmax (Fig. 6c)")
    assert list(y) == [stored[("fig6c", int(d))] for d in depth]
    depth, y = _curve(rows, "(c)", "(ref) linear attention ℓ⋆(α = 2, L)")
    np.testing.assert_allclose(y, [float(iso_optimal_loss(2.0, int(d))) for d in depth], rtol=1e-14)
