"""The errata ledger: every erratum proved (correction verified, printed form refuted), ledger and steps in sync."""

import dataclasses

import pytest
import sympy as sp

import icl_sym.theories  # noqa: F401
from icl_sym.core.refutation import Refutes
from icl_sym.core.registry import REGISTRY
from icl_sym.theories.bordelon2025 import compute_optimal as co
from icl_sym.theories.bordelon2025 import errata as errata_module
from icl_sym.theories.bordelon2025 import fixed_structure as fs
from icl_sym.core.theory import Erratum
from icl_sym.theories.bordelon2025.errata import LEDGER


@pytest.fixture(scope="module")
def derivation():
    return REGISTRY.get_derivation("bordelon2025.errata")


def test_ledger_and_steps_match(derivation):
    ids = [e.id for e in LEDGER]
    assert len(ids) == len(set(ids))
    named = [s for e in LEDGER for s in e.checks]
    assert sorted(named) == sorted(s.name for s in derivation), "every step belongs to exactly one erratum"
    for e in LEDGER:
        assert all(getattr(e, f.name) for f in dataclasses.fields(Erratum)), e.id
        assert all(derivation.step(s).justification for s in e.checks)


def test_ledger_is_frozen_data():
    with pytest.raises(dataclasses.FrozenInstanceError):
        LEDGER[0].printed = "x"  # type: ignore[misc]
    assert {"ERR-3", "ERR-4", "ERR-5", "ERR-6"} <= {e.id for e in LEDGER}


def test_corrected_steps_state_printed_and_corrected(derivation):
    for e in LEDGER:
        text = " ".join(derivation.step(s).justification for s in e.checks)
        assert "Printed" in text and ("Corrected" in text or "harmless" in text or "Numerically" in text), e.id


def test_every_erratum_with_a_definite_printed_formula_is_refuted(derivation):
    refuting = {e.id for e in LEDGER for s in e.checks
                if isinstance(derivation.step(s).check, Refutes) or getattr(derivation.step(s).check, "reject", False)}
    assert {"ERR-2", "ERR-3", "ERR-4", "ERR-5", "ERR-GF", "ERR-7", "ERR-10", "ERR-14"} <= refuting


@pytest.mark.parametrize("step, swap", [
    # a correction replaced by the printed statement fails ...
    ("ERR-3: one-step optimum", lambda a: (1 + a) ** -2),
    ("ERR-4: the loss starts at 1", lambda a: sp.Integer(2)),
    ("ERR-5: fit accepts the correction", lambda a: fs.PRINTED_TIME_EXPONENT),
    # ... and a refutation aimed at the true statement fails
    ("ERR-3: printed one-step optimum", lambda a: 1 / (1 + a)),
    ("ERR-5: fit rejects the printed exponent", lambda a: fs.TIME_EXPONENT),
    ("ERR-5: printed crossover power", lambda a: sp.Symbol("k", positive=True) ** (-fs.nu * fs.beta - 2 * fs.nu - 1)),
    ("ERR-14: frontier exponent for β > 1", lambda a: co.PRINTED_FRONTIER_EXPONENT),
    ("ERR-14: L ∝ N^{ν/β} for β > 1", lambda a: fs.nu),
    ("ERR-14: printed frontier exponent for β > 1", lambda a: co.FRONTIER_EXPONENT.subs(co.a_N, fs.nu)),
    ("ERR-14: printed L ∝ N^ν for β > 1", lambda a: fs.nu / fs.beta),
])
def test_swapped_statements_fail(derivation, step, swap):
    alpha = sp.Symbol("alpha", positive=True)
    corrupted = derivation.with_step(step, rhs=swap(alpha))
    assert not corrupted.step(step).verify().passed


def test_noise_term_refutation_bites(derivation):
    """The exact ε-average equals the corrected form, so refuting the corrected form must fail."""
    corrected = derivation.step("ERR-2: noise term").rhs
    assert not derivation.with_step("ERR-2: printed noise term", rhs=corrected).step(
        "ERR-2: printed noise term").verify().passed


@pytest.mark.parametrize("corrected, printed", [
    ("ERR-13: width floor against Monte Carlo", "ERR-13: printed width floor against Monte Carlo"),
    ("ERR-13: context floor against Monte Carlo", "ERR-13: printed context floor against Monte Carlo"),
])
def test_floor_checks_bite(derivation, corrected, printed):
    """ERR-13: the corrected step with the printed formula fails, and the refutation aimed at the corrected one fails."""
    good, bad = derivation.step(corrected).check, derivation.step(printed).check.inner
    swapped = derivation.with_step(corrected, check=dataclasses.replace(good, function=bad.function))
    assert not swapped.step(corrected).verify().passed
    aimed = derivation.with_step(printed, check=Refutes(dataclasses.replace(bad, function=good.function)))
    assert not aimed.step(printed).verify().passed


def test_err14_brute_force_bites(derivation, monkeypatch):
    """ERR-14: minimising the printed law (width exponent νβ at β > 1) instead breaks the corrected fits."""
    real = co.scaling_exponents
    monkeypatch.setattr(co, "scaling_exponents", lambda n, b: dataclasses.replace(real(n, b), width=n * b))
    errata_module._brute_force_frontier.cache_clear()
    try:
        assert not derivation.step("ERR-14: frontier exponent for β > 1").verify().passed
        assert not derivation.step("ERR-14: L ∝ N^{ν/β} for β > 1").verify().passed
    finally:
        errata_module._brute_force_frontier.cache_clear()
