"""Randomly rotated structured covariance (RRS): Result 6 of Bordelon, Letey, Pehlevan (2025), Sec. 3.3, App. E.

Each context draws a fresh Haar rotation O of a structured covariance Λ (and of
the task covariance Ω). Averaged over O, the gradient at Γ = γI is isotropic, so
gradient flow from Γ = 0 keeps Γ(t) = γ(t) I: the learned algorithm is L steps of
*unconditioned* gradient descent with step γ/L. At infinite context (α → ∞)

    𝓛(γ) = Σ_k ω_k λ_k (1 − γ λ_k / L)^{2L},     dγ/dt = Σ_k 2 ω_k λ_k² (1 − γ λ_k / L)^{2L−1}

(App. D/E time convention dγ/dt = −∂_γ 𝓛). Since no whitening can be stored
in Γ, depth keeps helping at infinite context; the scaling laws that follow are
in :mod:`.bottlenecks`. See docs/theory/bordelon2025.md, "RRS and bottlenecks".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp
from scipy.optimize import minimize_scalar

from icl_sym.core.checks import Exact
from icl_sym.core.derivation import Derivation, Step
from icl_sym.core.formula import Formula, Param
from icl_sym.core.limits import LimitCheck
from icl_sym.core.validation import ParameterError, Range, check_array

from .source_capacity import Spectrum, check_depth, check_spectrum, cite
from .theory import THEORY

__all__ = [
    "rrs_loss", "rrs_flow_rate", "rrs_time_of_gamma", "rrs_gamma", "rrs_depth_floor", "DepthFloor",
    "rrs_mode_loss_formula", "rotated_structure",
]

gamma = sp.Symbol("gamma", nonnegative=True)
lam = sp.Symbol("lambda", positive=True)
omega = sp.Symbol("omega", positive=True)
depth = sp.Symbol("L", positive=True)
MODE_LOSS_EXPR = omega * lam * (1 - gamma * lam / depth) ** (2 * depth)


@THEORY.formula("rrs_mode_loss")
def rrs_mode_loss_formula() -> Formula:
    return Formula("bordelon2025.rrs_mode_loss", MODE_LOSS_EXPR,
                   (Param(gamma, Range(0), "scale of Gamma = gamma I"),
                    Param(depth, Range(1, integer=True), "depth L (number of in-context GD steps)"),
                    Param(lam, Range(0, low_open=True), "covariance eigenvalue lambda_k"),
                    Param(omega, Range(0, low_open=True), "task power omega_k")),
                   cite("Result 6", "reduced one-dimensional landscape at alpha = inf"),
                   "RRS loss contributed by one eigenmode at Gamma = gamma I", sp.Function("ell_k")(gamma))


# ---------------------------------------------------------------------------------------------------------
# numerics


def _decay(gamma_: np.ndarray, L: float, lam_: np.ndarray, power: int) -> np.ndarray:
    """(1 − γλ/L)^{power·L} as an array ``gamma.shape + (D,)``; e^{−power·γλ} at L = ∞."""
    x = gamma_[..., None] * lam_
    if math.isinf(L):
        return np.exp(-power * x)
    return (1 - x / L) ** (power * L)


def rrs_loss(gamma_, depth_, eigenvalues, weights) -> np.ndarray:
    """𝓛(γ) = Σ_k ω_k λ_k (1 − γλ_k/L)^{2L} (Result 6, α = ∞), vectorised over γ >= 0; L integer >= 1 or inf."""
    s = check_spectrum(eigenvalues, weights)
    L = check_depth(depth_)
    g = check_array("gamma", gamma_, Range(0))
    return _decay(g, L, s.eigenvalues, 2) @ (s.weights * s.eigenvalues)


def _rate(g: np.ndarray, L: float, s: Spectrum) -> np.ndarray:
    x = g[..., None] * s.eigenvalues
    factor = np.exp(-2 * x) if math.isinf(L) else (1 - x / L) ** (2 * L - 1)
    return factor @ (2 * s.weights * s.eigenvalues**2)


def rrs_flow_rate(gamma_, depth_, eigenvalues, weights) -> np.ndarray:
    """dγ/dt = −∂_γ 𝓛 = Σ_k 2 ω_k λ_k² (1 − γλ_k/L)^{2L−1} (Result 6), vectorised over γ."""
    s = check_spectrum(eigenvalues, weights)
    L = check_depth(depth_)
    return _rate(check_array("gamma", gamma_, Range(0)), L, s)


_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(20)


def _gauss_legendre(f, a: float, b: float) -> float:
    x = (_GL_NODES + 1) / 2 * (b - a) + a
    return float(np.sum(_GL_WEIGHTS * f(x))) * (b - a) / 2


def _adaptive(f, a: float, b: float, whole: float, rtol: float, depth: int) -> float:
    """Adaptive Gauss-Legendre: bisect until the two halves agree with the whole to ``rtol``."""
    mid = (a + b) / 2
    left, right = _gauss_legendre(f, a, mid), _gauss_legendre(f, mid, b)
    if depth == 0 or abs(left + right - whole) <= rtol * abs(left + right):
        return left + right
    return _adaptive(f, a, mid, left, rtol, depth - 1) + _adaptive(f, mid, b, right, rtol, depth - 1)


def cumulative_time(gamma_grid: np.ndarray, rate, start: float = 0.0, rtol: float = 1e-12) -> np.ndarray:
    """t(γ) = ∫_start^γ dγ'/rate(γ') at each point of an increasing grid (adaptive Gauss-Legendre).

    Panels after the first are integrated in log γ (∫ γ/rate d log γ), where power-law
    rates are smooth; ``rate`` takes an array and must be positive on [start, max(grid)].
    Close to the minimiser of a finite-depth loss the rate vanishes linearly and t(γ)
    grows like −log(γ* − γ): γ is then ill-conditioned in t (nothing to integrate around).
    """
    edges = np.concatenate([[start], gamma_grid])
    if np.any(np.diff(edges) <= 0):
        raise ParameterError("gamma", f"strictly increasing and > {start:g}", gamma_grid)

    def in_log(s_):
        g = np.exp(s_)
        return g / rate(g)

    def linear(g):
        return 1.0 / rate(g)

    pieces = np.empty(len(gamma_grid))
    for i, (a, b) in enumerate(zip(edges[:-1], edges[1:])):
        f, lo, hi = (in_log, math.log(a), math.log(b)) if a > 0 else (linear, a, b)
        pieces[i] = _adaptive(f, lo, hi, _gauss_legendre(f, lo, hi), rtol, 40)
    return np.cumsum(pieces)


def rrs_time_of_gamma(gamma_, depth_, eigenvalues, weights) -> np.ndarray:
    """Time at which gradient flow from γ = 0 reaches each γ of an increasing array (Result 6).

    Every γ must lie below the minimiser of 𝓛 (where the flow stops), so the
    rate is positive; otherwise a ParameterError names ``gamma``.
    """
    s = check_spectrum(eigenvalues, weights)
    L = check_depth(depth_)
    g = np.atleast_1d(check_array("gamma", gamma_, Range(0, low_open=True)))
    if g.ndim != 1:
        raise ParameterError("gamma", "a one-dimensional array", g.shape)
    if np.any(_rate(g, L, s) <= 0):
        raise ParameterError("gamma", "below the minimiser of the loss (where dgamma/dt > 0)", g.max())
    return cumulative_time(g, lambda x: _rate(x, L, s))


def rrs_gamma(t_, depth_, eigenvalues, weights, rtol: float = 1e-10) -> np.ndarray:
    """γ(t) of the Result-6 flow from γ(0) = 0 at the (non-negative) times ``t_`` (any order)."""
    s = check_spectrum(eigenvalues, weights)
    L = check_depth(depth_)
    times = np.atleast_1d(check_array("t", t_, Range(0)))
    order = np.argsort(times.ravel())
    flat = times.ravel()[order]
    out = np.zeros_like(flat)
    if flat[-1] == 0:  # nothing to integrate: γ(0) = 0
        return out.reshape(times.shape)
    # Integrate in s = log(1 + t): the solution is smooth in log time, so steps stay few at large t.
    # One log1p for the span and the evaluation points (math.log1p and np.log1p may differ in the last bit).
    log_times = np.log1p(flat)
    sol = solve_ivp(lambda s_, g: _rate(g, L, s) * math.exp(s_), (0.0, float(log_times[-1])), [0.0],
                    t_eval=log_times, rtol=rtol, atol=1e-14, method="LSODA")
    if not sol.success:
        raise RuntimeError(f"the Result-6 flow did not integrate: {sol.message}")
    out[order] = sol.y[0]
    return out.reshape(times.shape)


@dataclass(frozen=True)
class DepthFloor:
    """The minimum over γ of the Result-6 landscape at one depth (``loss``) and its minimiser (``gamma``)."""

    loss: float
    gamma: float


def rrs_depth_floor(depth_, eigenvalues, weights) -> DepthFloor:
    """min_γ 𝓛(γ) at depth L (t, N, P → ∞; App. F.2) and the minimising γ (in (0, 2L/λ_max)).

    The landscape is convex in γ (a sum of even powers of affine functions), so the
    bounded minimisation finds the global minimum.
    """
    s = check_spectrum(eigenvalues, weights)
    L = check_depth(depth_, allow_inf=False)
    top = float(s.eigenvalues.max())
    scaled = s.eigenvalues / top
    weight = s.weights * s.eigenvalues

    def loss(c: float) -> float:  # c = γ λ_max / L ∈ (0, 2): the stable steps
        return float(weight @ (1 - c * scaled) ** (2 * L))

    best = minimize_scalar(loss, bounds=(0.0, 2.0), method="bounded", options={"xatol": 1e-12})
    return DepthFloor(float(best.fun), float(best.x) * L / top)


# ---------------------------------------------------------------------------------------------------------
# the derivation


@THEORY.derivation("rotated_structure")
def rotated_structure() -> Derivation:
    theta = sp.Symbol("theta", real=True)
    c11, c12, c22 = sp.symbols("c11 c12 c22", real=True)
    l1, l2, w1, w2 = sp.symbols("lambda_1 lambda_2 omega_1 omega_2", positive=True)
    rot = sp.Matrix([[sp.cos(theta), -sp.sin(theta)], [sp.sin(theta), sp.cos(theta)]])
    c_mat = sp.Matrix([[c11, c12], [c12, c22]])
    haar = (rot * c_mat * rot.T).applyfunc(lambda e: sp.Integral(e, (theta, 0, 2 * sp.pi)) / (2 * sp.pi))
    big_lam = sp.diag(l1, l2)
    big_omega = sp.diag(w1, w2)
    n = sp.Symbol("n", positive=True, integer=True)
    step_m = sp.diag(*(1 - gamma * l / n for l in (l1, l2)))
    landscape = sum(w * l * (1 - gamma * l / n) ** (2 * n) for w, l in ((w1, l1), (w2, l2)))
    # L = 3 steps of plain GD, step size γ/L, on the population least squares ½ (b − b*)ᵀ Λ (b − b*), from b = 0
    b_star = sp.Matrix(sp.symbols("b1 b2", real=True))
    iterate = sp.zeros(2, 1)
    for _ in range(3):
        iterate = iterate - (gamma / 3) * big_lam * (iterate - b_star)
    doit = Exact(simplifier=lambda e: sp.simplify(e.doit()))
    steps = (
        Step("Haar average of a rotated matrix is isotropic", haar, (c11 + c22) / 2 * sp.eye(2),
             "App. E: at Γ = 0 the gradient averages $O C O^T$ over the Haar rotation of each context, which is "
             "$(\\mathrm{tr}\\,C)\\,I$ (normalised trace); shown exactly for D = 2, where rotations are "
             "parametrised by one angle.", doit),
        Step("Γ = γI is rotation invariant", rot.T * (gamma * sp.eye(2)) * rot, gamma * sp.eye(2),
             "$O^T \\Gamma O = \\Gamma$ for $\\Gamma = \\gamma I$: the per-context loss no longer depends on the "
             "rotation, so the gradient stays isotropic and Γ(t) = γ(t) I for all t (Result 6).", Exact()),
        Step("Result 6: the one-dimensional landscape",
             (big_omega * step_m**n * big_lam * step_m**n).trace(), landscape,
             "At α → ∞ ($\\hat\\Sigma \\to \\Lambda$) the loss $\\mathrm{tr}\\,\\Omega(I - \\gamma\\Lambda/L)^L"
             "\\Lambda(I - \\gamma\\Lambda/L)^L$ is a sum over eigenmodes (two modes shown; integer $L$).",
             Exact()),
        Step("Result 6: the flow of γ", -sp.diff(MODE_LOSS_EXPR.subs(depth, n), gamma),
             2 * omega * lam**2 * (1 - gamma * lam / n) ** (2 * n - 1),
             "$\\dot\\gamma = -\\partial_\\gamma\\mathcal{L} = \\mathrm{tr}\\,2\\Lambda^2\\Omega(I - \\gamma\\Lambda/L)"
             "^{2L-1}$, mode by mode (the landscape is a sum over modes); App. D/E convention — the main text "
             "omits the 2, a rescaling of time.", Exact()),
        Step("the learned algorithm is plain GD", iterate,
             (sp.eye(2) - (sp.eye(2) - gamma / 3 * big_lam) ** 3) * b_star,
             "L = 3 steps of unconditioned gradient descent with step γ/L on the population least squares, from "
             "zero, leave the error $(I - \\gamma\\Lambda/L)^L\\beta_*$ that the landscape measures: no "
             "whitening, so the condition number of Λ makes many steps necessary.", Exact()),
        Step("infinite depth: gradient flow in context", sp.Limit(MODE_LOSS_EXPR, depth, sp.oo),
             omega * lam * sp.exp(-2 * gamma * lam),
             "As $L \\to \\infty$ the L steps become in-context gradient flow for time γ: "
             "$(1 - \\gamma\\lambda/L)^{2L} \\to e^{-2\\gamma\\lambda}$.",
             LimitCheck(substitutions={gamma: 1.7, lam: 0.6, omega: 1.1})),
    )
    return Derivation(
        "bordelon2025.rotated_structure",
        "Randomly rotated structured covariance: Γ = γI and the one-dimensional landscape",
        cite("Sec. 3.3, Result 6, App. E"),
        "RRS setting: each context has covariance $O\\Lambda O^T$ and task covariance $O\\Omega O^T$ with a "
        "fresh Haar rotation O; infinite context, no label noise, reduced-Γ model trained by gradient flow "
        "from Γ = 0.",
        steps,
        (rrs_mode_loss_formula(),),
    )
