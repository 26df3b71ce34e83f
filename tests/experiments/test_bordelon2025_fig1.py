"""Bordelon et al. Fig. 1(a), (b): ISO learning curves of the Γ = γI flow (Result 1), and trained reduced-Γ
trajectories on them whose gap to the D → ∞ theory shrinks with D."""

import numpy as np
import pytest

from icl_sym.experiments.bordelon2025.iso import LAYOUT, fig1, iso_loss
from icl_sym.experiments.figure import FigureData, Markers, Panel, SimOptions, draw_figure, simulation_tasks
from icl_sym.theories.bordelon2025.iso import iso_gradient_flow, iso_optimal_loss, iso_reducible_loss


def _flow_losses(alpha: float, depth: int, times: np.ndarray) -> np.ndarray:
    return np.array([iso_reducible_loss(g, alpha, depth) for g in iso_gradient_flow(alpha, depth, 0.0, times)])


def test_fig1_learning_curves_are_the_iso_flow_from_zero():
    data = fig1("quick")
    a, b, c = data.panels
    curve = next(k for k in a.curves if k.label == "α = 0.5")
    assert curve.params == {"alpha": 0.5, "depth": 16}
    np.testing.assert_allclose(curve.y, _flow_losses(0.5, 16, curve.x), rtol=1e-12)
    curve = next(k for k in b.curves if k.label == "L = 2")
    np.testing.assert_allclose(curve.y, _flow_losses(1.0, 2, curve.x), rtol=1e-12)
    # the loss decreases along the flow from ℓ(0) = 1 (Γ = 0 predicts y = 0)
    assert np.all(np.diff(curve.y) < 0) and curve.y[0] < 1
    # times in any order give the same values (the flow is integrated over the sorted times)
    np.testing.assert_allclose(iso_loss(1.0, 2, curve.x[::-1]), curve.y[::-1], rtol=1e-12)
    # panel (c) keeps the optimal loss, its points at t = ∞
    curve = next(k for k in c.curves if k.label == "L = 4")
    assert curve.params["time"] == np.inf
    np.testing.assert_allclose(curve.y, iso_optimal_loss(curve.x, 4), rtol=1e-14)


@pytest.mark.parametrize("alpha, depth", [(0.5, 1), (1.0, 2), (4.0, 4), (1.0, 16)])
def test_iso_flow_reaches_the_optimal_loss(alpha, depth):
    late = iso_loss(alpha, depth, np.array([1.0, 1e4]))
    optimum = float(iso_optimal_loss(alpha, depth))
    assert late[0] > optimum * (1 + 1e-6)  # still on the way at t = 1 ...
    assert late[1] == pytest.approx(optimum, rel=1e-9)  # ... at the optimum (Result 2) by t = 10⁴


def test_fig1_trajectory_markers_approach_the_flow_as_d_grows(tmp_path):
    """Trained reduced-Γ learning curves at D = 8 and D = 32 (α = 1, L = 2, t up to 8): within 0.8/D of the
    D → ∞ flow at every time (measured: max |Δ|·D = 0.35 at D = 8, 0.47 at D = 32, largest at t = 8)."""
    marks = (0.125, 0.5, 2.0, 8.0)
    panel = Panel("(b) α = 1", "t", "test error", key="b", quantity="loss", xparam="time", theory=iso_loss)
    panel.curve("L = 2", np.geomspace(0.1, 8.0, 10), dict(alpha=1.0, depth=2),
                (Markers("curve", marks, trajectory=True),))
    data = FigureData("bordelon2025.fig1_test", "test", [panel], LAYOUT)
    options = SimOptions((8, 32), draws=2, seed=3, contexts=2000)
    assert len(simulation_tasks(data, options)) == 2 * 2  # one training run per draw and D
    run = draw_figure(data, tmp_path, simulation=options)
    assert run.png.read_bytes()[:4] == b"\x89PNG"
    gaps = {d: np.array([m.mean - m.theory for m in run.markers if m.d == d]) for d in (8, 32)}
    for d, gap in gaps.items():
        assert gap.size == len(marks)
        assert np.all(np.abs(gap) < 0.8 / d), (d, gap)
    assert np.abs(gaps[32]).max() < 0.5 * np.abs(gaps[8]).max()  # measured 0.015 against 0.043
    # the markers carry the flow's values
    theory = sorted((m.x, m.theory) for m in run.markers if m.d == 32)
    np.testing.assert_allclose([v for _, v in theory], _flow_losses(1.0, 2, np.array(marks)), rtol=1e-9)
