"""Bottlenecks: the App. F.4 equation and its (corrected) floors, the exponents (width saturating at β = 1, context at
β = 2), Result 9."""

import math

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

import icl_sym.theories  # noqa: F401
from icl_sym.core.fits import fit_power_law
from icl_sym.core.registry import REGISTRY
from icl_sym.core.validation import ParameterError
from icl_sym.theories.bordelon2025 import bottlenecks as bn
from icl_sym.theories.bordelon2025.rotated_structure import rrs_flow_rate, rrs_loss
from icl_sym.theories.bordelon2025.source_capacity import beta, nu, power_law_spectrum

SPEC = power_law_spectrum(200, 1.5, 1.0)
LAM, OMEGA = SPEC.eigenvalues, SPEC.weights


@pytest.fixture(scope="module")
def derivation():
    return REGISTRY.get_derivation("bordelon2025.bottlenecks")


@pytest.mark.parametrize("step, wrong", [
    ("time: fit, (ν, β) = (1.25, 1.25)", -beta / (1 + beta)),
    ("time: fit, (ν, β) = (1.25, 1.25)", -5 * beta / (5 * beta + 2)),  # the full-attention exponent is different
    ("Result 9: fit, (ν, β) = (1.5, 0.8)", -beta / (beta + 2)),
    ("depth: fit of the optimised floor, (ν, β) = (1.5, 0.8)", -nu * beta),
    ("width: fit, (ν, β) = (1.5, 0.5)", -beta),
    ("width: fit beyond β = 1 saturates at ν, (ν, β) = (2, 1.5)", -nu * beta),  # the unsaturated law
    ("context: fit, (ν, β) = (2, 0.5)", -beta),
    ("width: collapse of the floor", None),
    ("context: collapse of the bias", None),
    ("width: the floor integral converges for β < 1", None),
    ("context: the denominator tends to 1/ν", None),
    ("Result 9: reduced flow of γ = 2w⁵", None),
    ("time: solving the flow", None),
])
def test_corrupted_step_fails(derivation, step, wrong):
    rhs = derivation.step(step).rhs
    corrupted = derivation.with_step(step, rhs=wrong if wrong is not None else rhs * 2)
    assert not corrupted.step(step).verify().passed


def test_f4_solution_solves_its_equation():
    for s, an, ap in [(0.1, 0.3, math.inf), (1e-3, 1.0, 0.5), (2.0, 0.2, 0.4), (0.5, 1.0, math.inf)]:
        sol = bn.f4_solve(s, an, ap, LAM)
        assert 0 < sol.tau < min(an, ap, 1.0)
        assert abs(bn.f4_residual(sol.tau, s, an, ap, LAM)) < 1e-12
        assert sol.ridge > 0
    # no width or context bottleneck: the ridge is the frequency itself
    assert bn.f4_solve(0.37, 1.0, math.inf, LAM).ridge == pytest.approx(0.37, rel=1e-12)


def test_printed_sign_has_no_physical_root():
    """With Result 7's (τ−1)/τ the ridge s·h is negative: wherever the resolvent is still positive the
    τ-transform exceeds 1 > τ, so the residual never vanishes there."""
    s, an = 1e-4, 0.3
    taus = np.linspace(1e-6, an * (1 - 1e-9), 20001)
    ridges = np.array([s * bn._h(t, an, math.inf, printed_sign=True) for t in taus])
    physical = -ridges < LAM.min()
    assert physical.any() and np.all(ridges < 0)
    residual = np.array([bn.f4_residual(t, s, an, math.inf, LAM, printed_sign=True) for t in taus[physical]])
    assert np.all(residual < 0)
    assert bn.f4_residual(bn.f4_solve(s, an, math.inf, LAM).tau, s, an, math.inf, LAM) == pytest.approx(0, abs=1e-12)


def test_floors():
    f = bn.width_floor(20, LAM, OMEGA)
    z = f.ridge
    assert np.sum(LAM / (z + LAM)) == pytest.approx(20, rel=1e-12)
    assert f.loss == pytest.approx(np.sum(z * LAM * OMEGA / (z + LAM)), rel=1e-14)  # the projection error
    printed = bn.width_floor(20, LAM, OMEGA, printed=True)
    assert printed.ridge == z and printed.loss == pytest.approx(np.sum(z**2 * LAM * OMEGA / (z + LAM) ** 2), rel=1e-14)
    c = bn.context_floor(20, LAM, OMEGA)
    df2 = np.sum(LAM**2 / (z + LAM) ** 2) / 20
    assert c.ridge == z and c.loss == pytest.approx(printed.loss / (1 - df2), rel=1e-14)  # the ridgeless bias
    assert bn.context_floor(20, LAM, OMEGA, printed=True) == printed
    # the corrected floors lie above the printed ones: z/(z+λ) > (z/(z+λ))², and 1/(1 − df₂/P) > 1
    assert f.loss > 2 * printed.loss and c.loss > 1.5 * printed.loss
    for floor in (bn.width_floor, bn.context_floor):
        losses = [floor(n, LAM, OMEGA).loss for n in (1, 5, 25, 125, 199)]
        assert all(b < a for a, b in zip(losses, losses[1:])) and losses[0] < 1.0 and losses[-1] > 0


