"""The icl-sym command line, run as a user would (subprocess for exit codes and stderr)."""

import json
import os
import subprocess
import sys

import pytest
import sympy as sp

import icl_sym.theories  # noqa: F401
from icl_sym import cli
from icl_sym.core.registry import REGISTRY


def run(*args, cwd=None):
    # A wide terminal, so that rich's tables do not wrap the text the tests look for.
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "icl_sym.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env=env)


def test_derive_list_and_show():
    listing = run("derive", "list")
    assert listing.returncode == 0
    for name in ("lu2024.reduction", "lu2024.lemma1", "lu2024.proposition1"):
        assert name in listing.stdout
    step = run("derive", "show", "lu2024.lemma1", "--step", "11", "--latex")
    assert step.returncode == 0 and "E[q^2]" in step.stdout


def test_check_all_passes():
    result = run("check")
    assert result.returncode == 0, result.stdout + result.stderr
    total = sum(len(REGISTRY.get_derivation(n)) for n in REGISTRY.derivation_names())
    assert f"all {total} checks verified" in result.stdout


def test_check_lists_how_each_limit_was_verified():
    result = run("check", "lu2024.limits")
    assert result.returncode == 0
    assert "sympy.limit + mpmath" in result.stdout and "(numeric only)" in result.stdout


def test_check_reports_a_corrupted_step_by_name(capsys):
    deriv = REGISTRY.get_derivation("lu2024.lemma1")
    corrupted = deriv.with_step("E[q]", rhs=deriv.step("E[q]").rhs + 1)
    theory = REGISTRY.theory("lu2024")
    original = theory.replace_derivation("lu2024.lemma1", lambda: corrupted)
    try:
        with pytest.raises(SystemExit) as exit_info:
            cli.main(["check", "lu2024.lemma1"])
    finally:
        theory.replace_derivation("lu2024.lemma1", original)
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "9. E[q]" in out and "FAILED" in out and "1 of 13 checks failed" in out


def test_export_to_file_and_stdout(tmp_path):
    target = tmp_path / "prop1.json"
    result = run("export", "lu2024.error_of_gamma", "--format", "json", "-o", str(target))
    assert result.returncode == 0
    assert json.loads(target.read_text())["name"] == "lu2024.error_of_gamma"
    md = run("export", "lu2024.lemma1", "--format", "markdown")
    assert md.returncode == 0 and md.stdout.count("## Step") == 13


def test_eval_reads_decimals_exactly_at_the_requested_digits():
    # (0.1)^2 (1 + 2/3) = 1/60 exactly: 40 digits of it, not of the binary double nearest 0.1.
    result = run("eval", "lu2024.lemma1.E_q2", "sigma_w2=0.1", "ell=3", "--digits", "40")
    assert result.returncode == 0 and result.stdout.strip() == "0.01666666666666666666666666666666666666667"


def test_eval_curves_and_implicit_formulas_at_high_precision():
    point = ["tau=2", "alpha=1", "kappa=0.5", "rho=0.1"]
    implicit = run("eval", "lu2024.e_icl_ridge", *point, "lam=0.1", "--digits", "40")
    curve = run("eval", "lu2024.e_icl", *point, "lam=0.1", "--digits", "40")
    assert implicit.returncode == curve.returncode == 0
    assert len(implicit.stdout.strip()) >= 40 and implicit.stdout == curve.stdout
    numpy = run("eval", "lu2024.e_icl", *point, "lam=0.1", "--backend", "numpy")
    assert abs(float(numpy.stdout) - float(curve.stdout)) < 1e-15


def test_bad_output_paths_are_one_line(tmp_path):
    (tmp_path / "file").write_text("")
    for args in (("export", "lu2024.error_of_gamma", "--format", "json", "-o", str(tmp_path)),
                 ("figure", "lu2024.fig3", "--no-sim", "--out", str(tmp_path / "file" / "sub"))):
        result = run(*args)
        assert result.returncode == 2 and result.stderr.startswith("error: cannot write"), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]  # nothing written half-way


def test_eval_scalar_formula():
    result = run("eval", "lu2024.lemma1.E_q2", "sigma_w2=2", "ell=4")
    assert result.returncode == 0
    assert float(result.stdout) == pytest.approx(4 * 1.5, rel=1e-25)


def test_eval_a_sum_over_an_integer_parameter():
    """The ISO L-step loss is a sum of L terms: eval takes L from the command line (a number, not a range bound)."""
    result = run("eval", "bordelon2025.iso_optimal_loss_finite", "alpha=2", "L=3", "--digits", "30")
    assert result.returncode == 0
    assert abs(sp.Rational(result.stdout.strip()) - sp.Rational(29, 243)) < sp.Rational(1, 10**28)
    fractional = run("eval", "bordelon2025.iso_optimal_loss_finite", "alpha=2", "L=2.5")
    assert fractional.returncode == 2 and "L must be an integer in [1, inf); got 2.5" in fractional.stderr


@pytest.mark.parametrize("args, message", [
    (("derive", "show", "lu2024.lema1"), "unknown derivation 'lu2024.lema1'"),
    (("export", "lu2024.error_of_gamma", "--format", "fortran"), "--format must be one of latex"),
    (("export", "lu2024.error_of_gamma", "--format", "c"), "scalar formulas only"),
    (("export", "lu2024.proposition1", "--format", "python"), "establishes 2 formulas; export one of"),
    (("eval", "lu2024.lemma1.E_q2", "sigma_w2=-1", "ell=4"), "sigma_w2 must be"),
    (("eval", "lu2024.lemma1.E_q2", "sigma_w2=nan", "ell=4"), "sigma_w2 must be"),
    (("eval", "lu2024.lemma1.E_q2", "sigma_w2=1"), "missing: ell"),
    (("eval", "lu2024.lemma1.E_q2", "sigma_w2=1", "ell=0"), "ell must be"),
    (("derive", "show", "lu2024.lemma1", "--step", "99"), "step must be in 1..13"),
    (("check", "nopaper"), "unknown derivation or paper 'nopaper'"),
    (("derive", "show", "lu2024.lemma1", "--step", "x"), "Invalid value for '--step'"),
    (("export",), "Missing"),
])
def test_bad_input_one_line_exit_2(args, message, tmp_path):
    result = run(*args, "-o", str(tmp_path / "x")) if args[0] == "export" else run(*args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()  # nothing written half-way


def test_demo_writes_figure_and_report(tmp_path):
    result = run("demo", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    png = (tmp_path / "out" / "demo.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    report = (tmp_path / "out" / "report.md").read_text()
    assert "| lu2024.proposition1 | 3. average over the task |" in report and "| NO |" not in report
    rows = (tmp_path / "out" / "demo.csv").read_text().splitlines()
    assert len(rows) == 10
