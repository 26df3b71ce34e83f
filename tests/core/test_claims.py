"""Claims: verdicts computed from evidence, re-evaluated at assumption values, with clear errors."""

import dataclasses

import pytest
import sympy as sp

from icl_sym.core.checks import Exact
from icl_sym.core.claims import (VERDICTS, Assumption, Claim, Evidence, UnknownClaimError, claims_report,
                                 condition_text, find_claim)
from icl_sym.core.derivation import Step
from icl_sym.core.theory import Theory
from icl_sym.core.validation import ParameterError, Range

a, b = sp.symbols("a b", positive=True)
POSITIVE = Range(0, low_open=True)
ASSUMPTIONS = (Assumption(a, "depth exponent", POSITIVE), Assumption(b, "width exponent", POSITIVE))
GOOD = Step("square", (1 + a) ** 2, 1 + 2 * a + a**2, "binomial", Exact())
BAD = Step("square, wrong", (1 + a) ** 2, 1 + a**2, "a wrong binomial", Exact())


def claim(*evidence, assumptions=ASSUMPTIONS, name="toy.claim"):
    return Claim(name, "a statement", "abstract", None, assumptions, tuple(evidence))


def condition(step=GOOD, cond=sp.Eq(b, 2 * a)):
    return Evidence("condition", "L* ∝ N^{b/(a+b)}", (step,), condition=cond, claimed="2/3", theory="b/(a+b)")


def test_conditional_claim_is_decided_by_the_assumption_values():
    c = claim(condition())
    assert c.verdict() == "conditional"
    assert c.verdict(a=1, b=2) == "follows"
    assert c.verdict(a=1, b=1) == "contradicted"
    # exact decimals: 0.2 = 2 * 0.1 holds although 0.1 + 0.1 is not 0.2 in binary
    assert c.verdict(a=0.1, b=0.2) == "follows"
    assert c.verdict(a=1) == "conditional"  # b still free
    assert "b = 2" in c.assess(a=1).reason


def test_contradicted_shows_claim_and_theory_side_by_side():
    e = Evidence("contradicts", "the theory's slope is 0", (GOOD,), claimed="-1/2", theory="0")
    assessment = claim(e, condition()).assess(a=1, b=2)  # contradiction outranks a satisfied condition
    assert assessment.verdict == "contradicted" and assessment.decisive is e
    assert "claim: -1/2 | theory: 0" in assessment.line()


def test_supporting_derivation_gives_follows_and_nothing_gives_not_testable():
    assert claim(Evidence("supports", "derived", (GOOD,))).verdict() == "follows"
    informed = claim(Evidence("informs", "a checked side fact", (GOOD,)))
    assert informed.verdict() == "not testable as stated"
    assert "a checked side fact" in informed.assess().reason
    assert claim().verdict() == "not testable as stated"
    assert set(VERDICTS) == {"follows", "conditional", "contradicted", "not testable as stated"}


def test_evidence_whose_check_fails_does_not_count_and_is_reported():
    # mutation: the same claims with a broken step lose their verdict
    assert claim(Evidence("supports", "derived", (BAD,))).verdict() == "not testable as stated"
    broken = claim(Evidence("contradicts", "x", (GOOD, BAD), claimed="1", theory="2"))
    assessment = broken.assess()
    assert assessment.verdict == "not testable as stated"
    assert [where for where, _ in assessment.failed] == ["square, wrong"]
    assert claim(condition(step=BAD)).verdict(a=1, b=2) == "not testable as stated"


def test_an_identically_false_condition_contradicts():
    assert claim(condition(cond=sp.false)).verdict() == "contradicted"
    assert claim(condition(cond=sp.true)).verdict() == "follows"


def test_assumption_outside_its_domain_is_a_parameter_error_naming_it():
    c = claim(condition())
    with pytest.raises(ParameterError, match=r"^a must be in \(0, inf\)") as info:
        c.verdict(a=-1, b=2)
    assert info.value.name == "a"
    with pytest.raises(ParameterError, match="b must be"):
        c.verdict(a=1, b="two")
    with pytest.raises(ParameterError, match="b must be"):
        c.verdict(a=1, b=float("nan"))
    with pytest.raises(ParameterError, match="zeta.*an assumption of toy.claim.*known: a, b"):
        c.verdict(zeta=1)


