"""Bordelon et al. Fig. 5: the width-N landscape, the figure's theory numbers, the frontier exponent, and a tiny
trained simulation that sits above its floors and approaches them."""

import csv
import math

import numpy as np
import pytest
import sympy as sp

from icl_sym.experiments.bordelon2025 import FIGURES
from icl_sym.experiments.bordelon2025 import compute as fig5_module
from icl_sym.experiments.bordelon2025.compute import (
    FIG5, NU, compute_loss, fig5, flow_time_of_compute, joint_depth, landscape, lower_envelope,
)
from icl_sym.experiments.figure import SimOptions, draw_figure, make_figure
from icl_sym.sim.bordelon2025 import TrainConfig, flow_time
from icl_sym.sim.bordelon2025.width_landscape import ProjectedLandscape
from icl_sym.theories.bordelon2025.bottlenecks import width_floor
from icl_sym.theories.bordelon2025.floor_monte_carlo import projection_floor_mc
from icl_sym.theories.bordelon2025.compute_optimal import PRINTED_FRONTIER_EXPONENT, frontier_exponent
from icl_sym.theories.bordelon2025.rotated_structure import rrs_depth_floor, rrs_gamma, rrs_loss
from icl_sym.theories.bordelon2025.source_capacity import beta, nu, power_law_spectrum


def _curve(rows: list[dict], panel: str, curve: str) -> tuple[np.ndarray, np.ndarray]:
    chosen = [r for r in rows if r["panel"].startswith(panel) and r["curve"] == curve]
    assert chosen, (panel, curve)
    return np.array([float(r["x"]) for r in chosen]), np.array([float(r["y"]) for r in chosen])


def test_joint_depth_is_the_papers_schedule():
    assert [joint_depth(n) for n in (4, 8, 16, 32, 64)] == [1, 2, 5, 13, 32]
    assert joint_depth(2) == 1  # (1/2)^ν < 1: at least one layer


def test_frontier_exponent_is_result_8s_symbolically():
    value = PRINTED_FRONTIER_EXPONENT.subs({nu: sp.Rational(5, 4), beta: 1})
    assert sp.simplify(value + sp.Rational(5, 28)) == 0  # νβ/((3+β)ν+2) = (5/4)/7 ≈ 0.179
    assert sp.simplify(PRINTED_FRONTIER_EXPONENT + nu * beta / ((3 + beta) * nu + 2)) == 0
    # Fig. 5 draws β = 1, where the corrected width exponent ν·min(β, 1) is Result 8's νβ: the same float as the
    # printed closed form gave before the correction (ERR-14)
    assert {FIG5[mode]["c"]["beta"] for mode in FIG5} == {1.0}
    assert frontier_exponent(NU, 1.0) == float(PRINTED_FRONTIER_EXPONENT.subs({nu: NU, beta: 1.0}))


def test_full_width_landscape_is_result_6_for_every_draw():
    s = power_law_spectrum(24, NU, 0.75)
    full = ProjectedLandscape(24, 24, NU, 0.75, draws=3, seed=5)
    gammas = np.array([0.0, 0.3, 1.0, 1.7])
    for depth in (1, 4):
        np.testing.assert_allclose(full.loss(gammas, depth), rrs_loss(gammas, depth, s.eigenvalues, s.weights),
                                   rtol=1e-11)
    assert full.width_floor() == pytest.approx(0.0, abs=1e-12)


def test_width_landscape_matches_a_direct_haar_average():
    """ℓ_N(γ, L) against E |Λ^{1/2}(I − γ Q_N Q_Nᵀ Λ/L)^L w̄|² over the same Haar frames, signs averaged exactly."""
    from icl_sym.sim.sampling import draw_generator, haar_orthogonal

    dim, width, depth, gamma = 12, 4, 3, 2.5
    s = power_law_spectrum(dim, NU, 1.0)
    frames = haar_orthogonal(6, dim, generator=draw_generator(7, 0))[..., :width].numpy()
    direct = []
    for q in frames:
        step = np.eye(dim) - gamma * q @ q.T @ np.diag(s.eigenvalues) / depth
        m = np.linalg.matrix_power(step, depth)
        direct.append(np.sum(s.weights * np.diag(m.T @ np.diag(s.eigenvalues) @ m)))
    mc = ProjectedLandscape(dim, width, NU, 1.0, draws=6, seed=7)
    assert mc.loss(gamma, depth) == pytest.approx(np.mean(direct), rel=1e-12)
    # the L → ∞ limit is the projection error outside span(Q_N) in the Λ metric
    lam = np.diag(s.eigenvalues)
    proj = [np.sum(s.weights * np.diag(lam - lam @ q @ np.linalg.solve(q.T @ lam @ q, q.T @ lam))) for q in frames]
    assert mc.width_floor() == pytest.approx(np.mean(proj), rel=1e-10)


