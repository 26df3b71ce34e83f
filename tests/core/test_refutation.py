"""Refutes: passes on false identities, fails on true ones and on crashing checks."""

import sympy as sp

from icl_sym.core.checks import Check, Exact, NumericIdentity
from icl_sym.core.refutation import Refutes

x = sp.Symbol("x", positive=True)


def test_refutes_a_false_identity():
    result = Refutes(Exact()).run(sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.Integer(2))
    assert result.passed and "false" in result.detail and result.method == "refuted by exact"


def test_does_not_refute_a_true_identity():
    assert not Refutes(Exact()).run(sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.Integer(1)).passed
    assert not Refutes(NumericIdentity({x: (0.1, 2.0)})).run(sp.exp(sp.log(x)), x).passed


class _Crashes(Check):
    method = "crash"

    def _verify(self, lhs, rhs):
        raise ZeroDivisionError("boom")


def test_a_crashing_check_refutes_nothing():
    result = Refutes(_Crashes()).run(x, x + 1)
    assert not result.passed and "ZeroDivisionError" in result.detail
