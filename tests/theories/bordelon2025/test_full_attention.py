"""Full linear attention as a four-scalar gradient flow (Result 9): against the balanced one-dimensional flow, its
conservation laws, an independent Marchenko–Pastur quadrature and its fixed point."""

import math

import numpy as np
import pytest
from scipy.integrate import quad

from icl_sym.core.validation import ParameterError
from icl_sym.theories.bordelon2025.bottlenecks import full_attention_time_of_gamma
from icl_sym.theories.bordelon2025.full_attention import (
    balanced_start, iso_full_attention_flow, rrs_full_attention_flow,
)
from icl_sym.theories.bordelon2025.iso import iso_optimal_loss
from icl_sym.theories.bordelon2025.rotated_structure import cumulative_time
from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum


def _mp_loss(gamma: float, alpha: float, depth: int) -> float:
    """∫ρ_MP(λ)(1 − γλ/L)^{2L} dλ + (1 − α)₊ by adaptive quadrature of the density itself (independent of the
    Gauss–Chebyshev rule the module uses)."""
    lo, hi = (1 - alpha**-0.5) ** 2, (1 + alpha**-0.5) ** 2

    def density(lam):
        return alpha * math.sqrt(max((hi - lam) * (lam - lo), 0.0)) / (2 * math.pi * lam)

    bulk, _ = quad(lambda lam: density(lam) * (1 - gamma * lam / depth) ** (2 * depth), lo, hi, epsabs=1e-13,
                   epsrel=1e-12, limit=200)
    return bulk + max(1 - alpha, 0.0)


@pytest.mark.parametrize("alpha, depth", [(1.0, 2), (0.5, 4)])
def test_iso_balanced_start_follows_the_one_dimensional_flow_of_gamma(alpha, depth):
    """Balanced start: γ = 2w⁵ with dγ/dt = 20(γ/2)^{8/5}(−𝓛'(γ)); times from an independent quadrature of
    dt = dγ/rate with 𝓛' differentiated from the independent MP quadrature of the loss."""
    start = balanced_start(0.4)
    gamma0 = 2 * 0.4**5
    target = depth * alpha / (1 + alpha)  # the minimiser (derivation bordelon2025.iso)
    gammas = np.geomspace(gamma0 * 1.5, 0.9 * target, 6)
    h = 1e-5

    def rate(g):
        slope = [(_mp_loss(x + h, alpha, depth) - _mp_loss(x - h, alpha, depth)) / (2 * h) for x in np.atleast_1d(g)]
        return 20 * (np.atleast_1d(g) / 2) ** 1.6 * -np.array(slope)

    times = cumulative_time(gammas, rate, start=gamma0, rtol=1e-9)
    flow = iso_full_attention_flow(times, alpha, depth, start)
    np.testing.assert_allclose(flow.gamma, gammas, rtol=2e-5)
    np.testing.assert_allclose(flow.loss, [_mp_loss(g, alpha, depth) for g in flow.gamma], rtol=1e-9, atol=1e-12)
    w = flow.scalars
    np.testing.assert_allclose(w[:, 0] / math.sqrt(2), w[:, 3], rtol=1e-8)  # balance is kept


def test_rrs_balanced_start_agrees_with_result_9_time_of_gamma():
    s = power_law_spectrum(40, 1.25, 1.2)
    gamma0 = 2 * 0.45**5
    gammas = np.geomspace(gamma0 * 2, 1.5, 5)
    times = full_attention_time_of_gamma(gammas, gamma0, 4, s.eigenvalues, s.weights)
    flow = rrs_full_attention_flow(times, 4, s.eigenvalues, s.weights, balanced_start(0.45))
    np.testing.assert_allclose(flow.gamma, gammas, rtol=1e-6)


def test_an_unbalanced_start_conserves_the_differences_of_squares_and_reaches_the_iso_optimum():
    """d(½w_x²)/dt = d(w_q²)/dt = d(w_k²)/dt = d(w_v²)/dt = −𝓛'γ; the flow ends at ℓ⋆(α, L) (Result 2)."""
    start = (0.5, 0.3, 0.25, 0.05)
    flow = iso_full_attention_flow(np.array([0.0, 30.0, 3000.0]), 1.0, 4, start)
    w = flow.scalars
    invariants = np.stack([w[:, 0] ** 2 / 2 - w[:, 1] ** 2, w[:, 1] ** 2 - w[:, 2] ** 2, w[:, 2] ** 2 - w[:, 3] ** 2])
    np.testing.assert_allclose(invariants, invariants[:, :1].repeat(3, axis=1), rtol=1e-7, atol=1e-10)
    assert flow.gamma[0] == pytest.approx(0.25 * 0.3 * 0.25 * 0.05, rel=1e-14)
    assert flow.gamma[-1] == pytest.approx(2.0, rel=1e-6) and flow.loss[-1] == pytest.approx(iso_optimal_loss(1.0, 4),
                                                                                             rel=1e-9)


@pytest.mark.parametrize("call, name", [
    (lambda: iso_full_attention_flow([1.0], 1.0, 2, (0.1, 0.1, 0.1)), "start"),
    (lambda: iso_full_attention_flow([1.0], 1.0, 2, (0.1, -0.1, 0.1, 0.1)), "start"),
    (lambda: iso_full_attention_flow([2.0, 1.0], 1.0, 2, (0.1,) * 4), "times"),
    (lambda: iso_full_attention_flow([1.0], 0.0, 2, (0.1,) * 4), "alpha"),
    (lambda: balanced_start(0.0), "sigma"),
])
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ParameterError) as info:
        call()
    assert info.value.name == name
