"""The asymptotic learning curves of Lu et al. (2025), §"Main results", as a checked derivation.

From the Marchenko-Pastur Stieltjes transform (chosen from its polynomial by
the Herglotz condition) to the self-consistent ridge ε, and the ridgeless and
κ = ∞ closed forms shown identical to the general e_ICL / e_IDG at λ → 0+.
The numeric functions live in :mod:`.asymptotics`; this module proves that the
expressions they are generated from agree with the paper's forms.
"""

from __future__ import annotations

import sympy as sp

from icl_sym.core.checks import Exact, NumericIdentity, expanded_numerator
from icl_sym.core.derivation import Derivation, Step
from icl_sym.core.implicit import ImplicitFormula
from icl_sym.core.notation import Notated
from icl_sym.core.formula import Param
from icl_sym.core.validation import Range

from . import forms as A
from .symbols import cite, rho
from .theory import THEORY

__all__ = ["asymptotic_curves", "e_icl_implicit"]

z = A.MARCHENKO_PASTUR.z
kappa, tau, q, eps, nu, lam = A.kappa, A.tau, A.q, A.eps, A.nu, A.lam
M, Mp = A.M, A.Mp
#: One eigenvalue of the task covariance R̂ (trace identities hold eigenvalue by eigenvalue).
r = sp.Symbol("r", nonnegative=True)


def _M(z_: sp.Expr, kappa_: sp.Expr = kappa) -> sp.Expr:
    return A.m_closed(z_, 1 / kappa_)


def _Mp(z_: sp.Expr, kappa_: sp.Expr = kappa) -> sp.Expr:
    return sp.diff(_M(z, kappa_), z).subs(z, z_)


_per_eigenvalue = Exact(simplifier=sp.cancel, given={M: 1 / (r + nu), Mp: -1 / (r + nu) ** 2})
_RANGES = {kappa: (0.2, 5.0), q: (0.05, 4.0), rho: (0.0, 2.0)}


def _ridgeless_general(which: sp.Expr, epsilon: sp.Expr) -> sp.Expr:
    """The general e_ICL / e_IDG at the λ → 0+ value of ε, with M, M' in closed form at ν = q + ε."""
    expr = which.subs(A.c, A.C).subs({M: _M(nu), Mp: _Mp(nu)}).subs(nu, q + eps)
    return expr.subs(eps, epsilon)


