"""Limit claims: symbolic and numeric agreement; wrong claims fail."""

import math

import mpmath
import sympy as sp

from icl_sym.core.limits import InequalityCheck, LimitCheck, approach

x = sp.Symbol("x", positive=True)
a = sp.Symbol("a", positive=True)


def test_approach_sequences():
    assert approach(sp.oo, terms=3) == [100, 1000, 10000]
    assert float(approach(1, "-", terms=2)[0]) == 0.99


def test_true_limits_pass_both_ways():
    assert LimitCheck().run(sp.Limit(sp.sin(x) / x, x, 0, "+"), sp.Integer(1)).passed
    assert LimitCheck().run(sp.Limit(x * (sp.sqrt(1 + 1 / x) - 1), x, sp.oo), sp.Rational(1, 2)).passed
    r = LimitCheck(substitutions={a: 3}).run(sp.Limit(a / (1 + x), x, 0, "+"), a)
    assert r.passed and "sympy.limit agrees" in r.detail


def test_wrong_limit_fails_symbolically_and_numerically():
    assert not LimitCheck().run(sp.Limit(sp.sin(x) / x, x, 0, "+"), sp.Integer(2)).passed
    numeric_only = LimitCheck(symbolic=False).run(sp.Limit(sp.sin(x) / x, x, 0, "+"), sp.Rational(101, 100))
    assert not numeric_only.passed and numeric_only.method == "numeric limit (mpmath)"


def test_divergence_and_supplied_numeric_function():
    assert LimitCheck().run(sp.Limit(1 / x, x, 0, "+"), sp.oo).passed
    # A numeric function stands in for an expression SymPy cannot evaluate (e.g. an implicit root).
    check = LimitCheck(symbolic=False, numeric=lambda t: mpmath.findroot(lambda m: m * (1 + t * m) - 1, 1))
    assert check.run(sp.Limit(sp.Function("m")(x), x, 0, "+"), sp.Integer(1)).passed


def test_inequality_property():
    check = InequalityCheck(lambda rng: {"t": rng.uniform(0, 10)}, lambda t: math.exp(t), lambda t: 1 + t)
    assert check.run(sp.S.Zero, sp.S.Zero).passed
    wrong = InequalityCheck(lambda rng: {"t": rng.uniform(0, 10)}, lambda t: 1 + t, lambda t: math.exp(t))
    assert not wrong.run(sp.S.Zero, sp.S.Zero).passed
