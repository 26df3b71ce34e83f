"""Asymptotic ICL and IDG errors of ridge-pretrained linear attention (Lu et al., Section 5), as fast numerics.

Every function here is generated with ``lambdify`` from the stable forms of :mod:`.forms` (numpy,
torch, mpmath) and evaluated through :func:`icl_sym.core.dispatch.evaluate`. Regimes are
dispatched in Python (no Piecewise):

* ``lam > 0``: ``eps`` solved from ``eps M_kappa(q + eps) = 1 - tau + tau lam / eps`` by
  bracketed Newton in ``log eps`` (bracket from two exact bounds, see ``_solve_ridge``);
* ``lam = 0, tau < 1``: ``eps = (1 - tau) / (tau M_{kappa/tau}(q))`` (closed form);
* ``lam = 0, tau > 1``: ``eps = 0``;
* ``lam = 0, tau = 1``: the interpolation pole; ``e_icl = e_idg = +inf`` (``eps = 0``);
* ``kappa = inf``: the same code with ``1/kappa = 0`` (``M = 1/(1+z)``); ``g_task = 0`` exactly.

For numpy inputs, when numba is available, the same expressions, dispatch and solver run as one
compiled loop over points instead (:mod:`.compiled`); the numpy kernels here are the fallback.
The independent high-precision evaluator is :mod:`.reference`.

Domain of every public function: ``tau`` and ``alpha`` in ``(0, inf)``, ``kappa`` in
``(0, inf)`` or ``inf``, ``rho`` and ``lam`` in ``[0, inf)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import mpmath
import sympy as sp

from icl_sym.core.compiled import numba_available
from icl_sym.core.dispatch import Ops, evaluate
from icl_sym.core.numeric import lambdify_expr
from icl_sym.core.roots import find_root_mp, newton_bracketed
from icl_sym.core.stieltjes import sum_free_terms_first
from icl_sym.core.theory import Parameter
from icl_sym.core.validation import Range

from .forms import (EPS_RIDGELESS, MARCHENKO_PASTUR, STABLE, M, M_tau, Q, eps, iota, lam, m_stable, nu, q, shift,
                    tau)
from .symbols import alpha, rho
from .theory import THEORY

__all__ = ["e_icl", "e_idg", "g_task", "epsilon", "stieltjes_mp", "stieltjes_mp_derivative", "PARAMETERS",
           "DOMAINS"]

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
def kernel_expressions() -> dict[str, tuple[tuple[sp.Symbol, ...], tuple[sp.Expr, ...]]]:
    """The expressions every backend is generated from: name -> (arguments, expressions), as in :class:`_Kernels`.

    Terms free of the varying arguments are already grouped (``sum_free_terms_first``), so the
    array code (:func:`_kernels`) and the compiled scalar code (:mod:`.compiled`) evaluate the
    same expressions in the same order.
    """

    def grouped(args, *exprs):
        # Terms free of the varying arguments (e.g. 1 - 1/kappa in z + 1 - 1/kappa) are summed first.
        varying = [a for a in args if a not in (rho, tau, lam, iota)]
        return tuple(args), tuple(sum_free_terms_first(e, varying) for e in exprs)

    def refine(bound: sp.Expr) -> sp.Expr:
        return STABLE["bound_root"].subs(shift, q + 1 / (1 + iota * m_stable(q + bound)))

    residual = [eps * M, STABLE["one_minus_eps_M"], STABLE["G1"], STABLE["G2"], STABLE["dphi_dlog_eps"]]
    on_solution = {M: m_stable(q + sp.exp(_s))}
    ridge = {nu: q + eps, M: m_stable(q + eps)}
    zero = {nu: q, M: m_stable(q)}
    return dict(
        q=grouped((rho, alpha), Q),
        bracket=grouped((q, tau, lam, iota), refine(STABLE["bound_root"].subs(shift, q)),
                        refine(STABLE["bound_root"].subs(shift, q + 1))),
        residual=grouped((_s, q, tau, lam, iota), *(e.subs(on_solution).subs(eps, sp.exp(_s)) for e in residual)),
        ridge=grouped((q, rho, tau, lam, eps, iota), *(STABLE[f"e_{k}_ridge"].subs(ridge) for k in ("icl", "idg"))),
        zero=grouped((q, rho, tau, iota), *(STABLE[f"e_{k}_zero"].subs(zero) for k in ("icl", "idg"))),
        eps_ridgeless=grouped((tau, q, iota), EPS_RIDGELESS.subs(M_tau, m_stable(q, tau * iota))),
    )


@cache
def _kernels(backend: Backend) -> _Kernels:
    def gen(args, exprs):
        return lambdify_expr(args, exprs[0] if len(exprs) == 1 else sp.Tuple(*exprs), backend)

    return _Kernels(backend=backend, **{name: gen(*spec) for name, spec in kernel_expressions().items()})


_SMALLEST_LOG1P_ARG = -1 + 2.0**-52  # keeps log1p finite should an iterate stray to eps <= lam
_BRACKET_SLACK = 1e-12  # relative widening of the eps bounds against their rounding error
# Newton stops after a step <= 1e-9 in log eps and keeps it: by quadratic convergence the error left is
# ~ c 1e-18 (c = |phi''/2phi'|), below rounding. Over the benchmark's box the results are within 4.4e-15 of
# stopping at 1e-12, with 11 % less time (one residual evaluation saved at many points).
_XTOL_LOG_EPS = 1e-9
_MAX_ITERATIONS = 100  # Newton steps per point before RootFindingError
_FUSED_ITERATIONS = 2  # Newton steps on a whole chunk between compactions (measured best; most need 1-3)


def _solve_ridge(k: _Kernels, ops: Ops, tau_, q_, lam_, iota_):
    """``eps > lam`` solving ``eps M_kappa(q + eps) = 1 - tau + tau lam / eps`` (1-D arrays, ``lam > 0``).

    Bracket: bounds from ``M <= 1/nu`` and ``M >= 1/(1 + nu)``, each improved by one step of the
    exact monotone fixed point (``STABLE["bound_root"]``). Newton in ``s = log eps`` on
    ``phi = log(tau (1 - lam/eps) / (1 - eps M))``, whose value is taken as ``log1p(G/(1 - eps M))``
    with ``G`` in its accurate form (``G1`` / ``G2``). Start: for ``tau < 1``, ``log(eps_0 + lam)`` with ``eps_0`` the
    ridgeless root, clipped into the bracket; otherwise the bracket's log-midpoint.
    """
    lo, hi = k.bracket(q_, tau_, lam_, iota_)
    s_lo, s_hi = ops.log(lo * (1 - _BRACKET_SLACK)), ops.log(hi * (1 + _BRACKET_SLACK))
    # For tau < 1 the lower bound is loose (the root lies in the top 2 % of the log-bracket for half of those
    # points of the benchmark's box), while eps_0 + lam is close below the root (median gap 2e-7 in log eps):
    # over the whole box Newton then takes 1.95 steps on average instead of 2.69 from the midpoint. A start
    # needs no proof of being a bound; compiled._prepare makes the same choice.
    below_one = tau_ < 1
    guess = ops.log(ops.where(below_one, k.eps_ridgeless(tau_, q_, iota_) + lam_, hi))
    start = ops.where(below_one, ops.minimum(ops.maximum(guess, s_lo), s_hi), 0.5 * (s_lo + s_hi))

    def residual(s, q_, tau_, lam_, iota_):
        w, one_minus_w, g1, g2, dphi = k.residual(s, q_, tau_, lam_, iota_)
        ratio = ops.where(w <= 0.5, g1, g2) / one_minus_w
        return ops.log1p(ops.maximum(ratio, ops.full_like(ratio, _SMALLEST_LOG1P_ARG))), dphi

    result = newton_bracketed(
        residual,
        start,
        s_lo,
        s_hi,
        args=(q_, tau_, lam_, iota_),
        xtol=_XTOL_LOG_EPS,
        max_iter=_MAX_ITERATIONS,
        fused_iter=_FUSED_ITERATIONS,
    )
    return ops.exp(result.x)


What = Literal["epsilon", "e_icl", "e_idg", "g_task"]


def _evaluate_arrays(what: What, ops: Ops, tau_, alpha_, kappa_, rho_, lam_):
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
NAMES = ("tau", "alpha", "kappa", "rho", "lam")
DOMAINS = {
    "tau": Range(0, low_open=True),
    "alpha": Range(0, low_open=True),
    "kappa": Range(0, low_open=True, allow_inf=True),
    "rho": Range(0),
    "lam": Range(0),
}


def _dispatch(what: What, args: dict[str, Any], *, compiled: bool | None = None):
    """``what`` at ``args``; numpy inputs run the compiled loop of :mod:`.compiled` when numba is
    available (``compiled=None``) or when asked (``True``), the numpy kernels otherwise."""
    loop = None
    if numba_available() if compiled is None else compiled:
        from .compiled import compiled_curve  # (it imports this module)

        loop = compiled_curve(what)
    return evaluate(lambda ops, *flat: _evaluate_arrays(what, ops, *flat), args, DOMAINS,
                    lambda *mp: _mp_scalar(what, *mp), prepare=_kernels, compiled=loop)


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
    """Asymptotic IDG error ``e_IDG = tau c`` (Lu et al., Result IDG).

    For ``lam > 0`` the form is a reconstruction, validated by simulation (docs/theory/lu2024.md §5.3).
    """
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
    domains = {"z": Range(0, low_open=True), "kappa": DOMAINS["kappa"]}
    return evaluate(lambda ops, z_, k_: MARCHENKO_PASTUR.numeric(ops.backend)(z_, k_)[index],
                    {"z": z, "kappa": kappa_}, domains,
                    lambda z_, k_: +MARCHENKO_PASTUR.numeric("mpmath")(z_, k_)[index])


def stieltjes_mp(z, kappa):
    """Marchenko-Pastur resolvent trace ``M_kappa(z) = lim (1/d) tr (R + z)^{-1}``, ``z > 0`` (Section 5.1(a)).

    Broadcasts like :func:`e_icl` (numpy / torch / mpmath); ``kappa = inf`` gives ``1/(1 + z)``.
    """
    return _stieltjes(z, kappa, 0)


def stieltjes_mp_derivative(z, kappa):
    """``M'_kappa(z) = -lim (1/d) tr (R + z)^{-2}``, ``z > 0`` (Section 5.1(a)); broadcasts as :func:`stieltjes_mp`."""
    return _stieltjes(z, kappa, 1)




