"""Input validation at the public boundary: one clear error per bad argument.

Every public numeric function validates its inputs here, so a bad value fails
with a message that names the parameter and its allowed range instead of
surfacing later as a NumPy warning, a NaN or a traceback deep in a solver.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy as sp

__all__ = ["ParameterError", "UnknownNameError", "Range", "check_array", "check_int", "check_choice", "parse_real"]


class ParameterError(ValueError):
    """A user-supplied argument is outside its documented domain."""

    def __init__(self, name: str, allowed: str, got: object):
        self.name, self.allowed, self.got = name, allowed, got
        super().__init__(f"{name} must be {allowed}; got {_short(got)}")

    def __reduce__(self):  # picklable across process pools, with its three arguments
        return type(self), (self.name, self.allowed, self.got)


class UnknownNameError(KeyError):
    """No theory, derivation, formula, curve or claim has this name (the message suggests close ones)."""

    def __init__(self, kind: str, name: str, known: list[str]):
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        self.message = f"unknown {kind} {name!r}; known: {', '.join(known) or 'none'}{hint}"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


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
    #: Only whole numbers (e.g. a depth); ``inf`` stays governed by ``allow_inf``.
    integer: bool = False

    def describe(self) -> str:
        left = "(" if self.low_open or self.low == -math.inf else "["
        right = ")" if self.high_open or self.high == math.inf else "]"
        text = f"in {left}{_fmt(self.low)}, {_fmt(self.high)}{right}"
        text = "an integer " + text if self.integer else text
        return text + " or inf" if self.allow_inf and self.high == math.inf else text

    def requirement(self) -> str:
        """What a value must be, as error messages say it: ``real in (0, inf)``, ``an integer in [1, inf)``."""
        return self.describe() if self.integer else f"real {self.describe()}"

    def contains(self, values: np.ndarray) -> np.ndarray:
        v = values
        ok = ~np.isnan(v)
        # An infinite end point is never included by a comparison: inf is admitted only by allow_inf.
        ok &= (v > self.low) if self.low_open or self.low == -math.inf else (v >= self.low)
        finite_high = (v < self.high) if self.high_open or self.high == math.inf else (v <= self.high)
        ok &= finite_high | (self.allow_inf & np.isposinf(v))
        if self.integer:
            with np.errstate(invalid="ignore"):
                ok &= np.isposinf(v) | (np.floor(v) == v)
        return ok


def _fmt(x: float) -> str:
    if x == math.inf:
        return "inf"
    if x == -math.inf:
        return "-inf"
    return f"{x:g}"


def _has_text_or_bool(value) -> bool:
    """Whether ``value`` is, or (in nested lists/tuples or an array) holds, text or a boolean."""
    if isinstance(value, (str, bytes, bool, np.bool_)):
        return True
    if isinstance(value, (list, tuple)):
        return any(_has_text_or_bool(v) for v in value)
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if kind is not None:  # numpy arrays; torch tensors expose no .kind but convert below
        return kind in "bUSO" and (kind != "O" or any(_has_text_or_bool(v) for v in np.asarray(value).flat))
    if type(value).__module__.startswith("torch"):
        return bool(getattr(value, "dtype", None) is not None and str(value.dtype) == "torch.bool")
    return False


def check_array(name: str, value, domain: Range) -> np.ndarray:
    """Return ``value`` as a float64 array after checking every entry is in ``domain``.

    Text ("1") and booleans (True, numpy or torch boolean arrays) are refused, not converted.
    """
    if _has_text_or_bool(value):
        raise ParameterError(name, f"a real number or array of reals {domain.describe()} "
                             "(not text or a boolean)", value)
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(name, f"a real number or array of reals {domain.describe()}", value) from None
    bad = ~domain.contains(arr)
    if np.any(bad):
        first = float(arr[bad].flat[0])
        raise ParameterError(name, domain.requirement(), first)
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


#: A decimal number as text: optional sign, digits with an optional point, optional exponent.
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
#: Largest decimal exponent accepted: 10**±4000 is exact and quick; 1e999999999 would hang the conversion.
_MAX_EXPONENT = 4000


def _decimal(name: str, text: str) -> Fraction:
    if not _DECIMAL.fullmatch(text):
        raise ParameterError(name, "a real number written as decimal text, e.g. 0.1, -2.5e-3, 1/3 or inf", text)
    mantissa, _, exponent = text.lower().partition("e")
    if exponent and abs(int(exponent)) > _MAX_EXPONENT:
        raise ParameterError(name, f"a number with a decimal exponent of at most {_MAX_EXPONENT} in size", text)
    return Fraction(mantissa) * Fraction(10) ** int(exponent or 0)


def parse_real(name: str, text: str) -> sp.Expr:
    """The exact real number written in ``text``: a SymPy Rational, or ±oo for "inf"/"-inf".

    Decimal text is read exactly ("0.1" is 1/10, not the nearest float; "1e-30" is 10^-30); a
    ratio "p/q" of two decimals is accepted too. NaN, empty text and anything else is a
    :class:`ParameterError` naming ``name``.
    """
    if not isinstance(text, str):
        raise ParameterError(name, "text holding a real number", text)
    clean = text.strip()
    infinities = {"inf", "infinity", "oo"}
    lowered = clean.lower()
    if lowered in infinities or (lowered[:1] == "+" and lowered[1:] in infinities):
        return sp.oo
    if lowered[:1] == "-" and lowered[1:] in infinities:
        return -sp.oo
    numerator, slash, denominator = clean.partition("/")
    value = _decimal(name, numerator.strip())
    if slash:
        divisor = _decimal(name, denominator.strip())
        if divisor == 0:
            raise ParameterError(name, "a ratio p/q with q != 0", text)
        value /= divisor
    return sp.Rational(value.numerator, value.denominator)
