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
from .asymptotics import e_icl, e_idg, epsilon, g_task, stieltjes_mp
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


@THEORY.derivation("limits")
def limits() -> Derivation:
    m_q = _M(q, kappa)
    by_alpha = {q: _q_of(alpha)}
    steps = (
        Step("κ → ∞, ridgeless, τ > 1",
             sp.Limit(E_GT.subs(kappa, 1 / iota).subs(m, A.m_closed(q, iota)), iota, 0, "+"),
             A.KAPPA_INF["e_tau_gt_1"],
             "Infinite task diversity ($\\iota = 1/\\kappa \\to 0^+$): $M \\to 1/(1+z)$ and "
             "$e = \\frac{\\tau}{\\tau-1}(\\rho + \\frac{q}{1+q})$; e.g. (1.5, 0.5, ∞, 0.5) gives 3.75.",
             LimitCheck(numeric=lambda i: e_icl(mpmath.mpf(1.5), mpmath.mpf(0.5), 1 / i, mpmath.mpf(0.5), 0),
                        substitutions={tau: 1.5, q: 3, rho: 0.5}, start=3)),
        Step("κ → ∞, ridgeless, τ < 1",
             sp.Limit(E_LT.subs(mu_star, q * A.m_closed(q, iota * tau)).subs(kappa, 1 / iota),
                      iota, 0, "+"),
             A.KAPPA_INF["e_tau_lt_1"],
             "$e = (\\rho + \\frac{q}{1+q})/(1-\\tau) + (1-\\tau)/(1+q)$; e.g. (0.8, 2, ∞, 0.2) gives 3.0.",
             LimitCheck(numeric=lambda i: e_icl(mpmath.mpf(0.8), 2, 1 / i, mpmath.mpf(0.2), 0),
                        substitutions={tau: 0.8, q: 0.6, rho: 0.2}, start=3)),
        Step("τ → ∞: the population predictor",
             sp.Limit(E_GT, tau, sp.oo), E_ICL_INF,
             "Infinite pretraining data: the error of $\\Gamma_\\infty = [\\hat R(\\hat R + qI)^{-1}, 0]$, with "
             "$m = M_\\kappa(q)$ kept opaque; e.g. α = 10, κ = 0.5, ρ = 0.01 gives 0.5588.",
             LimitCheck(numeric=_at(e_icl, None, 10, 0.5, 0.01, 0),
                        substitutions={q: 0.101, rho: 0.01, kappa: 0.5, m: _M(sp.Float("0.101", 50), 0.5)},
                        start=4, terms=8, tol=1e-6)),
        Step("τ → 0: nothing is learned",
             sp.Limit(E_LT.subs(mu_star, q * _M(q, kappa / tau)), tau, 0, "+"), 1 + rho,
             "With $n = o(d^2)$ contexts the error is that of the null predictor, $1 + \\rho$.",
             LimitCheck(numeric=_at(e_icl, None, 10, 0.5, 0.01, 0), substitutions={q: 0.101, rho: 0.01, kappa: 0.5},
                        start=4, tol=1e-4)),
        Step("τ → 1⁺: interpolation divergence",
             sp.Limit((tau - 1) * E_GT, tau, 1, "+"), (1 + q) * m * (rho + q - q**2 * m),
             "Ridgeless, both errors diverge as $C/|\\tau - 1|$ at the interpolation threshold $n = d^2$, with "
             "$C = (1+q)\\,m\\,(\\rho + q - q^2 m)$ for $e_{ICL}$.",
             LimitCheck(numeric=lambda t: (t - 1) * e_icl(t, 10, mpmath.mpf(0.5), mpmath.mpf(0.01), 0),
                        substitutions={q: 0.101, rho: 0.01, kappa: 0.5, m: _M(sp.Float("0.101", 50), 0.5)},
                        start=3, tol=1e-4)),
        Step("τ → 1⁻: the same coefficient",
             sp.Limit((1 - tau) * E_LT.subs(mu_star, q * _M(q, kappa / tau)), tau, 1, "-"),
             ((1 + q) * m * (rho + q - q**2 * m)).subs(m, m_q),
             "From below the divergence has the same coefficient: the peak is symmetric in $1/|\\tau - 1|$.",
             LimitCheck(symbolic=False,
                        numeric=lambda t: (1 - t) * e_icl(t, 10, mpmath.mpf(0.5), mpmath.mpf(0.01), 0),
                        substitutions={q: 0.101, rho: 0.01, kappa: 0.5}, start=3, tol=1e-4)),
        Step("ridge removes the divergence",
             sp.Limit(sp.Function("e_ICL")(tau), tau, 1), sp.Float(float(e_icl(1.0, 10, np.inf, 0.01, 0.1)), 15),
             "Any $\\lambda > 0$ keeps the error finite and continuous at $\\tau = 1$ (α = 10, κ = ∞, ρ = 0.01, "
             "λ = 0.1; the paper's Fig. 1C).",
             LimitCheck(symbolic=False, numeric=_at(e_icl, None, 10, mpmath.inf, 0.01, 0.1), start=3, tol=1e-8)),
        Step("λ → 0⁺ for τ > 1: ε ≈ τλ/(τ−1)",
             sp.Limit(sp.Function("epsilon")(lam) / lam, lam, 0, "+"), tau / (tau - 1),
             "Above the threshold the extra ridge vanishes with the ridge, so the ridgeless curves are the "
             "$\\lambda \\to 0^+$ limits of the general ones (τ = 2, α = 10, κ = 0.5, ρ = 0.01).",
             LimitCheck(symbolic=False, substitutions={tau: 2},
                        numeric=lambda x: epsilon(2, 10, mpmath.mpf(0.5), mpmath.mpf(0.01), x) / x, start=4)),
        Step("α → ∞, τ > 1, κ > 1",
             sp.Limit(E_GT.subs(m, m_q).subs(by_alpha).subs(kappa, 1 + k), alpha, sp.oo),
             rho * (1 + (1 + k) / (k * (tau - 1))),
             "Long contexts with enough task diversity: the error tends to $\\rho[1 + \\kappa/((\\kappa-1)(\\tau-1))]$.",
             LimitCheck(numeric=_at(e_icl, 2, None, 3, 0.1, 0), substitutions={tau: 2, k: 2, rho: 0.1},
                        start=4, terms=8, tol=1e-4)),
        Step("α → ∞, τ > 1, IDG",
             sp.Limit(IDG_GT.subs(m, m_q).subs(by_alpha), alpha, sp.oo), tau * rho / (tau - 1),
             "In distribution the error tends to $\\tau\\rho/(\\tau-1)$ for every κ.",
             LimitCheck(numeric=_at(e_idg, 2, None, 0.5, 0.1, 0), substitutions={tau: 2, kappa: 0.5, rho: 0.1},
                        start=4, tol=1e-4)),
        Step("α → ∞, τ > 1, κ < 1: linear growth",
             sp.Limit(E_GT.subs(m, m_q).subs(by_alpha).subs(kappa, 1 / (1 + k)) / alpha, alpha, sp.oo),
             rho * (1 - 1 / (1 + k)) / ((1 + rho) * (tau - 1)),
             "Below $\\kappa = 1$ the ICL error grows linearly in α: "
             "$e_{ICL}/\\alpha \\to \\rho(1-\\kappa)/((1+\\rho)(\\tau-1))$ (memorisation of the task subspace).",
             LimitCheck(numeric=lambda a: e_icl(2, a, mpmath.mpf(0.5), mpmath.mpf(0.1), 0) / a,
                        substitutions={tau: 2, k: 1, rho: 0.1}, start=4, tol=1e-4)),
        Step("α → ∞, τ < 1, κ > τ",
             sp.Limit(sp.Function("e_ICL")(alpha), alpha, sp.oo), sp.Float(_tau_below_one_limit(0.3, 1.0, 0.01), 30),
             "Below the threshold with $\\kappa > \\tau$: $e_{ICL} \\to 1 - \\tau + \\rho(1 + 1/\\epsilon_0)$ with "
             "$\\epsilon_0 M_\\kappa(\\epsilon_0) = 1 - \\tau$; (τ, κ, ρ) = (0.3, 1, 0.01) gives 0.716.",
             LimitCheck(symbolic=False, numeric=_at(e_icl, 0.3, None, 1.0, 0.01, 0), start=5, terms=8, tol=1e-4)),
        Step("α → ∞, τ < 1, κ < τ: divergence",
             sp.Limit(sp.Function("e_ICL")(alpha), alpha, sp.oo), sp.oo,
             "When $\\kappa < \\tau < 1$ no $\\epsilon_0$ exists and the ICL error diverges (τ = 0.6, κ = 0.5).",
             LimitCheck(symbolic=False, numeric=_at(e_icl, 0.6, None, 0.5, 0.01, 0), start=2)),
        Step("g_task → 1 − κ for κ < 1",
             sp.Limit((E_ICL_INF - E_IDG_INF).subs(m, m_q).subs(kappa, 1 / (1 + k)), q, 0, "+"),
             1 - 1 / (1 + k),
             "Taking τ → ∞ and then α → ∞ ($q \\to 0^+$): the task-generalisation gap tends to $(1-\\kappa)_+$, "
             "non-analytic at the memorisation-to-ICL transition κ = 1.",
             LimitCheck(numeric=lambda x: g_task(TAU_INF, (1 + mpmath.mpf(0.01)) / x, mpmath.mpf(0.5),
                                                 mpmath.mpf(0.01), 0),
                        substitutions={k: 1}, start=4, tol=1e-3)),
        Step("g_task → 0 for κ > 1",
             sp.Limit((E_ICL_INF - E_IDG_INF).subs(m, m_q).subs(kappa, 1 + k), q, 0, "+"), sp.S.Zero,
             "Above the transition the model generalises to new tasks: no gap in the limit.",
             LimitCheck(numeric=lambda x: g_task(TAU_INF, (1 + mpmath.mpf(0.01)) / x, 2, mpmath.mpf(0.01), 0),
                        start=4, tol=1e-3)),
        Step("α → 0",
             sp.Limit((E_ICL_INF.subs(m, m_q) - 1 - rho) * q, q, sp.oo), 1 / kappa - 1,
             "Very short contexts ($q \\to \\infty$) at τ = ∞: $e_{ICL} \\approx 1 + \\rho + (1/\\kappa - 1)/q$, "
             "worse than the null predictor when κ < 1.",
             # sympy.limit does not finish on this one (sqrt of a large argument): numeric only.
             LimitCheck(symbolic=False, numeric=lambda x: (e_icl(TAU_INF, (1 + mpmath.mpf(0.1)) / x, mpmath.mpf(0.5),
                                                 mpmath.mpf(0.1), 0) - 1 - mpmath.mpf(0.1)) * x,
                        substitutions={kappa: 0.5}, start=3, terms=6, tol=1e-3)),
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
        "$m = M_\\kappa(q)$. Each claimed limit is verified by SymPy where it can and by mpmath along a "
        "sequence approaching the point.",
        steps,
    )


