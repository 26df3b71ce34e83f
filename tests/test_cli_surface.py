"""The command line as a user meets it: listing formulas, theory beside simulation, progress of long sweeps."""

import io
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


def printed(monkeypatch, *args, width=200, capsys=None) -> str:
    """What ``icl-sym ARGS`` prints on a terminal ``width`` columns wide (in this process: the registry's
    SymPy objects are built once for all tests): plain prints (captured by ``capsys``), then rich's output."""
    console = Console(width=width, record=True, file=io.StringIO())
    monkeypatch.setattr(cli, "out", console)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(list(args))
    assert exit_info.value.code == 0
    return (capsys.readouterr().out if capsys is not None else "") + console.export_text()


def test_formulas_lists_every_formula_and_curve_untruncated_on_a_narrow_terminal(monkeypatch):
    lines = printed(monkeypatch, "formulas", width=70).splitlines()
    names = REGISTRY.formula_names() + REGISTRY.curve_names()
    assert len(names) > 15
    for name in names:
        # The whole name on one line of the table, never cut with an ellipsis.
        assert any(f" {name} " in line for line in lines), name
    assert "…" not in "".join(line.split("│")[1] for line in lines if line.count("│") > 2)


def test_theories_lists_names_and_counts_whole_on_a_narrow_terminal(monkeypatch):
    text = printed(monkeypatch, "theories", width=80)
    assert "…" not in text
    for theory in REGISTRY.theories():
        assert f" {theory.name} " in text
        assert f" {len(theory.formula_names())} " in text


def test_formulas_of_one_theory_show_parameters_domains_and_source(monkeypatch):
    text = printed(monkeypatch, "formulas", "lu2024", width=400)
    assert "lu2024.e_icl_ridge" in text and "implicit formula" in text and "lu2024.g_task" in text
    assert "kappa in (0, inf) or inf" in text and "lam in (0, inf)" in text  # domains of e_icl_ridge
    assert "Result ICL, Section 5.2" in text  # a curve's provenance
    assert "bordelon2025" not in text and "mehta2025" not in text


def test_formulas_of_an_unknown_theory_is_one_line():
    result = run("formulas", "nope2030")
    assert result.returncode == 2 and result.stderr.startswith("error: ") and "lu2024" in result.stderr


