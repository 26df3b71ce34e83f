"""The Lu et al. learning curves as one compiled loop over points (numba), generated from the same forms.

:func:`compiled_curve` returns a function of five flat float64 arrays ``(tau, alpha, kappa, rho,
lam)`` (already validated) that computes ``epsilon``, ``e_icl``, ``e_idg`` or ``g_task`` point by
point in machine code, all cores in parallel (``numba.prange``), with no temporaries. Each point
runs exactly what the numpy path of :mod:`.asymptotics` runs on arrays:

* the generated kernels: the expressions of :func:`.asymptotics.kernel_expressions` (the stable
  forms of :mod:`.forms`), printed as scalar code by :func:`icl_sym.core.compiled.scalar_source`;
* the regime dispatch (``lam > 0``: the ridge root; ``lam = 0, tau < 1``: the closed-form ridgeless
  ``eps``; ``tau > 1``: ``eps = 0``; ``tau = 1``: the pole, ``+inf``; ``kappa = inf`` as ``iota = 0``);
* the bracketed Newton solve in ``log eps`` with the same bracket, start, residual, tolerance and
  stopping rule (:func:`icl_sym.core.compiled.newton_bracketed_pair`, the one-point twin of
  :func:`icl_sym.core.roots.newton_bracketed` run on two points in lockstep so that their
  dependency chains overlap).

Two rewrites that change only rounding: the residual takes ``eps = exp(s)`` (one ``exp`` per
step, ``lam/eps`` for ``lam exp(-s)``) and ``log1p`` is :func:`icl_sym.core.compiled.log1p_via_log`.
So both paths agree to rounding: identical at most points, a few ulps elsewhere, up to ~1e-14
where the root is ill-conditioned; both are within 1e-13 of the mpmath reference (tested). The
functions ``_phi``, ``_prepare``, ``_finish`` and ``_evaluate_points`` below are templates: their
source is compiled next to the generated kernels, whose names (``q_of``, ``bracket``,
``residual``, ``ridge``, ``zero``, ``eps_ridgeless``, ``log1p``, ``newton_pair``) they call.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from functools import cache

import numpy as np
import sympy as sp

from icl_sym.core.compiled import (compile_module, log1p_via_log, newton_bracketed_pair, newton_update,
                                   scalar_source, template_source)
from icl_sym.core.roots import RootFindingError

from . import asymptotics as A
from . import forms as F

__all__ = ["compiled_curve", "QUANTITIES"]

#: The quantities, by the integer code the compiled loop takes.
QUANTITIES = ("epsilon", "e_icl", "e_idg", "g_task")

#: Inputs with fewer points run on one thread (a parallel region costs tens of microseconds to start).
PARALLEL_FROM = 1024
# numba's fallback threading layer (workqueue) must not be entered from two threads at once.
_LOCK = threading.Lock()


# ---------------------------------------------------------------------------------------------
# Templates (compiled in the generated module; see the module docstring for the names they use)
# ---------------------------------------------------------------------------------------------
def _phi(s, q, tau, lam, iota):  # pragma: no cover - runs as compiled code
    """``(phi, dphi/ds)`` at ``s = log eps``: the residual of ``asymptotics._solve_ridge``."""
    w, one_minus_w, g1, g2, dphi = residual(math.exp(s), q, tau, lam, iota)  # noqa: F821
    ratio = (g1 if w <= 0.5 else g2) / one_minus_w
    # As numpy.maximum: a NaN ratio stays NaN (the solver then neither moves a bracket end).
    return log1p(ratio if not ratio < SMALLEST_LOG1P_ARG else SMALLEST_LOG1P_ARG), dphi  # noqa: F821


def _prepare(tau, alpha, kappa, rho, lam):  # pragma: no cover - runs as compiled code
    """``(q, iota, s_lo, s_hi, s_start)``: the bracket of ``log eps`` for ``lam > 0`` and Newton's start, as in
    ``asymptotics._solve_ridge``."""
    q = q_of(rho, alpha)  # noqa: F821
    iota = 1.0 / kappa
    if lam > 0:
        lower, upper = bracket(q, tau, lam, iota)  # noqa: F821
        s_lo = math.log(lower * (1 - BRACKET_SLACK))  # noqa: F821
        s_hi = math.log(upper * (1 + BRACKET_SLACK))  # noqa: F821
        if tau < 1:
            start = min(max(math.log(eps_ridgeless(tau, q, iota) + lam), s_lo), s_hi)  # noqa: F821
        else:
            start = 0.5 * (s_lo + s_hi)
        return q, iota, s_lo, s_hi, start
    return q, iota, 0.0, 0.0, 0.0


def _finish(what, tau, rho, lam, q, iota, log_eps):  # pragma: no cover - runs as compiled code
    """Quantity ``what`` (index in ``QUANTITIES``) at one point, given the solved ``log eps`` if ``lam > 0``."""
    if lam > 0:
        eps = math.exp(log_eps)
    elif tau < 1:
        eps = eps_ridgeless(tau, q, iota)  # noqa: F821
    else:
        eps = 0.0
    if what == 0:
        return eps
    if lam > 0 or tau < 1:
        icl, idg = ridge(q, rho, tau, lam, eps, iota)  # noqa: F821
    elif tau > 1:
        icl, idg = zero(q, rho, tau, iota)  # noqa: F821
    else:  # the interpolation pole tau = 1, lam = 0
        icl, idg = math.inf, math.inf
    if what == 1:
        return icl
    if what == 2:
        return idg
    if iota > 0:  # g_task; kappa = inf: 0 identically
        return icl - (0.0 if math.isinf(idg) else idg)
    return 0.0


def _evaluate_points(what, tau, alpha, kappa, rho, lam, out, failed):  # pragma: no cover - runs as compiled code
    """``out[i]`` = quantity ``what`` at point ``i``; ``failed[i]`` when its root was not found.

    Points are solved two at a time (``newton_pair``), so that their Newton chains overlap.
    """
    n = out.shape[0]
    for pair in numba.prange((n + 1) // 2):  # noqa: F821
        i = 2 * pair
        j = min(i + 1, n - 1)  # odd n: the last point twice
        q_i, iota_i, lo_i, hi_i, start_i = _prepare(tau[i], alpha[i], kappa[i], rho[i], lam[i])
        q_j, iota_j, lo_j, hi_j, start_j = _prepare(tau[j], alpha[j], kappa[j], rho[j], lam[j])
        s_i, ok_i, _, s_j, ok_j, _ = newton_pair(
            start_i, lo_i, hi_i, (q_i, tau[i], lam[i], iota_i), lam[i] > 0,
            start_j, lo_j, hi_j, (q_j, tau[j], lam[j], iota_j), lam[j] > 0,
            XTOL_LOG_EPS, MAX_ITERATIONS)  # noqa: F821
        out[i] = _finish(what, tau[i], rho[i], lam[i], q_i, iota_i, s_i)
        out[j] = _finish(what, tau[j], rho[j], lam[j], q_j, iota_j, s_j)
        failed[i] = not ok_i
        failed[j] = not ok_j


# ---------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------
_KERNEL_NAMES = {"q": "q_of"}  # generated function names (q is also a local name in the templates)


def _scalar_expressions() -> dict[str, tuple[tuple[sp.Symbol, ...], tuple[sp.Expr, ...]]]:
    """The kernel expressions of the numpy path, the residual taking ``eps = exp(s)`` instead of ``s``.

    The array residual contains ``exp(s)`` and ``exp(-s)``; with ``eps`` as its argument the scalar
    code computes one ``exp`` per step and ``lam/eps`` (equal to a rounding error).
    """
    kernels = dict(A.kernel_expressions())
    (s, *others), exprs = kernels["residual"]
    kernels["residual"] = ((F.eps, *others), tuple(e.subs(sp.exp(s), F.eps) for e in exprs))
    if any(e.has(s) for e in kernels["residual"][1]):
        raise AssertionError("the residual depends on log eps other than through exp(log eps)")
    return kernels


def module_sources() -> list[str]:
    """The sources of the compiled module: the generated kernels, the solver and the templates."""
    sources = [scalar_source(_KERNEL_NAMES.get(name, name), args, exprs if len(exprs) > 1 else exprs[0])
               for name, (args, exprs) in _scalar_expressions().items()]
    sources.append(template_source(log1p_via_log, {"log1p_via_log": "log1p"}))
    sources.append(template_source(newton_update))
    sources.append(template_source(newton_bracketed_pair, {"newton_bracketed_pair": "newton_pair", "residual": "_phi"}))
    sources += [template_source(fn) for fn in (_phi, _prepare, _finish, _evaluate_points)]
    # The same loop on one thread: small inputs do not pay for starting the parallel region.
    sources.append(template_source(_evaluate_points, {"_evaluate_points": "_evaluate_points_serial"}))
    return sources


def module_spec() -> tuple[str, list[str], dict[str, float], tuple[str, ...]]:
    """``(stem, sources, constants, parallel)`` of the module, for :func:`icl_sym.core.compiled.compile_module`."""
    constants = {"SMALLEST_LOG1P_ARG": A._SMALLEST_LOG1P_ARG, "BRACKET_SLACK": A._BRACKET_SLACK,
                 "XTOL_LOG_EPS": A._XTOL_LOG_EPS, "MAX_ITERATIONS": A._MAX_ITERATIONS}
    return "lu2024_curves", module_sources(), constants, ("_evaluate_points",)


@cache
def _module():
    return compile_module(*module_spec())


def _read_only(a) -> np.ndarray:
    """A read-only contiguous float64 view: numba compiles one specialisation per mix of writable and
    read-only (e.g. broadcast) arrays, so every input is given the same type."""
    view = np.ascontiguousarray(a, dtype=np.float64).view()
    view.flags.writeable = False
    return view


def compiled_curve(what: str) -> Callable[..., np.ndarray]:
    """``f(tau, alpha, kappa, rho, lam)`` on validated, equal-length 1-D float64 arrays: quantity ``what``.

    Its first call in a process generates the module's source and imports it (compiling it the
    first time on a machine; later the code comes from numba's disk cache). Raises
    :class:`~icl_sym.core.roots.RootFindingError` if the ``eps`` root is not found at some point,
    as the numpy path does.
    """
    code = QUANTITIES.index(what)

    def curve(tau, alpha, kappa, rho, lam) -> np.ndarray:
        module = _module()
        arrays = [_read_only(a) for a in (tau, alpha, kappa, rho, lam)]
        out = np.empty(arrays[0].shape[0])
        failed = np.zeros(arrays[0].shape[0], dtype=np.bool_)
        if out.size < PARALLEL_FROM:
            module._evaluate_points_serial(code, *arrays, out, failed)
        else:
            with _LOCK:
                module._evaluate_points(code, *arrays, out, failed)
        if failed.any():
            first = int(np.flatnonzero(failed)[0])
            raise RootFindingError(
                f"bracketed Newton did not converge within {A._MAX_ITERATIONS} iterations",
                failed=int(failed.sum()), total=int(failed.size),
                example={"index": first, **{n: float(a[first]) for n, a in zip(A.NAMES, arrays)}},
            )
        return out

    return curve
