"""RRS depth, width and context exponents of Bordelon, Letey, Pehlevan fitted from trained reduced-Γ models, with
bootstrap intervals, against the finite-D theory over the same sizes (and a wrong law, which must be rejected).
The time exponent has its own test in tests/sim/bordelon2025/test_against_theory.py."""

import math

import numpy as np
import pytest

from icl_sym.core.fits import BootstrapFit
from icl_sym.core.validation import ParameterError
from icl_sym.experiments.bordelon2025 import exponents
from icl_sym.experiments.bordelon2025.exponents import (
    BETA, DEPTH_RUNS, NU, ExponentComparison, context_exponent, depth_exponent, exponents_markdown, width_exponent,
)
from icl_sym.sim.bordelon2025 import make_spec
from icl_sym.sim.bordelon2025.projected_landscape import ProjectedLandscape
from icl_sym.theories.bordelon2025.rotated_structure import rrs_depth_floor, rrs_loss
from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum

SEEDS = (0, 1, 2)


def test_projected_landscape_at_full_width_is_result6_and_narrower_is_worse():
    dim, depth = 12, 3
    spec = make_spec("rrs", dim, math.inf, nu=NU, beta=BETA)
    s = power_law_spectrum(dim, NU, BETA)
    full = ProjectedLandscape(spec, depth, dim, contexts=50)
    for gamma in (0.0, 0.7, 2.5):
        assert full.loss(gamma) == pytest.approx(float(rrs_loss(np.array([gamma]), depth, s.eigenvalues,
                                                                 s.weights)[0]), rel=1e-12)
    assert full.minimum()[0] == pytest.approx(rrs_depth_floor(depth, s.eigenvalues, s.weights).loss, rel=1e-6)
    minima = [ProjectedLandscape(spec, depth, n, contexts=2000).minimum()[0] for n in (2, 4, 8)]
    assert minima[0] > minima[1] > minima[2] > full.minimum()[0]
    # Γ = 0 scores E wᵀΣw = 1 up to Monte Carlo error.
    errors = ProjectedLandscape(spec, depth, 4, contexts=4000).errors(0.0)
    assert abs(errors.mean() - 1) < 4 * errors.std() / math.sqrt(len(errors))


def test_projected_landscape_validates():
    with pytest.raises(ParameterError, match="alpha"):
        ProjectedLandscape(make_spec("rrs", 8, 2.0), 2, 4)
    with pytest.raises(ParameterError, match="width"):
        ProjectedLandscape(make_spec("rrs", 8, math.inf), 2, 9)


def _comparison(low, high, finite, wrong) -> ExponentComparison:
    fit = BootstrapFit((low + high) / 2, 0.0, low, high, 0.95, 2000, 12)
    return ExponentComparison("depth", "L^{-β}", "toy", (1.0, 2.0), fit, finite, -1.0, wrong, "wrong law")


def test_comparison_verdicts_and_table():
    good = _comparison(-1.2, -1.1, -1.15, -1.5)
    assert good.agrees and good.rejects_wrong
    assert good.distance(-1.0) == pytest.approx(0.1) and good.distance(-1.15) == 0
    bad = _comparison(-1.2, -1.1, -1.3, -1.12)
    assert not bad.agrees and not bad.rejects_wrong
    widened = ExponentComparison(**{**bad.__dict__, "allowance": 0.1})
    assert widened.interval == pytest.approx((-1.3, -1.0)) and widened.agrees
    text = exponents_markdown([good, bad], "cmd", "2026-01-01", 3.0)
    rows = [line for line in text.splitlines() if line.startswith("| depth")]
    assert "agrees, wrong law rejected" in rows[0] and "DISAGREES, wrong law NOT rejected" in rows[1]
    assert "-1.1500 [-1.2000, -1.1000]" in rows[0] and "`cmd`" in text


@pytest.mark.slow
def test_depth_exponent_agrees_with_the_finite_dim_floor_and_rejects_nu_beta():
    """L ∈ {1, 2} at D = 16: the interval holds the slope of Result 6's minimised landscape over the same
    depths and excludes the width law −νβ by far."""
    row = depth_exponent(SEEDS, runs=DEPTH_RUNS[:2])
    assert row.agrees, (row.simulated, row.finite_dim)
    assert row.rejects_wrong and row.wrong == pytest.approx(-NU * BETA)
    assert row.simulated.high - row.simulated.low < 0.05
    assert row.distance(row.wrong) > 0.3
    # Mutation: the floor of a wrong source exponent (β = 0.8) over the same depths lies outside the interval.
    s = power_law_spectrum(16, NU, 0.8)
    floors = [rrs_depth_floor(L, s.eigenvalues, s.weights).loss for L in (1, 2)]
    assert not row.covers(float(np.polyfit(np.log([1, 2]), np.log(floors), 1)[0]))


@pytest.mark.slow
def test_width_exponent_agrees_with_the_finite_dim_floor():
    """N ∈ {2, 4, 8} < D = 16 at depth 2: the interval holds the slope of the projected landscape's minimum and
    excludes the same floors at β/2; the App. F.4 deterministic equivalent and −νβ lie outside at this D."""
    row = width_exponent(SEEDS, widths=(2, 4, 8), mc_contexts=20_000)
    assert row.agrees, (row.simulated, row.finite_dim)
    assert row.rejects_wrong, (row.simulated, row.wrong)
    assert not row.covers(row.deterministic) and row.distance(-NU * BETA) > 0.2


@pytest.mark.slow
def test_context_exponent_agrees_with_the_finite_dim_floor():
    """P ∈ {6, 12} sampled points at D = 16, depth 2: the interval holds the slope of the finite-context
    landscape's minimum and excludes the same floors at β/2."""
    row = context_exponent(SEEDS, contexts=(6, 12), steps=600, mc_contexts=20_000)
    assert row.agrees, (row.simulated, row.finite_dim)
    assert row.rejects_wrong, (row.simulated, row.wrong)
    assert row.distance(-NU * BETA) > 0


def test_protocol_constants_are_the_documented_ones():
    assert (exponents.NU, exponents.BETA, exponents.WRONG_BETA) == (1.5, 1.0, 0.5)
    assert [run[0] for run in exponents.DEPTH_RUNS] == [1, 2, 3, 4]


def test_the_width_minimum_lies_beyond_the_every_context_contracts_bound():
    """At N = 2 the minimum of the Monte Carlo mean lies beyond γ = 2L/max s: a search bounded there (as
    IsotropicLandscape.minimum is) would report a floor a few per cent too high."""
    from scipy.optimize import minimize_scalar

    depth = 2
    landscape = ProjectedLandscape(make_spec("rrs", 16, math.inf, nu=NU, beta=BETA), depth, 2, contexts=4000)
    loss, gamma = landscape.minimum()
    bound = 2 * depth / landscape.top
    assert gamma > bound
    bounded = minimize_scalar(landscape.loss, bounds=(0.0, bound), method="bounded").fun
    assert loss < 0.99 * bounded
