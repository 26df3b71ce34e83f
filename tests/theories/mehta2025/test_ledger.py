"""The Mehta and Gupta claims ledger: derivations verify, their checks bite, verdicts, CLI."""

import numpy as np
import pytest
import sympy as sp

from icl_sym import cli
from icl_sym.core.fits import fit_power_law
from icl_sym.core.registry import REGISTRY
from icl_sym.core.validation import ParameterError
from icl_sym.theories.mehta2025 import THEORY
from icl_sym.theories.mehta2025 import comparisons as cmp
from icl_sym.theories.mehta2025 import ledger
from icl_sym.theories.mehta2025 import simulations as sims
from icl_sym.theories.mehta2025.allocation import ADDITIVE
from icl_sym.theories.mehta2025.symbols import A, B, L, N, a, b, beta, d, h

EXPECTED = {
    "power_law_depth": "contradicted", "power_law_width": "not testable as stated",
    "power_law_context": "not testable as stated", "power_law_data": "contradicted",
    "exponent_alpha": "not testable as stated", "exponent_alpha_compositional": "contradicted",
    "critical_scale": "follows", "allocation_simulated": "contradicted",
    "sharp_transition": "not testable as stated", "allocation": "conditional", "allocation_params": "conditional",
    "allocation_product": "contradicted", "allocation_gd_time": "conditional", "allocation_bordelon": "conditional",
    "gd_forward_pass": "follows", "step_size": "contradicted", "experiments": "not testable as stated",
    "necessary_sufficient": "not testable as stated",
}


@pytest.fixture(scope="module")
def registered():
    added = THEORY.name not in [t.name for t in REGISTRY.theories()]
    if added:
        REGISTRY.add(THEORY)
    yield THEORY
    if added:
        REGISTRY.remove(THEORY.name)


def claim(name):
    return next(c for c in THEORY.claims if c.name == f"mehta2025.{name}")


@pytest.mark.parametrize("name", sorted(THEORY.derivation_names()))
def test_every_derivation_verifies(name):
    report = THEORY.get_derivation(name).verify()
    assert report.ok, [(o.name, o.result.detail) for o in report.failed]


def _fails(derivation, step, **change):
    return not THEORY.get_derivation(derivation).with_step(step, **change).step(step).verify().passed


def test_symbolic_checks_bite():
    assert _fails("mehta2025.allocation", "depth exponent", rhs=a / (a + b))
    assert _fails("mehta2025.allocation", "2/3 law condition", rhs=3 * a)
    wrong_width = (b * B * N**a / (A * a)) ** (1 / (a + 2 * b))  # exponent 1/(a+2b) instead of 1/(a+b)
    stationarity = L * sp.diff(ADDITIVE.subs(d, N / L), L)
    assert _fails("mehta2025.allocation", "optimal width", lhs=stationarity.subs(L, N / wrong_width))
    assert _fails("mehta2025.allocation_params", "2/3 law condition", rhs=2 * a)
    assert _fails("mehta2025.allocation_product", "log-slope is constant", rhs=a - b)
    assert _fails("mehta2025.allocation_gd_time", "2/3 law condition", rhs=b)
    assert _fails("mehta2025.allocation_gd_time", "width exponent", rhs=beta / (beta + b))
    assert _fails("mehta2025.transition", "crossover width", rhs=4 ** (h + 1))
    assert _fails("mehta2025.shape", "2/3 law condition", rhs=sp.Integer(3))


def _check_with(derivation, step, **data):
    """The step's check with its data function replaced (a theory that behaves as the claim says)."""
    import dataclasses

    s = THEORY.get_derivation(derivation).step(step)
    return s.check.__class__.run(dataclasses.replace(s.check, **data), s.lhs, s.rhs).passed


def test_numeric_comparisons_bite_on_a_theory_that_agrees_with_the_claim():
    claimed_step = lambda alpha, depth: depth ** -0.5  # noqa: E731  the claimed η_eff ∝ L^{-1/2}
    assert not _check_with("mehta2025.step_size", "the claimed depth exponent is excluded",
                           data=lambda: cmp.step_size_data(step=claimed_step))
    budgets = np.logspace(2, 8, 8)
    assert not _check_with("mehta2025.shape", "and not 2/3 there", data=lambda: (budgets, budgets ** (2 / 3)))
    power_law = lambda alpha, depth: depth ** -1.5  # noqa: E731
    assert not _check_with("mehta2025.depth_law", "local slope in L keeps growing",
                           left=lambda: -cmp.depth_local_slope(256, loss=power_law),
                           right=lambda: -2 * cmp.depth_local_slope(64, loss=power_law))
    assert not _check_with("mehta2025.depth_law", "a power law only at α = 1",
                           data=lambda: cmp.critical_depth_data(loss=lambda alpha, depth: depth ** -1.5))
    monotone = lambda tau, **_: tau ** -0.5  # noqa: E731
    assert not _check_with("mehta2025.data_law", "error rises towards the pole",
                           left=lambda: cmp.data_curve(0.9, error=monotone),
                           right=lambda: cmp.data_curve(0.5, error=monotone))


