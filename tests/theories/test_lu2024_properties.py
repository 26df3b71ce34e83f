"""Property tests (hypothesis): structural facts that must hold at every admissible point."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from icl_sym.theories.lu2024 import e_icl, e_idg, error_of_gamma

log_uniform = lambda lo, hi: st.floats(lo, hi).map(lambda x: 10.0**x)  # noqa: E731


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), dim=st.integers(1, 6), rho=log_uniform(-4, 1), alpha=log_uniform(0, 3),
       t=st.floats(0, 1))
def test_proposition1_is_a_convex_quadratic_in_gamma(seed, dim, rho, alpha, t):
    """B is positive semi-definite, so e(Γ) is convex in Γ; e(0) = 1 + ρ."""
    rng = np.random.default_rng(seed)
    g1, g2 = rng.normal(size=(2, dim, dim + 1))
    mix = error_of_gamma(t * g1 + (1 - t) * g2, rho, alpha)
    assert mix <= t * error_of_gamma(g1, rho, alpha) + (1 - t) * error_of_gamma(g2, rho, alpha) + 1e-9 * (1 + abs(mix))
    assert error_of_gamma(np.zeros((dim, dim + 1)), rho, alpha) == 1 + rho


@settings(max_examples=60, deadline=None)
@given(tau=log_uniform(-3, 3), alpha=log_uniform(-2, 4), rho=log_uniform(-4, 1),
       lam=st.one_of(st.just(0.0), log_uniform(-10, 2)))
def test_infinite_task_diversity_closes_the_gap(tau, alpha, rho, lam):
    """With κ = ∞ the pretraining and test task distributions coincide: e_ICL = e_IDG."""
    if lam == 0 and abs(tau - 1) < 1e-9:
        tau = 2.0  # the ridgeless pole
    icl, idg = e_icl(tau, alpha, np.inf, rho, lam), e_idg(tau, alpha, np.inf, rho, lam)
    assert np.isfinite(icl) and abs(icl - idg) <= 1e-12 * icl
