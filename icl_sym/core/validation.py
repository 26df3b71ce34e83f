"""Input validation at the public boundary: one clear error per bad argument.

Every public numeric function validates its inputs here, so a bad value fails
with a message that names the parameter and its allowed range instead of
surfacing later as a NumPy warning, a NaN or a traceback deep in a solver.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["ParameterError", "Range", "check_array", "check_int", "check_choice"]


class ParameterError(ValueError):
    """A user-supplied argument is outside its documented domain."""

    def __init__(self, name: str, allowed: str, got: object):
        self.name, self.allowed, self.got = name, allowed, got
        super().__init__(f"{name} must be {allowed}; got {_short(got)}")

    def __reduce__(self):  # picklable across process pools, with its three arguments
        return type(self), (self.name, self.allowed, self.got)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class Range:
    """A real interval ``[low, high]`` with optional open ends and infinity.

    ``Range(0, inf, low_open=True)`` is ``(0, inf)``; ``allow_inf`` admits the
    value ``+inf`` itself (e.g. ``kappa = inf``, a regime of its own).
    """

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    allow_inf: bool = False

    def describe(self) -> str:
        left = "(" if self.low_open or self.low == -math.inf else "["
        right = ")" if self.high_open or self.high == math.inf else "]"
        text = f"in {left}{_fmt(self.low)}, {_fmt(self.high)}{right}"
        return text + " or inf" if self.allow_inf and self.high == math.inf else text

    def contains(self, values: np.ndarray) -> np.ndarray:
        v = values
        ok = ~np.isnan(v)
        # An infinite end point is never included by a comparison: inf is admitted only by allow_inf.
        ok &= (v > self.low) if self.low_open or self.low == -math.inf else (v >= self.low)
        finite_high = (v < self.high) if self.high_open or self.high == math.inf else (v <= self.high)
        ok &= finite_high | (self.allow_inf & np.isposinf(v))
        return ok


def _fmt(x: float) -> str:
    if x == math.inf:
        return "inf"
    if x == -math.inf:
        return "-inf"
    return f"{x:g}"


def check_array(name: str, value, domain: Range) -> np.ndarray:
    """Return ``value`` as a float64 array after checking every entry is in ``domain``."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(name, f"a real number or array of reals {domain.describe()}", value) from None
    bad = ~domain.contains(arr)
    if np.any(bad):
        first = float(arr[bad].flat[0])
        raise ParameterError(name, f"real {domain.describe()}", first)
    return arr


def check_int(name: str, value, minimum: int) -> int:
    """Return ``value`` as an int, requiring an integer ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if not (isinstance(value, (float, np.floating)) and float(value).is_integer()):
            raise ParameterError(name, f"an integer >= {minimum}", value)
    if int(value) < minimum:
        raise ParameterError(name, f"an integer >= {minimum}", value)
    return int(value)


def check_choice(name: str, value: str, choices) -> str:
    """Return ``value`` if it is one of ``choices``."""
    choices = list(choices)
    if value not in choices:
        raise ParameterError(name, "one of " + ", ".join(map(str, choices)), value)
    return value
