"""Limit and inequality claims, checked symbolically where SymPy can and always numerically with mpmath.

A claimed limit is a derivation step ``Limit(expr, x, x0) = value`` whose
check is :class:`LimitCheck`: SymPy's ``limit`` (when ``symbolic``) and an
independent numeric cross-check that evaluates the stated expression (and,
optionally, the package's own function) along a sequence approaching ``x0`` and
requires the distance to ``value`` to shrink below a tolerance.

>>> import sympy as sp
>>> x = sp.Symbol("x", positive=True)
>>> check = LimitCheck()
>>> check.run(sp.Limit(sp.sin(x) / x, x, 0, "+"), sp.Integer(1)).passed
True
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, Mapping

import mpmath
import sympy as sp
from sympy.core.function import AppliedUndef

from .checks import Check

__all__ = ["LimitCheck", "InequalityCheck", "approach"]


def approach(point, direction: str = "+", terms: int = 8, start: int = 2) -> list:
    """A sequence of mpmath numbers tending to ``point`` (10^k steps; ``oo`` gives 10^k)."""
    if point in (sp.oo, mpmath.inf):
        return [mpmath.mpf(10) ** k for k in range(start, start + terms)]
    if point in (-sp.oo, -mpmath.inf):
        return [-(mpmath.mpf(10) ** k) for k in range(start, start + terms)]
    sign = 1 if direction == "+" else -1
    x0 = mpmath.mpf(sp.Float(point, 50))
    return [x0 + sign * mpmath.mpf(10) ** (-k) for k in range(start, start + terms)]


@dataclass(frozen=True)
class LimitCheck(Check):
    """Verifies ``Limit(expr, x, x0, dir) = value``.

    Numerically, always: the stated ``expr`` itself is evaluated with mpmath at ``dps`` digits along
    a sequence approaching ``x0`` (parameters fixed by ``substitutions``; undefined functions in
    ``expr``, such as a self-consistent root, evaluated by the callables in ``implementations``,
    keyed by function name) and must end within ``tol`` of the value (relative to max(1, |value|))
    with the distances shrinking overall. A divergence (value ``oo``) needs |expr| to grow
    monotonically, by at least a factor 100 over the sequence.
    ``package``: a public numeric function of ``x`` (mpmath in, mpmath out) that must approach the
    same value along the same sequence, so the claim covers the callables users run.
    ``symbolic``: also ask SymPy's ``limit`` (skipped where it is known not to finish; the step
    then says so).
    """

    symbolic: bool = True
    substitutions: Mapping | None = None
    implementations: Mapping[str, Callable] | None = None
    package: Callable | None = None
    terms: int = 8
    start: int = 2
    tol: float = 1e-6
    dps: int = 40

    @property
    def method(self) -> str:  # type: ignore[override]
        how = "sympy.limit + mpmath on the stated expression" if self.symbolic else \
            "mpmath on the stated expression (numeric only)"
        return how + (" + package callable" if self.package is not None else "")

    def _verify(self, lhs, rhs):
        if not isinstance(lhs, sp.Limit):
            return False, "the left side of a limit claim must be an unevaluated sympy.Limit"
        expr, var, point, direction = lhs.args
        direction = str(direction)
        notes = []
        if self.symbolic:
            found = sp.limit(expr, var, point, direction)
            if not (found == rhs) and sp.simplify(found - rhs) != 0:
                return False, f"sympy.limit gives {found}, not {rhs}"
            notes.append("sympy.limit agrees")
        if self.substitutions:
            expr, rhs = expr.subs(dict(self.substitutions)), rhs.subs(dict(self.substitutions))
        unknown = {f.func.__name__ for f in expr.atoms(AppliedUndef)} - set(self.implementations or {})
        if unknown:
            return False, f"the stated expression cannot be evaluated: no implementation of {sorted(unknown)}"
        modules = [dict(self.implementations or {}), "mpmath"]
        with mpmath.workdps(self.dps):
            stated = sp.lambdify(var, expr, modules)
        for label, f in (("stated expression", stated), ("package", self.package)):
            if f is None:
                continue
            ok, detail = self._numeric(f, point, direction, rhs)
            notes.append(f"{label}: {detail}")
            if not ok:
                return False, "; ".join(notes)
        return True, "; ".join(notes)

    def _numeric(self, f, point, direction, value):
        with mpmath.workdps(self.dps):
            target = mpmath.mpf(sp.N(value, self.dps)) if value.is_finite else None
            points = approach(point, direction, self.terms, self.start)
            values = [f(p) for p in points]
        if target is None:  # a divergence: |f| must grow, and by orders of magnitude over the sequence
            grows = all(abs(b) > abs(a) for a, b in zip(values, values[1:])) and \
                abs(values[-1]) >= 100 * max(1, abs(values[0]))
            sign_ok = value == sp.zoo or all(mpmath.sign(v) == (1 if value == sp.oo else -1) for v in values[-3:])
            return grows and sign_ok, f"|f| grows to {mpmath.nstr(abs(values[-1]), 3)}"
        gaps = [abs(v - target) / max(1, abs(target)) for v in values]
        shrinking = gaps[-1] <= gaps[0] or gaps[-1] < self.tol * 1e-3
        ok = gaps[-1] < self.tol and shrinking
        return ok, f"distance {mpmath.nstr(gaps[-1], 3)} at {mpmath.nstr(points[-1], 3)}"


@dataclass(frozen=True)
class InequalityCheck(Check):
    """``lhs >= rhs`` (both functions of the sampled parameters) at random points: a property test.

    ``sample(rng)`` returns a dict of parameter values; ``lhs``/``rhs`` of the
    step are ignored in favour of the numeric functions ``left(**p)``, ``right(**p)``.
    """

    sample: Callable[[random.Random], dict]
    left: Callable[..., float]
    right: Callable[..., float]
    points: int = 200
    seed: int = 0
    slack: float = 1e-12

    @property
    def method(self) -> str:  # type: ignore[override]
        return f"property test ({self.points} random points)"

    def _verify(self, lhs, rhs):
        rng = random.Random(self.seed)
        worst, where = float("inf"), None
        for _ in range(self.points):
            p = self.sample(rng)
            a, b = float(self.left(**p)), float(self.right(**p))
            margin = (a - b) / max(1.0, abs(b))
            if margin < worst:
                worst, where = margin, p
        ok = worst >= -self.slack
        return ok, f"smallest relative margin {worst:.3g} at {where}"
