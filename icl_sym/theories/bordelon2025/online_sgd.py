"""Result 10: the exact learning curve of online SGD for one layer (L = 1) on ISO data.

Bordelon, Letey, Pehlevan (2026), Result 10 (App. C.1); docs/theory/bordelon2025.md, section "ISO".
Γ(t+1) = Γ(t) + η G(t) from Γ(0) = 0 with B = τD contexts per step, P = αD labelled and K = κD query
points per context. With r = 1 + (1 + σ²)/α the "ICL loss" ℓ(t) = |Γ(t) − I|²/D is

    ℓ(t) = C(t) + 2 (1+σ²)/(α r²) (1 − η r)^t + (1+σ²)²/(α + 1 + σ²)²,
    C(t) = a^t / r² + b (1 − a^t)/(1 − a),
    a = (1 − η r)² + (η²/τ)(1 + 1/κ) r²,   b = (η²/τ)(1 + 1/κ)(1 + σ²)/α.

Correction: the paper's C(t) starts from C(0) = 1; Γ(0) = 0 gives C(0) = |Γ⋆|²/D = 1/r², the value used
here, so that ℓ(0) = 1. For a < 1 the curve decreases to the floor b/(1 − a) + (1+σ²)²/(α+1+σ²)².
"""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from icl_sym.core.formula import Formula, Param
from icl_sym.core.numeric import lambdify_expr
from icl_sym.core.validation import ParameterError, Range, check_array

from .symbols import alpha, cite, sigma2
from .theory import THEORY

__all__ = ["online_sgd_loss", "online_sgd_floor", "online_sgd_coefficients"]

t = sp.Symbol("t", nonnegative=True)
eta = sp.Symbol("eta", positive=True)
kappa = sp.Symbol("kappa", positive=True)
tau = sp.Symbol("tau", positive=True)

POSITIVE = Range(0, low_open=True)

#: r = 1 + (1+σ²)/α, the curvature of the mean gradient ⟨G⟩ = I − r Γ.
r = 1 + (1 + sigma2) / alpha
a_coef = (1 - eta * r) ** 2 + eta**2 / tau * (1 + 1 / kappa) * r**2
b_coef = eta**2 / tau * (1 + 1 / kappa) * (1 + sigma2) / alpha
#: The squared distance of the gradient-flow fixed point Γ⋆ = I/r from I, per dimension.
fixed_point_bias = (1 + sigma2) ** 2 / (alpha + 1 + sigma2) ** 2

_PARAMS = (
    Param(eta, POSITIVE, "learning rate"),
    Param(alpha, POSITIVE, "context ratio P/D"),
    Param(kappa, POSITIVE, "query ratio K/D"),
    Param(tau, POSITIVE, "batch ratio B/D"),
    Param(sigma2, Range(0), "label-noise variance"),
)


@THEORY.formula("online_sgd_loss")
def online_sgd_loss_formula() -> Formula:
    fluctuation = a_coef**t / r**2 + b_coef * (1 - a_coef**t) / (1 - a_coef)
    expr = fluctuation + 2 * (1 + sigma2) / (alpha * r**2) * (1 - eta * r) ** t + fixed_point_bias
    return Formula("bordelon2025.online_sgd_loss", expr, (Param(t, Range(0), "SGD step"), *_PARAMS),
                   cite("Result 10, App. C.1", "corrected initial condition C(0) = 1/r^2; a != 1"),
                   "ICL loss |Gamma(t) - I|^2/D of one-layer online SGD on ISO data", sp.Symbol(r"\ell_{\mathrm{SGD}}"))


@THEORY.formula("online_sgd_floor")
def online_sgd_floor_formula() -> Formula:
    return Formula("bordelon2025.online_sgd_floor", b_coef / (1 - a_coef) + fixed_point_bias, _PARAMS,
                   cite("Result 10, App. C.1", "limit t -> oo, valid where a < 1"),
                   "floor of the one-layer online-SGD ICL loss", sp.Symbol(r"\ell_{\mathrm{SGD}}(\infty)"))


def _checked(eta_v, alpha_v, kappa_v, tau_v, sigma2_v) -> tuple[np.ndarray, ...]:
    return (check_array("eta", eta_v, POSITIVE), check_array("alpha", alpha_v, POSITIVE),
            check_array("kappa", kappa_v, POSITIVE), check_array("tau", tau_v, POSITIVE),
            check_array("sigma2", sigma2_v, Range(0)))


@functools.cache
def _coefficient_functions() -> tuple:
    return tuple(lambdify_expr((eta, alpha, kappa, tau, sigma2), e) for e in (r, a_coef, b_coef))


def online_sgd_coefficients(eta_v, alpha_v, kappa_v, tau_v, sigma2_v=0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(r, a, b) of Result 10: ⟨G⟩ = I − rΓ and the recursion C(t+1) = a C(t) + b."""
    args = _checked(eta_v, alpha_v, kappa_v, tau_v, sigma2_v)
    return tuple(np.asarray(fn(*args), dtype=np.float64) for fn in _coefficient_functions())


def online_sgd_loss(t_v, eta_v, alpha_v, kappa_v, tau_v, sigma2_v=0.0) -> np.ndarray:
    """ℓ(t) = |Γ(t) − I|²/D of one-layer online SGD from Γ = 0 (Result 10, corrected C(0) = 1/r²).

    Vectorised (broadcasting) over every argument; ``t`` must be a non-negative integer (a step count).
    At a = 1 exactly the geometric sum (1 − aᵗ)/(1 − a) is replaced by its limit t.
    """
    steps = check_array("t", t_v, Range(0))
    if np.any(steps != np.floor(steps)):
        raise ParameterError("t", "a non-negative integer number of SGD steps", t_v)
    args = _checked(eta_v, alpha_v, kappa_v, tau_v, sigma2_v)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.asarray(online_sgd_loss_formula().numeric()(steps, *args), dtype=np.float64)
    r_v, a_v, b_v = online_sgd_coefficients(*args)
    singular = np.broadcast_to(a_v == 1, value.shape)
    if np.any(singular):  # a = 1: C(t) = 1/r² + b t
        eta_a, alpha_a, _, _, sig = args
        limit = (1 / r_v**2 + b_v * steps + 2 * (1 + sig) / (alpha_a * r_v**2) * (1 - eta_a * r_v) ** steps
                 + (1 + sig) ** 2 / (alpha_a + 1 + sig) ** 2)
        value = np.where(singular, limit, value)
    return value


def online_sgd_floor(eta_v, alpha_v, kappa_v, tau_v, sigma2_v=0.0) -> np.ndarray:
    """lim_{t→∞} ℓ(t) = b/(1 − a) + (1+σ²)²/(α+1+σ²)² of Result 10; requires a < 1 (a stable step).

    Raises :class:`ParameterError` naming ``eta`` where a ≥ 1: the SGD recursion then does not converge.
    """
    args = _checked(eta_v, alpha_v, kappa_v, tau_v, sigma2_v)
    _, a_v, _ = online_sgd_coefficients(*args)
    if np.any(a_v >= 1):
        raise ParameterError("eta", "small enough that a = (1 - eta r)^2 + (eta^2/tau)(1 + 1/kappa) r^2 < 1",
                             eta_v)
    return np.asarray(online_sgd_floor_formula().numeric()(*args), dtype=np.float64)
