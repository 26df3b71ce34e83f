"""Fixed structured covariance (FS): Results 3-5 of Bordelon, Letey, Pehlevan (2025), Sec. 3.2 and App. D.

With a fixed data covariance Σ and task covariance Ω that commute (eigenvalues
λ_k, ω_k), infinite context (α → ∞) and no label noise, gradient flow from
Γ = 0 keeps Γ diagonal and each mode follows (App. D convention)

    dγ_k/dt = 2 ω_k λ_k² (1 − λ_k γ_k / L)^{2L−1}          (Result 4)

This ODE is separable. With x_k = 4 ω_k λ_k³ t and q = 1 − 1/L its solution and
the mode's loss are, for every depth L ≥ 2 (derived here, see
docs/theory/bordelon2025.md, "FS"),

    γ_k(t) = (L/λ_k) [1 − (1 + q x_k)^{−1/(2L−2)}],   ℓ_k(t) = ω_k λ_k (1 + q x_k)^{−1/q},

with ℓ_k = ω_k λ_k e^{−x_k} at L = 1 and the paper's ω_k λ_k / (1 + x_k) as L → ∞.
Under the source/capacity conditions the loss decays as t^{−νβ/(νβ+2ν+1)} at
every depth; the paper prints β/(ν+νβ+1) (an erratum, see :mod:`.errata`).
Result 5: the trained Γ = LΣ^{-1} is brittle to a change of covariance.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import scipy.linalg
import sympy as sp

from icl_sym.core.checks import Exact, NumericIdentity
from icl_sym.core.derivation import Derivation, Step
from icl_sym.core.fits import ExponentFit
from icl_sym.core.formula import Formula, Param
from icl_sym.core.limits import InequalityCheck, LimitCheck
from icl_sym.core.validation import ParameterError, Range, check_array, check_int

from .source_capacity import (
    beta, check_depth, check_exponents, check_spectrum, cite, collapse, collapse_check, k, nu, power_law_spectrum, u,
)
from .theory import THEORY

__all__ = [
    "fs_gamma", "fs_loss", "fs_time_exponent", "fs_ood_loss", "rotated_covariance",
    "fs_mode_loss_formula", "fs_mode_loss_infinite_depth_formula", "fs_mode_gamma_formula", "fixed_structure",
]

t = sp.Symbol("t", nonnegative=True)
lam = sp.Symbol("lambda", positive=True)
omega = sp.Symbol("omega", positive=True)
depth = sp.Symbol("L", positive=True)
m = sp.Symbol("m", positive=True)  # m = L − 1 > 0: SymPy simplifies the finite-depth forms in m
gamma = sp.Symbol("gamma", nonnegative=True)

_X = 4 * omega * lam**3 * t  # the mode's scaled time x_k
_Q = 1 - 1 / depth
GAMMA_EXPR = depth * (1 - (1 + _Q * _X) ** (-1 / (2 * depth - 2))) / lam
MODE_LOSS_EXPR = omega * lam * (1 + _Q * _X) ** (-depth / (depth - 1))
MODE_LOSS_INF_EXPR = omega * lam / (1 + _X)
GAMMA_INF_EXPR = sp.log(1 + _X) / (2 * lam)
#: Exponent of t in the FS loss (corrected); the paper prints −β/(ν + νβ + 1).
TIME_EXPONENT = -nu * beta / (nu * beta + 2 * nu + 1)
PRINTED_TIME_EXPONENT = -beta / (nu + nu * beta + 1)

_T = Param(t, Range(0), "pretraining (gradient-flow) time")
_LAM = Param(lam, Range(0, low_open=True), "covariance eigenvalue lambda_k")
_OMEGA = Param(omega, Range(0, low_open=True), "task power omega_k of the mode")
_DEPTH = Param(depth, Range(1, low_open=True), "depth L (integer >= 2; L = 1 is the limit L -> 1)")


@THEORY.formula("fs_mode_loss")
def fs_mode_loss_formula() -> Formula:
    return Formula("bordelon2025.fs_mode_loss", MODE_LOSS_EXPR, (_T, _DEPTH, _LAM, _OMEGA),
                   cite("Result 4 / App. D", "closed-form solution of the per-mode flow, alpha = inf, sigma = 0"),
                   "FS loss of one eigenmode after gradient flow for time t at depth L",
                   sp.Function("ell_k")(t))


@THEORY.formula("fs_mode_loss_infinite_depth")
def fs_mode_loss_infinite_depth_formula() -> Formula:
    return Formula("bordelon2025.fs_mode_loss_infinite_depth", MODE_LOSS_INF_EXPR, (_T, _LAM, _OMEGA),
                   cite("Result 4", "L -> infinity, App. D time convention"),
                   "FS loss of one eigenmode as L -> infinity", sp.Function("ell_k")(t))


@THEORY.formula("fs_mode_gamma")
def fs_mode_gamma_formula() -> Formula:
    return Formula("bordelon2025.fs_mode_gamma", GAMMA_EXPR, (_T, _DEPTH, _LAM, _OMEGA),
                   cite("Result 4 / App. D", "closed-form solution of the per-mode flow"),
                   "eigenvalue gamma_k(t) of the learned preconditioner", sp.Function("gamma_k")(t))


# ---------------------------------------------------------------------------------------------------------
# numerics


def _scaled_time(t_, spectrum) -> tuple[np.ndarray, np.ndarray]:
    times = check_array("t", t_, Range(0))
    x = 4.0 * spectrum.weights * spectrum.eigenvalues**3 * times[..., None]
    return times, x


def fs_gamma(t_, depth_, eigenvalues, weights) -> np.ndarray:
    """Eigenvalues γ_k(t) of Γ under FS gradient flow (Result 4; shape ``t.shape + (D,)``).

    ``depth_`` is an integer L >= 1 or ``inf``.
    """
    spectrum = check_spectrum(eigenvalues, weights)
    L = check_depth(depth_)
    _, x = _scaled_time(t_, spectrum)
    lam_ = spectrum.eigenvalues
    if math.isinf(L):
        return np.log1p(x) / (2 * lam_)
    if L == 1:
        return -np.expm1(-x / 2) / lam_
    return -L * np.expm1(-np.log1p((1 - 1 / L) * x) / (2 * L - 2)) / lam_


def fs_loss(t_, depth_, eigenvalues, weights) -> np.ndarray:
    """FS population loss Σ_k ω_k λ_k (1 − λ_k γ_k(t)/L)^{2L} at α = ∞, σ = 0 (Result 4), vectorised over t."""
    spectrum = check_spectrum(eigenvalues, weights)
    L = check_depth(depth_)
    _, x = _scaled_time(t_, spectrum)
    if math.isinf(L):
        decay = 1 / (1 + x)
    elif L == 1:
        decay = np.exp(-x)
    else:
        q = 1 - 1 / L
        decay = np.exp(-np.log1p(q * x) / q)
    return decay @ (spectrum.weights * spectrum.eigenvalues)


def fs_time_exponent(nu_: float, beta_: float) -> float:
    """e with FS loss ∝ t^{−e} under source/capacity (ν, β): e = νβ/(νβ + 2ν + 1) (corrected Result 4)."""
    n, b = check_exponents(nu_, beta_)
    return n * b / (n * b + 2 * n + 1)


def _square_matrix(name: str, value, dim: int | None = None) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or (dim is not None and arr.shape[0] != dim):
        raise ParameterError(name, "a square matrix" + (f" of size {dim}" if dim else ""), arr.shape)
    if not np.all(np.isfinite(arr)):
        raise ParameterError(name, "finite", value)
    return arr


def _positive_definite(name: str, value, dim: int | None = None) -> np.ndarray:
    arr = _square_matrix(name, value, dim)
    if not np.allclose(arr, arr.T, rtol=1e-12, atol=1e-12) or np.linalg.eigvalsh(arr).min() <= 0:
        raise ParameterError(name, "symmetric positive definite", "a matrix with a non-positive eigenvalue")
    return arr


def fs_ood_loss(sigma_train, sigma_test, omega_test, depth_) -> float:
    """Result 5: L_OOD = tr Ω' [(I − Σ^{-1}Σ')^L]ᵀ Σ' (I − Σ^{-1}Σ')^L (tr normalised), for Γ = LΣ^{-1}.

    ``sigma_train`` (Σ), ``sigma_test`` (Σ') are positive definite; ``omega_test``
    (Ω') is positive semi-definite; ``depth_`` an integer L >= 1.
    """
    sigma = _positive_definite("sigma_train", sigma_train)
    dim = sigma.shape[0]
    sigma_p = _positive_definite("sigma_test", sigma_test, dim)
    omega_p = _square_matrix("omega_test", omega_test, dim)
    if np.linalg.eigvalsh((omega_p + omega_p.T) / 2).min() < -1e-12 * max(1.0, np.abs(omega_p).max()):
        raise ParameterError("omega_test", "positive semi-definite", "a matrix with a negative eigenvalue")
    L = check_int("depth", depth_, 1)
    step = np.eye(dim) - np.linalg.solve(sigma, sigma_p)
    power = np.linalg.matrix_power(step, L)
    return float(np.trace(omega_p @ power.T @ sigma_p @ power) / dim)


def rotated_covariance(sigma, skew, theta: float) -> np.ndarray:
    """Σ' = exp(θS) Σ exp(−θS) for a skew-symmetric S (the shift used for Fig. 3(c))."""
    sigma = _positive_definite("sigma", sigma)
    skew = _square_matrix("skew", skew, sigma.shape[0])
    if not np.allclose(skew, -skew.T):
        raise ParameterError("skew", "skew-symmetric", "a matrix with S != -S^T")
    theta = float(check_array("theta", theta, Range()))
    rotation = scipy.linalg.expm(theta * skew)
    return rotation @ sigma @ rotation.T


# ---------------------------------------------------------------------------------------------------------
# the derivation


def _fit_data(nu_: float, beta_: float, depth_, dim: int = 200_000):
    """(t, exact FS loss) on t ∈ [1e4, 1e8], for the time-exponent fit."""
    spectrum = power_law_spectrum(dim, nu_, beta_)
    times = np.logspace(4, 8, 33)
    return cache(lambda: (times, fs_loss(times, depth_, spectrum.eigenvalues, spectrum.weights)))


def _ood_growth_sample(rng):
    """Two rotation angles θ1 < θ2 and a depth: L_OOD(θ2) ≥ L_OOD(θ1) (Result 5)."""
    theta1 = rng.uniform(0.0, 0.35)
    return {"theta1": theta1, "theta2": theta1 + rng.uniform(0.01, 0.15), "depth_": rng.choice([1, 2, 4, 8]),
            "seed": rng.randrange(10**6)}


def _ood_at(theta: float, depth_: int, seed: int) -> float:
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    dim = 6
    sigma = np.diag(np.arange(1, dim + 1, dtype=np.float64) ** -1.0)
    g = rng.standard_normal((dim, dim))
    skew = (g - g.T) / 2
    omega_p = np.diag(np.arange(1, dim + 1, dtype=np.float64) ** -0.5)
    sigma_p = rotated_covariance(sigma, skew, theta)
    return fs_ood_loss(sigma, sigma_p, omega_p, depth_)


@THEORY.derivation("fixed_structure")
def fixed_structure() -> Derivation:
    a = nu * beta + 1  # λ_k ω_k = k^{-a}
    b = a + 2 * nu  # ω_k λ_k³ = k^{-b}
    s11, s12, s22 = sp.symbols("s11 s12 s22", positive=True)
    sigma2 = sp.Matrix([[s11, s12], [s12, s22]])
    eps = sp.Symbol("epsilon", positive=True)
    on_m = Exact(simplifier=lambda e: sp.simplify(sp.powsimp(sp.powdenest(e, force=True), force=True)),
                 given={depth: 1 + m})
    q_ = sp.Symbol("q", positive=True)
    finite_depth_summand = k ** (-a) * (1 + q_ * 4 * t * k ** (-b)) ** (-1 / q_)
    steps = (
        Step("Result 3: whitening solves FS at α = ∞",
             sp.eye(2) - (depth * sigma2.inv()) * sigma2 / depth, sp.zeros(2, 2),
             "With Σ̂ → Σ (α → ∞) the loss is tr Ω[(I − L^{-1}ΓΣ)^L]ᵀΣ(I − L^{-1}ΓΣ)^L; Γ = LΣ^{-1} makes every "
             "factor vanish, so one layer already reaches zero loss and depth cannot help (shown for a general "
             "2 × 2 covariance).", Exact()),
        Step("Result 4: decoupled mode flow",
             -sp.diff(omega * lam * (1 - lam * gamma / depth) ** (2 * depth), gamma),
             2 * omega * lam**2 * (1 - lam * gamma / depth) ** (2 * depth - 1),
             "For commuting Σ, Ω and Γ(0) = 0, Γ stays diagonal and the loss is a sum over modes of "
             "$\\omega_k\\lambda_k(1-\\lambda_k\\gamma_k/L)^{2L}$; gradient flow $\\dot\\gamma_k = "
             "-\\partial_{\\gamma_k}"
             "\\mathcal{L}$ (App. D convention; the main text's $\\tfrac12$ only rescales t) is the right side.",
             Exact()),
        Step("mode flow solved at finite depth",
             sp.diff(GAMMA_EXPR, t), 2 * omega * lam**2 * (1 - lam * GAMMA_EXPR / depth) ** (2 * depth - 1),
             "Separating variables in $u = 1 - \\lambda\\gamma/L$ gives $u^{-(2L-2)} = 1 + (1 - 1/L)x$ with "
             "$x = 4\\omega\\lambda^3 t$: this γ(t) satisfies the flow (checked with $L = 1 + m$, $m > 0$).", on_m),
        Step("starts from Γ = 0", GAMMA_EXPR.subs(t, 0), sp.S.Zero, "The initial condition γ_k(0) = 0.", on_m),
        Step("mode loss at finite depth",
             omega * lam * (1 - lam * GAMMA_EXPR / depth) ** (2 * depth), MODE_LOSS_EXPR,
             "The mode's loss $\\omega\\lambda u^{2L} = \\omega\\lambda(1+qx)^{-1/q}$ with $q = 1 - 1/L$.", on_m),
        Step("fixed point γ = L/λ", sp.Limit(GAMMA_EXPR.subs(depth, 1 + m), t, sp.oo), (1 + m) / lam,
             "At long times each mode reaches the whitening value $\\gamma_k = L/\\lambda_k$ of Result 3.",
             LimitCheck(substitutions={m: sp.Rational(1, 2), lam: 0.5, omega: 2}, start=3, tol=1e-6)),
        Step("one layer: L → 1", sp.Limit(MODE_LOSS_EXPR, depth, 1, "+"), omega * lam * sp.exp(-_X),
             "At $L = 1$ the flow is linear in $u$ and the mode decays exponentially, $\\omega\\lambda e^{-x}$.",
             LimitCheck(substitutions={lam: 0.7, omega: 1.3, t: 0.4})),
        Step("Result 4: L → ∞ preconditioner", sp.Limit(GAMMA_EXPR, depth, sp.oo), GAMMA_INF_EXPR,
             "The paper's closed form $\\gamma_k = \\ln(1 + 4\\omega_k\\lambda_k^3 t)/(2\\lambda_k)$; the 4 belongs "
             "to the App. D convention (with the main text's flow it would be 2).",
             LimitCheck(substitutions={lam: 0.7, omega: 1.3, t: 0.4})),
        Step("Result 4: L → ∞ loss", sp.Limit(MODE_LOSS_EXPR, depth, sp.oo), MODE_LOSS_INF_EXPR,
             "$\\lim_{L\\to\\infty}\\mathcal{L} = \\sum_k \\omega_k\\lambda_k/(1 + 4\\omega_k\\lambda_k^3 t)$.",
             LimitCheck(substitutions={lam: 0.7, omega: 1.3, t: 0.4})),
        Step("collapse of the mode sum (L = ∞)",
             collapse(k ** (-a) / (1 + 4 * t * k ** (-b)), (4 * t) ** (1 / b)),
             (4 * t) ** TIME_EXPONENT * u ** (-a) / (1 + u ** (-b)),
             "Source/capacity: $\\lambda_k\\omega_k = k^{-\\nu\\beta-1}$ and $\\omega_k\\lambda_k^3 = "
             "k^{-\\nu\\beta-2\\nu-1}$. Replacing the sum by an integral and substituting $k = (4t)^{1/b}u$, "
             "$b = \\nu\\beta + 2\\nu + 1$, the summand times $dk/du$ is $t^{-\\nu\\beta/b}$ times a function of "
             "$u$ alone: the crossover mode is $k_* = t^{1/(\\nu\\beta+2\\nu+1)}$ and the exponent is "
             "$-\\nu\\beta/(\\nu\\beta+2\\nu+1)$ (the paper prints $-\\beta/(\\nu+\\nu\\beta+1)$).", collapse_check),
        Step("the collapsed integral converges",
             sp.Integral(u ** (b - a) / (1 + u**b), (u, 0, sp.oo)), sp.pi / (b * sp.sin(sp.pi * (2 * nu + 1) / b)),
             "The $u$-integral over $(0, \\infty)$ is finite (a Mellin integral), so the lower cut-off of the sum "
             "does not change the exponent, and it gives the prefactor: "
             "$\\mathcal{L} \\simeq (4t)^{-\\nu\\beta/b}\\,\\pi/(b\\sin(\\pi(2\\nu+1)/b))$.",
             NumericIdentity({nu: (1.1, 3.0), beta: (0.3, 2.0)}, points=3, dps=15)),
        Step("finite depth: the same collapse",
             collapse(finite_depth_summand, (4 * t) ** (1 / b)),
             (4 * t) ** TIME_EXPONENT * u ** (-a) * (1 + q_ * u ** (-b)) ** (-1 / q_),
             "At finite $L$ the mode decays as $(1 + qx_k)^{-1/q}$, still a function of $x_k = 4k^{-b}t$: the "
             "same substitution collapses the sum, so the exponent holds at every depth (the integral "
             "converges at $u \\to 0$ because $(1+qu^{-b})^{-1/q} \\sim u^{b/q}$).", collapse_check),
        Step("fit: L = ∞, (ν, β) = (1.25, 1.25)", sp.Symbol("slope"), TIME_EXPONENT,
             "Least-squares slope of log loss against log t for the exact sum over $2\\times10^5$ modes, "
             "$t \\in [10^4, 10^8]$.", ExponentFit(_fit_data(1.25, 1.25, math.inf), {nu: 1.25, beta: 1.25})),
        Step("fit: L = 4, (ν, β) = (2, 0.5)", sp.Symbol("slope"), TIME_EXPONENT,
             "The exact finite-depth sum decays with the same exponent (here $-1/6$; the printed formula gives "
             "$-1/8$).", ExponentFit(_fit_data(2.0, 0.5, 4), {nu: 2.0, beta: 0.5})),
        Step("Result 5: no shift, no OOD loss",
             ((sp.eye(2) - sigma2.inv() * sigma2) ** 2), sp.zeros(2, 2),
             "Γ = LΣ^{-1} evaluated on Σ' = Σ: $I - \\Sigma^{-1}\\Sigma' = 0$, so $\\mathcal{L}_{OOD} = 0$.", Exact()),
        Step("Result 5: a shift ε costs ε^{2L}",
             omega * lam * (1 - eps) * (1 - lam * (1 - eps) / lam) ** (2 * depth),
             omega * lam * (1 - eps) * eps ** (2 * depth),
             "For one mode with $\\lambda' = (1-\\epsilon)\\lambda$ the OOD loss is $\\omega'\\lambda'\\epsilon^{2L}$: "
             "negligible for small shifts, but growing like $\\epsilon^{2L}$ — exponentially in $L$ — once "
             "$|1 - \\lambda'/\\lambda| > 1$.", Exact()),
        Step("Result 5: OOD loss grows with the rotation angle",
             sp.Function("L_OOD")(sp.Symbol("theta2")), sp.Function("L_OOD")(sp.Symbol("theta1")),
             "$\\Sigma' = e^{\\theta S}\\Sigma e^{-\\theta S}$ with a random skew-symmetric $S$ (Fig. 3(c)): "
             "$\\mathcal{L}_{OOD}(\\theta_2) \\geq \\mathcal{L}_{OOD}(\\theta_1)$ for $0 \\le \\theta_1 < "
             "\\theta_2 \\le 0.5$ at L ∈ {1, 2, 4, 8} (a 6 × 6 covariance $\\lambda_k = 1/k$; the rotation is "
             "periodic, "
             "so growth is claimed for moderate angles only).",
             InequalityCheck(_ood_growth_sample, lambda theta1, theta2, depth_, seed: _ood_at(theta2, depth_, seed),
                             lambda theta1, theta2, depth_, seed: _ood_at(theta1, depth_, seed), points=60)),
    )
    return Derivation(
        "bordelon2025.fixed_structure",
        "Fixed structured covariance: whitening, per-mode dynamics and the time exponent",
        cite("Sec. 3.2, Results 3-5, App. D"),
        "FS setting: $x \\sim N(0, \\Sigma)$ and task covariance $\\Omega$ fixed across contexts and commuting, "
        "eigenvalues $\\lambda_k$, $\\omega_k$; infinite context ($\\alpha \\to \\infty$), no label noise, "
        "reduced-Γ model trained by gradient flow from Γ = 0.",
        steps,
        (fs_mode_loss_formula(), fs_mode_loss_infinite_depth_formula(), fs_mode_gamma_formula()),
    )