def _tau_below_one_limit(tau_: float, kappa_: float, rho_: float) -> float:
    """1 − τ + ρ(1 + 1/ε₀) with ε₀ M_κ(ε₀) = 1 − τ (docs/theory/lu2024.md §6.4), at 30 digits."""
    with mpmath.workdps(30):
        def residual(log_eps):
            e0 = mpmath.exp(log_eps)
            return e0 * stieltjes_mp(e0, mpmath.mpf(kappa_)) - (1 - mpmath.mpf(tau_))

        e0 = mpmath.exp(mpmath.findroot(residual, (-10, 10), solver="illinois"))
        return float(1 - mpmath.mpf(tau_) + mpmath.mpf(rho_) * (1 + 1 / e0))


def _random_point(rng) -> dict:
    """A point of the issue's box: τ ∈ [1e-3, 1e3], α ∈ [1e-2, 1e4], κ ∈ [1e-3, 1e3] ∪ {∞}, ρ, λ."""
    point = {"tau": 10 ** rng.uniform(-3, 3), "alpha": 10 ** rng.uniform(-2, 4),
             "kappa": np.inf if rng.random() < 0.1 else 10 ** rng.uniform(-3, 3),
             "rho": 10 ** rng.uniform(-4, 1), "lam": 0.0 if rng.random() < 0.3 else 10 ** rng.uniform(-10, 2)}
    if point["lam"] == 0 and abs(point["tau"] - 1) < 1e-6:
        point["tau"] = 2.0  # the ridgeless pole, where e_ICL = inf
    return point
