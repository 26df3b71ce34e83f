"""`icl-sym check` covers the numeric forms users call: every rewrite and every public curve, and the checks bite."""

import dataclasses

import pytest
import sympy as sp

from icl_sym.core.compiled import numba_available
from icl_sym.core.limits import LimitCheck
from icl_sym.core.registry import REGISTRY
from icl_sym.theories.lu2024 import asymptotics, forms, numerics


def test_numerics_derivation_passes():
    report = REGISTRY.get_derivation("lu2024.numerics").verify()
    assert report.ok, [(o.name, o.result.detail) for o in report.failed]
    assert len(report.outcomes) == len(forms.identities()) + 4


@pytest.fixture
def numpy_path(monkeypatch):
    """The numpy kernels (the compiled loop's mutations are tested in test_lu2024_compiled.py)."""
    monkeypatch.setenv("ICL_SYM_COMPILED", "0")
    numba_available.cache_clear()
    yield
    numba_available.cache_clear()


@pytest.fixture
def mutated(monkeypatch, numpy_path):
    """Multiply one stable form by 1.01 and regenerate the kernels from it (restored afterwards)."""
    def mutate(name):
        monkeypatch.setitem(forms.STABLE, name, forms.STABLE[name] * sp.Rational(101, 100))
        asymptotics.kernel_expressions.cache_clear()
        asymptotics._kernels.cache_clear()
    yield mutate
    asymptotics.kernel_expressions.cache_clear()
    asymptotics._kernels.cache_clear()


def step_named(steps, name):
    return next(s for s in steps if s.name == name)


def test_a_changed_coefficient_fails_its_identity(mutated):
    mutated("c_ridge")
    assert not step_named(numerics.identity_steps(), "identity c_ridge").verify().passed


@pytest.mark.parametrize("form, public", [("e_idg_ridge", "e_idg"), ("e_icl_ridge", "e_icl")])
def test_a_changed_stable_form_fails_its_identity_and_the_public_curve(mutated, form, public):
    mutated(form)
    assert not step_named(numerics.identity_steps(), f"identity {form}").verify().passed
    # The generated kernels now carry the change: the public function no longer matches the reference.
    check = step_named(numerics.callable_steps(points=12), f"public {public} equals the reference").verify()
    assert not check.passed and "largest relative difference" in check.detail


def test_a_changed_kernel_fails_the_callable_step(monkeypatch, numpy_path):
    real = asymptotics._kernels("numpy")

    def wrong_ridge(*args):
        icl, idg = real.ridge(*args)
        return icl, idg * 1.01

    monkeypatch.setattr(asymptotics, "_kernels", lambda backend: dataclasses.replace(real, ridge=wrong_ridge))
    assert not step_named(numerics.callable_steps(points=12), "public e_idg equals the reference").verify().passed


def limit_steps():
    return [s for s in REGISTRY.get_derivation("lu2024.limits") if isinstance(s.check, LimitCheck)]


@pytest.mark.parametrize("index", range(17))
def test_every_limit_evaluates_its_stated_expression(index):
    """Changing the stated left side of any limit makes its check fail (numeric part alone, to be quick)."""
    step = limit_steps()[index]
    expr, var, point, direction = step.lhs.args
    wrong = sp.atan(expr) if step.rhs in (sp.oo, -sp.oo) else expr * sp.Rational(11, 10) + sp.Rational(1, 10)
    check = dataclasses.replace(step.check, symbolic=False, package=None)
    assert check.run(step.lhs, step.rhs).passed
    assert not check.run(sp.Limit(wrong, var, point, direction), step.rhs).passed


def test_every_limit_states_its_method():
    methods = [s.check.method for s in REGISTRY.get_derivation("lu2024.limits")]
    assert sum(m.startswith("sympy.limit") for m in methods) == 15
    assert sum("numeric only" in m for m in methods) == 2
    assert sum(m.startswith("property test") for m in methods) == 1
    assert sum("package callable" in m for m in methods) == 15  # and "ε/λ" evaluates the package's epsilon
