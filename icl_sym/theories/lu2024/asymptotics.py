"""Asymptotic ICL and IDG errors of ridge-pretrained linear attention (Lu et al., Section 5).

Provenance: Lu, Letey, Zavatone-Veth, Maiti, Pehlevan, "Asymptotic theory of in-context learning
by linear attention", arXiv 2405.11751 / PNAS 122(28) e2502599122 (2025); theory note
``lu2024.md`` Sections 5.1-5.4 (auxiliary functions, Result ICL, Result IDG, ridgeless closed
forms) and 6.1 (infinite task diversity). ``e_IDG = tau c`` for ``lam > 0`` is the theory
note's reconstruction (Section 5.3), validated there by simulation.

Scaling limit ``d -> inf`` with ``l/d -> alpha``, ``k/d -> kappa``, ``n/d^2 -> tau``; ``rho`` is
the label-noise variance and ``lam`` the ridge in ``(n/d) lam |Gamma|_F^2``.

**Symbolic layer (single source of truth).** Module-level SymPy expressions transcribe the paper:
``Q`` (``q = (1+rho)/alpha``), ``NU`` (``nu = q + eps``), ``C`` (``c``), ``E_ICL`` (in ``c``),
``E_IDG = tau c``, the self-consistency ``SELF_CONSISTENCY`` for ``eps``, its ``QUARTIC`` form,
the ridgeless ``eps`` (``EPS_RIDGELESS``), the Section 5.4 closed forms (``RIDGELESS``) and the
``kappa = inf`` forms of Section 6.1 (``KAPPA_INF``). ``M = M_kappa(nu)`` and ``Mp = M'_kappa(nu)``
stay opaque symbols; :func:`substitute_stieltjes` puts the Marchenko-Pastur closed forms in.

**Numerical layer.** The paper's ``c`` and ``e_ICL`` subtract nearly equal quantities (e.g.
``1 - 2 nu M - nu^2 M'``, or the denominator ``tau - 1 + 2 eps M + eps^2 M'`` near the
interpolation peak), so the generated code evaluates algebraically equal forms in which every
term is positive (``STABLE``; each identity is proved by :func:`verify_identities`). Every
numeric function is generated from these expressions with ``lambdify`` (numpy, torch, mpmath);
regimes are dispatched in Python (no Piecewise):

* ``lam > 0``: ``eps`` solved from ``eps M_kappa(q + eps) = 1 - tau + tau lam / eps`` by
  bracketed Newton in ``log eps`` (bracket from two exact bounds, see ``_solve_ridge``);
* ``lam = 0, tau < 1``: ``eps = (1 - tau) / (tau M_{kappa/tau}(q))`` (closed form);
* ``lam = 0, tau > 1``: ``eps = 0``;
* ``lam = 0, tau = 1``: the interpolation pole; ``e_icl = e_idg = +inf`` (``eps = 0``);
* ``kappa = inf``: the same code with ``1/kappa = 0`` (``M = 1/(1+z)``); ``g_task = 0`` exactly.

The reference evaluator :func:`reference` is independent of the numerical layer: the paper's
forms ``C`` / ``E_ICL`` / ``E_IDG`` in mpmath, ``M`` and ``M'`` from polynomial roots with the
Herglotz branch (:mod:`icl_sym.core.stieltjes`) and ``eps`` from ``mpmath.findroot``.

Domain of every public function: ``tau`` and ``alpha`` in ``(0, inf)``, ``kappa`` in
``(0, inf)`` or ``inf``, ``rho`` and ``lam`` in ``[0, inf)``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, NamedTuple

import mpmath
import numpy as np
import sympy as sp

from icl_sym.core.numeric import lambdify_expr
from icl_sym.core.roots import find_root_mp, newton_bracketed
from icl_sym.core.stieltjes import marchenko_pastur, stable_quadratic_root, sum_free_terms_first
from icl_sym.core.validation import ParameterError, Range, check_array

from .symbols import alpha, rho

__all__ = [
    "e_icl",
    "e_idg",
    "g_task",
    "epsilon",
    "stieltjes_mp",
    "stieltjes_mp_derivative",
    "reference",
    "e_icl_reference",
    "ReferenceValues",
    "substitute_stieltjes",
    "verify_identities",
    "MARCHENKO_PASTUR",
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
iota = sp.Symbol("iota", nonnegative=True)  #: 1/kappa (0 at kappa = inf), used by the stable forms
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
_k_star = 1 / (1 - kappa * (m_star / (kappa + m_star)) ** 2)
_eps_54 = (1 - tau) * q / (tau * mu_star)
_k_tilde = 1 / (1 - kappa / (1 + kappa * _eps_54 / (1 - tau)) ** 2)
_e_idg_inf = rho + q * (1 - q * m_star)
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
    "e_icl_tau_gt_1": (_k_star - 1 / (tau - 1)) * (1 + q) * (q * m_star) ** 2
    + ((3 - 2 * tau) / (tau - 1)) * m_star * q**2
    + ((1 + rho) * m_star / (tau - 1) + 1) * q
    + rho * m_star / (tau - 1)
    + rho,
    "e_idg_tau_gt_1": tau / (tau - 1) * _e_idg_inf,
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
_bound_coeffs = (tau, -((1 - tau) * shift + tau * lam), -tau * lam * shift)
_bound_root = stable_quadratic_root(*_bound_coeffs, +1)[0]

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

#: M_kappa(z) in the cancellation-free form, with 1/kappa = iota.
M_STABLE = MARCHENKO_PASTUR.stable_form[0].subs(kappa, 1 / iota)


def _m_at(z: sp.Expr, iota_: sp.Expr = iota) -> sp.Expr:
    return M_STABLE.subs({MARCHENKO_PASTUR.z: z, iota: iota_}, simultaneous=True)


def substitute_stieltjes(expr: sp.Expr, z: sp.Expr = NU) -> sp.Expr:
    """``expr`` with ``M``, ``Mp`` replaced by the Marchenko-Pastur closed forms at ``z`` (late substitution)."""
    zs = MARCHENKO_PASTUR.z
    closed, derivative = MARCHENKO_PASTUR.closed_form, MARCHENKO_PASTUR.derivative
    return expr.subs({M: closed.subs(zs, z), Mp: derivative.subs(zs, z)})


def verify_identities() -> dict[str, sp.Expr]:
    """Prove every rewrite the numerical layer relies on; returns the residuals (all ``0``).

    On the Marchenko-Pastur curve (parametrised by ``M``: ``nu = 1/M - 1/S``, ``kappa = 1/iota``)
    and, for the ``eps > 0`` forms, on the eps root (``tau = (1 - eps M) eps/(eps - lam)``):
    the MP relation and ``M'``; ``c``, ``e_ICL``, ``e_IDG`` (both regimes); ``G1 = G2 =
    SELF_CONSISTENCY``; the log-derivative; the bound quadratic; the quartic; the ridgeless eps.
    """
    z = MARCHENKO_PASTUR.z
    nu_of_M = 1 / M - 1 / _S
    on_curve = {nu: nu_of_M, q: nu_of_M - eps}
    tau_root = sp.solve(SELF_CONSISTENCY, tau)[0]
    mp_poly = MARCHENKO_PASTUR.polynomial
    bound_eq = eps * (shift + eps) * (eps / (shift + eps) - (1 - tau + tau * lam / eps))

    def zero(expr: sp.Expr) -> sp.Expr:
        return sp.factor(sp.cancel(sp.together(expr)))

    def paper(expr: sp.Expr) -> sp.Expr:
        return expr.subs(c, C).subs(Mp, -_minus_Mp)

    residuals = {
        "mp_curve": zero(mp_poly.subs(kappa, 1 / iota).subs(z, nu_of_M)),
        "mp_derivative": zero(
            MARCHENKO_PASTUR.implicit_derivative.subs(kappa, 1 / iota).subs(z, nu_of_M) + _minus_Mp
        ),
        "G1": zero(STABLE["G1"].doit() - SELF_CONSISTENCY),
        "G2": zero((STABLE["G2"] - SELF_CONSISTENCY).subs(on_curve)),
        "bound_quadratic": zero(sum(cf * eps ** (2 - i) for i, cf in enumerate(_bound_coeffs)) - bound_eq),
        "quartic": zero((mp_poly.subs(M, _u / eps**2).subs(z, q + eps) * kappa * eps**4).expand() - QUARTIC.expand()),
    }
    m_of = sp.Function("M_of")(eps)
    dphi = eps * sp.diff(sp.log(tau * (1 - lam / eps)) - sp.log(1 - eps * m_of), eps)
    dphi = dphi.subs(sp.Derivative(m_of, eps), Mp).subs(m_of, M)
    residuals["dphi"] = zero((STABLE["dphi_dlog_eps"] - dphi.subs(Mp, -_minus_Mp)).subs(on_curve))
    for name, paper_form in (("c", C), ("e_icl", E_ICL), ("e_idg", E_IDG)):
        ridge = (STABLE[f"{name}_ridge"] - paper(paper_form)).subs(on_curve).subs(tau, tau_root)
        residuals[f"{name}_ridge"] = zero(ridge.subs(on_curve))
        at_zero = (STABLE[f"{name}_zero"] - paper(paper_form)).subs(eps, 0).subs(nu, q).subs(q, nu_of_M)
        residuals[f"{name}_zero"] = zero(at_zero)
    # Ridgeless eps: with M_tau the MP root at (q, kappa/tau), M = tau M_tau is the MP root at
    # (q + eps, kappa), so eps M = 1 - tau. The MP equation is linear in z, so q is explicit.
    q_of_Mtau = sp.solve(mp_poly.subs({M: M_tau, kappa: kappa / tau}), z)[0]
    residuals["eps_ridgeless"] = zero(mp_poly.subs(M, tau * M_tau).subs(z, q_of_Mtau + EPS_RIDGELESS))
    return residuals


# ---------------------------------------------------------------------------------------------
# Generated numeric kernels: every function below is one lambdified expression
# ---------------------------------------------------------------------------------------------
Backend = Literal["numpy", "torch", "mpmath"]
_s = sp.Symbol("s_log_eps", real=True)  #: log eps, the solver's variable


@dataclass(frozen=True)
class _Kernels:
    """The generated functions of one backend (arguments in the order given)."""

    backend: str
    q: Callable[..., Any]  # (rho, alpha) -> q
    bracket: Callable[..., Any]  # (q, tau, lam, iota) -> (lower, upper) bound of eps, lam > 0
    residual: Callable[..., Any]  # (s, q, tau, lam, iota) -> (eps M, 1 - eps M, G1, G2, dphi/ds)
    ridge: Callable[..., Any]  # (q, rho, tau, lam, eps, iota) -> (e_icl, e_idg), eps > 0
    zero: Callable[..., Any]  # (q, rho, tau, iota) -> (e_icl, e_idg), eps = 0
    eps_ridgeless: Callable[..., Any]  # (tau, q, iota) -> eps, lam = 0 and tau < 1


@cache
def _kernels(backend: Backend) -> _Kernels:
    def gen(args, *exprs):
        # Terms free of the varying arguments (e.g. 1 - 1/kappa in z + 1 - 1/kappa) are summed first.
        varying = [a for a in args if a not in (rho, tau, lam, iota)]
        exprs = [sum_free_terms_first(e, varying) for e in exprs]
        return lambdify_expr(args, exprs[0] if len(exprs) == 1 else sp.Tuple(*exprs), backend)

    def refine(bound: sp.Expr) -> sp.Expr:
        return _bound_root.subs(shift, q + 1 / (1 + iota * _m_at(q + bound)))

    residual = [eps * M, _one_minus_eps_M, STABLE["G1"], STABLE["G2"], STABLE["dphi_dlog_eps"]]
    on_solution = {M: _m_at(q + sp.exp(_s))}
    ridge = {nu: q + eps, M: _m_at(q + eps)}
    zero = {nu: q, M: _m_at(q)}
    return _Kernels(
        backend=backend,
        q=gen((rho, alpha), Q),
        bracket=gen((q, tau, lam, iota), refine(_bound_root.subs(shift, q)), refine(_bound_root.subs(shift, q + 1))),
        residual=gen((_s, q, tau, lam, iota), *(e.subs(on_solution).subs(eps, sp.exp(_s)) for e in residual)),
        ridge=gen((q, rho, tau, lam, eps, iota), *(STABLE[f"e_{k}_ridge"].subs(ridge) for k in ("icl", "idg"))),
        zero=gen((q, rho, tau, iota), *(STABLE[f"e_{k}_zero"].subs(zero) for k in ("icl", "idg"))),
        eps_ridgeless=gen((tau, q, iota), EPS_RIDGELESS.subs(M_tau, _m_at(q, tau * iota))),
    )


class _Ops:
    """Elementwise functions of numpy or torch, by attribute (``ops.log1p``, ``ops.where``, ...)."""

    def __init__(self, backend: Literal["numpy", "torch"]):
        self.backend = backend
        if backend == "torch":
            import torch

            self.module = torch
        else:
            self.module = np

    def __getattr__(self, name: str):
        return getattr(self.module, name)


_SMALLEST_LOG1P_ARG = -1 + 2.0**-52  # keeps log1p finite should an iterate stray to eps <= lam
_BRACKET_SLACK = 1e-12  # relative widening of the eps bounds against their rounding error
_XTOL_LOG_EPS = 1e-12  # Newton stopping step in log eps (quadratic convergence: final error ~1e-24)
_FUSED_ITERATIONS = 2  # Newton steps on a whole chunk between compactions (measured best; most need 1-3)


def _solve_ridge(k: _Kernels, ops: _Ops, tau_, q_, lam_, iota_):
    """``eps > lam`` solving ``eps M_kappa(q + eps) = 1 - tau + tau lam / eps`` (1-D arrays, ``lam > 0``).

    Bracket: bounds from ``M <= 1/nu`` and ``M >= 1/(1 + nu)``, each improved by one step of the
    exact monotone fixed point (``STABLE["bound_root"]``). Newton in ``s = log eps`` on
    ``phi = log(tau (1 - lam/eps) / (1 - eps M))``, whose value is taken as ``log1p(G/(1 - eps M))``
    with ``G`` in its accurate form (``G1`` / ``G2``), from the bracket's log-midpoint.
    """
    lo, hi = k.bracket(q_, tau_, lam_, iota_)
    s_lo, s_hi = ops.log(lo * (1 - _BRACKET_SLACK)), ops.log(hi * (1 + _BRACKET_SLACK))

    def residual(s, q_, tau_, lam_, iota_):
        w, one_minus_w, g1, g2, dphi = k.residual(s, q_, tau_, lam_, iota_)
        ratio = ops.where(w <= 0.5, g1, g2) / one_minus_w
        return ops.log1p(ops.maximum(ratio, ops.full_like(ratio, _SMALLEST_LOG1P_ARG))), dphi

    result = newton_bracketed(
        residual,
        0.5 * (s_lo + s_hi),
        s_lo,
        s_hi,
        args=(q_, tau_, lam_, iota_),
        xtol=_XTOL_LOG_EPS,
        fused_iter=_FUSED_ITERATIONS,
    )
    return ops.exp(result.x)


What = Literal["epsilon", "e_icl", "e_idg", "g_task"]


def _evaluate_arrays(what: What, ops: _Ops, tau_, alpha_, kappa_, rho_, lam_):
    """The requested quantity for 1-D float64 arrays (numpy or torch) of equal length."""
    k = _kernels(ops.backend)
    q_ = k.q(rho_, alpha_)
    iota_ = 1 / kappa_
    ridge = lam_ > 0
    lt1 = ~ridge & (tau_ < 1)
    if bool(ridge.all()):
        eps_ = _solve_ridge(k, ops, tau_, q_, lam_, iota_)
    else:
        eps_ = ops.zeros_like(tau_)
        if bool(ridge.any()):
            eps_[ridge] = _solve_ridge(k, ops, tau_[ridge], q_[ridge], lam_[ridge], iota_[ridge])
        if bool(lt1.any()):
            eps_[lt1] = k.eps_ridgeless(tau_[lt1], q_[lt1], iota_[lt1])
    if what == "epsilon":
        return eps_
    positive = ridge | lt1
    if bool(positive.all()):
        icl, idg = k.ridge(q_, rho_, tau_, lam_, eps_, iota_)
    else:
        icl, idg = ops.full_like(tau_, math.inf), ops.full_like(tau_, math.inf)  # the pole stays inf
        if bool(positive.any()):
            m = positive
            icl[m], idg[m] = k.ridge(q_[m], rho_[m], tau_[m], lam_[m], eps_[m], iota_[m])
        gt1 = ~ridge & (tau_ > 1)
        if bool(gt1.any()):
            m = gt1
            icl[m], idg[m] = k.zero(q_[m], rho_[m], tau_[m], iota_[m])
    if what == "e_icl":
        return icl
    if what == "e_idg":
        return idg
    # kappa = inf: train and test task distributions coincide, so g_task = 0 identically (also
    # at the pole); for finite kappa the pole gives +inf (c -> inf, and (1 + q) M_kappa(q) > 1).
    gap = icl - ops.where(ops.isinf(idg), ops.zeros_like(idg), idg)
    return ops.where(iota_ > 0, gap, ops.zeros_like(gap))


# ---------------------------------------------------------------------------------------------
# Input handling and backends
# ---------------------------------------------------------------------------------------------
_NAMES = ("tau", "alpha", "kappa", "rho", "lam")
_DOMAINS = {
    "tau": Range(0, low_open=True),
    "alpha": Range(0, low_open=True),
    "kappa": Range(0, low_open=True, allow_inf=True),
    "rho": Range(0),
    "lam": Range(0),
}
_CHUNK = 1 << 15  # elements per work unit: the temporaries of one Newton step stay in cache
_WORKERS = max(1, min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def _is_torch(x) -> bool:
    return type(x).__module__.startswith("torch")


def _is_mp(x) -> bool:
    return isinstance(x, (mpmath.mpf, mpmath.mpc))


def _broadcast_shape(arrays: dict[str, Any]) -> tuple[int, ...]:
    shapes = {name: tuple(np.shape(a)) for name, a in arrays.items()}
    try:
        return np.broadcast_shapes(*shapes.values())
    except ValueError:
        listed = ", ".join(f"{n}{list(s)}" for n, s in shapes.items())
        raise ParameterError(", ".join(arrays), "broadcast-compatible arrays", listed) from None


def _checked_scalar(name: str, value, domain: Range):
    if np.ndim(value) != 0 and not _is_mp(value):
        raise ParameterError(name, "a scalar when any argument is an mpmath number", value)
    check_array(name, float(value), domain)
    return mpmath.mpf(value)


def _dispatch(what: What, args: dict[str, Any]):
    if any(_is_torch(v) for v in args.values()):
        return _evaluate_torch(what, args)
    if any(_is_mp(v) for v in args.values()):
        return _mp_scalar(what, *(_checked_scalar(n, args[n], _DOMAINS[n]) for n in _NAMES))
    return _evaluate_numpy(what, args)


def _evaluate_numpy(what: What, args: dict[str, Any]):
    checked = {name: check_array(name, value, _DOMAINS[name]) for name, value in args.items()}
    shape = _broadcast_shape(checked)
    flat = [np.ascontiguousarray(np.broadcast_to(checked[n], shape)).reshape(-1) for n in _NAMES]
    size = flat[0].size
    ops = _Ops("numpy")
    _kernels("numpy")  # generate the code once, before any worker thread needs it
    if size <= _CHUNK:
        out = _evaluate_arrays(what, ops, *flat)
    else:
        out = np.empty(size)

        def work(start: int) -> None:
            part = slice(start, start + _CHUNK)
            out[part] = _evaluate_arrays(what, ops, *(a[part] for a in flat))

        # numpy releases the GIL inside its loops, so cache-sized chunks also run in parallel.
        with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
            list(pool.map(work, range(0, size, _CHUNK)))
    return np.asarray(out).reshape(shape)[()]


def _evaluate_torch(what: What, args: dict[str, Any]):
    import torch

    tensors = [v for v in args.values() if _is_torch(v)]
    device = tensors[0].device
    if any(t.device != device for t in tensors):
        raise ParameterError(", ".join(_NAMES), "tensors on one device", sorted({str(t.device) for t in tensors}))
    host = {n: (v.detach().cpu().numpy() if _is_torch(v) else v) for n, v in args.items()}
    shape = _broadcast_shape({n: check_array(n, v, _DOMAINS[n]) for n, v in host.items()})
    flat = [
        torch.as_tensor(args[n], dtype=torch.float64, device=device).broadcast_to(shape).reshape(-1).contiguous()
        for n in _NAMES
    ]
    return _evaluate_arrays(what, _Ops("torch"), *flat).reshape(shape)


def _mp_scalar(what: What, tau_, alpha_, kappa_, rho_, lam_):
    """The requested quantity at the current ``mp.dps`` (mpf inputs), with the same generated forms."""
    k = _kernels("mpmath")
    digits = mpmath.mp.dps
    with mpmath.workdps(digits + 10):
        q_ = k.q(rho_, alpha_)
        iota_ = 1 / kappa_
        if lam_ > 0:

            def phi(s):
                w, one_minus_w, g1, g2, _ = k.residual(s, q_, tau_, lam_, iota_)
                return mpmath.log1p((g1 if w <= 0.5 else g2) / one_minus_w)

            slack = mpmath.mpf(10) ** -(digits + 5)
            lo, hi = k.bracket(q_, tau_, lam_, iota_)
            s_ = find_root_mp(phi, mpmath.log(lo * (1 - slack)), mpmath.log(hi * (1 + slack)), dps=digits + 5)
            eps_ = mpmath.exp(s_)
        elif tau_ < 1:
            eps_ = k.eps_ridgeless(tau_, q_, iota_)
        else:
            eps_ = mpmath.mpf(0)
        if what == "epsilon":
            result = eps_
        else:
            if lam_ == 0 and tau_ == 1:
                icl = idg = mpmath.inf
            elif lam_ == 0 and tau_ > 1:
                icl, idg = k.zero(q_, rho_, tau_, iota_)
            else:
                icl, idg = k.ridge(q_, rho_, tau_, lam_, eps_, iota_)
            if what == "g_task":
                result = mpmath.mpf(0) if iota_ == 0 else (mpmath.inf if mpmath.isinf(icl) else icl - idg)
            else:
                result = icl if what == "e_icl" else idg
    return +result


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------
_API_DOC = """

    Arguments broadcast: numpy arrays / scalars (float64 result, numpy scalar for scalar input),
    torch tensors (result on the same device, float64) or mpmath numbers (scalars only; result
    at the current ``mp.dps``). Domain: ``tau``, ``alpha`` in ``(0, inf)``; ``kappa`` in
    ``(0, inf)`` or ``inf``; ``rho``, ``lam`` in ``[0, inf)``; a value outside, a NaN or
    non-broadcastable shapes raise ``ParameterError``. At the ridgeless interpolation pole
    ``tau = 1, lam = 0`` the errors are ``+inf``.
