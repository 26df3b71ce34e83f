"""The demo's learning-curve sections: theory table, theory-against-simulation table, files."""

import csv

import pytest

from icl_sym.demo import ALPHA, DIMS_SIM, DRAWS_SIM, KAPPA, RHO, TAU_SIM, TAU_TABLE, run_demo
from icl_sym.theories.lu2024.asymptotics import e_icl, e_idg


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    output = tmp_path_factory.mktemp("demo")
    return output, run_demo(output, seed=0)


def section(report: str, title: str) -> str:
    return report.split(title, 1)[1].split("\n## ", 1)[0]


def test_files(demo):
    output, result = demo
    assert result.learning_curves.read_bytes()[:4] == b"\x89PNG"
    names = {p.name for p in output.iterdir()}
    assert {"demo.png", "demo.csv", "report.md", "demo_learning_curves.png", "demo_learning_curves.csv",
            "demo_learning_curves_sim.csv"} <= names
    assert len(result.table.read_text().splitlines()) == 10  # the Proposition-1 table is unchanged


def test_theory_section_lists_the_asymptotic_errors(demo):
    _, result = demo
    text = section(result.report.read_text(), "## 4. Asymptotic learning curves")
    for tau in TAU_TABLE:
        icl, idg = float(e_icl(tau, ALPHA, KAPPA, RHO, 0.0)), float(e_idg(tau, ALPHA, KAPPA, RHO, 0.0))
        assert f"| {tau:g} | {icl:.4f} | {idg:.4f} | {icl - idg:.4f} |" in text


def test_simulation_section_matches_the_stored_rows(demo):
    output, result = demo
    text = section(result.report.read_text(), "## 5. Theory against finite-d simulation")
    rows = list(csv.DictReader((output / "demo_learning_curves_sim.csv").open()))
    assert len(rows) == len(TAU_SIM) * len(DIMS_SIM) * DRAWS_SIM
    for tau in TAU_SIM:
        for d in DIMS_SIM:
            mine = [r for r in rows if float(r["tau"]) == tau and int(r["d"]) == d]
            icl = sum(float(r["icl"]) for r in mine) / len(mine)
            theory = float(e_icl(tau, ALPHA, KAPPA, RHO, 0.0))
            assert f"| {tau:g} | {d} | {icl:.4f} ± " in text
            assert f"| {theory:.4f} | {(icl - theory) * d:+.3f} |" in text
    assert all(f"| {d} | {2 * len(TAU_SIM)} |" in text for d in DIMS_SIM)  # the convergence summary
