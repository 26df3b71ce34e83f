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
from icl_sym.sim.bordelon2025.landscape import scan_minimum
from icl_sym.sim.bordelon2025.width_landscape import ProjectedLandscape
from icl_sym.theories.bordelon2025.rotated_structure import rrs_depth_floor, rrs_loss
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


