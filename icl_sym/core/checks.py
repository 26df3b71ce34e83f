"""Checks: the machine proofs attached to derivation steps and claims.

Each check compares a step's ``lhs`` with its ``rhs`` and returns a
:class:`CheckResult` saying whether it holds and how it was verified:

- :class:`Exact`: ``lhs - rhs`` simplifies to zero (scalars, explicit matrices,
  or matrix expressions with symbolic sizes in canonical form);
- :class:`ExactAtSizes`: exact after instantiating symbolic-size matrices with
  explicit symbolic entries at small sizes (a proof for each size checked);
- :class:`Derived`: ``rhs`` equals what a rule computes (e.g. Isserlis' theorem);
- :class:`AverageOverVector`: ``rhs = E[lhs]`` over a random vector with given first
  and second moments, for ``lhs`` of degree at most two in it (exact at explicit sizes);
- :class:`NumericIdentity`: ``lhs = rhs`` to many digits at random points with mpmath,
  for identities SymPy cannot simplify;
- :class:`NumericAgreement`: a numeric function users call agrees with an independent
  reference at seeded random points.
"""

from __future__ import annotations

import math
import random
import re
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable, Mapping

import mpmath
import sympy as sp

__all__ = [
    "CheckResult",
    "Check",
    "Exact",
    "ExactAtSizes",
    "Derived",
    "NumericIdentity",
    "AverageOverVector",
    "NumericAgreement",
    "is_zero",
    "expanded_numerator",
]


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one check: ``passed``, the ``method`` used and a one-line ``detail``."""

    passed: bool
    method: str
    detail: str
    seconds: float = 0.0

    def sentence(self) -> str:
        """The outcome in words: ``verified by <method>: <detail> (0.12 s)``, or ``FAILED ...``."""
        return f"{'verified' if self.passed else 'FAILED'} by {self.method}: {self.detail} ({self.seconds:.2f} s)"

    def __str__(self) -> str:
        return self.sentence()

    def _repr_markdown_(self) -> str:
        """Jupyter shows a result as its sentence (the verdict in bold), not as a dataclass repr."""
        verdict = "**verified**" if self.passed else "**FAILED**"
        detail = re.sub(r"([\\`*_$<>\[\]])", r"\\\1", f"{self.method}: {self.detail} ({self.seconds:.2f} s)")
        return f"{verdict} by {detail}"

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # IPython's plain-text display
        printer.text(self.sentence())


def _explicit(expr: sp.Basic) -> sp.Basic:
    if isinstance(expr, sp.MatrixExpr) and all(sp.sympify(n).is_Integer for n in expr.shape):
        return expr.as_explicit()
    return expr


def is_zero(expr: sp.Basic, simplifier: Callable = sp.simplify) -> bool:
    """Exact test that ``expr`` (scalar, explicit matrix or matrix expression) is zero."""
    expr = _explicit(expr)
    if isinstance(expr, sp.MatrixBase):
        return all(simplifier(entry) == 0 for entry in expr)
    if isinstance(expr, sp.MatrixExpr) or expr.has(sp.Trace):
        from .gaussian import canonicalize

        expr = canonicalize(expr)
        if isinstance(expr, sp.MatrixExpr):
            return isinstance(expr, sp.ZeroMatrix)
    return simplifier(expr) == 0


def expanded_numerator(expr: sp.Expr) -> sp.Expr:
    """The expanded numerator of ``expr`` over a common denominator: zero iff ``expr`` is (for rational
    functions); much faster than ``cancel`` on nested fractions because no gcd is computed."""
    return sp.expand(sp.together(expr).as_numer_denom()[0])


def _difference(lhs: sp.Basic, rhs: sp.Basic) -> sp.Basic:
    if isinstance(lhs, sp.Equality) or isinstance(rhs, sp.Equality):
        raise TypeError("a step compares two expressions, not equations")
    return lhs - rhs


class Check(ABC):
    """A verification of ``lhs == rhs``."""

    method: str = "check"

    def run(self, lhs: sp.Basic, rhs: sp.Basic) -> CheckResult:
        start = time.perf_counter()
        try:
            passed, detail = self._verify(lhs, rhs)
        except Exception as exc:  # a crashing check is a failed check, reported by name
            passed, detail = False, f"check raised {type(exc).__name__}: {exc}"
        return CheckResult(passed, self.method, detail, time.perf_counter() - start)

    @abstractmethod
    def _verify(self, lhs: sp.Basic, rhs: sp.Basic) -> tuple[bool, str]:
        """Return (passed, detail)."""


@dataclass(frozen=True)
class Exact(Check):
    """``lhs - rhs`` simplifies to exactly zero (after the substitutions ``given``, if any)."""

    simplifier: Callable = sp.simplify
    given: Mapping = None  # type: ignore[assignment]
    method: str = "exact"

    def _verify(self, lhs, rhs):
        if self.given:
            lhs, rhs = lhs.subs(dict(self.given)), rhs.subs(dict(self.given))
        ok = is_zero(_difference(lhs, rhs), self.simplifier)
        return ok, "difference simplifies to 0" if ok else "difference does not simplify to 0"


@dataclass(frozen=True)
class ExactAtSizes(Check):
    """Exact identity after substituting explicit objects for each size in ``sizes``.

    ``instantiate(size)`` returns a substitution dict (for example matrix
    symbols of symbolic size ``d`` mapped to explicit matrices of symbols).
    ``given`` holds assumptions applied to both sides first (e.g. ``‖w‖² = d``).
    """

    instantiate: Callable[..., Mapping]
    sizes: tuple
    given: Mapping = None  # type: ignore[assignment]
    # cancel() puts rational functions in canonical form: zero iff identically zero.
    simplifier: Callable = sp.cancel

    @property
    def method(self) -> str:  # type: ignore[override]
        return f"exact at explicit sizes only ({_sizes_text(self.sizes)})"

    def _verify(self, lhs, rhs):
        if self.given:
            lhs, rhs = lhs.subs(dict(self.given)), rhs.subs(dict(self.given))
        for size, mapping in _instantiations(self.instantiate, self.sizes):
            left = _explicit(_substitute(lhs, mapping))
            right = _explicit(_substitute(rhs, mapping))
            if not is_zero(left - right, self.simplifier):
                return False, f"fails at size {size}"
        return True, "exact at sizes " + ", ".join(map(str, self.sizes))


def _sizes_text(sizes: tuple) -> str:
    return "sizes " + ", ".join(str(s) for s in sizes)


def _instantiations(instantiate: Callable[..., Mapping], sizes: tuple):
    """(size, substitution dict) for each size; a tuple size is passed as several arguments."""
    for size in sizes:
        yield size, dict(instantiate(*size) if isinstance(size, tuple) else instantiate(size))


def _substitute(expr: sp.Basic, mapping: Mapping) -> sp.Basic:
    out = expr.subs(dict(mapping)) if mapping else expr
    # Symbolic sizes become integers only after the substitution: traces of the
    # now-explicit matrices are evaluated, and the rest re-evaluated explicitly.
    out = out.replace(lambda e: isinstance(e, sp.Trace), lambda e: _explicit(e.arg).trace())
    return out.doit() if isinstance(out, (sp.MatrixExpr, sp.Expr)) else out


@dataclass(frozen=True)
class Derived(Check):
    """``rhs`` equals the result of ``compute()``, a rule applied by the engine.

    The step's ``lhs`` names the quantity; ``compute`` derives it (for example
    with Isserlis' theorem), so the stated ``rhs`` is checked, not trusted.
    """

    compute: Callable[[], sp.Basic]
    rule: str = "rule"

    @property
    def method(self) -> str:  # type: ignore[override]
        return self.rule

    def _verify(self, lhs, rhs):
        derived = self.compute()
        ok = is_zero(_difference(derived, rhs))
        return ok, "stated form equals the derived form" if ok else f"derived {derived} differs"


@dataclass(frozen=True)
class NumericIdentity(Check):
    """``lhs == rhs`` at random points to ``dps - 5`` significant digits (mpmath, ``dps`` digits).

    ``ranges`` maps each free symbol to a sampling interval ``(low, high)``.
    """

    ranges: Mapping[sp.Symbol, tuple[float, float]]
    points: int = 5
    dps: int = 30
    seed: int = 0

    @property
    def method(self) -> str:  # type: ignore[override]
        return f"numeric identity ({self.dps} digits, {self.points} random points)"

    def _verify(self, lhs, rhs):
        rng = random.Random(self.seed)
        missing = (sp.sympify(lhs).free_symbols | sp.sympify(rhs).free_symbols) - set(self.ranges)
        if missing:
            return False, "no sampling range for " + ", ".join(sorted(map(str, missing)))
        worst = mpmath.mpf(0)
        with mpmath.workdps(self.dps):
            for _ in range(self.points):
                point = {s: sp.Float(rng.uniform(*r), self.dps) for s, r in self.ranges.items()}
                a = sp.N(lhs.subs(point), self.dps)
                b = sp.N(rhs.subs(point), self.dps)
                scale = max(abs(a), abs(b), 1)
                worst = max(worst, mpmath.mpf(abs(a - b) / scale))
        ok = worst < mpmath.mpf(10) ** (5 - self.dps)
        return ok, f"max relative difference {mpmath.nstr(worst, 3)}"


@dataclass(frozen=True)
class AverageOverVector(Check):
    """``rhs = E[lhs]`` where ``vector`` is random with ``E[v] = mean`` and ``E[v vᵀ] = second``.

    Exact at explicit sizes: ``instantiate(size)`` makes every matrix explicit;
    ``lhs`` (after the substitutions ``given``, e.g. a constraint such as
    ``‖w‖² = d``) must be a polynomial of degree at most two in the vector's
    entries, whose monomials ``v_i`` and ``v_i v_j`` are then replaced by the
    moments. This is linearity of expectation, checked rather than assumed.
    """

    vector: sp.MatrixSymbol
    mean: sp.Basic
    second: sp.Basic
    instantiate: Callable[..., Mapping]
    sizes: tuple
    given: Mapping = None  # type: ignore[assignment]
    simplifier: Callable = sp.cancel

    @property
    def method(self) -> str:  # type: ignore[override]
        return f"expectation by moments, exact at explicit sizes only ({_sizes_text(self.sizes)})"

    def _verify(self, lhs, rhs):
        if self.given:
            lhs = lhs.subs(dict(self.given))
        for size, mapping in _instantiations(self.instantiate, self.sizes):
            n = int(sp.sympify(self.vector.shape[0]).subs(mapping))
            entries = sp.symbols(f"_v0:{n}")
            v = sp.Matrix(n, 1, entries)
            mean = _explicit(_substitute(self.mean, mapping))
            second = _explicit(_substitute(self.second, mapping))
            left = sp.expand(_explicit(_substitute(lhs, {**mapping, self.vector: v})))
            averaged = _average(left, entries, mean, second)
            if averaged is None:
                return False, f"not a polynomial of degree <= 2 in {self.vector} at size {size}"
            right = _explicit(_substitute(rhs, mapping))
            if not is_zero(averaged - right, self.simplifier):
                return False, f"fails at size {size}"
        return True, "exact at sizes " + ", ".join(map(str, self.sizes))


def _average(expr, entries, mean, second):
    """Replace monomials of ``entries`` by moments; None if some monomial has degree > 2."""
    if isinstance(expr, sp.MatrixBase):
        out = [_average(e, entries, mean, second) for e in expr]
        return None if any(o is None for o in out) else sp.Matrix(expr.rows, expr.cols, out)
    total = sp.S.Zero
    for monomial, coeff in sp.Poly(expr, *entries).terms():
        powers = [i for i, k in enumerate(monomial) for _ in range(k)]
        if len(powers) > 2:
            return None
        moment = 1 if not powers else mean[powers[0]] if len(powers) == 1 else second[powers[0], powers[1]]
        total += coeff * moment
    return total


@dataclass(frozen=True)
class NumericAgreement(Check):
    """A numeric function agrees with an independent reference at seeded random points.

    ``sample(rng)`` draws the keyword arguments of both ``function`` and ``reference``; the check
    passes when every relative difference is at most ``rtol`` (equal infinities agree). A
    difference is relative to ``scale(**p)`` where that is larger than the reference (for a
    quantity that is a difference of larger ones, which can only be as accurate as they are). The step's
    ``lhs``/``rhs`` name the two; the numbers come from the callables, so the check covers the
    very function users call.
    """

    function: Callable
    reference: Callable
    sample: Callable
    points: int = 40
    rtol: float = 1e-12
    seed: int = 0
    scale: Callable | None = None

    @property
    def method(self) -> str:  # type: ignore[override]
        return f"agreement with an independent reference at {self.points} random points (rel. {self.rtol:g})"

    def _verify(self, lhs, rhs):
        rng = random.Random(self.seed)
        worst, where = 0.0, None
        for _ in range(self.points):
            p = self.sample(rng)
            a, b = float(self.function(**p)), float(self.reference(**p))
            if a == b:
                continue
            size = max(abs(b), abs(float(self.scale(**p))) if self.scale is not None else 0.0)
            gap = abs(a - b) / size if math.isfinite(a) and math.isfinite(b) and size > 0 else math.inf
            if not gap <= worst:
                worst, where = gap, p
        ok = worst <= self.rtol
        return ok, f"largest relative difference {worst:.3g}" + ("" if ok else f" at {where}")
