"""RRS exponents of Bordelon, Letey, Pehlevan fitted from trained reduced-Γ models, with plain bootstrap intervals,
against the theory of the same discrete-time protocol (and a wrong law, which must be rejected); and, theory only,
the finite-D slopes approaching the asymptotic exponents as D grows."""

import math

import numpy as np
import pytest

from icl_sym.core.fits import BootstrapFit
from icl_sym.core.validation import ParameterError
from icl_sym.experiments.bordelon2025 import exponents
from icl_sym.experiments.bordelon2025.exponents import (
    BETA, DEPTH_RUNS, NU, ExponentComparison, asymptotic_convergence, asymptotic_slopes, depth_exponent,
    descent_gammas, exponents_markdown, small_noise_limit, time_exponent, width_exponent,
)
from icl_sym.sim.bordelon2025 import TrainConfig, flow_time
from icl_sym.sim.bordelon2025.landscape import scan_minimum
from icl_sym.sim.bordelon2025.width_landscape import ProjectedLandscape
from icl_sym.theories.bordelon2025.rotated_structure import rrs_depth_floor, rrs_flow_rate, rrs_gamma
from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum

SEEDS = (0, 1, 2)


def test_width_floors_fall_with_width_to_result6_at_full_width():
    """The width-N floors used for the width row fall with N and reach Result 6's depth floor at N = D."""
    dim, depth = 12, 3
    s = power_law_spectrum(dim, NU, BETA)
    floors = [ProjectedLandscape(dim, n, NU, BETA, draws=500 // n, seed=1).depth_floor(depth) for n in (2, 4, 8, dim)]
    assert floors[0] > floors[1] > floors[2] > floors[3]
    assert floors[3] == pytest.approx(rrs_depth_floor(depth, s.eigenvalues, s.weights).loss, rel=1e-8)


def test_scan_minimum_finds_the_global_minimum_of_a_landscape_with_two_wells():
    """Monte Carlo landscapes need not be convex: the grid picks the better well before the bounded refinement."""
    loss = lambda g: (g - 1) ** 2 * (g - 4) ** 2 + 0.5 * (g - 4) ** 2  # noqa: E731 - wells near 1.2 (4.2) and 4 (0)
    value, gamma = scan_minimum(loss, 10.0)
    assert gamma == pytest.approx(4.0, abs=1e-6) and value == pytest.approx(0.0, abs=1e-10)
    local, where = scan_minimum(loss, 2.0)  # the range ends before the deeper well
    assert 1.0 < where < 1.5 and local == pytest.approx(min(loss(g / 1000) for g in range(2001)), rel=1e-6)


def test_descent_is_the_discrete_schedule_and_tends_to_the_flow_as_steps_shrink():
    """γ_{s+1} = γ_s − (η_s/N) ℓ'(γ_s) with the decayed schedule; at fixed flow time, finer steps approach Result 6's
    flow γ(t) (error ∝ η), and the coarse steps of the time protocol lag it by a finite amount."""
    dim, depth = 24, 16
    s = power_law_spectrum(dim, NU, BETA)
    slope = lambda g: -rrs_flow_rate(g, depth, s.eigenvalues, s.weights)  # noqa: E731
    config = TrainConfig(setting="rrs", dim=dim, alpha=math.inf, depth=depth, steps=5, lr=12.0, decay=0.4)
    gammas = descent_gammas(slope, config)
    manual = [0.0]
    for eta in (12.0, 12.0, 12.0, 12.0 * 2 / 2, 12.0 * 1 / 2):  # decay over the last 2 steps: η(3) = η, η(4) = η/2
        manual.append(manual[-1] - eta / dim * slope(manual[-1]))
    assert gammas == pytest.approx(manual, rel=1e-14)
    horizon = 50.0
    gaps = []
    for lr in (12.0, 6.0, 3.0):
        steps = round(horizon * dim / lr)
        cfg = TrainConfig(setting="rrs", dim=dim, alpha=math.inf, depth=depth, steps=steps, lr=lr)
        assert flow_time(cfg) == pytest.approx(horizon)
        gaps.append(abs(descent_gammas(slope, cfg)[-1] - rrs_gamma(horizon, depth, s.eigenvalues, s.weights)[0]))
    assert gaps[0] > 1e-2 and gaps[0] > gaps[1] > gaps[2]
    assert gaps[2] / gaps[1] == pytest.approx(0.5, abs=0.1)  # first order in η
    # width N: steps of η/N, not η/D
    narrow = descent_gammas(lambda g: -1.0, TrainConfig(setting="rrs", dim=8, width=2, steps=3, lr=1.0))
    assert narrow == pytest.approx([0.0, 0.5, 1.0, 1.5])


def test_small_noise_limit_removes_a_shift_proportional_to_one_over_the_batch():
    clean, shift = np.array([0.3, 0.2]), np.array([0.05, -0.02])
    at = lambda batch: clean + shift * 64 / batch  # noqa: E731
    assert small_noise_limit(at(64), at(128)) == pytest.approx(clean, rel=1e-12)
    assert small_noise_limit(at(64), at(256), ratio=4) == pytest.approx(clean, rel=1e-12)
    assert not np.allclose(small_noise_limit(at(64), at(256)), clean)  # the wrong ratio leaves a shift
    with pytest.raises(ParameterError, match="ratio"):
        small_noise_limit(at(64), at(64), ratio=1)


def _comparison(low, high, finite, wrong) -> ExponentComparison:
    fit = BootstrapFit((low + high) / 2, 0.0, low, high, 0.95, 2000, 12)
    return ExponentComparison("depth", "L^{-β}", "toy", (1.0, 2.0), fit, fit, finite, finite, -1.0, wrong,
                              "wrong law")


def test_comparison_verdicts_and_table_use_the_plain_interval():
    good = _comparison(-1.2, -1.1, -1.15, -1.5)
    assert good.agrees and good.rejects_wrong and good.interval == (-1.2, -1.1)
    assert good.distance(-1.0) == pytest.approx(0.1) and good.distance(-1.15) == 0
    bad = _comparison(-1.2, -1.1, -1.2001, -1.12)
    assert not bad.agrees and not bad.rejects_wrong  # nothing widens the interval
    rows = asymptotic_convergence((16, 64))
    text = exponents_markdown([good, bad], "cmd", "2026-01-01", 3.0, rows)
    lines = [line for line in text.splitlines() if line.startswith("| depth")]
    assert "agrees, wrong law rejected" in lines[0] and "DISAGREES, wrong law NOT rejected" in lines[1]
    assert "-1.15000 [-1.20000, -1.10000]" in lines[0] and "`cmd`" in text and "allowance" not in text
    assert [line.split(" | ")[0] for line in text.splitlines() if line.startswith("| 16 ") or
            line.startswith("| 64 ")] == ["| 16", "| 64"]


def test_finite_dim_slopes_converge_to_the_asymptotic_exponents():
    """Theory only: over windows receding into the asymptotic regime, the distance of every finite-D slope to its
    exponent (β/(2+β), β, νβ, νβ) shrinks as D grows (depth once L ≥ 3: at L ∈ [1, 4] small-L and finite-D
    corrections partly cancel), and ends small; the same slopes stay far from the other laws."""
    dims = (16, 64, 256, 1024, 4096)
    rows = asymptotic_convergence(dims)
    target = asymptotic_slopes()
    assert target == pytest.approx({"time": -1 / 3, "depth": -1.0, "width": -1.5, "context": -1.5})
    distance = {n: [abs(r.slopes[n] - target[n]) for r in rows] for n in target}
    assert all(np.diff(distance["time"]) < 0), distance["time"]
    assert all(np.diff(distance["depth"][1:]) < 0), distance["depth"]
    assert distance["time"][-1] < 0.003 and distance["depth"][-1] < 0.03
    # β = 1 is the width floor's saturation threshold (ERR-13): the floor falls as N^{-ν} ln N, whose local slope at
    # the window's centre N = √D is −ν + 2/ln D; the slopes approach that, and so −νβ only like 1/ln D.
    log_law = [abs(r.slopes["width"] - (-NU + 2 / np.log(r.dim))) for r in rows]
    assert all(np.diff(log_law) < 0) and log_law[-1] < 0.03, log_law
    assert all(np.diff(distance["width"][1:]) < 0), distance["width"]
    # the context floor (β < 2: no saturation) overshoots −νβ slightly at these sizes, then stays within 0.02
    assert max(distance["context"][2:]) < 0.02 < distance["context"][0], distance["context"]
    # the laws are told apart: the depth slopes do not approach the width law, nor the width slopes the depth law
    assert abs(rows[-1].slopes["depth"] + NU * BETA) > 0.4 and abs(rows[-1].slopes["width"] + BETA) > 0.25
    # Mutation: at source exponent β/2 the same slopes converge elsewhere (−β/2 for depth), far from −β.
    wrong = asymptotic_convergence((1024, 4096), beta=BETA / 2)
    assert abs(wrong[-1].slopes["depth"] + BETA) > 0.4 and abs(wrong[-1].slopes["depth"] + BETA / 2) < 0.05
    assert abs(wrong[-1].slopes["time"] - target["time"]) > 0.1
    with pytest.raises(ParameterError, match="dims"):
        asymptotic_convergence(())


@pytest.mark.slow
def test_time_exponent_agrees_with_the_discrete_descent_not_the_flow():
    """D = 24, L = 16, three seeds: the plain interval holds the slope of gradient descent with the same steps and
    excludes FS's time law and the gradient flow's slope (the bias the finite steps cause)."""
    row = time_exponent(SEEDS, workers=1)
    assert row.agrees, (row.simulated, row.finite_dim)
    assert row.rejects_wrong and not row.covers(row.flow), (row.simulated, row.flow)


@pytest.mark.slow
def test_depth_exponent_agrees_with_the_discrete_descent_and_rejects_nu_beta():
    """L ∈ {1, 2} at D = 16 (the protocol's batches, 300 steps): the small-noise interval holds the slope of gradient
    descent on Result 6's landscape with the same schedule, and −νβ lies far outside."""
    runs = tuple((L, lr, 300, batch) for L, lr, _, batch in DEPTH_RUNS[:2])
    row = depth_exponent(SEEDS, runs=runs, workers=1)
    assert row.agrees, (row.simulated, row.finite_dim)
    assert row.rejects_wrong and row.wrong == pytest.approx(-NU * BETA) and row.distance(row.wrong) > 0.3
    assert row.simulated.high - row.simulated.low < 0.002
    # Mutation: the floor of a wrong source exponent (β = 0.8) over the same depths lies outside the interval.
    s = power_law_spectrum(16, NU, 0.8)
    floors = [rrs_depth_floor(L, s.eigenvalues, s.weights).loss for L in (1, 2)]
    assert not row.covers(float(np.polyfit(np.log([1, 2]), np.log(floors), 1)[0]))


@pytest.mark.slow
def test_width_exponent_agrees_with_the_discrete_descent():
    """N ∈ {2, 8} < D = 16 at depth 2: the small-noise interval holds the slope of gradient descent on the
    projected landscape and excludes the floors at β/2; the App. F.4 deterministic equivalent and −νβ lie outside."""
    row = width_exponent(SEEDS, widths=(2, 8), mc_contexts=20_000, workers=1)
    assert row.agrees, (row.simulated, row.finite_dim)
    assert row.rejects_wrong, (row.simulated, row.wrong)
    assert not row.covers(row.deterministic) and row.distance(-NU * BETA) > 0.2


def test_protocol_constants_are_the_documented_ones():
    assert (exponents.NU, exponents.BETA, exponents.WRONG_BETA, exponents.BATCH_RATIO) == (1.5, 1.0, 0.5, 2)
    assert [run[0] for run in exponents.DEPTH_RUNS] == [1, 2, 4]
    assert not hasattr(exponents, "SLOPE_ALLOWANCE")