def test_floors_at_identity_covariance_are_exact():
    """Λ = I: a uniformly random N-subspace keeps N/D of every direction, so both floors are exactly 1 − N/D."""
    for dim, rank in ((2, 1), (7, 3), (50, 49), (300, 17)):
        lam, omega = np.ones(dim), np.linspace(1, 2, dim) / np.linspace(1, 2, dim).sum()
        assert bn.width_floor(rank, lam, omega).loss == pytest.approx(1 - rank / dim, rel=1e-12)
        assert bn.context_floor(rank, lam, omega).loss == pytest.approx(1 - rank / dim, rel=1e-12)
        assert bn.width_floor(rank, lam, omega, printed=True).loss == pytest.approx((1 - rank / dim) ** 2, rel=1e-12)


def _fit(floor, nu_, beta_):
    spec = power_law_spectrum(100_000, nu_, beta_)
    sizes = np.unique(np.geomspace(16, 1024, 16).astype(int))
    return fit_power_law(sizes, [floor(int(n), spec.eigenvalues, spec.weights).loss for n in sizes])


def test_width_saturates_beyond_beta_one_and_context_beyond_two():
    """[R] The width floor z Σλω/(z+λ) saturates at N^{-ν} for β > 1, the context floor at P^{-2ν} for β > 2."""
    fit = _fit(bn.width_floor, 2.0, 1.5)
    assert abs(fit.slope + 2.0) < 4 * fit.error + 0.02  # −ν, not −νβ = −3
    fit = _fit(bn.context_floor, 2.0, 3.0)
    assert abs(fit.slope + 4.0) < 4 * fit.error + 0.02  # −2ν, not −νβ = −6
    e = bn.scaling_exponents(2.0, 1.5)
    assert e.width == 2.0 and e.context == 3.0
    assert bn.scaling_exponents(2.0, 3.0).context == 4.0


def test_scaling_exponents():
    e = bn.scaling_exponents(1.25, 1.25)
    assert e.time == pytest.approx(1.25 / 3.25) and e.depth == 1.25 and e.width == 1.25
    assert e.context == pytest.approx(1.5625)
    below = bn.scaling_exponents(1.5, 0.8)
    assert below.width == below.context == pytest.approx(1.2)
    assert e.time_full_attention == pytest.approx(6.25 / 8.25) and e.fs_time == pytest.approx(0.308642, abs=1e-6)


def test_result9_reduction_matches_the_four_parameter_flow():
    """Gradient flow on (w_x, w_k, w_q, w_v) with the loss of γ = w_v w_k w_q w_x² from a balanced start."""
    depth, w0 = math.inf, 0.3  # at finite depth γ(t) saturates exponentially fast (ill-conditioned t(γ))

    def rhs(_, w):
        wx, wk, wq, wv = w
        g = wv * wk * wq * wx**2
        rate = float(rrs_flow_rate(g, depth, LAM, OMEGA))  # −∂𝓛/∂γ
        return [rate * 2 * g / wx, rate * g / wk, rate * g / wq, rate * g / wv]

    times = np.array([5.0, 50.0, 300.0])
    sol = solve_ivp(rhs, (0, times[-1]), [math.sqrt(2) * w0, w0, w0, w0], t_eval=times, rtol=1e-11, atol=1e-13)
    wx, wk, wq, wv = sol.y
    np.testing.assert_allclose(wx**2 / 2, wk**2, rtol=1e-8)  # balance is conserved
    gammas = wv * wk * wq * wx**2
    gamma0 = 2 * w0**5
    np.testing.assert_allclose(bn.full_attention_time_of_gamma(gammas, gamma0, depth, LAM, OMEGA), times, rtol=1e-7)
    assert float(rrs_loss(gammas[-1], depth, LAM, OMEGA)) < float(rrs_loss(gammas[0], depth, LAM, OMEGA))


@pytest.mark.parametrize("call, name", [
    (lambda: bn.f4_solve(0.0, 0.5, math.inf, LAM), "s"),
    (lambda: bn.f4_solve(1.0, 1.5, math.inf, LAM), "alpha_n"),
    (lambda: bn.f4_solve(1.0, 0.5, -1.0, LAM), "alpha_p"),
    (lambda: bn.width_floor(200, LAM, OMEGA), "width"),
    (lambda: bn.context_floor(0, LAM, OMEGA), "context"),
    (lambda: bn.width_floor(2.5, LAM, OMEGA), "width"),
    (lambda: bn.scaling_exponents(0.5, 1.0), "nu"),
    (lambda: bn.scaling_exponents(1.5, -1.0), "beta"),
    (lambda: bn.full_attention_time_of_gamma([0.5], 1.0, 2, LAM, OMEGA), "gamma"),
    (lambda: bn.full_attention_time_of_gamma([2.0], 0.0, 2, LAM, OMEGA), "gamma0"),
])
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ParameterError) as err:
        call()
    assert err.value.name == name


def test_exponent_steps_are_symbolic():
    d = REGISTRY.get_derivation("bordelon2025.bottlenecks")
    assert sp.simplify(d.step("time: exponent").rhs + beta / (beta + 2)) == 0