# ---------------------------------------------------------------------------------------------
# Declared curves (icl-sym curves / eval, figure recipes)
# ---------------------------------------------------------------------------------------------
#: The parameters of every learning curve, in argument order.
PARAMETERS = (
    Parameter("tau", "pretraining contexts over d^2, n/d^2", DOMAINS["tau"]),
    Parameter("alpha", "context length over d, l/d", DOMAINS["alpha"]),
    Parameter("kappa", "task diversity k/d (inf: a fresh task for every context)", DOMAINS["kappa"]),
    Parameter("rho", "label-noise variance", DOMAINS["rho"]),
    Parameter("lam", "ridge of the pretraining loss, (n/d) lam |Gamma|_F^2", DOMAINS["lam"]),
)
_BACKENDS = ("numpy", "torch", "mpmath")
# The last entry names the quantity of icl_sym.sim.lu2024.SIMULATION that the curve is the d -> inf limit of.
for _fn, _what, _where, _simulated in (
    (e_icl, "asymptotic ICL error (fresh tasks)", "Result ICL, Section 5.2", "icl"),
    (e_idg, "asymptotic IDG error (pretraining tasks)", "Result IDG, Section 5.3", "idg"),
    (g_task, "task-generalisation gap e_ICL - e_IDG", "Sections 3.4 and 6.5", "gap"),
    (epsilon, "self-consistent extra ridge", "Section 5.1(b)", ""),
):
    THEORY.curve(_fn.__name__, PARAMETERS, _what, _where, _BACKENDS, simulated=_simulated)(_fn)
for _fn, _what in ((stieltjes_mp, "Marchenko-Pastur resolvent trace M_kappa(z)"),
                   (stieltjes_mp_derivative, "its derivative M'_kappa(z)")):
    THEORY.curve(_fn.__name__, (Parameter("z", "spectral argument", Range(0, low_open=True)), PARAMETERS[2]),
                 _what, "Section 5.1(a)", _BACKENDS)(_fn)
