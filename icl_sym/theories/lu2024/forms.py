"""Symbols and forms of the Lu et al. (2025) learning curves: the one symbolic source of truth (Section 5).

Scaling limit ``d -> inf`` with ``l/d -> alpha``, ``k/d -> kappa``, ``n/d^2 -> tau``; ``rho`` is
the label-noise variance and ``lam`` the ridge in ``(n/d) lam |Gamma|_F^2``.

* The paper's forms: ``Q`` (``q = (1+rho)/alpha``), ``NU`` (``nu = q + eps``), ``C`` (``c``), ``E_ICL``
  (in ``c``), ``E_IDG = tau c``, the self-consistency ``SELF_CONSISTENCY`` for ``eps``, its ``QUARTIC``
  form, the ridgeless ``eps`` (``EPS_RIDGELESS``), the ridgeless closed forms (``RIDGELESS``), the
  ``kappa = inf`` forms (``KAPPA_INF``) and the ``tau -> inf`` population errors (``E_ICL_INF``,
  ``E_IDG_INF``). ``M = M_kappa(nu)`` and ``Mp = M'_kappa(nu)`` stay opaque symbols;
  :func:`substitute_stieltjes` puts the Marchenko-Pastur closed forms in.
* The stable forms ``STABLE`` the numerics are generated from: algebraically equal to the paper's
  forms (:func:`verify_identities` proves it) but with every term positive, so nothing cancels.
* :func:`m_stable`: the one closed form of ``M_kappa(z)`` used everywhere, in ``iota = 1/kappa``
  (``iota = 0`` is ``kappa = inf``, where it is ``1/(1 + z)``).

``e_IDG = tau c`` for ``lam > 0`` is a reconstruction (the paper states the ridgeless IDG error);
see ``docs/theory/lu2024.md`` §5.3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from icl_sym.core.stieltjes import marchenko_pastur, stable_quadratic_root

from .symbols import alpha, rho

__all__ = [
    "tau", "kappa", "lam", "q", "eps", "nu", "M", "Mp", "c", "M_tau", "m_star", "mu_star", "iota", "shift",
    "MARCHENKO_PASTUR", "Q", "NU", "C", "E_ICL", "E_IDG", "SELF_CONSISTENCY", "QUARTIC", "EPS_RIDGELESS",
    "K_STAR", "RIDGELESS", "KAPPA_INF", "E_ICL_INF", "E_IDG_INF", "STABLE", "BOUND_COEFFICIENTS",
    "m_stable", "m_closed", "substitute_stieltjes", "Identity", "identities", "zero", "verify_identities",
]

# ---------------------------------------------------------------------------------------------
# Symbols
# ---------------------------------------------------------------------------------------------
tau = sp.Symbol("tau", positive=True)
kappa = sp.Symbol("kappa", positive=True)
lam = sp.Symbol("lambda", nonnegative=True)
q = sp.Symbol("q", positive=True)  #: (1 + rho)/alpha, the code's x*
eps = sp.Symbol("epsilon", nonnegative=True)  #: self-consistent extra ridge
nu = sp.Symbol("nu", positive=True)  #: q + eps
M = sp.Symbol("M", positive=True)  #: M_kappa(nu), opaque
Mp = sp.Symbol("Mp", negative=True)  #: M'_kappa(nu), opaque
c = sp.Symbol("c", positive=True)  #: variance coefficient
M_tau = sp.Symbol("M_tau", positive=True)  #: M_{kappa/tau}(q) (ridgeless, tau < 1)
m_star = sp.Symbol("m_star", positive=True)  #: M_kappa(q)
mu_star = sp.Symbol("mu_star", positive=True)  #: q M_{kappa/tau}(q)
iota = sp.Symbol("iota", positive=True)  #: 1/kappa; kappa = inf is the value iota = 0 (all forms are continuous there)
shift = sp.Symbol("s", nonnegative=True)  #: eigenvalue shift of the eps bounds

#: ``M_kappa(z)``: Marchenko-Pastur resolvent trace, Section 5.1(a).
MARCHENKO_PASTUR = marchenko_pastur(kappa=kappa, m=M)

# ---------------------------------------------------------------------------------------------
# Paper formulas, Section 5 (M, Mp opaque)
# ---------------------------------------------------------------------------------------------
#: q = (1 + rho)/alpha (Section 2; the code's x*).
Q = (1 + rho) / alpha
#: nu = q + eps (Section 5.1(b)).
NU = q + eps
#: Variance coefficient c (Section 5.1(c)); M, Mp at nu.
C = (rho + nu - nu**2 * M - eps * (1 - 2 * nu * M - nu**2 * Mp)) / (tau - 1 + 2 * eps * M + eps**2 * Mp)
#: e_ICL (Section 5.2, Result ICL), in terms of c.
E_ICL = (1 + q) * (1 - 2 * nu * M - nu**2 * Mp + c * (M + eps * Mp)) - 2 * (1 - nu * M) + 1 + rho
#: e_IDG = tau c (Section 5.3).
E_IDG = tau * c
#: Self-consistency for eps (Section 5.1(b)): zero at the root, with M = M_kappa(q + eps).
SELF_CONSISTENCY = eps * M - (1 - tau + tau * lam / eps)
_u = (1 - tau) * eps + tau * lam
#: Equivalent quartic in eps (Section 5.1(b); the authors' notebook quartic is wrong, Section 10).
QUARTIC = (q + eps) * _u**2 + (kappa * (q + eps) + kappa - 1) * _u * eps**2 - kappa * eps**4
#: Ridgeless eps for tau < 1 (Section 5.1(b)), with M_tau = M_{kappa/tau}(q).
EPS_RIDGELESS = (1 - tau) / (tau * M_tau)

# Section 5.4, in x* = q, m* = M_kappa(q), mu* = q M_{kappa/tau}(q).
#: k* = -M'_kappa(q)/M_kappa(q)^2 in terms of m* = M_kappa(q) (Section 5.4).
K_STAR = 1 / (1 - kappa * (m_star / (kappa + m_star)) ** 2)
_eps_54 = (1 - tau) * q / (tau * mu_star)
_k_tilde = 1 / (1 - kappa / (1 + kappa * _eps_54 / (1 - tau)) ** 2)
#: tau -> inf: the errors of the population predictor Gamma_inf = [R(R + qI)^{-1}, 0] (Section 6.2).
E_IDG_INF = rho + q * (1 - q * m_star)
E_ICL_INF = 1 + rho - 2 * (1 - q * m_star) + (1 + q) * (1 - 2 * q * m_star + q**2 * K_STAR * m_star**2)
#: Ridgeless closed forms exactly as in the authors' code (Section 5.4).
RIDGELESS: dict[str, sp.Expr] = {
    "e_icl_tau_lt_1": tau * (1 + q) / (1 - tau) * (1 - tau * (1 - mu_star) ** 2 - ((q - rho) / q) * mu_star)
    - 2 * tau * (1 - mu_star)
    + rho
    + 1,
    "e_idg_tau_lt_1": tau
    * (
        (q + _eps_54) ** 2 / _eps_54
        + (rho + q - 2 * q * (1 - tau) * (q / _eps_54 + 1)) / (1 - tau - _k_tilde * (1 - tau) ** 2)
    ),
    "e_icl_tau_gt_1": (K_STAR - 1 / (tau - 1)) * (1 + q) * (q * m_star) ** 2
    + ((3 - 2 * tau) / (tau - 1)) * m_star * q**2
    + ((1 + rho) * m_star / (tau - 1) + 1) * q
    + rho * m_star / (tau - 1)
    + rho,
    "e_idg_tau_gt_1": tau / (tau - 1) * E_IDG_INF,
}
#: kappa = inf closed forms, Section 6.1 (e_ICL = e_IDG there), and the ridge eps (positive root).
KAPPA_INF: dict[str, sp.Expr] = {
    "e_tau_gt_1": tau / (tau - 1) * (rho + q / (1 + q)),
    "e_tau_lt_1": (rho + q / (1 + q)) / (1 - tau) + (1 - tau) / (1 + q),
    "eps_ridge": (
        (1 - tau) * (1 + q) + tau * lam + sp.sqrt(((1 - tau) * (1 + q) + tau * lam) ** 2 + 4 * tau**2 * lam * (1 + q))
    )
    / (2 * tau),
}

# ---------------------------------------------------------------------------------------------
# Stable forms (numerical layer). Derivation: with M the MP root at nu, 1/M = nu + 1/S where
# S = 1 + M/kappa, and M' = -M^2 S^2 / E with E = S^2 - M^2/kappa > 0. The spectral averages
# T2 = tr R^2 (R+nu)^-2, T3 = tr (R+q)(R+nu)^-2, T4 = tr R (R+nu)^-2 and -M' are then sums of
# positive terms; c's numerator is rho + q T2 + nu^2 T4, and on the eps root its denominator
# tau - tr (R+q)^2 (R+nu)^-2 equals eps T3 + tau lam / eps. All identities: verify_identities().
# iota = 1/kappa keeps kappa = inf an ordinary value (iota = 0).
# ---------------------------------------------------------------------------------------------
_S = 1 + iota * M
# E = S^2 - iota M^2, written so that no sum cancels: for iota >= 1 every term is positive, and
# for iota < 1 (kappa > 1) M <= kappa/(kappa - 1) gives 2 + (iota - 1) M >= 1.
_E = 1 + iota * M * (2 + (iota - 1) * M)
_minus_Mp = M**2 * _S**2 / _E
_T2 = M**2 / _S**2 + iota * nu**2 * M**4 / _E
_T3 = M**2 * (1 + q * _S**2) / _E
_T4 = M**2 / _E
_numerator = rho + q * _T2 + nu**2 * _T4
_deterministic = rho + nu**2 * _minus_Mp + q * _T2
_c_ridge = _numerator / (eps * _T3 + tau * lam / eps)
_c_zero = _numerator / (tau - 1)
_one_minus_eps_M = M * (q + 1 / _S)
# eps/(shift + eps) = 1 - tau + tau lam/eps  <=>  tau eps^2 - ((1 - tau) shift + tau lam) eps
# - tau lam shift = 0: a > 0 >= c, so the "+" root is the nonnegative one.
#: Coefficients (a, b, c) of a eps^2 + b eps + c = 0, the eps bound equation below.
BOUND_COEFFICIENTS = (tau, -((1 - tau) * shift + tau * lam), -tau * lam * shift)
_bound_root = stable_quadratic_root(*BOUND_COEFFICIENTS, +1)[0]

#: Stable forms, each equal to a paper form (see verify_identities); nu, M, Mp as in Section 5.
STABLE: dict[str, sp.Expr] = {
    "minus_Mp": _minus_Mp,
    "c_ridge": _c_ridge,  # eps > 0 on its root (lam > 0, or lam = 0 and tau < 1)
    "e_icl_ridge": _deterministic + (1 + q) * _c_ridge * _T3,
    "e_idg_ridge": tau * _c_ridge,
    "c_zero": _c_zero,  # eps = 0 (lam = 0, tau > 1), nu = q
    "e_icl_zero": _deterministic + (1 + q) * _c_zero * _T3,
    "e_idg_zero": tau * _c_zero,
    # eps equation G = tau - 1 + eps M - tau lam/eps = 0 (G increasing in eps): G1 adds small
    # terms (accurate when eps M <= 1/2), G2 uses 1 - eps M = M (q + 1/S) (accurate otherwise).
    "one_minus_eps_M": _one_minus_eps_M,
    # UnevaluatedExpr keeps tau - 1 grouped in the generated code (exact for 1/2 <= tau <= 2);
    # SymPy's term order would otherwise add tau to the small terms first.
    "G1": sp.UnevaluatedExpr(tau - 1) + eps * M - tau * lam / eps,
    "G2": tau * (1 - lam / eps) - _one_minus_eps_M,
    # d/d(log eps) of phi = log(tau (1 - lam/eps) / (1 - eps M)), which has the same root.
    "dphi_dlog_eps": (lam / eps) / (1 - lam / eps) + eps * _T3 / _one_minus_eps_M,
    # Root of eps/(shift + eps) = 1 - tau + tau lam/eps. Since eps M = eps/(q + 1/S + eps) and
    # 1/(1 + nu) <= M <= 1/nu (Jensen), shift = q, q + 1 bound eps from below and above, and
    # shift = q + 1/S(eps) is exact (1/S increases with eps, so it maps bounds to tighter bounds).
    "bound_root": _bound_root,
}

_M_STABLE = MARCHENKO_PASTUR.stable_form[0].subs(kappa, 1 / iota)


def m_closed(z: sp.Expr, iota_: sp.Expr = iota) -> sp.Expr:
    """``M_kappa(z) = 2 / (a + sqrt(a^2 + 4 iota z))``, ``a = z + 1 - iota``: the closed form for symbolic work.

    Equal to :func:`m_stable` (both are the Herglotz root; ``verify_identities()["mp_closed"]``),
    without its ``Abs``/``sign``, which SymPy's limits handle poorly; it cancels for ``a < 0``, so
    numerics use :func:`m_stable`.
    """
    a = z + 1 - iota_
    return 2 / (a + sp.sqrt(a**2 + 4 * iota_ * z))


def m_stable(z: sp.Expr, iota_: sp.Expr = iota) -> sp.Expr:
    """``M_kappa(z)`` with ``iota = 1/kappa``, in the branch-free, cancellation-free form of the Herglotz root."""
    return _M_STABLE.subs({MARCHENKO_PASTUR.z: z, iota: iota_}, simultaneous=True)


def substitute_stieltjes(expr: sp.Expr, z: sp.Expr = NU) -> sp.Expr:
    """``expr`` with ``M``, ``Mp`` replaced by the Marchenko-Pastur closed forms at ``z`` (late substitution)."""
    zs = MARCHENKO_PASTUR.z
    closed, derivative = MARCHENKO_PASTUR.closed_form, MARCHENKO_PASTUR.derivative
    return expr.subs({M: closed.subs(zs, z), Mp: derivative.subs(zs, z)})


@dataclass(frozen=True)
class Identity:
    """``lhs = rhs``, a rewrite the numerics rely on, and where it holds.

    ``reduce`` maps ``lhs - rhs`` to an expression that is identically zero as a rational function
    (e.g. by moving onto the Marchenko-Pastur curve or the eps root); :func:`zero` then proves it.
    """

    name: str
    lhs: sp.Expr
    rhs: sp.Expr
    holds: str
    reduce: Callable[[sp.Expr], sp.Expr] = lambda expr: expr


def zero(expr: sp.Expr) -> sp.Expr:
    """``expr`` over a common denominator, cancelled and factored: ``0`` exactly when it vanishes identically."""
    return sp.factor(sp.cancel(sp.together(expr)))


def identities() -> tuple[Identity, ...]:
    """Every rewrite the numerical layer relies on, built from the current forms (:data:`STABLE` included).

    On the Marchenko-Pastur curve (parametrised by ``M``: ``nu = 1/M - 1/S``, ``kappa = 1/iota``)
    and, for the ``eps > 0`` forms, on the eps root (``tau = (1 - eps M) eps/(eps - lam)``):
    the MP relation and ``M'``; ``c``, ``e_ICL``, ``e_IDG`` (both regimes); ``G1 = G2 =
    SELF_CONSISTENCY``; the log-derivative; the bound quadratic; the quartic; the ridgeless eps.
    """
    z = MARCHENKO_PASTUR.z
    nu_of_M = 1 / M - 1 / _S
    on_curve = {nu: nu_of_M, q: nu_of_M - eps}
    tau_root = sp.solve(SELF_CONSISTENCY, tau)[0]
    mp_poly = MARCHENKO_PASTUR.polynomial.subs(kappa, 1 / iota)
    bound_eq = eps * (shift + eps) * (eps / (shift + eps) - (1 - tau + tau * lam / eps))
    curve = "on the Marchenko-Pastur curve"
    root = "on the Marchenko-Pastur curve and the eps root (eps > 0)"

    def paper(expr: sp.Expr) -> sp.Expr:
        return expr.subs(c, C).subs(Mp, -_minus_Mp)

    def on_root(expr: sp.Expr) -> sp.Expr:
        return expr.subs(on_curve).subs(tau, tau_root).subs(on_curve)

    def at_zero(expr: sp.Expr) -> sp.Expr:
        return expr.subs(eps, 0).subs(nu, q).subs(q, nu_of_M)

    m_of = sp.Function("M_of")(eps)
    dphi = eps * sp.diff(sp.log(tau * (1 - lam / eps)) - sp.log(1 - eps * m_of), eps)
    dphi = dphi.subs(sp.Derivative(m_of, eps), Mp).subs(m_of, M)
    # Ridgeless eps: with M_tau the MP root at (q, kappa/tau), M = tau M_tau is the MP root at
    # (q + eps, kappa), so eps M = 1 - tau. The MP equation is linear in z, so q is explicit.
    q_of_Mtau = sp.solve(MARCHENKO_PASTUR.polynomial.subs({M: M_tau, kappa: kappa / tau}), z)[0]
    found = [
        Identity("mp_curve", mp_poly, sp.S.Zero, "M parametrises the curve: nu = 1/M - 1/S",
                 lambda e: e.subs(z, nu_of_M)),
        Identity("mp_closed", mp_poly.subs(M, m_closed(z)), sp.S.Zero, "the closed form is a root",
                 lambda e: e.expand()),
        Identity("mp_derivative", -_minus_Mp, MARCHENKO_PASTUR.implicit_derivative.subs(kappa, 1 / iota), curve,
                 lambda e: e.subs(z, nu_of_M)),
        Identity("G1", STABLE["G1"].doit(), SELF_CONSISTENCY, "everywhere"),
        Identity("G2", STABLE["G2"], SELF_CONSISTENCY, curve, lambda e: e.subs(on_curve)),
        Identity("bound_quadratic", sum(cf * eps ** (2 - i) for i, cf in enumerate(BOUND_COEFFICIENTS)), bound_eq,
                 "everywhere"),
        Identity("quartic", (mp_poly.subs(M, _u / eps**2).subs(z, q + eps) * eps**4 / iota).expand(),
                 QUARTIC.subs(kappa, 1 / iota).expand(), "everywhere"),
        Identity("dphi", STABLE["dphi_dlog_eps"], dphi.subs(Mp, -_minus_Mp), curve, lambda e: e.subs(on_curve)),
        Identity("eps_ridgeless", MARCHENKO_PASTUR.polynomial.subs(M, tau * M_tau).subs(z, q_of_Mtau + EPS_RIDGELESS),
                 sp.S.Zero, "lam = 0, tau < 1"),
    ]
    for name, paper_form in (("c", C), ("e_icl", E_ICL), ("e_idg", E_IDG)):
        found.append(Identity(f"{name}_ridge", STABLE[f"{name}_ridge"], paper(paper_form), root, on_root))
        found.append(Identity(f"{name}_zero", STABLE[f"{name}_zero"], paper(paper_form), "eps = 0 " + curve,
                              at_zero))
    return tuple(found)


def verify_identities() -> dict[str, sp.Expr]:
    """Prove every rewrite the numerical layer relies on (:func:`identities`); returns the residuals (all ``0``)."""
    return {i.name: zero(i.reduce(i.lhs - i.rhs)) for i in identities()}
