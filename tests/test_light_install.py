"""Deriving, checking, evaluating and exporting work without PyTorch and matplotlib; the rest names its extra."""

import subprocess
import sys

# Runs the command line in a fresh interpreter where torch, matplotlib and numba cannot be imported.
WITHOUT = ("import sys; sys.modules['torch'] = None; sys.modules['matplotlib'] = None; sys.modules['numba'] = None; "
           "from icl_sym.cli import main; main(sys.argv[1:])")


def run(*args):
    return subprocess.run([sys.executable, "-c", WITHOUT, *args], capture_output=True, text=True)


def test_symbolic_commands_need_no_torch_or_matplotlib():
    assert run("check", "lu2024.lemma1").returncode == 0
    assert run("eval", "lu2024.e_icl", "tau=2", "alpha=1", "kappa=0.5", "rho=0.1", "lam=0").returncode == 0
    assert run("export", "lu2024.e_icl_ridge", "--format", "c").returncode == 0
    assert run("theories").returncode == 0


def test_simulations_and_figures_name_the_missing_extra(tmp_path):
    simulate = run("simulate", "lu2024", "--d", "4", "--alpha", "2", "--kappa", "1", "--tau", "2", "--rho", "0.1",
                   "--lam", "0.1")
    assert simulate.returncode == 2 and "pip install 'icl-sym[sim]'" in simulate.stderr
    figure = run("figure", "lu2024.fig3", "--no-sim", "--out", str(tmp_path))
    assert figure.returncode == 2 and "pip install 'icl-sym[figures]'" in figure.stderr
    assert "Traceback" not in simulate.stderr + figure.stderr


def test_claims_ledger_needs_no_torch_and_its_report_names_the_figures_extra(tmp_path):
    """The simulation evidence is read from committed files: assessing it needs neither torch nor matplotlib (the
    verdict is printed); only the report's figures need matplotlib, and the error names its extra."""
    report = run("claims", "mehta2025", "--claim", "allocation_simulated", "--report", str(tmp_path))
    assert "mehta2025.allocation_simulated  [contradicted]" in report.stdout
    assert report.returncode == 2 and "pip install 'icl-sym[figures]'" in report.stderr
    assert "Traceback" not in report.stderr