def test_malformed_evidence_and_claims_are_rejected():
    with pytest.raises(ValueError, match="role"):
        Evidence("proves", "x", (GOOD,))
    with pytest.raises(ValueError, match="no steps"):
        Evidence("supports", "x", ())
    with pytest.raises(ValueError, match="condition"):
        Evidence("supports", "x", (GOOD,), condition=sp.Eq(a, b))
    with pytest.raises(ValueError, match="side by side"):
        Evidence("contradicts", "x", (GOOD,))
    with pytest.raises(ValueError, match="undeclared assumptions b"):
        claim(condition(), assumptions=ASSUMPTIONS[:1])


def test_find_claim_by_full_or_short_name_and_unknown_names():
    claims = (claim(name="toy.allocation"), claim(name="toy.step_size"))
    assert find_claim(claims, "toy.allocation").name == "toy.allocation"
    assert find_claim(claims, "step_size").name == "toy.step_size"
    with pytest.raises(UnknownClaimError, match="unknown claim 'alocation'.*did you mean toy.allocation"):
        find_claim(claims, "alocation")


def test_condition_text_uses_equals_signs():
    assert condition_text(sp.Eq(b, 2 * a)) == "b = 2*a"
    assert condition_text(sp.And(sp.Eq(b, 2 * a), sp.Eq(a, 1))) in ("b = 2*a and a = 1", "a = 1 and b = 2*a")


def test_theory_claims_are_empty_by_default_and_resolved_lazily():
    assert Theory("t", "T", "c").claims == ()
    lazy = Theory("t", "T", "c", claims="tests.core.test_claims:LEDGER")
    assert [c.name for c in lazy.claims] == ["toy.ledger"]


LEDGER = (claim(name="toy.ledger"),)


def _power_law(exponent, noise=0.02, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    x = np.repeat(np.geomspace(10, 1e4, 6), 3)
    return lambda: (x, 2.0 * x**exponent * np.exp(noise * rng.standard_normal(x.size)))


def test_fit_evidence_takes_its_role_from_the_confidence_interval():
    inside = Evidence.from_fit("optimal depth", "nu", _power_law(2 / 3), sp.Rational(2, 3))
    outside = Evidence.from_fit("optimal depth", "nu", _power_law(0.0), sp.Rational(2, 3))
    assert inside.role == "supports" and claim(inside).verdict() == "follows"
    assert outside.role == "contradicts" and claim(outside).verdict() == "contradicted"
    assert "claim: nu = 2/3 | theory: nu = " in claim(outside).assess().reason
    # The check re-runs the fit on the data and bites: both pass on their own data ...
    assert all(r.passed for _, _, r in claim(inside).check_results() + claim(outside).check_results())
    # ... and the supporting fit's check fails when its data stop matching the prediction.
    step = inside.steps[0]
    moved = dataclasses.replace(step, check=dataclasses.replace(step.check, data=_power_law(0.3)))
    assert not moved.verify().passed
    # A wider interval (more fit errors) can only move a fit towards "supports".
    assert Evidence.from_fit("x", "nu", _power_law(0.6, noise=0.3, seed=1), sp.Rational(2, 3), sigmas=50).role == "supports"


def test_claims_report_lists_every_claim_with_verdict_evidence_and_figures():
    claims = (claim(condition(), name="toy.allocation"), claim(name="toy.untestable"))
    text = claims_report("Toy", claims, [c.assess() for c in claims], [(("toy.allocation",), "a figure", "f.png")])
    assert "| [toy.allocation](#toyallocation) | conditional |" in text
    assert "## toy.untestable" in text and "**Verdict: not testable as stated**" in text
    allocation = text.split("## toy.allocation")[1].split("## toy.untestable")[0]
    assert "![a figure](f.png)" in allocation and "claim: 2/3 | theory: b/(a+b)" in allocation
    assert "step *square*: exact: passed" in allocation and "$a$ (depth exponent), in (0, inf)" in allocation
    fixed = claims_report("Toy", claims[:1], [claims[0].assess(a=1, b=2)], assumed={"a": 1, "b": 2})
    assert "**Verdict: follows**" in fixed and "`a = 1`" in fixed
