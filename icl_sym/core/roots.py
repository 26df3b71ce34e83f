"""Robust root finding for scalar implicit equations: vectorised (numpy / torch) and high precision (mpmath).

* :func:`newton_bracketed` solves ``f(x; p_i) = 0`` for every element ``i`` of an array at once:
  safeguarded Newton inside a bracket kept per element, with bisection whenever a Newton step
  would leave the bracket (or is not finite). Elements are iterated together for a few passes,
  then only the unconverged ones are carried on (compaction). Every element is flagged; if any
  fails, :class:`RootFindingError` is raised (never a silent NaN). Works unchanged on numpy
  arrays and torch tensors (any device, the caller's dtype).
* :func:`find_root_mp` solves one scalar equation to a requested number of digits with
  ``mpmath.findroot`` on a bracket (Anderson-Bjoerk / Illinois / Pegasus / Ridder / bisection),
  optionally in the log variable for positive roots spanning many decades, at raised precision,
  and certifies the result by a sign change within ``10**-dps`` of it.

Both expect an equation whose residual changes sign across the root; :func:`newton_bracketed`
additionally expects it increasing there (negate a decreasing residual). For positive roots that
span decades, solve for ``s = log x``: a bracket in the log variable stays well scaled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import mpmath
import numpy as np

__all__ = ["RootFindingError", "RootResult", "newton_bracketed", "find_root_mp"]

Array = Any  # numpy.ndarray or torch.Tensor (1-D, one element per equation)
Residual = Callable[..., tuple[Array, Array]]

_MP_GUARD_DIGITS = 15


class RootFindingError(RuntimeError):
    """A root could not be found (or certified) for at least one equation."""

    def __init__(self, message: str, *, failed: int = 1, total: int = 1, example: dict | None = None):
        self.failed, self.total, self.example = failed, total, example or {}
        detail = f" (first failure: {self.example})" if self.example else ""
        super().__init__(f"{message}: {failed} of {total} equation(s) did not converge{detail}")


@dataclass(frozen=True)
class RootResult:
    """Roots, per-element convergence flags and iteration counts of :func:`newton_bracketed`."""

    x: Array
    converged: Array
    iterations: Array


class _Namespace:
    """The array operations the solver needs, for numpy or torch."""

    def __init__(self, like: Array):
        self.torch = None
        if type(like).__module__.startswith("torch"):
            import torch

            self.torch = torch

    def where(self, cond, a, b):
        return self.torch.where(cond, a, b) if self.torch else np.where(cond, a, b)

    def abs(self, x):
        return x.abs() if self.torch else np.abs(x)

    def maximum(self, a, b):
        return self.torch.maximum(a, b) if self.torch else np.maximum(a, b)

    def minimum(self, a, b):
        return self.torch.minimum(a, b) if self.torch else np.minimum(a, b)

    def flatnonzero(self, mask):
        return mask.nonzero().squeeze(1) if self.torch else np.flatnonzero(mask)

    def zeros_int(self, like):
        if self.torch:
            return self.torch.zeros(like.shape, dtype=self.torch.int64, device=like.device)
        return np.zeros(like.shape, dtype=np.int64)

    def zeros_bool(self, like):
        if self.torch:
            return self.torch.zeros(like.shape, dtype=self.torch.bool, device=like.device)
        return np.zeros(like.shape, dtype=bool)

    def arange(self, like):
        if self.torch:
            return self.torch.arange(like.shape[0], device=like.device)
        return np.arange(like.shape[0])

    def any(self, mask) -> bool:
        return bool(mask.any())

    def first_true(self, mask) -> int:
        return int(mask.nonzero()[0, 0]) if self.torch else int(np.flatnonzero(mask)[0])

    def errstate(self):
        # The Newton quotient is allowed to be inf/NaN (zero slope): such steps are replaced by
        # bisection, so numpy's warning would be noise. torch never warns.
        return np.errstate(divide="ignore", invalid="ignore", over="ignore")


def newton_bracketed(
    fun: Residual,
    x0: Array,
    lo: Array,
    hi: Array,
    args: Sequence[Array] = (),
    *,
    xtol: float = 1e-12,
    max_iter: int = 100,
    fused_iter: int = 4,
    raise_on_failure: bool = True,
) -> RootResult:
    """Solve ``fun(x, *args)[0] == 0`` elementwise for 1-D arrays, keeping each root bracketed.

    ``fun(x, *args)`` returns ``(f, df/dx)``; ``f`` must be increasing through the root, with
    ``lo <= root <= hi`` and finite ends (``x0`` is clipped into the bracket). Every evaluation
    tightens the bracket by the sign of ``f`` (a NaN moves neither end). A step is Newton's when
    it lands strictly inside the bracket or moves by at most ``xtol``, bisection otherwise.
    Element ``i`` converges when ``f == 0``, when a Newton step is ``<= xtol`` (absolute, in
    ``x``), or when the bracket, both ends confirmed by a sign evaluation, is ``<= xtol`` wide.

    ``args`` are per-element parameter arrays (same length as ``x0``) or scalars; ``fused_iter``
    iterations run on all remaining elements between compactions. Returns :class:`RootResult`;
    raises :class:`RootFindingError` if any element has not converged after ``max_iter``
    iterations (unless ``raise_on_failure=False``).
    """
    ns = _Namespace(x0)
    lo, hi = lo + 0 * x0, hi + 0 * x0  # own copies, broadcast to x0's shape
    x = ns.where(x0 < lo, lo, ns.where(x0 > hi, hi, x0))
    out_x, out_conv, out_iter = x + 0, ns.zeros_bool(x), ns.zeros_int(x)
    index = ns.arange(x)
    lo_ok, hi_ok = ns.zeros_bool(x), ns.zeros_bool(x)
    args = list(args)
    spent = 0
    while spent < max_iter:
        conv = ns.zeros_bool(x)
        n_iter = ns.zeros_int(x)
        for _ in range(min(fused_iter, max_iter - spent)):
            spent += 1
            f, df = fun(x, *args)
            # Bracket update without a data-dependent select (x lies in [lo, hi], the bracket is
            # finite): a shift by twice the width leaves an end unchanged; NaN moves neither end.
            width2 = 2 * (hi - lo)
            lo = ns.maximum(lo, x - width2 * ~(f <= 0))
            hi = ns.minimum(hi, x + width2 * ~(f >= 0))
            lo_ok, hi_ok = lo_ok | (f < 0), hi_ok | (f > 0)
            with ns.errstate():
                newton = x - f / df
            # Comparisons are False for NaN / inf steps. A converged step may round onto the
            # bracket end it just set, hence the closed test for small steps.
            small = (newton >= lo) & (newton <= hi) & (ns.abs(newton - x) <= xtol)
            accept = small | ((newton > lo) & (newton < hi))
            step_to = ns.where(accept, newton, 0.5 * (lo + hi))
            step_to = ns.where(f == 0, x, step_to)
            now = (f == 0) | small | (lo_ok & hi_ok & (hi - lo <= xtol))
            n_iter = ns.where(conv, n_iter, n_iter + 1)
            x = ns.where(conv, x, step_to)  # converged elements stay put
            conv = conv | now
            if not ns.any(~conv):
                break
        out_x[index] = x
        out_iter[index] = out_iter[index] + n_iter
        out_conv[index] = conv
        keep = ~conv
        if not ns.any(keep):
            break
        kept = ns.flatnonzero(keep)
        index, x, lo, hi, lo_ok, hi_ok = (a[kept] for a in (index, x, lo, hi, lo_ok, hi_ok))
        args = [a[kept] if _per_element(a, keep) else a for a in args]
    failed = ~out_conv
    if raise_on_failure and ns.any(failed):
        first = ns.first_true(failed)
        raise RootFindingError(
            f"bracketed Newton did not converge within {max_iter} iterations",
            failed=int(failed.sum()),
            total=int(out_conv.shape[0]),
            example={"index": first, "x": float(out_x[first])},
        )
    return RootResult(out_x, out_conv, out_iter)


def _per_element(a: Any, keep: Array) -> bool:
    shape = getattr(a, "shape", ())
    return len(shape) == 1 and shape[0] == keep.shape[0]


def find_root_mp(
    f: Callable[[Any], Any],
    lo,
    hi,
    *,
    log: bool = False,
    solver: Literal["illinois", "pegasus", "anderson", "ridder", "bisect"] = "illinois",
    dps: int | None = None,
    maxsteps: int = 400,
):
    """The root of ``f`` in ``[lo, hi]`` to ``dps`` significant digits (default: current ``mp.dps``).

    ``f`` must change sign on the bracket. With ``log=True`` the search runs in ``s = log x``
    (``0 < lo < hi``), so the tolerance is relative to ``x``. The work is done at ``dps + 15``
    digits with a bracketing ``mpmath.findroot`` solver; the result is accepted only if ``f``
    changes sign within ``10**-dps`` (relative) of it, where ``|f|`` is smaller than at the
    bracket ends (which rules out a pole). If ``solver`` misses that (regula-falsi
    variants can stall on strongly convex residuals, e.g. Anderson-Bjoerk on an exponential in
    ``s``), bisection takes over; if that fails too, :class:`RootFindingError`.
    Returns an ``mpf`` rounded to ``dps`` digits.
    """
    digits = int(dps if dps is not None else mpmath.mp.dps)
    with mpmath.workdps(digits + _MP_GUARD_DIGITS):
        lo, hi = mpmath.mpf(lo), mpmath.mpf(hi)
        if not lo < hi:
            raise ValueError(f"need lo < hi; got lo={lo}, hi={hi}")
        if log:
            if lo <= 0:
                raise ValueError(f"log=True needs 0 < lo; got lo={lo}")
            g = lambda s: f(mpmath.exp(s))  # noqa: E731
            a, b = mpmath.log(lo), mpmath.log(hi)
        else:
            g, a, b = f, lo, hi
        ga, gb = g(a), g(b)
        if ga == 0 or gb == 0:
            root = a if ga == 0 else b
        else:
            if (ga > 0) == (gb > 0):
                raise RootFindingError(
                    "no sign change on the bracket", example={"lo": str(lo), "hi": str(hi), "f(lo)": str(ga), "f(hi)": str(gb)}
                )
            for attempt in dict.fromkeys((solver, "bisect")):
                root = mpmath.findroot(g, (a, b), solver=attempt, maxsteps=maxsteps, verify=False)
                try:
                    _certify(g, root, a, b, digits, max(abs(ga), abs(gb)), lo=lo, hi=hi)
                    break
                except RootFindingError:
                    if attempt == "bisect":
                        raise
        value = mpmath.exp(root) if log else root
    with mpmath.workdps(digits):
        return +value


def _certify(g, root, a, b, digits: int, end_size, **context) -> None:
    """Require ``a <= root <= b`` and a sign change of ``g`` within ``10**-digits`` (relative) of
    ``root``, with ``|g|`` there below its size at the bracket ends (a pole also changes sign)."""
    # Inside the bracket, so that |g| there can be compared with its size at the ends.
    delta = min(mpmath.mpf(10) ** -(digits + 1) * max(1, abs(root)), (b - a) / 4)
    if not (a - delta <= root <= b + delta):
        raise RootFindingError("root left the bracket", example={k: str(v) for k, v in context.items()})
    g_minus, g_plus = g(root - delta), g(root + delta)
    changes = g_minus == 0 or g_plus == 0 or (g_minus > 0) != (g_plus > 0)
    if changes and max(abs(g_minus), abs(g_plus)) <= end_size:
        return
    raise RootFindingError(
        f"no sign change within 1e-{digits} of the returned root",
        example={"root": str(root), **{k: str(v) for k, v in context.items()}},
    )