def test_reference_values():
    width, depth = cmp._bordelon_exponents()
    assert sp.simplify(cmp.shape_depth_exponent() - cmp.nu / (cmp.nu + 1)) == 0
    assert cmp.depth_local_slope(256) < 2 * cmp.depth_local_slope(64) < 0
    assert cmp.data_curve(0.9) > cmp.data_curve(0.5) and cmp.data_curve(1.0) > cmp.data_curve(4.0)


def test_every_claim_has_the_expected_verdict_and_passing_evidence():
    assert {c.name.split(".", 1)[1]: c.verdict() for c in THEORY.claims} == EXPECTED
    for c in THEORY.claims:
        assert c.source and c.statement
        assert all(r.passed for _, _, r in c.check_results()), c.name
        if c.verdict() == "not testable as stated":
            assert c.note, c.name
        if c.verdict() == "follows":
            assert any(e.role == "supports" for e in c.evidence), c.name


def test_changing_an_assumption_changes_the_verdict():
    allocation = claim("allocation")
    assert allocation.verdict(a=0.5, b=1) == "follows"
    assert allocation.verdict(a=1, b=1) == "contradicted"  # one exponent for depth and width: N^{1/2}
    assert claim("allocation_params").verdict(a=0.5, b=2) == "follows"
    assert claim("allocation_params").verdict(a=0.5, b=1) == "contradicted"
    assert claim("allocation_gd_time").verdict(beta=2, b=1) == "follows"
    assert claim("allocation_bordelon").verdict(nu=2) == "follows"
    assert claim("allocation_bordelon").verdict(nu=1.25) == "contradicted"
    assert claim("allocation_product").verdict(a=1, b=2) == "contradicted"
    with pytest.raises(ParameterError, match="nu must be in \\(1, inf\\)"):
        claim("allocation_bordelon").verdict(nu=1)


def run_cli(capsys, *args):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(list(args))
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def _line(out, name):
    return next(line for line in out.splitlines() if line.startswith(f"mehta2025.{name} "))


def test_cli_prints_one_line_per_claim_and_reevaluates_with_assume(registered, capsys):
    code, out, _ = run_cli(capsys, "claims", "mehta2025")
    assert code == 0
    for name, verdict in EXPECTED.items():
        assert f"[{verdict}]" in _line(out, name)
    assert "claim: slope -1/2 in L and in d | theory: slope 0" in _line(out, "step_size")
    code, out, _ = run_cli(capsys, "claims", "mehta2025", "--assume", "a=1", "--assume", "b=2")
    assert code == 0 and "[follows]" in _line(out, "allocation") and "[contradicted]" in _line(out, "allocation_params")
    code, out, _ = run_cli(capsys, "claims", "mehta2025", "--assume", "a=1", "--assume", "b=1", "--claim", "allocation")
    assert code == 0 and "[contradicted]" in _line(out, "allocation") and len(out.splitlines()) == 2


def test_cli_bad_input(registered, capsys):
    code, _, err = run_cli(capsys, "claims", "mehta2025", "--assume", "zeta=1")
    assert code == 2 and "no claim of mehta2025 has the assumption zeta" in err
    code, _, err = run_cli(capsys, "claims", "mehta2025", "--assume", "a=-1")
    assert code == 2 and "a must be in (0, inf)" in err
    code, _, err = run_cli(capsys, "claims", "mehta2025", "--claim", "alocation")
    assert code == 2 and "unknown claim 'alocation'" in err
    code, _, err = run_cli(capsys, "claims", "mehta2026")
    assert code == 2 and "unknown theory" in err


def test_cli_check_verifies_every_derivation(registered, capsys):
    code, out, _ = run_cli(capsys, "check", "mehta2025")
    assert code == 0 and "checks verified" in out


def test_cli_claims_of_a_theory_without_claims(capsys):
    from tests.plugins import toy_theory

    REGISTRY.add(toy_theory.THEORY)
    try:
        code, _, err = run_cli(capsys, "claims", "toy")
    finally:
        REGISTRY.remove("toy")
    assert code == 2 and "toy declares no claims" in err


