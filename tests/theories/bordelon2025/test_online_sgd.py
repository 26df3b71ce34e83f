"""Result 10: one-layer online SGD on ISO data, with the corrected initial condition C(0) = 1/r²."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from icl_sym.core.registry import REGISTRY
from icl_sym.core.validation import ParameterError
from icl_sym.theories.bordelon2025 import online_sgd_floor, online_sgd_loss
from icl_sym.theories.bordelon2025 import online_sgd as sgd


def simulate_online_sgd(dim: int, tau: float, alpha: float, kappa: float, eta: float, steps: int, sigma2: float,
                        seed: int) -> np.ndarray:
    """|Γ(t) − I|²/D along online SGD on the reduced one-layer model (App. C.1), fresh contexts every step."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    batch, context, queries = round(tau * dim), round(alpha * dim), round(kappa * dim)
    sigma = np.sqrt(sigma2)
    gamma = np.zeros((dim, dim))
    losses = [1.0]
    for _ in range(steps):
        X = rng.standard_normal((batch, context, dim))
        X_query = rng.standard_normal((batch, queries, dim))
        beta = rng.standard_normal((batch, dim))
        noise = rng.standard_normal((batch, context))
        sigma_hat = np.einsum("bpi,bpj->bij", X, X) / context
        sigma_query = np.einsum("bpi,bpj->bij", X_query, X_query) / queries
        # √D/P Xᵀ y with y = D^{-1/2} X β + σ ε: the in-context estimate Σ̂β + σ√D/P Xᵀε.
        estimate = np.einsum("bij,bj->bi", sigma_hat, beta) + sigma * np.sqrt(dim) / context * np.einsum(
            "bpi,bp->bi", X, noise)
        residual = beta - np.einsum("ij,bj->bi", gamma, estimate)
        grad = np.einsum("bij,bj,bk->ik", sigma_query, residual, estimate) / batch
        gamma = gamma + eta * grad
        losses.append(np.sum((gamma - np.eye(dim)) ** 2) / dim)
    return np.array(losses)


@pytest.mark.parametrize("tau,alpha,kappa,eta,expected", [
    (1, 1, 4, 0.1, 0.2903), (0.5, 2, 1, 0.1, 0.218), (1, 0.5, 1, 0.05, 0.488), (0.1, 1, 4, 0.03, 0.408)])
def test_reference_values_at_150_steps(tau, alpha, kappa, eta, expected):
    last_digit = 10.0 ** -len(str(expected).split(".")[1])
    assert float(online_sgd_loss(150, eta, alpha, kappa, tau)) == pytest.approx(expected, abs=last_digit)


def test_starts_at_one_with_the_corrected_initial_condition():
    rng = np.random.default_rng(np.random.SeedSequence(7))
    params = rng.uniform(0.1, 3, size=(5, 20))
    assert np.allclose(online_sgd_loss(0, *params), 1.0, rtol=1e-14)
    # With the printed C(0) = 1 the curve would not start at the loss of Γ = 0.
    printed = sgd.online_sgd_loss_formula().expr + (1 - 1 / sgd.r**2) * sgd.a_coef**sgd.t
    value = printed.subs({sgd.t: 0, sgd.eta: 0.1, sgd.alpha: 2, sgd.kappa: 1, sgd.tau: 1, sgd.sigma2: 0})
    assert abs(float(value) - 1) > 0.1


def test_fluctuation_recursion_is_exact():
    """C(t + 1) = a C(t) + b exactly (rational parameters), with C(t) = ℓ(t) minus the mean terms."""
    mean_terms = 2 * (1 + sgd.sigma2) / (sgd.alpha * sgd.r**2) * (1 - sgd.eta * sgd.r) ** sgd.t + sgd.fixed_point_bias
    fluctuation = sgd.online_sgd_loss_formula().expr - mean_terms
    point = {sgd.eta: sp.Rational(1, 7), sgd.alpha: sp.Rational(3, 2), sgd.kappa: sp.Rational(2, 3),
             sgd.tau: sp.Rational(5, 4), sgd.sigma2: sp.Rational(1, 5)}
    a, b = sgd.a_coef.subs(point), sgd.b_coef.subs(point)
    values = [fluctuation.subs(point).subs(sgd.t, step) for step in range(6)]
    assert values[0] == 1 / sgd.r.subs(point) ** 2
    assert all(sp.nsimplify(later - (a * earlier + b)) == 0 for earlier, later in zip(values, values[1:]))


