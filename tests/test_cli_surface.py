"""The command line as a user meets it: listing formulas, theory beside simulation, progress of long sweeps."""

import os
import subprocess
import sys

import pytest
from rich.console import Console

import icl_sym.theories  # noqa: F401
from icl_sym import cli
from icl_sym.core.registry import REGISTRY


def run(*args, columns=200):
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run([sys.executable, "-m", "icl_sym.cli", *args], capture_output=True, text=True, env=env)


def printed(monkeypatch, *args, width=200) -> str:
    """What ``icl-sym ARGS`` prints on a terminal ``width`` columns wide (in this process: the registry's
    SymPy objects are built once for all tests)."""
    console = Console(width=width, record=True, file=open(os.devnull, "w"))
    monkeypatch.setattr(cli, "out", console)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(list(args))
    assert exit_info.value.code == 0
    return console.export_text()


def test_formulas_lists_every_formula_and_curve_untruncated_on_a_narrow_terminal(monkeypatch):
    lines = printed(monkeypatch, "formulas", width=70).splitlines()
    names = REGISTRY.formula_names() + REGISTRY.curve_names()
    assert len(names) > 15
    for name in names:
        # The whole name on one line of the table, never cut with an ellipsis.
        assert any(f" {name} " in line for line in lines), name
    assert "…" not in "".join(line.split("│")[1] for line in lines if line.count("│") > 2)


def test_formulas_of_one_theory_show_parameters_domains_and_source(monkeypatch):
    text = printed(monkeypatch, "formulas", "lu2024", width=400)
    assert "lu2024.e_icl_ridge" in text and "implicit formula" in text and "lu2024.g_task" in text
    assert "kappa in (0, inf) or inf" in text and "lam in (0, inf)" in text  # domains of e_icl_ridge
    assert "Result ICL, Section 5.2" in text  # a curve's provenance
    assert "bordelon2025" not in text and "mehta2025" not in text


def test_formulas_of_an_unknown_theory_is_one_line():
    result = run("formulas", "nope2030")
    assert result.returncode == 2 and result.stderr.startswith("error: ") and "lu2024" in result.stderr
