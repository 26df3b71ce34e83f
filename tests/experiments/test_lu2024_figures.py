"""Theory figure recipes write a PNG and a CSV whose numbers are the theory's."""

import csv

import numpy as np
import pytest

from icl_sym.core.validation import ParameterError
from icl_sym.experiments.figure import make_figure
from icl_sym.experiments.lu2024 import FIGURES
from icl_sym.theories.lu2024.asymptotics import e_icl


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_quick_figure_files(name, tmp_path):
    run = make_figure(name, "quick", tmp_path)
    assert run.png.read_bytes()[:4] == b"\x89PNG" and run.simulations is None
    rows = list(csv.DictReader(run.csv.open()))
    assert len(rows) > 50 and set(rows[0]) == {"panel", "curve", "x", "y"}


def test_fig1_csv_holds_theory_values(tmp_path):
    rows = [r for r in csv.DictReader(make_figure("lu2024.fig1", "quick", tmp_path).csv.open())
            if r["panel"].startswith("A") and r["curve"] == "α = 10"]
    tau = np.array([float(r["x"]) for r in rows])
    np.testing.assert_allclose([float(r["y"]) for r in rows], e_icl(tau, 10, 0.5, 0.01, 0.0), rtol=1e-14)


def test_bad_figure_and_mode(tmp_path):
    with pytest.raises(ParameterError, match="figure must be one of .*lu2024.fig1"):
        make_figure("lu2024.fig9", "quick", tmp_path)
    with pytest.raises(ParameterError, match="--mode must be one of quick, full"):
        make_figure("lu2024.fig1", "fast", tmp_path)


# --- Simulations on the figures (tiny d, few draws) -------------------------------------------------------------

import statistics  # noqa: E402

from icl_sym.experiments.figure import SimOptions, convergence, simulation_tasks  # noqa: E402
from icl_sym.experiments.lu2024 import FIELDS, KEY_FIELDS, fig1, fig4  # noqa: E402
from icl_sym.experiments.store import ResultStore  # noqa: E402
from icl_sym.sim.lu2024.baselines import simulate_baselines  # noqa: E402
from icl_sym.sim.lu2024 import simulate_errors  # noqa: E402
from icl_sym.sim.sampling import draw_generator  # noqa: E402
from icl_sym.theories.lu2024.asymptotics import e_idg, g_task  # noqa: E402

TINY = SimOptions((4, 6), draws=2, seed=5, contexts=8)


def by_point(rows):
    points = {}
    for r in rows:
        points.setdefault(tuple(r[k] for k in KEY_FIELDS if k != "draw"), []).append(r)
    return points


@pytest.fixture(scope="module")
def fig1_run(tmp_path_factory):
    return make_figure("lu2024.fig1", "quick", tmp_path_factory.mktemp("fig1"), simulation=TINY)


def test_simulated_figure_writes_png_and_every_row(fig1_run):
    assert fig1_run.png.read_bytes()[:4] == b"\x89PNG"
    rows = ResultStore(fig1_run.simulations, KEY_FIELDS, FIELDS).rows()
    # 6 τ × 3 α (panels A and B share them) + 7 τ × 3 λ (panel C), at d = 4 and 6, two draws (tasks) each.
    assert fig1_run.tasks_total == fig1_run.tasks_run == 2 * 2 * (18 + 21)
    assert len(rows) == fig1_run.tasks_total
    assert {r["panels"] for r in rows} == {"AB", "C"}
    assert [c.d for c in convergence(fig1_run.markers)] == [4, 6]


def test_rows_hold_the_theory_alongside(fig1_run):
    for r in ResultStore(fig1_run.simulations, KEY_FIELDS, FIELDS).rows():
        args = (r["tau"], r["alpha"], r["kappa"], r["rho"], r["theory_lam"])
        assert r["theory_icl"] == float(e_icl(*args))
        assert r["theory_idg"] == float(e_idg(*args))
        assert r["theory_g_task"] == float(g_task(*args))
        assert r["g_task"] == pytest.approx(r["icl"] - r["idg"], abs=1e-15)
        # Ridgeless curves are simulated at the paper's small λ; panel C at its own λ.
        assert r["theory_lam"] == (0.0 if r["panels"] == "AB" else r["lam"])


def test_row_means_are_simulate_errors_with_the_same_seed(fig1_run):
    for key, rows in by_point(ResultStore(fig1_run.simulations, KEY_FIELDS, FIELDS).rows()).items():
        r = rows[0]
        expected = simulate_errors(int(r["d"]), r["alpha"], r["kappa"], r["tau"], r["rho"], r["lam"], TINY.draws,
                                   TINY.seed, assignment="random")
        assert (r["n"], r["k"], r["ell"]) == (expected.n, expected.k, expected.ell)
        assert r["n"] == round(r["tau"] * r["d"] ** 2)
        assert sorted(int(x["draw"]) for x in rows) == [0, 1]
        assert statistics.fmean(x["icl"] for x in rows) == pytest.approx(expected.icl_mean, rel=1e-12)
        assert statistics.fmean(x["idg"] for x in rows) == pytest.approx(expected.idg_mean, rel=1e-12)