def test_floor_is_the_limit():
    args = (0.1, 2.0, 1.0, 0.5, 0.3)
    assert float(online_sgd_loss(20000, *args)) == pytest.approx(float(online_sgd_floor(*args)), rel=1e-12)
    # Gradient flow (η/τ → 0) leaves only the bias of the fixed point Γ⋆ = I/r.
    assert float(online_sgd_floor(1e-6, 2.0, 1.0, 1.0, 0.0)) == pytest.approx(1 / 9, rel=1e-5)


@pytest.mark.slow
def test_matches_simulation():
    """Monte Carlo SGD at D = 48 (3 seeds) agrees with the curve within finite-size error."""
    tau, alpha, kappa, eta, sigma2, steps = 1.0, 1.0, 2.0, 0.1, 0.25, 40
    sims = np.mean([simulate_online_sgd(48, tau, alpha, kappa, eta, steps, sigma2, seed) for seed in (1, 2, 3)],
                   axis=0)
    theory = online_sgd_loss(np.arange(steps + 1), eta, alpha, kappa, tau, sigma2)
    assert np.max(np.abs(sims - theory) / theory) < 0.05
    # The paper's printed initial condition is visibly off in the early steps.
    printed = theory + (1 - 1 / (1 + (1 + sigma2) / alpha) ** 2) * sgd.online_sgd_coefficients(
        eta, alpha, kappa, tau, sigma2)[1] ** np.arange(steps + 1)
    assert np.max(np.abs(sims - printed) / printed) > 0.1


def test_singular_geometric_sum():
    """a = 1 exactly: the curve uses the limit b·t of the geometric sum (no NaN)."""
    alpha, kappa, tau, sigma2 = 1.0, 1.0, 1.0, 0.0  # r = 2, a = (1 − 2η)² + 8η² = 1 at η = 1/3
    eta = 1 / 3
    r, a, b = sgd.online_sgd_coefficients(eta, alpha, kappa, tau, sigma2)
    assert a == pytest.approx(1, abs=1e-15)
    values = online_sgd_loss(np.arange(5), eta, alpha, kappa, tau, sigma2)
    assert np.all(np.isfinite(values))
    with pytest.raises(ParameterError, match="eta"):
        online_sgd_floor(0.5, alpha, kappa, tau, sigma2)


@pytest.mark.parametrize("name,args", [
    ("t", (-1, 0.1, 1, 1, 1)), ("t", (1.5, 0.1, 1, 1, 1)), ("eta", (1, 0.0, 1, 1, 1)),
    ("alpha", (1, 0.1, -1, 1, 1)), ("kappa", (1, 0.1, 1, 0, 1)), ("tau", (1, 0.1, 1, 1, float("nan")))])
def test_rejects_bad_input(name, args):
    with pytest.raises(ParameterError, match=name):
        online_sgd_loss(*args)


@pytest.mark.parametrize("name", ["bordelon2025.online_sgd_loss", "bordelon2025.online_sgd_floor",
                                  "bordelon2025.iso_optimal_step", "bordelon2025.iso_optimal_loss_depth1"])
def test_exported_python_matches(name):
    formula = REGISTRY.get_formula(name)
    namespace: dict = {}
    exec(formula.export("python"), namespace)
    function = next(v for k, v in namespace.items() if k.startswith("bordelon2025"))
    values = {"t": 7, "eta": 0.1, "alpha": 2.0, "kappa": 1.5, "tau": 0.5, "sigma2": 0.2}
    args = [values[p.name] for p in formula.params]
    assert function(*args) == pytest.approx(float(formula.numeric()(*args)), rel=1e-14)
    assert "double bordelon2025_" in formula.export("c")