@THEORY.derivation("asymptotic_curves")
def asymptotic_curves() -> Derivation:
    mp = A.MARCHENKO_PASTUR
    u = (1 - tau) * eps + tau * lam
    m_tau = _M(q, kappa / tau)  # M_{κ/τ}(q)
    eps_ridgeless = A.EPS_RIDGELESS.subs(A.M_tau, m_tau)
    closed_54 = {A.m_star: _M(q), A.mu_star: q * m_tau}
    ranges_lt = {**_RANGES, tau: (0.05, 0.95)}
    ranges_gt = {**_RANGES, tau: (1.05, 8.0)}
    steps = (
        Step("Marchenko-Pastur polynomial", mp.polynomial.subs(mp.m, mp.closed_form), sp.S.Zero,
             "$M_\\kappa(z) = \\lim \\frac{1}{d}\\mathrm{tr}(\\hat R + z)^{-1}$ solves "
             "$\\frac{z}{\\kappa} M^2 + (z + 1 - \\frac{1}{\\kappa}) M - 1 = 0$; of its two roots the closed form is "
             "the one equal to the Herglotz root (found by mpmath.polyroots at complex $z$) at sample points.",
             Exact()),
        Step("rationalised closed form", mp.closed_form, _M(z),
             "Multiplying numerator and denominator by the conjugate removes the cancellation at large $\\kappa$: "
             "$M_\\kappa(z) = 2/(a + \\sqrt{a^2 + 4z/\\kappa})$ with $a = z + 1 - 1/\\kappa$; $M_\\infty(z) = 1/(1+z)$.",
             Exact()),
        Step("derivative", mp.derivative, _Mp(z),
             "Implicit differentiation of the polynomial, $M' = -P_z/P_M$, equals the derivative of the closed form.",
             NumericIdentity({z: (0.01, 10.0), kappa: (0.1, 10.0)}, points=5, dps=40)),
        Step("trace of R(R+ν)^-1", r / (r + nu), 1 - nu * M,
             "Spectral averages are linear in the eigenvalue distribution, so each identity is checked for one "
             "eigenvalue $r$ with $M \\to 1/(r+\\nu)$ and $M' \\to -1/(r+\\nu)^2$.", _per_eigenvalue,
             lhs_operator=r"\langle\,\cdot\,\rangle_{r}"),
        Step("trace of R^2(R+ν)^-2", r**2 / (r + nu) ** 2, 1 - 2 * nu * M - nu**2 * Mp,
             "Second moment of the shrinkage $\\hat R(\\hat R + \\nu)^{-1}$.", _per_eigenvalue,
             lhs_operator=r"\langle\,\cdot\,\rangle_{r}"),
        Step("trace of (R+q)(R+ν)^-2", (r + q) / (r + nu) ** 2, M + (nu - q) * Mp,
             "Appears in the finite-$\\tau$ variance term.", _per_eigenvalue,
             lhs_operator=r"\langle\,\cdot\,\rangle_{r}"),
        Step("trace of (R+q)^2(R+ν)^-2", (r + q) ** 2 / (r + nu) ** 2, 1 - 2 * (nu - q) * M - (nu - q) ** 2 * Mp,
             "The degrees-of-freedom factor in the denominator of $c$.", _per_eigenvalue,
             lhs_operator=r"\langle\,\cdot\,\rangle_{r}"),
        Step("self-consistency as a quartic",
             sp.expand(kappa * eps**4 * mp.polynomial.subs({mp.m: u / eps**2, z: q + eps})), sp.expand(A.QUARTIC),
             "On the root, $\\epsilon M_\\kappa(q+\\epsilon) = 1 - \\tau + \\tau\\lambda/\\epsilon$, i.e. "
             "$M = u/\\epsilon^2$ with $u = (1-\\tau)\\epsilon + \\tau\\lambda$; put into the Marchenko-Pastur "
             "polynomial at $z = q + \\epsilon$ and multiply by $\\kappa\\epsilon^4$ "
             "(the quartic of docs/theory/lu2024.md §5.1(b), "
             "not the erroneous one of the authors' Fig. 3 notebook).", Exact(simplifier=sp.expand)),
        Step("ridgeless extra ridge, τ < 1", (eps * _M(q + eps)).subs(eps, eps_ridgeless), 1 - tau,
             "At $\\lambda = 0$ and $\\tau < 1$ the root is $\\epsilon = (1-\\tau)/(\\tau M_{\\kappa/\\tau}(q))$: "
             "the self-consistency becomes the Marchenko-Pastur equation at aspect ratio $\\kappa/\\tau$.",
             NumericIdentity(ranges_lt, points=5, dps=40)),
        Step("e_ICL ridgeless, τ > 1", _ridgeless_general(A.E_ICL, sp.S.Zero),
             A.RIDGELESS["e_icl_tau_gt_1"].subs(closed_54),
             "For $\\tau > 1$, $\\epsilon \\to 0$ as $\\lambda \\to 0^+$ (limit checked in lu2024.limits): the general "
             "$e_{ICL}$ at $\\epsilon = 0$ equals the closed form of the authors' code.",
             NumericIdentity(ranges_gt, points=4, dps=40)),
        Step("e_IDG ridgeless, τ > 1", _ridgeless_general(A.E_IDG, sp.S.Zero),
             A.RIDGELESS["e_idg_tau_gt_1"].subs(closed_54),
             "$e_{IDG} = \\tau c$ at $\\epsilon = 0$: an ordinary-least-squares inflation $\\tau/(\\tau-1)$ of the "
             "infinite-data error.", NumericIdentity(ranges_gt, points=4, dps=40)),
        Step("e_ICL ridgeless, τ < 1", _ridgeless_general(A.E_ICL, eps_ridgeless),
             A.RIDGELESS["e_icl_tau_lt_1"].subs(closed_54),
             "At the ridgeless $\\epsilon$ of $\\tau < 1$.", NumericIdentity(ranges_lt, points=4, dps=40)),
        Step("e_IDG ridgeless, τ < 1", _ridgeless_general(A.E_IDG, eps_ridgeless),
             A.RIDGELESS["e_idg_tau_lt_1"].subs(closed_54),
             "At the ridgeless $\\epsilon$ of $\\tau < 1$.", NumericIdentity(ranges_lt, points=4, dps=40)),
        Step("κ = ∞, τ > 1", A.E_ICL.subs(A.c, A.C).subs({M: 1 / (1 + nu), Mp: -1 / (1 + nu) ** 2}).subs(
            {nu: q, eps: 0}), A.KAPPA_INF["e_tau_gt_1"],
             "Infinite task diversity: $M_\\infty(z) = 1/(1+z)$, and $e_{ICL} = e_{IDG}$.",
             Exact(simplifier=expanded_numerator)),
        Step("κ = ∞, τ < 1", A.E_ICL.subs(A.c, A.C).subs({M: 1 / (1 + nu), Mp: -1 / (1 + nu) ** 2}).subs(
            nu, q + eps).subs(eps, (1 - tau) * (1 + q) / tau), A.KAPPA_INF["e_tau_lt_1"],
             "With $M_\\infty$ the ridgeless $\\epsilon = (1-\\tau)(1+q)/\\tau$ is explicit.",
             Exact(simplifier=expanded_numerator)),
    )
    return Derivation(
        "lu2024.asymptotic_curves",
        "Asymptotic learning curves: e_ICL and e_IDG",
        cite("Results (asymptotic ICL and IDG errors)", "docs/theory/lu2024.md §5"),
        "Joint limit $d \\to \\infty$ with $\\ell/d \\to \\alpha$, $k/d \\to \\kappa$, $n/d^2 \\to \\tau$; "
        "$q = (1+\\rho)/\\alpha$; the extra ridge $\\epsilon \\ge 0$ solves "
        "$\\epsilon M_\\kappa(q+\\epsilon) = 1 - \\tau + \\tau\\lambda/\\epsilon$, $\\nu = q + \\epsilon$; "
        "$c = [\\rho + \\nu - \\nu^2 M - \\epsilon(1 - 2\\nu M - \\nu^2 M')]/[\\tau - 1 + 2\\epsilon M + \\epsilon^2 M']$, "
        "$e_{ICL} = (1+q)[1 - 2\\nu M - \\nu^2 M' + c(M + \\epsilon M')] - 2(1 - \\nu M) + 1 + \\rho$, "
        "$e_{IDG} = \\tau c$, with $M, M'$ at $\\nu$.",
        steps,
        (e_icl_implicit(),),
    )


