"""Figs. 5 and 6 of Lu et al.: trained models on the theory curve, stored rows, thresholds and fits, reduced runs."""

import math

import pytest

from icl_sym.core.validation import ParameterError
from icl_sym.experiments import lu2024
from icl_sym.experiments.figure import SimOptions, make_figure, simulation_tasks
from icl_sym.experiments.store import ResultStore
from icl_sym.sim.lu2024.trained.threshold import interpolation_threshold
from icl_sym.sim.devices import torch_threads
from icl_sym.sim.lu2024.trained.training import Optimiser, train_and_score
from icl_sym.theories.lu2024.asymptotics import e_icl, g_task

#: A reduced quick mode: a few training steps, tiny d, few test contexts.
REDUCED = SimOptions((4, 5), draws=2, seed=3, contexts=64)


#: ... on a few τ of each architecture.
REDUCED_TAU = {"linear": (0.5, 1.0, 2.0), "softmax1": (0.5, 2.0)}


def reduce_quick_mode(mp):
    mp.setitem(lu2024.TRAINING["fig5"], "quick", {**lu2024.TRAINING["fig5"]["quick"], "steps": 40})
    mp.setitem(lu2024.FIG5_TAU, "quick", REDUCED_TAU)


@pytest.fixture(scope="module")
def fig5_run(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        reduce_quick_mode(mp)
        data = lu2024.fig5("quick")
        out = tmp_path_factory.mktemp("fig5")
        run = make_figure("lu2024.fig5", "quick", out, simulation=REDUCED)
    return run, data


def rows_of(run, data):
    return ResultStore(run.simulations, data.layout.key_fields, data.layout.fields).rows()


def test_fig5_reduced_quick_run_writes_png_rows_and_summary(fig5_run):
    run, data = fig5_run
    assert run.png.read_bytes()[:4] == b"\x89PNG"
    grids = REDUCED_TAU
    assert run.tasks_total == run.tasks_run == sum(map(len, grids.values())) * 2 * 2
    rows = rows_of(run, data)
    assert {r["estimator"] for r in rows} == set(grids)
    for r in rows:
        assert r["theory_icl"] == float(e_icl(r["tau"], 1.0, math.inf, 0.01, 0.0))
        assert r["kappa"] == math.inf and r["idg"] == r["icl"] and r["steps"] == 40
        assert r["n"] == round(r["tau"] * r["d"] ** 2) and r["train_loss"] >= 0
    summary = run.summary.read_text()
    for estimator in grids:
        assert f"| {estimator} | 4 | 0 |" in summary and f"| {estimator} | " in summary.split("## Fits")[1]


def test_fig5_rows_are_train_and_score_with_the_same_seed(fig5_run):
    run, data = fig5_run
    r = next(r for r in rows_of(run, data) if r["estimator"] == "softmax1" and r["d"] == 5 and r["draw"] == 1
             and r["tau"] == 2.0)
    with torch_threads(1):
        expected = train_and_score("softmax1", 5, 1.0, math.inf, 2.0, 0.01, optimiser=Optimiser(40, lr=1e-2,
                                   weight_decay=1e-4, batch_fraction=1.0), contexts=64, seed=3, draw=1)
    assert r["icl"] == pytest.approx(expected["icl"], rel=1e-6)
    assert r["train_loss"] == pytest.approx(expected["train_loss"], rel=1e-6)


def test_fig5_thresholds_follow_the_stated_rule(fig5_run):
    run, data = fig5_run
    rows = rows_of(run, data)
    found = lu2024.thresholds(rows)
    assert len(found) == 2 * 2 * 2  # estimators × d × draws
    t = next(t for t in found if t["estimator"] == "linear" and t["d"] == 5 and t["draw"] == 0)
    mine = sorted((r for r in rows if r["estimator"] == "linear" and r["d"] == 5 and r["draw"] == 0),
                  key=lambda r: r["tau"])
    losses = [r["train_loss"] for r in mine]
    if max(losses) > 1e-3:
        assert t["tau_star"] == interpolation_threshold([r["tau"] for r in mine], losses)
        assert t["n_star"] == t["tau_star"] * 25
    else:  # 40 steps may not reach the noise floor anywhere: no threshold visible
        assert t["tau_star"] is None and t["n_star"] is None


def test_fig5_rerun_recomputes_nothing(fig5_run):
    run, _ = fig5_run
    with pytest.MonkeyPatch.context() as mp:
        reduce_quick_mode(mp)
        again = make_figure("lu2024.fig5", "quick", run.simulations.parent, simulation=REDUCED)
    assert again.tasks_run == 0 and again.markers == run.markers


def test_fig6_reduced_quick_run(tmp_path, monkeypatch):
    monkeypatch.setitem(lu2024.TRAINING["fig6"], "quick", {**lu2024.TRAINING["fig6"]["quick"], "steps": 20})
    run = make_figure("lu2024.fig6", "quick", tmp_path, simulation=SimOptions((4,), draws=1, seed=0, contexts=64))
    data = lu2024.fig6("quick")
    rows = rows_of(run, data)
    # κ = 0.25 at d = 4 is one task: every κ of the quick grid exists.
    assert sorted(r["kappa"] for r in rows) == list(lu2024.FIG6_KAPPA_QUICK)
    for r in rows:
        assert r["estimator"] == "softmax2_mlp" and r["tau"] == 10.0 and r["k"] == round(r["kappa"] * 4)
        assert r["g_task"] == pytest.approx(r["icl"] - r["idg"], abs=1e-12)
        assert r["theory_g_task"] == float(g_task(10.0, 1.0, r["kappa"], 0.01, 0.0))
    assert "| 0.25 |" in run.summary.read_text()


def test_full_mode_grids_are_the_authors():
    full = simulation_tasks(lu2024.fig6("full"), SimOptions((20, 40, 80), draws=1))
    ks = {d: sorted(round(t.params["kappa"] * d) for t in full if t.d == d) for d in (20, 40, 80)}
    assert ks == {d: sorted(k) for d, k in lu2024.FIG6_K.items()}
    fig5 = lu2024.fig5("full")
    linear = next(m for m in fig5.panels[0].curves[0].markers if m.estimator == "linear")
    assert linear.x[:3] == (0.5, 0.55, 0.6) and linear.x[-4:] == (2.0, 2.5, 3.0, 5.0) and len(linear.x) == 25
    settings = dict(simulation_tasks(fig5, SimOptions((20,), draws=1))[0].settings)
    assert (settings["lr"], settings["weight_decay"], settings["batch_fraction"]) == (1e-4, 1e-4, 0.1)
    # The authors' variants are simulated beside the paper's models in full mode.
    assert {m.estimator for p in lu2024.fig5("quick").panels for c in p.curves for m in c.markers} == {
        "linear", "softmax1"}
    assert {m.estimator for p in fig5.panels for c in p.curves for m in c.markers} == {
        "linear", "linear_authors", "softmax1", "softmax2_mlp", "softmax2_mlp_authors", "softmax3_mlp"}


def test_summary_says_why_a_fit_is_missing():
    rows = [dict(estimator="linear", d=4, draw=0, tau=t, train_loss=l, icl=1.0, rho=0.01) for t, l in ((0.5, 0), (1.5, 1))]
    assert "not fitted: x must be at least two distinct values" in lu2024.fig5_summary(rows)
    flat = [dict(estimator="linear", d=4, draw=0, tau=t, train_loss=1e-9, icl=1.0, rho=0.01) for t in (0.5, 1.5)]
    assert "| linear | 4 | 0 | none | none | 0.5 |" in lu2024.fig5_summary(flat)


def test_bad_device_is_refused():
    with pytest.raises(ParameterError, match="^device must be"):
        SimOptions((4,), draws=1, device="cuda:7" if not __import__("torch").cuda.is_available() else "mps")
