"""Power-law fits with an error bar, and a check that a fitted exponent matches (or rejects) a prediction.

A predicted scaling exponent (for example a loss decaying like ``t^{-e}``) is
confirmed numerically by fitting a straight line to ``log y`` against ``log x``
on exact values of ``y``. :func:`fit_power_law` returns the slope with two
error estimates: the ordinary least-squares standard error and the *drift*,
the difference between the slopes fitted on the two halves of the window.
For deterministic data the least-squares error only measures the curvature of
the curve; the drift measures how far the local slope still moves across the
window (pre-asymptotic corrections), so the error used is their quadrature sum.

>>> import numpy as np
>>> x = np.logspace(1, 4, 31)
>>> fit = fit_power_law(x, 3.0 * x**-0.5)
>>> round(fit.slope, 12), fit.error < 1e-12
(-0.5, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
import sympy as sp

from .checks import Check
from .validation import ParameterError

__all__ = ["PowerLawFit", "fit_power_law", "ExponentFit"]


@dataclass(frozen=True)
class PowerLawFit:
    """``y ≈ exp(intercept) · x^slope`` on the fitted window, with error estimates of the slope."""

    slope: float
    intercept: float
    stderr: float
    drift: float
    points: int

    @property
    def error(self) -> float:
        """Quadrature sum of the least-squares standard error and the half-window drift."""
        return math.hypot(self.stderr, self.drift)

    def deviation(self, predicted: float) -> float:
        """How many errors the fitted slope lies from ``predicted`` (``inf`` for an exact power law that misses)."""
        gap = abs(self.slope - predicted)
        if self.error == 0:
            return 0.0 if gap == 0 else math.inf
        return gap / self.error


def _ols(log_x: np.ndarray, log_y: np.ndarray) -> tuple[float, float, float]:
    design = np.column_stack([log_x, np.ones_like(log_x)])
    coef, *_ = np.linalg.lstsq(design, log_y, rcond=None)
    residual = log_y - design @ coef
    dof = len(log_x) - 2
    variance = float(residual @ residual) / dof
    cov = variance * np.linalg.inv(design.T @ design)
    return float(coef[0]), float(coef[1]), math.sqrt(max(cov[0, 0], 0.0))


def fit_power_law(x, y) -> PowerLawFit:
    """Least-squares slope of ``log y`` on ``log x`` (at least 6 points, all positive and finite)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape:
        raise ParameterError("x, y", "one-dimensional arrays of the same length", (x.shape, y.shape))
    if len(x) < 6:
        raise ParameterError("x", "at least 6 points", len(x))
    for name, values in (("x", x), ("y", y)):
        if not np.all(np.isfinite(values)) or np.any(values <= 0):
            bad = values[~(np.isfinite(values) & (values > 0))]
            raise ParameterError(name, "positive and finite everywhere", bad[:3])
    order = np.argsort(x)
    log_x, log_y = np.log(x[order]), np.log(y[order])
    slope, intercept, stderr = _ols(log_x, log_y)
    half = len(x) // 2
    first, _, _ = _ols(log_x[: half + 1], log_y[: half + 1])
    second, _, _ = _ols(log_x[half:], log_y[half:])
    return PowerLawFit(slope, intercept, stderr, abs(first - second), len(x))


@dataclass(frozen=True)
class ExponentFit(Check):
    """The step's ``rhs`` (an exponent, evaluated at ``substitutions``) against a fitted slope.

    ``data()`` returns ``(x, y)`` computed exactly (not sampled). The check
    passes when the fitted slope lies within ``sigmas`` errors (plus ``atol``)
    of the predicted exponent; with ``reject=True`` it passes when the slope
    lies *more* than that away, which shows that a claimed exponent is wrong.
    The step's ``lhs`` only names the fitted quantity.
    """

    data: Callable[[], tuple[np.ndarray, np.ndarray]]
    substitutions: Mapping = None  # type: ignore[assignment]
    sigmas: float = 4.0
    atol: float = 0.0
    reject: bool = False

    @property
    def method(self) -> str:  # type: ignore[override]
        relation = "differs from" if self.reject else "matches"
        return f"power-law fit (slope {relation} the prediction at {self.sigmas:g} errors)"

    def _verify(self, lhs, rhs):
        value = sp.sympify(rhs).subs(dict(self.substitutions or {}))
        if value.free_symbols:
            return False, "no value for " + ", ".join(sorted(map(str, value.free_symbols)))
        predicted = float(value)
        fit = fit_power_law(*self.data())
        gap = abs(fit.slope - predicted)
        bound = self.sigmas * fit.error + self.atol
        ok = gap > bound if self.reject else gap <= bound
        return ok, (f"slope {fit.slope:.6g} ± {fit.error:.2g} (s.e. {fit.stderr:.2g}, drift {fit.drift:.2g}, "
                    f"{fit.points} points) vs {predicted:.6g}: {fit.deviation(predicted):.3g} errors")