def refused(capsys, *args) -> str:
    """The one-line error of ``icl-sym ARGS`` (exit code 2), checking that nothing was printed before it."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(list(args))
    captured = capsys.readouterr()
    assert exit_info.value.code == 2 and captured.err.startswith("error: ") and captured.err.count("\n") == 1
    assert captured.out == ""
    return captured.err


@pytest.fixture
def coin_theory():
    """A toy theory whose curve ``p`` predicts the mean of a simulated quantity ``heads``: the generic path."""
    from icl_sym.core.theory import Parameter, Simulation, Theory
    from icl_sym.core.validation import Range

    def flip(p, n, seed):
        import numpy as np

        heads = np.random.default_rng(seed).random((4, n)) < p  # 4 draws of n flips
        frac = heads.mean(axis=1)
        return {"heads_mean": float(frac.mean()), "heads_std": float(frac.std(ddof=1)), "n": n}

    chance = Parameter("p", "probability of heads", Range(0, 1))
    theory = Theory("coin", "A coin", "Nobody (2025)", simulation=Simulation(
        run=flip, params=(chance, Parameter("n", "flips", integer=True, minimum=1),
                          Parameter("seed", "seed", integer=True, default=0)),
        quantities=("heads",), description="flip a coin", describe=lambda r: f"coin: {r['n']} flips"))
    theory.curve("heads", (chance,), "fraction of heads", "folklore", simulated="heads")(lambda p: p)
    theory.curve("tails", (chance,), "fraction of tails", "folklore")(lambda p: 1 - p)
    REGISTRY.add(theory)
    yield theory
    REGISTRY.remove("coin")


def test_eval_simulate_sets_the_theory_beside_the_simulation_of_any_theory(monkeypatch, capsys, coin_theory):
    text = printed(monkeypatch, "eval", "coin.heads", "p=0.25", "--backend", "numpy", "--simulate", "n=1000",
                   "seed=3", capsys=capsys)
    expected = coin_theory.simulation(p=0.25, n=1000, seed=3)
    mean, std = expected["heads_mean"], expected["heads_std"]
    assert text.splitlines()[0] == "0.25"
    assert "coin: 1000 flips" in text
    row = next(line for line in text.splitlines() if "HEADS" in line).split("│")
    assert [c.strip() for c in row[2:6]] == ["0.25", f"{mean:.6g}", f"{std:.3g}", f"{0.25 - mean:+.3g}"]
    assert mean != 0.25  # a real simulation, not the theory copied


def test_eval_simulate_refuses_what_it_cannot_do_before_running(capsys, coin_theory):
    assert "coin.tails has no simulated counterpart; --simulate applies to coin.heads" in refused(
        capsys, "eval", "coin.tails", "p=0.5", "--simulate", "n=10")
    assert "missing: n (flips, an integer >= 1)" in refused(capsys, "eval", "coin.heads", "p=0.5", "--simulate")
    assert "unknown: m" in refused(capsys, "eval", "coin.heads", "p=0.5", "m=3", "--simulate", "n=10")
    assert "unknown: n" in refused(capsys, "eval", "coin.heads", "p=0.5", "n=10")  # simulation inputs need --simulate
    assert "--simulate applies to curves" in refused(capsys, "eval", "lu2024.lemma1.E_q2", "sigma_w2=1", "ell=3",
                                                     "--simulate")


def test_eval_simulate_lu2024_e_icl_at_small_d(monkeypatch, capsys):
    from icl_sym.sim.lu2024 import SIMULATION

    point = dict(tau=2.0, alpha=1.0, kappa=0.5, rho=0.1, lam=0.01)
    text = printed(monkeypatch, "eval", "lu2024.e_icl", *(f"{k}={v}" for k, v in point.items()), "--simulate",
                   "d=8", "draws=3", "seed=1", capsys=capsys)
    theory = float(REGISTRY.get_curve("lu2024.e_icl")(**point))
    result = SIMULATION(**point, d=8, draws=3, seed=1)
    row = next(line for line in text.splitlines() if "ICL" in line and "│" in line).split("│")
    assert [c.strip() for c in row[2:6]] == [f"{theory:.6g}", f"{result['icl_mean']:.6g}",
                                             f"{result['icl_std']:.3g}", f"{theory - result['icl_mean']:+.3g}"]
    assert abs(float(text.splitlines()[0]) - theory) <= 1e-12 * theory


def test_derive_show_renders_explanations_as_text_and_keeps_tex_for_latex(monkeypatch, capsys):
    text = printed(monkeypatch, "derive", "show", "lu2024.limits", "--step", "7", capsys=capsys)
    assert "ε = (λ + √(λ² + 4λ(1+q)))/2" in text and "e_ICL is continuous" in text
    assert "\\lambda" not in text and "$" not in text
    tex = printed(monkeypatch, "derive", "show", "lu2024.limits", "--step", "7", "--latex", capsys=capsys)
    assert r"$\epsilon = (\lambda + \sqrt{\lambda^2 + 4\lambda(1+q)})/2$" in tex.replace("\n", " ")


def test_eval_simulate_lu2024_g_task_is_the_per_draw_gap(monkeypatch, capsys):
    from icl_sym.sim.lu2024 import SIMULATION

    point = dict(tau=2.0, alpha=1.0, kappa=0.5, rho=0.1, lam=0.01)
    text = printed(monkeypatch, "eval", "lu2024.g_task", *(f"{k}={v}" for k, v in point.items()), "--backend",
                   "numpy", "--simulate", "d=6", "draws=3", "seed=2", capsys=capsys)
    result = SIMULATION(**point, d=6, draws=3, seed=2)
    gaps = [a - b for a, b in zip(result["icl"], result["idg"])]
    assert result["gap_mean"] == pytest.approx(sum(gaps) / 3, rel=1e-12) and result["gap_std"] > 0
    row = next(line for line in text.splitlines() if "GAP" in line).split("│")
    assert row[3].strip() == f"{result['gap_mean']:.6g}" and row[4].strip() == f"{result['gap_std']:.3g}"