def e_icl_implicit() -> ImplicitFormula:
    """e_ICL for λ > 0 with its ε equation: the self-contained form exported to Python, C and Julia."""
    alpha = sp.Symbol("alpha", positive=True)
    q_alpha = (1 + rho) / alpha
    def m_stable(z_):
        return A.m_stable(z_, 1 / kappa)

    residual = eps * m_stable(q_alpha + eps) - (1 - tau + tau * lam / eps)
    # The stable form of e_ICL (every term positive; equal to the paper's form, see
    # forms.verify_identities) keeps the exported code accurate near ε → 0 and at extreme κ.
    stable = A.STABLE["e_icl_ridge"].subs(A.iota, 1 / kappa)
    expr = stable.subs(M, m_stable(nu)).subs(nu, q + eps).subs(q, q_alpha)
    # 1/(1+ν) ≤ M ≤ 1/ν (Jensen; the eigenvalues of R̂ average 1) bracket the root between the roots
    # of ε/(q+ε) and ε/(q+1+ε) = 1 − τ + τλ/ε, as in the vectorised solver.
    low, high = (A.STABLE["bound_root"].subs(A.shift, q_alpha + s) for s in (0, 1))
    # "lambda" is a keyword in Python: exported code names the ridge "lam" (λ in documents).
    lam_ = Notated("lam", lam, positive=True)
    residual, expr, low, high = (e.subs(lam, lam_) for e in (residual, expr, low, high))
    return ImplicitFormula(
        "lu2024.e_icl_ridge",
        "asymptotic ICL error for lambda > 0, with the self-consistent extra ridge solved inside",
        cite("Result (ICL error)", "docs/theory/lu2024.md §5.1-5.2"),
        (Param(tau, Range(0, low_open=True), "pretraining contexts / d^2"),
         Param(alpha, Range(0, low_open=True), "context length / d"),
         Param(kappa, Range(0, low_open=True, allow_inf=True), "number of tasks / d"),
         Param(rho, Range(0), "label-noise variance"),
         Param(lam_, Range(0, low_open=True), "ridge, (n/d) lambda convention")),
        eps, residual, (low, high), expr, sp.Function("e_ICL")(tau, alpha, kappa, rho, lam_),
    )
