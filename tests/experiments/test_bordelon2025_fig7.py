"""Fig. 7 of Bordelon, Letey, Pehlevan (App. C.1): Result 10's learning curves of one-layer online SGD, and simulated
trajectory markers that approach them as d grows."""

import math
import statistics

import numpy as np
import pytest

from icl_sym.core.validation import ParameterError
from icl_sym.experiments.bordelon2025 import FIGURES
from icl_sym.experiments.bordelon2025.shallow import FIG7, SWEEP, fig7
from icl_sym.experiments.figure import SimOptions, draw_figure, simulation_tasks
from icl_sym.sim.bordelon2025.online_sgd import online_sgd_curve
from icl_sym.theories.bordelon2025.online_sgd import online_sgd_coefficients, online_sgd_loss

FIXED = {"a": ("tau", dict(alpha=1.0, kappa=1.0)), "b": ("alpha", dict(tau=1.0, kappa=1.0)),
         "c": ("kappa", dict(alpha=1.0, tau=1.0))}


def test_fig7_is_declared_with_three_panels_of_result10_curves():
    assert "bordelon2025.fig7" in FIGURES
    data = fig7("quick")
    assert [p.key for p in data.panels] == ["a", "b", "c"]
    steps = np.arange(FIG7["steps"] + 1)
    for panel in data.panels:
        swept, fixed = FIXED[panel.key]
        assert len(panel.curves) == len(SWEEP)
        finals = []
        for curve, value in zip(panel.curves, SWEEP):
            args = {**fixed, swept: value}
            expected = online_sgd_loss(steps, FIG7["eta"], args["alpha"], args["kappa"], args["tau"])
            np.testing.assert_allclose(curve.y, expected, rtol=1e-14)
            assert curve.y[0] == pytest.approx(1.0, rel=1e-14)  # Γ(0) = 0: the corrected C(0) = 1/r²
            finals.append(curve.y[-1])
        # The caption: the loss improves monotonically in τ, α and κ.
        assert np.all(np.diff(finals) < 0), (panel.key, finals)


def test_the_printed_initial_condition_would_not_start_at_one():
    """Mutation: Result 10's printed C(0) = 1 gives ℓ(0) = 1 + 1 − 1/r² ≠ 1 (the figure uses C(0) = 1/r²)."""
    r, a, _ = online_sgd_coefficients(FIG7["eta"], 1.0, 1.0, 1.0)
    printed_start = float(online_sgd_loss(0, FIG7["eta"], 1.0, 1.0, 1.0)) + (1 - 1 / r**2)
    assert abs(printed_start - 1) > 0.5
    assert fig7("quick").panels[0].curves[0].y[0] == pytest.approx(1.0, rel=1e-14)


def test_online_sgd_simulation_approaches_result10_with_finite_queries():
    """Result 10's SGD with K = κd sampled queries (κ = 0.5, η = 0.1, floor averaged over the last 10 of 40 steps,
    two seeds): the gap to the theory at that κ shrinks with d (finite K = κd), while the κ = ∞ theory stays far —
    κ enters only through the SGD noise, and the check sees it."""
    eta, alpha, kappa, tau, steps = 0.1, 1.0, 0.5, 1.0, 40
    theory = float(online_sgd_loss(steps, eta, alpha, kappa, tau))
    no_query_noise = float(online_sgd_loss(steps, eta, alpha, 1e12, tau))
    gap = {}
    for dim in (32, 64):
        curves = [online_sgd_curve(dim, steps, eta, alpha, kappa, tau, seed=s) for s in (0, 1)]
        assert all(c[0] == 1.0 for c in curves)
        floor = float(np.mean([c[-10:].mean() for c in curves]))
        gap[dim] = abs(floor / theory - 1)
        assert abs(floor / no_query_noise - 1) > 0.3
    assert gap[64] < 0.1 and gap[64] < 0.6 * gap[32], gap


def test_online_sgd_curve_validates_its_sizes():
    with pytest.raises(ParameterError, match="tau"):
        online_sgd_curve(16, 2, 0.1, 1.0, 1.0, 0.01)
    with pytest.raises(ParameterError, match="kappa"):
        online_sgd_curve(16, 2, 0.1, 1.0, 0.01, 1.0)
    with pytest.raises(ParameterError, match="alpha"):
        online_sgd_curve(16, 2, 0.1, math.inf, 1.0, 1.0)


@pytest.mark.slow
def test_simulated_markers_approach_result10_as_d_grows(tmp_path):
    """A reduced Fig. 7 (the largest value of each sweep) simulated at d = 16 and 48 through draw_figure: the
    markers' median relative deviation from Result 10 shrinks with d and is a few per cent at d = 48."""
    data = fig7("quick")
    for panel in data.panels:
        panel.curves = panel.curves[-1:]
    options = SimOptions(dims=(16, 48), draws=2, seed=0, contexts=2)
    assert len(simulation_tasks(data, options)) == 3 * 2 * 2
    run = draw_figure(data, tmp_path, simulation=options)
    assert run.png.read_bytes()[:4] == b"\x89PNG" and run.tasks_run == 12
    deviation = {d: statistics.median(abs(m.mean / m.theory - 1) for m in run.markers if m.d == d) for d in (16, 48)}
    assert len(run.markers) == 3 * len(FIG7["marker_steps"]) * 2
    assert deviation[48] < 0.6 * deviation[16], deviation
    assert deviation[48] < 0.05, deviation
