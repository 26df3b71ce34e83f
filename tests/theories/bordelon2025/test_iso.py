"""ISO (Results 1, 2): the optimal step α/(1+α), the optimal loss and its limits, the gradient flow."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from icl_sym.core.validation import ParameterError
from icl_sym.theories.bordelon2025 import (
    iso_flow_fixed_point,
    iso_gradient_flow,
    iso_optimal_gamma,
    iso_optimal_loss,
    iso_optimal_loss_mp,
    iso_optimal_step,
)
from icl_sym.theories.bordelon2025 import iso
from icl_sym.theories.bordelon2025.symbols import alpha


def independent_optimal_loss(alpha_value: float, depth: int, dps: int = 20) -> tuple[mpmath.mpf, mpmath.mpf]:
    """min_c ∫ρ_MP (1 − cλ)^{2L} and its minimiser, by mpmath quadrature of the density in λ and bisection
    on the sign of the slope: uses neither the closed form nor the known optimal step."""
    with mpmath.workdps(dps):
        a = mpmath.mpf(alpha_value)
        lam_plus, lam_minus = (1 + 1 / mpmath.sqrt(a)) ** 2, (1 - 1 / mpmath.sqrt(a)) ** 2
        half = (lam_plus - lam_minus) / 2
        # At large L the integrands concentrate near both edges: subdivide geometrically towards them.
        offsets = [half * mpmath.mpf(2) ** -j for j in range(1, 17)]
        nodes = sorted([lam_minus, lam_plus] + [lam_minus + o for o in offsets] + [lam_plus - o for o in offsets])

        def lam_rho(x):  # λ ρ(λ) on the bulk
            return a * mpmath.sqrt((lam_plus - x) * (x - lam_minus)) / (2 * mpmath.pi)

        def decreasing(step):  # the loss slope is −2L times this integral
            return mpmath.quad(lambda x: lam_rho(x) * (1 - step * x) ** (2 * depth - 1), nodes) > 0

        low, high = 1 / lam_plus, 2 / lam_plus  # the loss decreases at 1/λ₊ and increases at 2/λ₊ ≥ 1/m
        for _ in range(32):  # |c − c⋆| < 2⁻³² moves the loss by far less than 1e-9 relative
            mid = (low + high) / 2
            low, high = (mid, high) if decreasing(mid) else (low, mid)
        step = (low + high) / 2
        bulk = mpmath.quad(lambda x: lam_rho(x) / x * (1 - step * x) ** (2 * depth), nodes)
        return max(1 - a, 0) + bulk, step


# The reference table of Fig. 1(c) theory curves (4 decimals); the last column is L = ∞.
TABLE = {
    0.25: (0.8000, 0.7680, 0.7537, 0.7503, 0.7500, 0.75),
    0.5: (0.6667, 0.5926, 0.5414, 0.5133, 0.5024, 0.5),
    1: (0.5000, 0.3750, 0.2734, 0.1964, 0.1399, 0),
    2: (0.3333, 0.1852, 0.0828, 0.0266, 0.0049, 0),
    4: (0.2000, 0.0720, 0.0147, 0.0011, 0.0000, 0),
    8: (0.1111, 0.0233, 0.0017, 0.0000, 0.0000, 0),
}


@pytest.mark.parametrize("alpha_value", sorted(TABLE))
def test_reference_table(alpha_value):
    row = TABLE[alpha_value]
    for depth, expected in zip((1, 2, 4, 8, 16), row):
        assert round(float(iso_optimal_loss(alpha_value, depth)), 4) == pytest.approx(expected, abs=1e-12)
    assert float(iso_optimal_loss(alpha_value, 10**4)) == pytest.approx(row[-1], abs=6e-3)


@pytest.mark.slow
def test_independent_quadrature_at_random_points():
    """Relative 1e-9 against quadrature + bisection at points drawn here (α ∈ [0.05, 50], L ∈ 1..64)."""
    rng = np.random.default_rng(np.random.SeedSequence(20260115))
    alphas = np.exp(rng.uniform(np.log(0.05), np.log(50), size=3))
    depths = rng.integers(1, 65, size=3)
    for a, depth in zip(alphas, depths):
        reference, step = independent_optimal_loss(float(a), int(depth))
        value = float(iso_optimal_loss(float(a), int(depth)))
        assert abs(value / float(reference) - 1) < 1e-9, (a, depth, value, reference)
        assert abs(float(step) - a / (1 + a)) < 1e-9


def test_full_relative_accuracy_where_tiny():
    a = np.geomspace(0.05, 50, 40)
    for depth in (1, 5, 17, 64):
        values = iso_optimal_loss(a, depth)
        reference = np.array([float(iso_optimal_loss_mp(x, depth, dps=40)) for x in a])
        assert np.max(np.abs(values / reference - 1)) < 1e-12
    assert float(iso_optimal_loss(50.0, 64)) < 1e-70  # really tiny, yet exact to 12 digits above


def test_mpmath_fallback_branch():
    """Near α = 1 at large L the finite form would cancel: the value comes from mpmath and stays exact."""
    a, depth = 1.3, 300
    assert 4 * a / (1 + a) ** 2 > iso._Q_SERIES and float(iso_optimal_loss(a, depth)) < iso._FINITE_FLOOR
    assert float(iso_optimal_loss(a, depth)) == pytest.approx(float(iso_optimal_loss_mp(a, depth, dps=50)),
                                                              rel=1e-13)


def test_finite_and_tail_forms_agree_exactly():
    depth = 4
    finite = iso.optimal_loss_finite.subs(iso.L, depth).doit()
    for value in (sp.Rational(1, 3), sp.Integer(1), sp.Integer(7)):
        tail = iso._optimal_loss_tail_hyper(depth).subs(alpha, value)
        assert sp.N(finite.subs(alpha, value) - tail, 40) == pytest.approx(0, abs=1e-35)


@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5])
def test_optimal_step_per_depth_exact(depth):
    """d/dc of the exact Narayana polynomial vanishes at α/(1+α), and not at a perturbed step."""
    polynomial = iso.iso_loss_polynomial(depth)
    slope = sp.diff(polynomial, iso.c)
    assert sp.cancel(slope.subs(iso.c, alpha / (1 + alpha))) == 0
    assert sp.cancel(slope.subs(iso.c, alpha / (2 + alpha))) != 0


def test_optimum_below_unit_context():
    """α < 1 (atom at 0): the minimiser of the exact polynomial is still α/(1+α)."""
    a = sp.Rational(3, 10)
    polynomial = iso.iso_loss_polynomial(6).subs(alpha, a)
    stationary = [r for r in sp.Poly(sp.diff(polynomial, iso.c), iso.c).nroots(n=30) if abs(sp.im(r)) < 1e-20]
    best = min(stationary, key=lambda r: polynomial.subs(iso.c, sp.re(r)))
    assert float(sp.re(best)) == pytest.approx(3 / 13, rel=1e-25)
    assert float(polynomial.subs(iso.c, a / (1 + a))) == pytest.approx(float(iso_optimal_loss(0.3, 6)), rel=1e-13)


def test_limits():
    a = np.geomspace(0.05, 50, 25)
    assert np.allclose(iso_optimal_loss(a, 1), 1 / (1 + a), rtol=1e-14, atol=0)
    assert not np.allclose(iso_optimal_loss(a, 1), (1 + a) ** -2)  # the printed value is an erratum
    for depth in (1, 2, 10, 64):
        assert float(iso_optimal_loss(1.0, depth)) == pytest.approx(math.comb(2 * depth, depth) / 4**depth,
                                                                    rel=1e-13)
    losses = np.array([iso_optimal_loss(a, depth) for depth in range(1, 65)])
    assert np.all(np.diff(losses, axis=0) <= 0)  # more layers help (equal where only the atom is left)
    assert np.all(np.diff(losses[:, a > 0.5], axis=0) < 0)
    assert np.all(losses >= np.maximum(1 - a, 0))  # never below the infinite-depth loss
    assert float(iso_optimal_loss(1e8, 3)) < 1e-15  # Result 2: α → ∞ gives 0


def test_optimal_step_and_gamma():
    a = np.array([0.1, 1.0, 10.0])
    assert np.allclose(iso_optimal_step(a, 7), a / (1 + a))
    assert np.allclose(iso_optimal_gamma(a, 7), 7 * a / (1 + a))


def test_vectorised_shapes():
    grid = np.linspace(0.5, 3, 12).reshape(3, 4)
    out = iso_optimal_loss(grid, 3)
    assert out.shape == (3, 4)
    assert np.allclose(out, [[iso_optimal_loss(float(g), 3) for g in row] for row in grid], rtol=1e-15)
    assert isinstance(iso_optimal_loss(2.0, 3), float)


@pytest.mark.parametrize("bad_alpha", [0.0, -1.0, float("nan"), float("inf")])
def test_rejects_bad_alpha(bad_alpha):
    with pytest.raises(ParameterError, match="alpha"):
        iso_optimal_loss(bad_alpha, 2)
    with pytest.raises(ParameterError, match="alpha"):
        iso_optimal_step(np.array([1.0, bad_alpha]), 2)


@pytest.mark.parametrize("bad_depth", [0, -2, 1.5, "3", True])
def test_rejects_bad_depth(bad_depth):
    with pytest.raises(ParameterError, match="L"):
        iso_optimal_loss(1.0, bad_depth)
    with pytest.raises(ParameterError, match="L"):
        iso_optimal_step(1.0, bad_depth)


# --------------------------------------------------------------------------------------------------
# Result 1: gradient flow, with and without label noise
# --------------------------------------------------------------------------------------------------

def _reducible_loss_mp(gamma, a, depth, s):
    lam_plus, lam_minus = (1 + 1 / mpmath.sqrt(a)) ** 2, (1 - 1 / mpmath.sqrt(a)) ** 2
    rho = lambda x: a * mpmath.sqrt((lam_plus - x) * (x - lam_minus)) / (2 * mpmath.pi * x)  # noqa: E731
    c = gamma / depth
    bulk = mpmath.quad(lambda x: rho(x) * ((1 - c * x) ** (2 * depth) + s / (a * x) * (1 - (1 - c * x) ** depth) ** 2),
                       [lam_minus, lam_plus])
    return max(1 - a, 0) + bulk


@pytest.mark.parametrize("a,depth,s,gamma", [(1.7, 5, 0.3, 2.1), (0.4, 3, 0.0, 0.9), (6.0, 8, 1.0, 4.0)])
def test_flow_rate_is_minus_half_gradient(a, depth, s, gamma):
    with mpmath.workdps(30):
        expected = -mpmath.diff(lambda g: _reducible_loss_mp(g, mpmath.mpf(a), depth, s), gamma) / 2
        loss = _reducible_loss_mp(mpmath.mpf(gamma), mpmath.mpf(a), depth, s)
    assert iso.iso_flow_rate(gamma, a, depth, s) == pytest.approx(float(expected), rel=1e-12)
    assert iso.iso_reducible_loss(gamma, a, depth, s) == pytest.approx(float(loss), rel=1e-12)


def test_noiseless_fixed_point_is_the_optimum():
    for a, depth in ((0.5, 4), (2.0, 3), (9.0, 16)):
        gamma = iso_flow_fixed_point(a, depth, 0.0)
        assert gamma == pytest.approx(depth * a / (1 + a), rel=1e-13)
        assert iso.iso_reducible_loss(gamma, a, depth) == pytest.approx(float(iso_optimal_loss(a, depth)),
                                                                        rel=1e-10)


def test_noise_lowers_the_fixed_point_and_the_flow_reaches_it():
    a, depth = 2.0, 3
    previous = depth * a / (1 + a)
    for s in (0.1, 0.5, 2.0):
        fixed = iso_flow_fixed_point(a, depth, s)
        assert fixed < previous
        previous = fixed
        trajectory = iso_gradient_flow(a, depth, s, [0.0, 1.0, 10.0, 2000.0])
        assert trajectory[0] == 0 and np.all(np.diff(trajectory) > 0)  # from Γ = 0, monotonically up
        assert trajectory[-1] == pytest.approx(fixed, rel=1e-8)
        # Stationary: the fixed point minimises the reducible loss along γ.
        loss = lambda g: iso.iso_reducible_loss(g, a, depth, s)  # noqa: E731
        assert loss(fixed) < min(loss(fixed * 0.99), loss(fixed * 1.01))


def test_flow_rejects_bad_input():
    with pytest.raises(ParameterError, match="sigma2"):
        iso.iso_flow_rate(1.0, 1.0, 2, -0.1)
    with pytest.raises(ParameterError, match="times"):
        iso_gradient_flow(1.0, 2, 0.0, [2.0, 1.0])
    with pytest.raises(ParameterError, match="L"):
        iso_flow_fixed_point(1.0, 0, 0.0)
