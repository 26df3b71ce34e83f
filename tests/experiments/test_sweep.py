"""The sweep runner: the same rows in this process, a process pool and a Dask cluster; an interrupted
sweep resumes without recomputing finished points and without losing any."""

import pytest

from icl_sym.core.validation import ParameterError
from icl_sym.experiments.figure import SimOptions, run_task, simulation_tasks
from icl_sym.experiments.lu2024 import FIELDS, KEY_FIELDS, fig4
from icl_sym.experiments.store import ResultStore
from icl_sym.experiments.sweep import local_executor, pending, run_sweep

#: Columns that must agree between executors (everything but the wall time).
COMPARED = tuple(f for f in FIELDS if f != "seconds")


@pytest.fixture(scope="module")
def tasks():
    """Six Fig. 4 points at d = 4 (Γ* and dMMSE), two draws each (12 tasks): a sweep of well under a second."""
    every = simulation_tasks(fig4("quick"), SimOptions((4,), draws=2, seed=7, contexts=8))
    return every[:6] + every[-6:]


def sweep(tasks, path, executor=None, work=run_task) -> dict:
    """Run the sweep into ``path`` and return the stored rows by key, read back from disk."""
    run_sweep(tasks, work, ResultStore(path, KEY_FIELDS, FIELDS), executor)
    store = ResultStore(path, KEY_FIELDS, FIELDS)
    return {store.key(r): {f: r[f] for f in COMPARED} for r in store.rows()}


@pytest.fixture(scope="module")
def reference(tasks, tmp_path_factory):
    return sweep(tasks, tmp_path_factory.mktemp("in-process") / "sweep.csv")


@pytest.fixture(scope="module")
def pool():
    """Two local worker processes, shared by the tests (spawning them costs seconds)."""
    with local_executor(2) as executor:
        yield executor


def assert_same_rows(rows, reference):
    assert rows.keys() == reference.keys() and len(rows) == 12
    for key, row in rows.items():
        expected = reference[key]
        assert row.keys() == expected.keys(), key
        for field, value in row.items():  # numbers to 1e-12 relative, labels exactly
            want = expected[field]
            assert value == (pytest.approx(want, rel=1e-12, nan_ok=True) if isinstance(want, float) else want), (
                key, field)


def test_tasks_cover_both_estimators(tasks):
    assert {t.estimator for t in tasks} == {"gamma", "dmmse"}


def test_process_pool_gives_the_same_rows(tasks, reference, pool, tmp_path):
    assert_same_rows(sweep(tasks, tmp_path / "sweep.csv", pool), reference)


def test_dask_cluster_gives_the_same_rows(tasks, reference, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            assert_same_rows(sweep(tasks, tmp_path / "sweep.csv", client.get_executor()), reference)


class Interrupted(Exception):
    pass


def counting(calls: list, fail_after: int | None = None):
    """``run_task`` that records each task it runs, and raises instead once it has run ``fail_after``."""
    def work(task):
        if fail_after is not None and len(calls) == fail_after:
            raise Interrupted
        calls.append(task)
        return run_task(task)
    return work


def test_interrupted_sweep_resumes_without_recomputing_or_losing(tasks, reference, tmp_path):
    path = tmp_path / "sweep.csv"
    first: list = []
    with pytest.raises(Interrupted):
        sweep(tasks, path, work=counting(first, fail_after=3))
    # The three finished draws are on disk (the second point's first draw too).
    assert len(ResultStore(path, KEY_FIELDS, FIELDS)) == 3
    second: list = []
    rows = sweep(tasks, path, work=counting(second))
    assert second == tasks[3:]
    assert_same_rows(rows, reference)
    third: list = []
    sweep(tasks, path, work=counting(third))
    assert third == []


def fail_on_dmmse(task):
    """A worker crash: the Γ* points succeed, the dMMSE points raise."""
    if task.estimator == "dmmse":
        raise Interrupted
    return run_task(task)


def test_interrupted_pool_keeps_finished_draws(tasks, reference, pool, tmp_path):
    path = tmp_path / "sweep.csv"
    with pytest.raises(Interrupted):
        run_sweep(tasks, fail_on_dmmse, ResultStore(path, KEY_FIELDS, FIELDS), pool)
    # Whatever finished before the failure is stored; the rerun adds the rest.
    left = pending(tasks, ResultStore(path, KEY_FIELDS, FIELDS))
    assert {t.estimator for t in tasks if t not in left} <= {"gamma"} and left
    assert_same_rows(sweep(tasks, path), reference)


def test_prepopulated_store_resumes_draw_by_draw(tasks, reference, tmp_path):
    path = tmp_path / "sweep.csv"
    store = ResultStore(path, KEY_FIELDS, FIELDS)
    for key, row in reference.items():
        if row["draw"] == 0:
            store.append({**row, "seconds": 0.0})
    # Only the draw-1 tasks are pending; the stored draw-0 rows are kept as they are.
    assert pending(tasks, store) == [t for t in tasks if t.draw == 1]
    assert_same_rows(sweep(tasks, path), reference)
    assert {r["seconds"] for r in ResultStore(path, KEY_FIELDS, FIELDS).rows() if r["draw"] == 0} == {0.0}


def test_progress_is_reported(tasks, tmp_path):
    seen = []
    run_sweep(tasks[:2], run_task, ResultStore(tmp_path / "s.csv", KEY_FIELDS, FIELDS),
              progress=lambda done, total: seen.append((done, total)))
    assert seen == [(0, 2), (1, 2), (2, 2)]


def test_bad_worker_count():
    with pytest.raises(ParameterError, match="workers must be an integer >= 1"):
        local_executor(0)
