"""Derivations step, verify, report failures by name, and render."""

import pytest
import sympy as sp

from icl_sym.core.checks import Exact
from icl_sym.core.derivation import Derivation, Step
from icl_sym.core.formula import Formula, Param, Provenance
from icl_sym.core.registry import Registry, UnknownNameError
from icl_sym.core.theory import Theory
from icl_sym.core.validation import Range

x = sp.Symbol("x", positive=True)
SRC = Provenance("Test (2025)", "Eq. 1")


def _derivation() -> Derivation:
    steps = (
        Step("expand", (x + 1) ** 2, x**2 + 2 * x + 1, "Binomial formula.", Exact()),
        Step("factor", x**2 + 2 * x + 1, (x + 1) ** 2, "Back again.", Exact()),
    )
    result = Formula("test.square", (x + 1) ** 2, (Param(x, Range(0, low_open=True)),), SRC)
    return Derivation("test.square", "A square", SRC, "Let $x > 0$.", steps, (result,))


def test_step_lookup_by_number_and_name():
    d = _derivation()
    assert d.step(1).name == "expand" and d.step("factor") is d.steps[1]
    with pytest.raises(IndexError, match="1..2"):
        d.step(3)
    with pytest.raises(KeyError, match="expand, factor"):
        d.step("nope")


def test_verify_and_corrupted_step_reported_by_name():
    d = _derivation()
    report = d.verify()
    assert report.ok and [o.name for o in report.outcomes] == ["expand", "factor"]
    bad = d.with_step("factor", rhs=(x + 2) ** 2).verify()
    assert not bad.ok and [o.name for o in bad.failed] == ["factor"]
    assert d.verify().ok  # the original is untouched


def test_duplicate_step_names_rejected():
    s = _derivation().steps[0]
    with pytest.raises(ValueError, match="duplicate"):
        Derivation("t", "t", SRC, "", (s, s))


def test_rendering_contains_every_step_and_result():
    d = _derivation()
    md = d.to_markdown(d.verify())
    assert md.count("## Step") == 2 and "**verified**" in md and "test.square" in md
    tex = d.to_latex()
    assert tex.count("\\paragraph") == 2


def test_registry_lazy_and_unknown_names():
    reg = Registry(group="icl_sym.no_such_group")  # no discovered theories: only what is added
    theory = reg.add(Theory("test", "A test theory", "Nobody (2025)"))
    calls = []

    @theory.derivation("square")
    def build():
        calls.append(1)
        return _derivation()

    assert calls == []
    assert reg.get_derivation("test.square") is reg.get_derivation("test.square")
    assert calls == [1] and reg.derivation_names() == ["test.square"]
    with pytest.raises(UnknownNameError, match="did you mean test.square"):
        reg.get_derivation("test.squar")
    with pytest.raises(UnknownNameError, match="unknown derivation 'other.square'"):
        reg.get_derivation("other.square")
    with pytest.raises(ValueError, match="the name is taken"):
        theory.derivation("square")(build)
    with pytest.raises(ValueError, match="already registered"):
        reg.add(Theory("test", "Another", "Somebody (2026)"))