def test_optimal_depth_is_the_vertex_of_the_parabola_in_log_depth():
    depths = np.array([2.0, 4, 8, 16, 32])
    errors = (np.log(depths) - np.log(11.0)) ** 2 + 0.2
    assert sims.optimal_depth(depths, errors) == pytest.approx(11.0, rel=1e-12)
    assert sims.optimal_depth(depths[::-1], errors[::-1]) == pytest.approx(11.0, rel=1e-12)  # order does not matter
    with pytest.raises(ParameterError, match="neighbours on both sides"):
        sims.optimal_depth(depths, -errors)  # best at an end: the optimum is not resolved


def test_committed_simulations_exclude_the_claimed_exponents():
    """The committed runs: the optimal depth does not grow with the budget (ν ≈ 0, 2/3 excluded) and the error
    exponent of the compositional tasks is about 1/(h+1), twice α(h), which every interval excludes."""
    fit = fit_power_law(*sims.allocation_points())
    assert abs(fit.slope) < 0.05 and abs(fit.slope - 2 / 3) > 10 * sims.SIGMAS * fit.error
    assert sims.hierarchies() == (1, 2, 3)
    for h in sims.hierarchies():
        fit = fit_power_law(*sims.hierarchy_points(h))
        assert -fit.slope - sims.claimed_alpha(h) > sims.SIGMAS * fit.error, h
        assert 0.75 / (h + 1) < -fit.slope < 1 / (h + 1), h
    assert sims.command("allocation") == "python -m icl_sym.sim.mehta2025 --out icl_sym/theories/mehta2025/data"


def test_simulated_verdicts_follow_the_fits_not_a_label():
    """The same claims built on data that behave as Mehta and Gupta say are decided the other way."""
    budgets = np.repeat([96.0, 192, 384, 768, 1536], 3)
    as_claimed = ledger.simulated_allocation(lambda: (budgets, 0.5 * budgets ** (2 / 3) * (1 + 0.01 * np.tile([-1, 0, 1], 5))))
    assert as_claimed.verdict() == "follows"
    depths = np.repeat(2.0 ** np.arange(5, 12), 2)
    alpha_law = ledger.simulated_hierarchy(lambda h: (depths, depths ** (-1 / (2 * (h + 1)))
                                                      * (1 + 0.01 * np.tile([-1, 1], 7))), lambda: (1, 2))
    assert alpha_law.verdict() == "follows"
    half_wrong = ledger.simulated_hierarchy(lambda h: (depths, depths ** (-1 / (2 * (h + 1)) if h == 1 else -0.5)
                                                       * (1 + 0.01 * np.tile([-1, 1], 7))), lambda: (1, 2))
    assert half_wrong.verdict() == "contradicted" and "h = 2" in half_wrong.assess().reason


def test_cli_report_lists_every_claim_with_its_verdict_and_figures(registered, capsys, tmp_path):
    code, out, _ = run_cli(capsys, "claims", "mehta2025", "--report", str(tmp_path / "free"))
    assert code == 0 and f"report written to {tmp_path / 'free' / 'report.md'}" in out
    assert len([line for line in out.splitlines() if line.startswith("mehta2025.")]) == len(EXPECTED)
    report = (tmp_path / "free" / "report.md").read_text()
    for name, verdict in EXPECTED.items():
        assert f"| [mehta2025.{name}](#mehta2025{name}) | {verdict} |" in report
        section = report.split(f"## mehta2025.{name}\n")[1].split("\n## ")[0]
        assert f"**Verdict: {verdict}**" in section and "**Statement** (" in section
    for png in ("allocation.png", "hierarchy.png", "ansatz.png"):
        assert (tmp_path / "free" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"]({png})" in report
    assert "nu_L = 2/3" in report and "python -m icl_sym.sim.mehta2025" in report
    # Changing an assumption changes the printed verdict and the report's.
    code, out, _ = run_cli(capsys, "claims", "mehta2025", "--assume", "a=0.5", "--assume", "b=1",
                           "--report", str(tmp_path / "fixed"))
    fixed = (tmp_path / "fixed" / "report.md").read_text()
    assert "[follows]" in _line(out, "allocation") and "`a = 0.5`, `b = 1`" in fixed
    assert "| [mehta2025.allocation](#mehta2025allocation) | follows |" in fixed
    assert "| [mehta2025.allocation](#mehta2025allocation) | conditional |" in report
    code, _, err = run_cli(capsys, "claims", "mehta2025", "--report", str(tmp_path / "free" / "report.md" / "x"))
    assert code == 2 and "cannot write" in err
