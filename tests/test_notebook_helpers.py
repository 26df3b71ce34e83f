"""icl_sym.notebook and the display of check results: a check reads as a sentence, not a dataclass repr."""

from icl_sym.core.checks import CheckResult
from icl_sym.notebook import Walkthrough


def test_a_check_result_reads_as_a_sentence():
    result = CheckResult(True, "sympy.limit + mpmath", "distance 4e-13 at x_1 [*]", 0.123)
    assert str(result) == "verified by sympy.limit + mpmath: distance 4e-13 at x_1 [*] (0.12 s)"
    assert result._repr_markdown_() == r"**verified** by sympy.limit + mpmath: distance 4e-13 at x\_1 \[\*\] (0.12 s)"
    assert str(CheckResult(False, "exact", "differs by 1")).startswith("FAILED by exact: differs by 1")


def test_walkthrough_says_how_each_step_was_verified_and_why(capsys):
    walk = Walkthrough("lu2024.limits")
    walk.step("τ → 0: nothing is learned", why=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("why: With n = o(d²) contexts the error is that of the null predictor, 1 + ρ.")
    assert lines[2].startswith("step 1 (τ → 0: nothing is learned) verified by sympy.limit + mpmath")
    assert "CheckResult(" not in "\n".join(lines)