def test_monte_carlo_width_floor_agrees_with_the_corrected_app_f4_floor():
    """The L, t → ∞ floor of the width-N model is the projection error onto a random N-subspace: the Haar Monte
    Carlo (Fig. 5(b)'s floor) approaches `width_floor`, z Σλω/(z+λ), as D grows at fixed N/D (5.8 % above it at
    D = 64, N = 8; 2.0 % at D = 320, N = 40), and lies far above App. F.4's printed z² Σλω/(z+λ)² (ERR-13)."""
    gaps = []
    for dim, width in ((64, 8), (320, 40)):
        s = power_law_spectrum(dim, NU, 1.0)
        mc = ProjectedLandscape(dim, width, NU, 1.0, draws=max(8, 2048 // width), seed=0).width_floor()
        gaps.append(abs(mc / width_floor(width, s.eigenvalues, s.weights).loss - 1))
        assert mc > 2.5 * width_floor(width, s.eigenvalues, s.weights, printed=True).loss
    assert gaps[0] < 0.12 and gaps[1] < 0.05 and gaps[1] < gaps[0]


def test_haar_and_gaussian_projections_give_the_same_floor():
    """The floor depends on the projection only through its row span: the Haar frames of `ProjectedLandscape` (the
    trained model's fixed A under Haar-rotated data) and the Gaussian rows of `projection_floor_mc` agree within
    their Monte Carlo errors (D = 48, N = 6)."""
    dim, width = 48, 6
    s = power_law_spectrum(dim, NU, 1.0)
    haar = ProjectedLandscape(dim, width, NU, 1.0, draws=1024, seed=1)
    gauss = projection_floor_mc(width, s.eigenvalues, s.weights, draws=2048, seed=1)
    haar_err = float(np.std(1 - (haar.weights * haar.eigenvalues * haar.draws).reshape(haar.draws, width).sum(1),
                            ddof=1) / np.sqrt(haar.draws))
    assert abs(haar.width_floor() - gauss.mean) < 4 * np.hypot(haar_err, gauss.stderr)


def test_floors_and_flow_of_the_width_landscape():
    mc = ProjectedLandscape(32, 4, NU, 1.0, draws=256)
    floors = [mc.depth_floor(L) for L in (1, 2, 4, 16, 256)]
    assert np.all(np.diff(floors) < 0) and floors[-1] == pytest.approx(mc.width_floor(), rel=2e-3)
    start, late = mc.flow_loss([0.0, 1e7], 2)
    assert late == pytest.approx(mc.depth_floor(2), rel=1e-6) and start == pytest.approx(1.0, rel=1e-12)


def test_width_flow_time_divides_by_the_width():
    config = TrainConfig(setting="rrs", dim=16, width=4, alpha=math.inf, steps=10, lr=2.0)
    assert flow_time(config) == pytest.approx(2.0 * 10 / 4)
    assert flow_time(TrainConfig(setting="rrs", dim=16, alpha=math.inf, steps=10, lr=2.0)) == pytest.approx(20 / 16)
    assert flow_time_of_compute(10 * 4**2 * 3, 4, 3, 2.0) == pytest.approx(2.0 * 10 / 4)


def test_lower_envelope_keeps_the_best_loss_reached():
    x = np.array([1.0, 2.0, 4.0, 8.0])
    early = (np.array([1.0, 2.0]), np.array([0.5, 0.4]))
    late = (np.array([2.0, 8.0]), np.array([0.9, 0.1]))
    np.testing.assert_allclose(lower_envelope(x, [early, late]), [0.5, 0.4, 0.4, 0.1])


def test_fig5_theory_csv_holds_the_theory(tmp_path):
    assert "bordelon2025.fig5" in FIGURES
    rows = list(csv.DictReader(make_figure("bordelon2025.fig5", "quick", tmp_path).csv.open()))
    a, b, c = (FIG5["quick"][k] for k in "abc")
    # (a) at N = D the width-N model is Result 6's: the flow at t = ηC/(N³L)
    s = power_law_spectrum(a["dim"], NU, a["beta"])
    x, y = _curve(rows, "(a)", f"N = {a['dim']}")
    t = a["lr"] * x / a["dim"] ** 3
    np.testing.assert_allclose(y, rrs_loss(rrs_gamma(t, 1, s.eigenvalues, s.weights), 1, s.eigenvalues, s.weights),
                               rtol=1e-8)
    _, y = _curve(rows, "(a)", "(floor) depth: L = 1, N = D")
    assert y == pytest.approx(rrs_depth_floor(1, s.eigenvalues, s.weights).loss, rel=1e-14)
    # (b) the floors at N = 4
    s = power_law_spectrum(b["dim"], NU, b["beta"])
    (width,) = b["widths"]
    _, y = _curve(rows, "(b)", "(ref) App. F.4 corrected: zΣλω/(z+λ), D → ∞")
    assert y == pytest.approx(width_floor(width, s.eigenvalues, s.weights).loss, rel=1e-14)
    _, y = _curve(rows, "(b)", "(ref) App. F.4 as printed: z²Σλω/(z+λ)²")
    assert y == pytest.approx(width_floor(width, s.eigenvalues, s.weights, printed=True).loss, rel=1e-14)
    _, y = _curve(rows, "(b)", "(floor) width: L → ∞, Haar MC")
    assert y == pytest.approx(landscape(b["dim"], width, b["beta"]).width_floor(), rel=1e-14)
    x, y = _curve(rows, "(b)", "L = 8")
    np.testing.assert_allclose(y, compute_loss(x, b["dim"], width, 8, b["beta"], b["lr"]), rtol=1e-12)
    # (c) the reference has Result 8's slope; each run ends at its step budget T N² L
    x, y = _curve(rows, "(c)", "(ref) C^-0.179 (Result 8)")
    slope = np.diff(np.log(y)) / np.diff(np.log(x))
    np.testing.assert_allclose(slope, -5 / 28, rtol=1e-10)
    x, _ = _curve(rows, "(c)", "N = 16, L = 5")
    assert x.max() == pytest.approx(c["steps"] * 16**2 * 5)
    # (d) the envelope over all shapes is no worse than the L = ⌊(N/4)^ν⌋ runs' and never rises
    _, every = _curve(rows, "(d)", next(r["curve"] for r in rows if r["curve"].startswith("theory envelope over")))
    _, joint = _curve(rows, "(d)", "theory envelope of the L = ⌊(N/4)^ν⌋ runs")
    ok = np.isfinite(joint)
    assert np.all(every[ok] <= joint[ok] + 1e-15) and np.all(np.diff(every[np.isfinite(every)]) <= 0)


TINY = dict(a=dict(dim=16, beta=0.75, widths=(4, 16), depths=(1,), lr=1.0, steps=300, batch=32),
            b=dict(dim=16, beta=1.0, widths=(4,), depths=(1, 8), lr=8.0, steps=300, batch=32),
            c=dict(dim=16, beta=1.0, widths=(4, 8), lr=1.0, steps=300, batch=32))


@pytest.mark.slow
def test_tiny_trained_fig5_sits_above_its_floors_and_approaches_them(tmp_path, monkeypatch):
    monkeypatch.setitem(fig5_module.FIG5, "quick", TINY)
    data = fig5("quick")
    run = draw_figure(data, tmp_path, simulation=SimOptions((16,), draws=1, seed=1, contexts=1000))
    assert run.png.read_bytes()[:4] == b"\x89PNG" and run.summary.read_text().count("|") > 20
    rows = list(csv.DictReader(run.simulations.open()))
    finals = {}
    for r in rows:
        key = (int(float(r["width"])), int(float(r["depth"])), float(r["beta"]))
        if float(r["compute"]) >= finals.get(key, (0.0,))[0]:
            finals[key] = (float(r["compute"]), float(r["loss"]), float(r["theory_loss"]))
    assert len(finals) == 5  # (4, 1) at β = 0.75 and 1, (16, 1), (4, 8), (8, 2)
    for (width, depth, b), (_, loss, theory) in finals.items():
        mc = landscape(16, width, b)
        floor = mc.depth_floor(depth)
        # the trained model cannot beat min_γ ℓ_N(γ, L) ≥ the width floor (2 %: 1000 test contexts)
        assert loss > 0.98 * floor and floor >= mc.width_floor()
        # and it tracks the flow, which is within 20 % of that floor by the end of these runs
        assert loss == pytest.approx(theory, rel=0.06)
        assert theory < 1.2 * floor


def test_result_6_flow_at_single_and_zero_times():
    """A lone time (a stored row's theory) or only t = 0: the integration span and the evaluation point agree."""
    s = power_law_spectrum(32, NU, 1.0)
    lone = [t for t in np.geomspace(0.01, 1e5, 400) if math.log1p(t) != np.log1p(t)][:5]  # they used to differ
    assert lone
    for t in lone:
        g = rrs_gamma(t, 1, s.eigenvalues, s.weights)
        assert g.shape == (1,) and g[0] == pytest.approx(rrs_gamma([t, 2 * t], 1, s.eigenvalues, s.weights)[0],
                                                          rel=1e-7)
    assert np.array_equal(rrs_gamma([0.0, 0.0], 2, s.eigenvalues, s.weights), [0.0, 0.0])
