"""A theory is a plugin: the toy theory of ``tests/plugins`` works with every command, no change to icl_sym."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from icl_sym import cli
from icl_sym.core.registry import REGISTRY
from tests.plugins import toy_theory

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def toy():
    REGISTRY.add(toy_theory.THEORY)
    yield toy_theory.THEORY
    REGISTRY.remove("toy")


def run_cli(capsys, *args):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(list(args))
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def test_check_runs_the_toy_derivation(toy, capsys):
    code, out, _ = run_cli(capsys, "check", "toy")
    assert code == 0 and "toy.variance_of_mean" in out and "all 1 checks verified" in out


def test_a_corrupted_toy_step_fails_check(toy, capsys):
    good = toy.get_derivation("variance_of_mean")
    bad = good.with_step("variance of a sum over n squared", rhs=good.steps[0].rhs * 2)
    original = toy.replace_derivation("variance_of_mean", lambda: bad)
    try:
        code, out, _ = run_cli(capsys, "check", "toy")
    finally:
        toy.replace_derivation("variance_of_mean", original)
    assert code == 1 and "FAILED" in out


def test_simulate_uses_the_declared_parameters(toy, capsys):
    code, out, _ = run_cli(capsys, "simulate", "toy", "--d", "50", "--n", "4", "sigma=2", "--draws", "3", "--json")
    data = json.loads(out)
    assert code == 0 and data["n"] == 4 and len(data["error"]) == 3
    # sigma^2/n = 1 per coordinate; 150 coordinates in all: the mean error is within a few of its 1/sqrt(75) spread.
    assert abs(data["error_mean"] - 1.0) < 5 * (2 / 150) ** 0.5
    code, _, err = run_cli(capsys, "simulate", "toy", "--d", "0", "--n", "4", "--sigma", "1")
    assert code == 2 and "d must be an integer >= 1" in err


def test_figure_simulates_and_draws_the_toy_recipe(toy, capsys, tmp_path):
    code, out, _ = run_cli(capsys, "figure", "toy.fig", "--workers", "1", "--out", str(tmp_path))
    assert code == 0 and "8 of 8 draws simulated now" in out
    rows = list(csv.DictReader((tmp_path / "toy_fig_sim.csv").open()))
    assert {r["d"] for r in rows} == {"4", "8"} and all(float(r["theory_error"]) in (0.5, 0.1) for r in rows)
    assert (tmp_path / "toy_fig.png").read_bytes()[:4] == b"\x89PNG"


def test_export_and_eval(toy, capsys, tmp_path):
    code, out, _ = run_cli(capsys, "export", "toy.mean_error", "--format", "python")
    namespace: dict = {}
    exec(out, namespace)
    assert code == 0 and namespace["toy_mean_error"](4.0, 2.0) == 1.0
    code, out, _ = run_cli(capsys, "eval", "toy.error", "n=4", "sigma=2", "--backend", "numpy")
    assert code == 0 and float(out) == 1.0


def test_an_installed_plugin_is_discovered_through_its_entry_point(tmp_path):
    # A distribution that names the toy theory in the icl_sym.theories group, as a third party's package would.
    info = tmp_path / "toy_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[icl_sym.theories]\ntoy = tests.plugins.toy_theory:THEORY\n")
    env = {"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": ""}
    listing = subprocess.run([sys.executable, "-m", "icl_sym.cli", "theories"], capture_output=True, text=True,
                             env=env, cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert "toy" in listing.stdout
    checked = subprocess.run([sys.executable, "-m", "icl_sym.cli", "check", "toy"], capture_output=True, text=True,
                             env=env, cwd=tmp_path)
    assert checked.returncode == 0 and "all 1 checks verified" in checked.stdout