"""


def e_icl(tau, alpha, kappa, rho, lam):
    """Asymptotic ICL error ``e_ICL(tau, alpha, kappa, rho, lam)`` (Lu et al., Result ICL, Section 5.2)."""
    return _dispatch("e_icl", dict(tau=tau, alpha=alpha, kappa=kappa, rho=rho, lam=lam))


def e_idg(tau, alpha, kappa, rho, lam):
    """Asymptotic IDG error ``e_IDG = tau c`` (Lu et al., Section 5.3; ``lam > 0``: the note's reconstruction)."""
    return _dispatch("e_idg", dict(tau=tau, alpha=alpha, kappa=kappa, rho=rho, lam=lam))


def g_task(tau, alpha, kappa, rho, lam):
    """Task-generalisation gap ``e_ICL - e_IDG`` (Lu et al., Sections 3.4 and 6.5).

    ``0`` exactly for ``kappa = inf`` (pretraining and test tasks coincide in law); ``+inf`` at
    the pole for finite ``kappa``.
    """
    return _dispatch("g_task", dict(tau=tau, alpha=alpha, kappa=kappa, rho=rho, lam=lam))


def epsilon(tau, alpha, kappa, rho, lam):
    """Self-consistent extra ridge ``eps`` (Lu et al., Section 5.1(b)).

    The positive root of ``eps M_kappa(q + eps) = 1 - tau + tau lam / eps`` for ``lam > 0``;
    ``(1 - tau)/(tau M_{kappa/tau}(q))`` for ``lam = 0, tau < 1``; ``0`` for ``lam = 0, tau >= 1``.
    """
    return _dispatch("epsilon", dict(tau=tau, alpha=alpha, kappa=kappa, rho=rho, lam=lam))


for _f in (e_icl, e_idg, g_task, epsilon):
    _f.__doc__ += _API_DOC


def _stieltjes(z, kappa_, index: int):
    args = {"z": z, "kappa": kappa_}
    domains = {"z": Range(0, low_open=True), "kappa": _DOMAINS["kappa"]}
    if any(_is_torch(v) for v in args.values()):
        import torch

        device = next(v.device for v in args.values() if _is_torch(v))
        host = {n: (v.detach().cpu().numpy() if _is_torch(v) else v) for n, v in args.items()}
        shape = _broadcast_shape({n: check_array(n, v, domains[n]) for n, v in host.items()})
        zt, kt = (torch.as_tensor(args[n], dtype=torch.float64, device=device).broadcast_to(shape) for n in args)
        return MARCHENKO_PASTUR.numeric("torch")(zt, kt)[index]
    if any(_is_mp(v) for v in args.values()):
        zm, km = (_checked_scalar(n, args[n], domains[n]) for n in args)
        return +MARCHENKO_PASTUR.numeric("mpmath")(zm, km)[index]
    checked = {n: check_array(n, v, domains[n]) for n, v in args.items()}
    _broadcast_shape(checked)
    return np.asarray(MARCHENKO_PASTUR.numeric("numpy")(checked["z"], checked["kappa"])[index])[()]


def stieltjes_mp(z, kappa):
    """Marchenko-Pastur resolvent trace ``M_kappa(z) = lim (1/d) tr (R + z)^{-1}``, ``z > 0`` (Section 5.1(a)).

    Broadcasts like :func:`e_icl` (numpy / torch / mpmath); ``kappa = inf`` gives ``1/(1 + z)``.
    """
    return _stieltjes(z, kappa, 0)


def stieltjes_mp_derivative(z, kappa):
    """``M'_kappa(z) = -lim (1/d) tr (R + z)^{-2}``, ``z > 0`` (Section 5.1(a)); broadcasts as :func:`stieltjes_mp`."""
    return _stieltjes(z, kappa, 1)


# ---------------------------------------------------------------------------------------------
# Independent high-precision reference
# ---------------------------------------------------------------------------------------------
class ReferenceValues(NamedTuple):
    """``eps``, ``e_ICL``, ``e_IDG`` and ``g_task`` from :func:`reference` (mpf)."""

    epsilon: Any
    e_icl: Any
    e_idg: Any
    g_task: Any


@cache
def _reference_fns():
    args = (q, rho, tau, eps, M, Mp)
    c_fn = lambdify_expr(args, C.subs(nu, NU), "mpmath")
    icl_fn = lambdify_expr((q, rho, eps, M, Mp, c), E_ICL.subs(nu, NU), "mpmath")
    idg_fn = lambdify_expr((tau, c), E_IDG, "mpmath")
    g_fn = lambdify_expr((eps, M, tau, lam), SELF_CONSISTENCY, "mpmath")
    return lambdify_expr((rho, alpha), Q, "mpmath"), c_fn, icl_fn, idg_fn, g_fn


def reference(tau, alpha, kappa, rho, lam, dps: int = 50) -> ReferenceValues:
    """``eps``, ``e_ICL``, ``e_IDG``, ``g_task`` to ``dps`` digits, independently of the fast path.

    Uses the paper's forms (``C``, ``E_ICL``, ``E_IDG``, ``SELF_CONSISTENCY``), ``M`` and ``M'``
    from ``mpmath.polyroots`` with the Herglotz branch, and ``eps`` from ``mpmath.findroot``
    (Illinois on a bracket in ``log eps``, bisection as fallback), all at ``dps + 20`` digits. Scalars only;
    inputs are taken exactly (floats are converted without rounding). Domain as :func:`e_icl`.
    """
    for name, value in zip(_NAMES, (tau, alpha, kappa, rho, lam)):
        check_array(name, float(value), _DOMAINS[name])
    q_fn, c_fn, icl_fn, idg_fn, g_fn = _reference_fns()
    work = dps + 20
    with mpmath.workdps(work):
        tau, alpha, kappa, rho, lam = (mpmath.mpf(v) for v in (tau, alpha, kappa, rho, lam))
        q_ = q_fn(rho, alpha)

        def m_at(e):
            return MARCHENKO_PASTUR.evaluate_mp(q_ + e, kappa)

        if lam == 0 and tau >= 1:
            eps_ = mpmath.mpf(0)
        else:
            # Lower end: eps = lam gives eps M - 1 < 0 (eps M < 1); for lam = 0 use
            # eps M <= eps/(q + eps) < 1 - tau for eps < (1 - tau) q / tau. Upper end: doubled
            # until the residual is positive (it tends to tau > 0).
            lo = lam if lam > 0 else (1 - tau) * q_ / (2 * tau)
            hi = 2 * max(lo, mpmath.mpf(1))
            while g_fn(hi, m_at(hi), tau, lam) <= 0:
                hi *= 2
            eps_ = find_root_mp(lambda e: g_fn(e, m_at(e), tau, lam), lo, hi, log=True, dps=dps + 10)
        if lam == 0 and tau == 1:
            icl = idg = mpmath.inf
        else:
            z = q_ + eps_
            m, mp_ = MARCHENKO_PASTUR.evaluate_mp(z, kappa), MARCHENKO_PASTUR.derivative_mp(z, kappa)
            c_ = c_fn(q_, rho, tau, eps_, m, mp_)
            icl, idg = icl_fn(q_, rho, eps_, m, mp_, c_), idg_fn(tau, c_)
        if mpmath.isinf(kappa):
            gap = mpmath.mpf(0)
        else:
            gap = mpmath.inf if mpmath.isinf(icl) else icl - idg
    with mpmath.workdps(dps):
        return ReferenceValues(+eps_, +icl, +idg, +gap)


def e_icl_reference(tau, alpha, kappa, rho, lam, dps: int = 50):
    """``e_ICL`` to ``dps`` digits by :func:`reference` (independent of :func:`e_icl`'s numerics)."""
    return reference(tau, alpha, kappa, rho, lam, dps).e_icl
