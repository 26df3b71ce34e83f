"""Limits, phase transitions and bounds of the Lu et al. (2025) learning curves, each checked.

Every claim is a step ``Limit(expression, x, x0) = value``: SymPy's ``limit``
where it succeeds (per regime, with positive reparametrisations such as
κ = 1 + k or κ = 1/ι, and resolvent quantities kept opaque where possible),
and always an independent numeric cross-check that evaluates the package's
numeric learning curves with mpmath along a sequence approaching the point.
docs/theory/lu2024.md §6 lists the claims; tuples below are (τ, α, κ, ρ, λ).
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from icl_sym.core.derivation import Derivation, Step
from icl_sym.core.limits import InequalityCheck, LimitCheck

from . import forms as A
from .asymptotics import e_icl, e_idg, epsilon, g_task
from .derived import bayes_icl_error
from .symbols import alpha, cite, rho
from .theory import THEORY

__all__ = ["limits"]

tau, kappa, q, lam = A.tau, A.kappa, A.q, A.lam
m, mu_star = A.m_star, A.mu_star
k = sp.Symbol("k", positive=True)  # κ = 1 + k (κ > 1) or κ = 1/(1 + k) (κ < 1)
TAU_INF = mpmath.mpf(10) ** 40  # "τ = ∞" in numeric iterated limits: corrections are O(1/τ)

E_GT = A.RIDGELESS["e_icl_tau_gt_1"]
E_LT = A.RIDGELESS["e_icl_tau_lt_1"]
IDG_GT = A.RIDGELESS["e_idg_tau_gt_1"]
iota = A.iota
K_STAR, E_ICL_INF, E_IDG_INF = A.K_STAR, A.E_ICL_INF, A.E_IDG_INF


def _M(z, kappa_):
    return A.m_closed(z, 1 / kappa_)


def _at(fn, *fixed):
    """A one-variable mpmath function: ``fn`` with all arguments fixed except the one given as None."""
    def call(x):
        args = [x if a is None else mpmath.mpf(a) for a in fixed]
        return fn(*args)

    return call


def _q_of(alpha_):
    return (1 + rho) / alpha_


#: The ridge's ε at κ = ∞ (closed form) and the paper's e_ICL with M = 1/(1 + z): explicit in τ, finite at τ = 1.
_EPS_KAPPA_INF = A.KAPPA_INF["eps_ridge"]
_E_RIDGE_KAPPA_INF = A.E_ICL.subs(A.c, A.C).subs({A.M: 1 / (1 + A.nu), A.Mp: -1 / (1 + A.nu) ** 2}).subs(
    A.nu, q + A.eps).subs(A.eps, _EPS_KAPPA_INF)
#: On the Marchenko-Pastur curve q is rational in m = M_κ(q): q = 1/m − κ/(κ + m) (m ↓ 0 as q ↑ ∞).
_Q_OF_M = 1 / m - kappa / (kappa + m)
u = sp.Symbol("u", positive=True)  # ε/λ
s_ = sp.Symbol("s", positive=True)  # τ = 1/(1 + s) < 1
rho_pos = sp.Symbol("rho", positive=True)


@THEORY.derivation("limits")
def limits() -> Derivation:
    m_q = _M(q, kappa)
    by_alpha = {q: _q_of(alpha)}
    e_lt = E_LT.subs(mu_star, q * A.m_closed(q, tau / kappa))  # ridgeless τ < 1, explicit in q, κ, τ
    half, tenth, hundredth = mpmath.mpf("0.5"), mpmath.mpf("0.1"), mpmath.mpf("0.01")
    steps = (
        Step("κ → ∞, ridgeless, τ > 1",
             sp.Limit(E_GT.subs(kappa, 1 / iota).subs(m, A.m_closed(q, iota)), iota, 0, "+"),
             A.KAPPA_INF["e_tau_gt_1"],
             "Infinite task diversity ($\\iota = 1/\\kappa \\to 0^+$): $M \\to 1/(1+z)$ and "
             "$e = \\frac{\\tau}{\\tau-1}(\\rho + \\frac{q}{1+q})$; e.g. (1.5, 0.5, ∞, 0.5) gives 3.75.",
             LimitCheck(package=lambda i: e_icl(mpmath.mpf(1.5), half, 1 / i, half, 0),
                        substitutions={tau: 1.5, q: 3, rho: 0.5}, start=3)),
        Step("κ → ∞, ridgeless, τ < 1",
             sp.Limit(E_LT.subs(mu_star, q * A.m_closed(q, iota * tau)).subs(kappa, 1 / iota), iota, 0, "+"),
             A.KAPPA_INF["e_tau_lt_1"],
             "$e = (\\rho + \\frac{q}{1+q})/(1-\\tau) + (1-\\tau)/(1+q)$; e.g. (0.8, 2, ∞, 0.2) gives 3.0.",
             LimitCheck(package=lambda i: e_icl(mpmath.mpf(0.8), 2, 1 / i, mpmath.mpf(0.2), 0),
                        substitutions={tau: 0.8, q: 0.6, rho: 0.2}, start=3)),
        Step("τ → ∞: the population predictor",
             sp.Limit(E_GT, tau, sp.oo), E_ICL_INF,
             "Infinite pretraining data: the error of $\\Gamma_\\infty = [\\hat R(\\hat R + qI)^{-1}, 0]$, with "
             "$m = M_\\kappa(q)$ kept opaque; e.g. α = 10, κ = 0.5, ρ = 0.01 gives 0.5588.",
             LimitCheck(package=_at(e_icl, None, 10, 0.5, 0.01, 0),
                        substitutions={q: 0.101, rho: 0.01, kappa: 0.5, m: _M(sp.Float("0.101", 50), 0.5)},
                        start=4, terms=8, tol=1e-6)),
        Step("τ → 0: nothing is learned",
             sp.Limit(E_LT.subs(mu_star, q * _M(q, kappa / tau)), tau, 0, "+"), 1 + rho,
             "With $n = o(d^2)$ contexts the error is that of the null predictor, $1 + \\rho$.",
             LimitCheck(package=_at(e_icl, None, 10, 0.5, 0.01, 0), substitutions={q: 0.101, rho: 0.01, kappa: 0.5},
                        start=4, tol=1e-4)),
        Step("τ → 1⁺: interpolation divergence",
             sp.Limit((tau - 1) * E_GT, tau, 1, "+"), (1 + q) * m * (rho + q - q**2 * m),
             "Ridgeless, both errors diverge as $C/|\\tau - 1|$ at the interpolation threshold $n = d^2$, with "
             "$C = (1+q)\\,m\\,(\\rho + q - q^2 m)$ for $e_{ICL}$.",
             LimitCheck(package=lambda t: (t - 1) * e_icl(t, 10, half, hundredth, 0),
                        substitutions={q: 0.101, rho: 0.01, kappa: 0.5, m: _M(sp.Float("0.101", 50), 0.5)},
                        start=3, tol=1e-4)),
        Step("τ → 1⁻: the same coefficient",
             sp.Limit((1 - tau) * e_lt, tau, 1, "-"), ((1 + q) * m * (rho + q - q**2 * m)).subs(m, m_q),
             "From below the divergence has the same coefficient: the peak is symmetric in $1/|\\tau - 1|$.",
             LimitCheck(package=lambda t: (1 - t) * e_icl(t, 10, half, hundredth, 0),
                        substitutions={q: 0.101, rho: 0.01, kappa: 0.5}, start=3, tol=1e-4)),
        Step("ridge removes the divergence",
             sp.Limit(_E_RIDGE_KAPPA_INF, tau, 1), _E_RIDGE_KAPPA_INF.subs(tau, 1),
             "At $\\kappa = \\infty$ the ridge's $\\epsilon$ has a closed form, positive at $\\tau = 1$ "
             "($\\epsilon = (\\lambda + \\sqrt{\\lambda^2 + 4\\lambda(1+q)})/2$), so the denominator "
             "$\\tau - 1 + 2\\epsilon M + \\epsilon^2 M'$ of $c$ stays positive and $e_{ICL}$ is continuous there: "
             "the limit is the closed form at $\\tau = 1$ (α = 10, ρ = 0.01, λ = 0.1 gives 0.3607; the paper's "
             "Fig. 1C). SymPy's limit does not finish on the nested radicals: the stated expression and the package's "
             "$e_{ICL}$ are evaluated along τ → 1.",
             LimitCheck(symbolic=False, package=_at(e_icl, None, 10, mpmath.inf, 0.01, 0.1),
                        substitutions={q: sp.Rational(101, 1000), rho: sp.Rational(1, 100), lam: sp.Rational(1, 10)},
                        start=3, tol=1e-8)),
        Step("λ → 0⁺ for τ > 1: the equation for ε/λ",
             sp.Limit(lam * u * A.m_closed(q + lam * u, 1 / kappa) - (1 - tau + tau / u), lam, 0, "+"),
             tau - 1 - tau / u,
             "Write $\\epsilon = \\lambda u$ in the self-consistency $\\epsilon M_\\kappa(q + \\epsilon) = "
             "1 - \\tau + \\tau\\lambda/\\epsilon$: as $\\lambda \\to 0^+$ it becomes $\\tau - 1 - \\tau/u = 0$, whose "
             "root $u = \\tau/(\\tau - 1)$ is simple (dominant balance), so $\\epsilon/\\lambda \\to \\tau/(\\tau-1)$.",
             LimitCheck(substitutions={tau: 2, u: 3, q: 0.101, kappa: 0.5}, start=3)),
        Step("λ → 0⁺ for τ > 1: ε/λ → τ/(τ − 1)",
             sp.Limit(sp.Function("epsilon")(lam) / lam, lam, 0, "+"), tau / (tau - 1),
             "Above the threshold the extra ridge vanishes with the ridge, so the ridgeless curves are the "
             "$\\lambda \\to 0^+$ limits of the general ones. The value is the root of the previous step; here the "
             "package's $\\epsilon(\\lambda)$ is evaluated along λ → 0 (τ = 2, α = 10, κ = 0.5, ρ = 0.01).",
             LimitCheck(symbolic=False, substitutions={tau: 2},
                        implementations={"epsilon": lambda x: epsilon(2, 10, half, hundredth, x)}, start=4)),
        Step("α → ∞, τ > 1, κ > 1",
             sp.Limit(E_GT.subs(m, m_q).subs(by_alpha).subs(kappa, 1 + k), alpha, sp.oo),
             rho * (1 + (1 + k) / (k * (tau - 1))),
             "Long contexts with enough task diversity: the error tends to $\\rho[1 + \\kappa/((\\kappa-1)(\\tau-1))]$.",
             LimitCheck(package=_at(e_icl, 2, None, 3, 0.1, 0), substitutions={tau: 2, k: 2, rho: 0.1},
                        start=4, terms=8, tol=1e-4)),
        Step("α → ∞, τ > 1, IDG",
             sp.Limit(IDG_GT.subs(m, m_q).subs(by_alpha), alpha, sp.oo), tau * rho / (tau - 1),
             "In distribution the error tends to $\\tau\\rho/(\\tau-1)$ for every κ.",
             LimitCheck(package=_at(e_idg, 2, None, 0.5, 0.1, 0), substitutions={tau: 2, kappa: 0.5, rho: 0.1},
                        start=4, tol=1e-4)),
        Step("α → ∞, τ > 1, κ < 1: linear growth",
             sp.Limit(E_GT.subs(m, m_q).subs(by_alpha).subs(kappa, 1 / (1 + k)) / alpha, alpha, sp.oo),
             rho * (1 - 1 / (1 + k)) / ((1 + rho) * (tau - 1)),
             "Below $\\kappa = 1$ the ICL error grows linearly in α: "
             "$e_{ICL}/\\alpha \\to \\rho(1-\\kappa)/((1+\\rho)(\\tau-1))$ (memorisation of the task subspace).",
             LimitCheck(package=lambda a: e_icl(2, a, half, tenth, 0) / a,
                        substitutions={tau: 2, k: 1, rho: 0.1}, start=4, tol=1e-4)),
        Step("α → ∞, τ < 1, κ > τ",
             sp.Limit(e_lt.subs(kappa, tau * (1 + k)).subs(by_alpha), alpha, sp.oo),
             1 - tau + rho * (k + tau) / (k * (1 - tau)),
             "Below the threshold with $\\kappa = \\tau(1 + k) > \\tau$ the error tends to "
             "$1 - \\tau + \\rho(1 + 1/\\epsilon_0)$ with $\\epsilon_0 = k(1-\\tau)/(\\tau(1+k))$, the root of "
             "$\\epsilon_0 M_\\kappa(\\epsilon_0) = 1 - \\tau$; (τ, κ, ρ) = (0.3, 1, 0.01) gives 0.716.",
             LimitCheck(package=_at(e_icl, 0.3, None, 1.0, 0.01, 0),
                        substitutions={tau: sp.Rational(3, 10), k: sp.Rational(7, 3), rho: sp.Rational(1, 100)},
                        start=5, terms=8, tol=1e-4)),
        Step("α → ∞, τ < 1, κ < τ: divergence",
             sp.Limit(e_lt.subs(kappa, tau / (1 + k)).subs(by_alpha).subs({tau: 1 / (1 + s_), rho: rho_pos}),
                      alpha, sp.oo), sp.oo,
             "When $\\kappa = \\tau/(1 + k) < \\tau < 1$ (here $\\tau = 1/(1+s)$) and $\\rho > 0$, no "
             "$\\epsilon_0$ exists and the ICL error diverges (τ = 0.6, κ = 0.5).",
             LimitCheck(package=_at(e_icl, 0.6, None, 0.5, 0.01, 0),
                        substitutions={s_: sp.Rational(2, 3), k: sp.Rational(1, 5), rho_pos: sp.Rational(1, 100)},
                        start=2)),
        Step("g_task → 1 − κ for κ < 1",
             sp.Limit((E_ICL_INF - E_IDG_INF).subs(m, m_q).subs(kappa, 1 / (1 + k)), q, 0, "+"),
             1 - 1 / (1 + k),
             "Taking τ → ∞ and then α → ∞ ($q \\to 0^+$): the task-generalisation gap tends to $(1-\\kappa)_+$, "
             "non-analytic at the memorisation-to-ICL transition κ = 1.",
             LimitCheck(package=lambda x: g_task(TAU_INF, (1 + hundredth) / x, half, hundredth, 0),
                        substitutions={k: 1}, start=4, tol=1e-3)),
        Step("g_task → 0 for κ > 1",
             sp.Limit((E_ICL_INF - E_IDG_INF).subs(m, m_q).subs(kappa, 1 + k), q, 0, "+"), sp.S.Zero,
             "Above the transition the model generalises to new tasks: no gap in the limit.",
             LimitCheck(package=lambda x: g_task(TAU_INF, (1 + hundredth) / x, 2, hundredth, 0),
                        substitutions={k: 1}, start=4, tol=1e-3)),
        Step("α → 0",
             sp.Limit(((E_ICL_INF - 1 - rho) * q).subs(q, _Q_OF_M), m, 0, "+"), 1 / kappa - 1,
             "Very short contexts ($q \\to \\infty$) at τ = ∞: $e_{ICL} \\approx 1 + \\rho + (1/\\kappa - 1)/q$, "
             "worse than the null predictor when κ < 1. On the Marchenko-Pastur curve $q = 1/m - \\kappa/(\\kappa + m)$ "
             "is rational in $m = M_\\kappa(q)$, which falls to 0 as $q \\to \\infty$: the limit is taken in $m$, "
             "where SymPy finishes (in $q$ it stalls on the square root).",
             LimitCheck(package=lambda x: _alpha_to_zero(x, half, tenth),
                        substitutions={kappa: sp.Rational(1, 2), rho: sp.Rational(1, 10)}, start=3, terms=6,
                        tol=1e-3)),
        Step("ICL error ≥ Bayes-optimal error",
             sp.Function("e_ICL")(tau, alpha, kappa, rho, lam), rho * (1 + sp.Function("S_W")(rho, alpha)),
             "For Gaussian tasks the posterior mean (ridge with ridge ρ) is optimal, so no predictor, linear "
             "attention included, beats $\\rho(1 + S_W(\\rho, \\alpha))$: a property test over random points "
             "spread log-uniformly over the whole parameter box.",
             InequalityCheck(_random_point, lambda **p: e_icl(**p), lambda **p: bayes_icl_error(p["rho"], p["alpha"]),
                             points=400)),
    )
    return Derivation(
        "lu2024.limits",
        "Limits and phase transitions of the learning curves",
        cite("§§ on double descent, context length and task diversity", "docs/theory/lu2024.md §6"),
        "The asymptotic errors $e_{ICL}(\\tau, \\alpha, \\kappa, \\rho, \\lambda)$ and $e_{IDG}$ of "
        "lu2024.asymptotic_curves (ridgeless unless a λ is given), with $q = (1+\\rho)/\\alpha$ and "
        "$m = M_\\kappa(q)$. Each claimed limit states an expression; mpmath evaluates that expression along a "
        "sequence approaching the point, SymPy's limit is asked where it finishes (each step's method says which), "
        "and the package's own function is evaluated along the same sequence.",
        steps,
    )


def _alpha_to_zero(m_, kappa_, rho_):
    """(e_ICL(τ = ∞) − 1 − ρ)·q from the package, at the q whose M_κ(q) is ``m_`` (the step's variable)."""
    q_ = 1 / m_ - kappa_ / (kappa_ + m_)
    return (e_icl(TAU_INF, (1 + rho_) / q_, kappa_, rho_, 0) - 1 - rho_) * q_


def _random_point(rng) -> dict:
    """A point of the issue's box: τ ∈ [1e-3, 1e3], α ∈ [1e-2, 1e4], κ ∈ [1e-3, 1e3] ∪ {∞}, ρ, λ."""
    point = {"tau": 10 ** rng.uniform(-3, 3), "alpha": 10 ** rng.uniform(-2, 4),
             "kappa": np.inf if rng.random() < 0.1 else 10 ** rng.uniform(-3, 3),
             "rho": 10 ** rng.uniform(-4, 1), "lam": 0.0 if rng.random() < 0.3 else 10 ** rng.uniform(-10, 2)}
    if point["lam"] == 0 and abs(point["tau"] - 1) < 1e-6:
        point["tau"] = 2.0  # the ridgeless pole, where e_ICL = inf
    return point
