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
    assert not numeric_only.passed and numeric_only.method == "mpmath on the stated expression (numeric only)"


def root(t):
    """m(t) with m (1 + t m) = 1: an implicit function, as a self-consistent root is."""
    return mpmath.findroot(lambda m: m * (1 + t * m) - 1, 1)


def test_divergence_and_implemented_functions():
    assert LimitCheck().run(sp.Limit(1 / x, x, 0, "+"), sp.oo).passed
    # Growing is not diverging: atan(1/x) increases to pi/2.
    assert not LimitCheck(symbolic=False).run(sp.Limit(sp.atan(1 / x), x, 0, "+"), sp.oo).passed
    # An undefined function in the stated expression is evaluated by its implementation.
    m = sp.Function("m")
    check = LimitCheck(symbolic=False, implementations={"m": root})
    assert check.run(sp.Limit(m(x), x, 0, "+"), sp.Integer(1)).passed
    assert check.run(sp.Limit((1 - m(x)) / x, x, 0, "+"), sp.Integer(1)).passed  # m = 1 - t + O(t^2)
    assert not check.run(sp.Limit(2 * m(x), x, 0, "+"), sp.Integer(1)).passed  # the stated side is evaluated


def test_an_unimplemented_function_fails():
    result = LimitCheck(symbolic=False).run(sp.Limit(sp.Function("m")(x), x, 0, "+"), sp.Integer(1))
    assert not result.passed and "no implementation of ['m']" in result.detail


def test_the_package_callable_must_agree():
    stated = sp.Limit(sp.sin(x) / x, x, 0, "+")
    assert LimitCheck(package=lambda t: mpmath.sin(t) / t).run(stated, sp.Integer(1)).passed
    wrong = LimitCheck(package=lambda t: 1.01 * mpmath.sin(t) / t).run(stated, sp.Integer(1))
    assert not wrong.passed and "package" in wrong.detail


def test_inequality_property():
    check = InequalityCheck(lambda rng: {"t": rng.uniform(0, 10)}, lambda t: math.exp(t), lambda t: 1 + t)
    assert check.run(sp.S.Zero, sp.S.Zero).passed
    wrong = InequalityCheck(lambda rng: {"t": rng.uniform(0, 10)}, lambda t: 1 + t, lambda t: math.exp(t))
    assert not wrong.run(sp.S.Zero, sp.S.Zero).passed
