"""An independent high-precision evaluation of the Lu et al. (2025) learning curves, to check the fast path.

:func:`reference` evaluates the paper's forms (``C``, ``E_ICL``, ``E_IDG``, ``SELF_CONSISTENCY`` of
:mod:`.forms`) in mpmath, with ``M`` and ``M'`` from polynomial roots with the Herglotz branch
(:mod:`icl_sym.core.stieltjes`) and ``eps`` from ``mpmath.findroot``: none of the stable forms,
generated kernels or solvers of :mod:`.asymptotics` enters.
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

import mpmath

from icl_sym.core.numeric import lambdify_expr
from icl_sym.core.roots import find_root_mp
from icl_sym.core.validation import check_array

from .asymptotics import DOMAINS, NAMES
from .forms import C, E_ICL, E_IDG, MARCHENKO_PASTUR, NU, Q, SELF_CONSISTENCY, M, Mp, c, eps, lam, nu, q, tau
from .symbols import alpha, rho

__all__ = ["reference", "e_icl_reference", "ReferenceValues"]

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
    for name, value in zip(NAMES, (tau, alpha, kappa, rho, lam)):
        check_array(name, float(value), DOMAINS[name])
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
