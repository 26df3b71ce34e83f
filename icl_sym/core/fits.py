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

__all__ = ["PowerLawFit", "fit_power_law", "ExponentFit", "BootstrapFit", "bootstrap_power_law"]


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


@dataclass(frozen=True)
class BootstrapFit:
    """``y ≈ exp(intercept) · x^slope`` by least squares on logs, with a bootstrap interval [low, high] for the slope."""

    slope: float
    intercept: float
    low: float
    high: float
    level: float
    resamples: int
    points: int

    def covers(self, value: float) -> bool:
        """Whether ``value`` lies in the interval."""
        return self.low <= value <= self.high


def bootstrap_power_law(x, y, *, resamples: int = 2000, level: float = 0.95, seed: int = 0) -> BootstrapFit:
    """Least-squares slope of ``log y`` on ``log x`` and its percentile bootstrap interval at ``level``.

    Meant for repeated measurements (draws) at a few values of x: each resample draws, at every distinct x,
    as many observations as it has, with replacement, from that x's observations (a stratified pairs
    bootstrap: every resample keeps the design, and the interval reflects the scatter between draws).
    Needs at least two distinct x and two observations at each; all values positive and finite.
    Resamples come from ``numpy.random.SeedSequence(seed)``.
    """
    from .validation import Range, check_array, check_int

    x = check_array("x", x, Range(0, low_open=True))
    y = check_array("y", y, Range(0, low_open=True))
    if x.ndim != 1 or x.shape != y.shape:
        raise ParameterError("x, y", "one-dimensional arrays of the same length", (x.shape, y.shape))
    resamples = check_int("resamples", resamples, 10)
    level = float(check_array("level", level, Range(0, 1, low_open=True, high_open=True)))
    values, counts = np.unique(x, return_counts=True)
    if values.size < 2:
        raise ParameterError("x", "at least two distinct values", values)
    if counts.min() < 2:
        raise ParameterError("x", "at least two observations (draws) at each value for a bootstrap interval",
                             dict(zip(values.tolist(), counts.tolist())))
    log_x, log_y = np.log(x), np.log(y)
    slope, intercept, _ = _ols(log_x, log_y)
    rng = np.random.default_rng(np.random.SeedSequence(check_int("seed", seed, 0)))
    # One index matrix per stratum, concatenated: every resample has each x's count of observations.
    index = np.concatenate([rng.choice(np.flatnonzero(x == v), size=(resamples, c)) for v, c in zip(values, counts)],
                           axis=1)
    bx, by = log_x[index], log_y[index]
    bx_centred = bx - bx.mean(axis=1, keepdims=True)
    slopes = (bx_centred * (by - by.mean(axis=1, keepdims=True))).sum(axis=1) / (bx_centred**2).sum(axis=1)
    low, high = np.quantile(slopes, [(1 - level) / 2, (1 + level) / 2])
    return BootstrapFit(slope, intercept, float(low), float(high), level, resamples, x.size)
