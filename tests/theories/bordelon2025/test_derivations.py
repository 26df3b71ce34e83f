"""The registered bordelon2025 derivations verify, and their checks bite when a step is broken."""

from __future__ import annotations

import pytest
import sympy as sp

from icl_sym.core.registry import REGISTRY
from icl_sym.theories.bordelon2025 import iso, reduction
from icl_sym.theories.bordelon2025.symbols import alpha


@pytest.mark.slow
@pytest.mark.parametrize("name", REGISTRY.theory("bordelon2025").derivation_names())
def test_derivation_verifies(name):
    report = REGISTRY.get_derivation(name).verify()
    assert report.ok, [(o.name, o.result.detail) for o in report.failed]


ISO_MUTATIONS = {
    "depth one (erratum to Sec. 3.1)": (1 + alpha) ** -2,  # the printed value
    "symmetrised inverse": (1 / iso.midpoint) / (1 + iso.q_ratio * iso.u**2),
    "integrand at the optimal step": iso.q_ratio ** (iso.L + 1) * iso.u ** (2 * iso.L),
    "Catalan generating function, alpha > 1": sp.Integer(1),
    "positive tail form": iso._optimal_loss_tail_hyper(8),
    "balanced context alpha = 1": sp.binomial(2 * iso.L, iso.L) / 4 ** (iso.L + 1),
    "semicircle moments": sp.catalan(iso.n) / 4 ** (iso.n + 1),
}


@pytest.mark.parametrize("step", sorted(ISO_MUTATIONS))
def test_iso_checks_bite(step):
    mutated = REGISTRY.get_derivation("bordelon2025.iso").with_step(step, rhs=ISO_MUTATIONS[step])
    assert not mutated.step(step).verify().passed


def test_iso_optimal_step_check_bites():
    """The per-depth identity fails at a wrong step size."""
    derivation = REGISTRY.get_derivation("bordelon2025.iso")
    check = derivation.step("optimal step, exact per depth").check
    from icl_sym.core.checks import ExactAtSizes

    wrong = ExactAtSizes(lambda depth: {sp.Symbol(r"\ell_L'(c_\star)"):
                                        sp.diff(iso.iso_loss_polynomial(depth), iso.c).subs(iso.c, alpha / (2 + alpha))},
                         check.sizes)
    assert not derivation.with_step("optimal step, exact per depth", check=wrong).step(
        "optimal step, exact per depth").verify().passed


def test_reduction_checks_bite():
    derivation = REGISTRY.get_derivation("bordelon2025.reduction")
    X, G, P_, L_, D_ = reduction.X, reduction.Gamma, reduction.P, reduction.L, reduction.D
    residual_step = derivation.step("residual of one GD step")
    wrong = derivation.with_step("residual of one GD step",
                                 rhs=residual_step.rhs.subs(G, G.T))  # Γ instead of Γᵀ: not an identity
    assert not wrong.step("residual of one GD step").verify().passed
    push = derivation.step("push-through")
    wrong_push = derivation.with_step("push-through", rhs=(sp.Identity(D_) - G.T * X * X.T / (L_ * P_)) * X.T.T)
    assert not wrong_push.step("push-through").verify().passed
    del push


def test_names_are_unique_across_formulas_and_derivations():
    formulas = {n for n in REGISTRY.formula_names() if n.startswith("bordelon2025.")}
    derivations = {n for n in REGISTRY.derivation_names() if n.startswith("bordelon2025.")}
    assert {"bordelon2025.iso", "bordelon2025.reduction"} <= derivations
    assert {"bordelon2025.iso_optimal_loss", "bordelon2025.iso_optimal_loss_finite", "bordelon2025.iso_optimal_step", "bordelon2025.online_sgd_loss",
            "bordelon2025.online_sgd_floor"} <= formulas
    assert not formulas & derivations


def test_registered_loss_forms_evaluate_and_agree():
    """The tail form (mpmath) and the finite form (exact, at an integer L) agree with iso_optimal_loss."""
    import mpmath

    from icl_sym.theories.bordelon2025 import iso_optimal_loss

    tail = REGISTRY.get_formula("bordelon2025.iso_optimal_loss").numeric("mpmath")
    with mpmath.workdps(30):
        assert float(tail(mpmath.mpf(3), mpmath.mpf(9))) == pytest.approx(float(iso_optimal_loss(3.0, 9)), rel=1e-14)
    finite = REGISTRY.get_formula("bordelon2025.iso_optimal_loss_finite").expr.subs({iso.L: 9, alpha: 3}).doit()
    assert float(finite) == pytest.approx(float(iso_optimal_loss(3.0, 9)), rel=1e-14)