def test_markers_are_mean_and_std_of_the_panel_quantity(fig1_run):
    rows = ResultStore(fig1_run.simulations, KEY_FIELDS, FIELDS).rows()
    m = next(m for m in fig1_run.markers if m.panel == "B" and m.curve == "α = 10" and m.x == 0.85 and m.d == 6)
    values = [r["idg"] for r in rows if (r["alpha"], r["kappa"], r["tau"], r["d"]) == (10, 0.5, 0.85, 6)]
    assert (m.mean, m.std, m.draws) == (statistics.fmean(values), statistics.stdev(values), 2)
    assert m.theory == float(e_idg(0.85, 10, 0.5, 0.01, 0.0))


def test_rerun_reads_the_store_and_recomputes_nothing(fig1_run, tmp_path):
    again = make_figure("lu2024.fig1", "quick", fig1_run.simulations.parent, simulation=TINY)
    assert again.tasks_run == 0 and again.markers == fig1_run.markers
    # More draws: only the new draws are added; the stored ones are kept as they are.
    before = {ResultStore(again.simulations, KEY_FIELDS, FIELDS).key(r): r
              for r in ResultStore(again.simulations, KEY_FIELDS, FIELDS).rows()}
    more = make_figure("lu2024.fig1", "quick", again.simulations.parent,
                       simulation=SimOptions((4,), draws=3, seed=TINY.seed))
    store = ResultStore(more.simulations, KEY_FIELDS, FIELDS)
    assert len(store) == len(before) + 39
    assert all(before[store.key(r)] == r for r in store.rows() if store.key(r) in before)
    assert {m.draws for m in more.markers} == {3}


def test_fig4_simulates_gamma_and_dmmse_where_the_point_exists(tmp_path):
    run = make_figure("lu2024.fig4", "quick", tmp_path, simulation=SimOptions((4,), draws=2, seed=1, contexts=8))
    rows = ResultStore(run.simulations, KEY_FIELDS, FIELDS).rows()
    gamma = [r for r in rows if r["estimator"] == "gamma"]
    dmmse = [r for r in rows if r["estimator"] == "dmmse"]
    # κ = 50 needs k = 200 tasks, more than the n = τd² contexts for every α here (so does κ = 10 for
    # α = 6 and 10): those Γ* points do not exist at d = 4 and are skipped.
    assert {(r["alpha"], r["kappa"]) for r in gamma} == {(a, k) for a in (6, 10, 20, 40) for k in (0.2, 0.5, 1.0)} | {
        (20, 10.0), (40, 10.0)}
    # dMMSE: the quick κ grid but 0.1 (k = round(0.4) = 0 tasks), for 4 α and 2 draws.
    assert {r["assignment"] for r in gamma} == {"random"} and {r["assignment"] for r in dmmse} == {"none"}
    assert len(dmmse) == 2 * 4 * 6 and {r["n"] for r in dmmse} == {0} and {r["contexts"] for r in dmmse} == {8}
    r = next(r for r in dmmse if r["alpha"] == 10 and r["kappa"] == 0.53 and r["draw"] == 1)
    expected = simulate_baselines(4, 10.0, 0.53, 0.01, 8, draw_generator(1, 1).initial_seed())
    assert (r["icl"], r["idg"]) == pytest.approx((expected.dmmse_icl_mean, expected.dmmse_idg_mean), rel=1e-12)
    assert {m.estimator for m in run.markers} == {"gamma", "dmmse"}


def test_theory_only_figure_has_no_simulations(tmp_path):
    run = make_figure("lu2024.fig3", "quick", tmp_path, simulation=TINY)
    assert run.simulations is None and run.tasks_total == 0 and not list(tmp_path.glob("*_sim.csv"))


def test_tasks_are_deduplicated_across_panels():
    tasks = simulation_tasks(fig1("quick"), SimOptions((8,), draws=1))
    assert len(tasks) == len({tuple(t.params[p] for p in ('alpha', 'kappa', 'tau', 'lam')) for t in tasks}) == 39
    full = simulation_tasks(fig4("full"), SimOptions((100,), draws=10))
    assert len(full) == 4 * (5 + 31) * 10
    assert [t.draw for t in full[:12]] == [*range(10), 0, 1]  # one task per draw, a point's draws together


@pytest.mark.parametrize("kwargs, message", [
    (dict(dims=(8,), draws=1, device="gpu"), "device must be"),
    (dict(dims=(8,), draws=1, device="cuda:0" if not __import__("torch").cuda.is_available() else "tpu"),
     "device must be"),
    (dict(dims=(8,), draws=0), "draws must be an integer >= 1"),
    (dict(dims=(1,), draws=1), "d must be an integer >= 2"),
    (dict(dims=(), draws=1), "dims must be at least one dimension"),
    (dict(dims=(8,), draws=1, seed=-1), "seed must be"),
])
def test_bad_simulation_options(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        SimOptions(**kwargs)
