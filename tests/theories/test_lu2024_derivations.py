"""Every step of the Lu et al. derivations verifies, and a corrupted step is caught by name."""

import pytest
import sympy as sp

import icl_sym.theories  # noqa: F401
from icl_sym.core.registry import REGISTRY
from icl_sym.theories.lu2024.symbols import rho

NAMES = ["lu2024.reduction", "lu2024.lemma1", "lu2024.proposition1"]


@pytest.mark.parametrize("name", NAMES)
def test_every_step_verifies(name):
    report = REGISTRY.get_derivation(name).verify()
    assert report.ok, [(o.name, o.result.detail) for o in report.failed]


@pytest.mark.parametrize("name, step", [
    ("lu2024.lemma1", "E[s s^T]"),
    ("lu2024.lemma1", "E[q^2]"),
    ("lu2024.lemma1", "E[h h^T] on the sphere"),
    ("lu2024.proposition1", "average over the task"),
    ("lu2024.reduction", "linear in the features h"),
])
def test_corrupted_step_fails_by_name(name, step):
    deriv = REGISTRY.get_derivation(name)
    original = deriv.step(step).rhs
    corrupted = original * (1 + rho) if isinstance(original, sp.MatrixExpr) else original + rho / 3
    report = deriv.with_step(step, rhs=corrupted).verify()
    assert [o.name for o in report.failed] == [step]


def test_lemma1_second_moment_of_q_exact():
    """E[q²|w] = σ_w⁴ (1 + 2/ℓ), compared as an expression, not as text."""
    f = REGISTRY.get_derivation("lu2024.lemma1").result("E_q2")
    sigma, ell = (p.symbol for p in f.params)
    assert sp.simplify(f.expr - sigma**2 * (1 + 2 / ell)) == 0


def test_proposition1_icl_case_is_a_registered_result():
    deriv = REGISTRY.get_derivation("lu2024.proposition1")
    assert {f.name for f in deriv.results} == {"lu2024.error_of_gamma", "lu2024.error_of_gamma_icl"}
    assert deriv.result("error_of_gamma") is REGISTRY.get_formula("lu2024.error_of_gamma")
