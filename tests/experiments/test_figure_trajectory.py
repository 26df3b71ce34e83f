"""Trajectory markers: one simulation draw gives a whole learning curve, stored one row per time."""

import numpy as np
import pytest

from icl_sym.experiments.figure import (
    Estimator, FigureData, Markers, Panel, SimOptions, SimulationLayout, draw_figure, run_task, simulation_tasks,
)
from icl_sym.experiments.store import ResultStore

CALLS: list[tuple] = []


def decay(time, rate):
    return np.exp(-rate * np.asarray(time, dtype=float))


def learning_curve(task):
    """A deterministic 'training run': the theory plus a 1/d offset, read at every requested time."""
    CALLS.append((task.d, task.draw, dict(task.point)))
    name, times = task.sweep
    assert name == "time"
    return {"loss": decay(times, task.params["rate"]) + 1.0 / task.d, "steps": 10 * np.asarray(times), "run": "x"}


def wrong_length(task):
    return {"loss": [1.0]}


LAYOUT = SimulationLayout(parameters=("time", "rate"), quantities={"loss": decay},
                          estimators={"sgd": Estimator("sgd", "trained", learning_curve),
                                      "bad": Estimator("bad", "broken", wrong_length)},
                          extras=("steps", "run"))


def figure(estimator="sgd", times=(1.0, 2.0, 4.0)) -> FigureData:
    panel = Panel("loss", "t", "loss", key="a", quantity="loss", xparam="time", theory=decay, ylog=True)
    for rate in (0.5, 1.0):
        panel.curve(f"rate {rate}", np.linspace(0.5, 4, 8), dict(rate=rate),
                    (Markers(estimator, times, trajectory=True),))
    return FigureData("toy.trajectory", "toy", [panel], LAYOUT)


def test_one_task_per_draw_yields_one_row_per_time():
    tasks = simulation_tasks(figure(), SimOptions(dims=(4, 8), draws=2))
    assert len(tasks) == 2 * 2 * 2  # curves × dims × draws, not × times
    task = tasks[0]
    assert task.sweep == ("time", (1.0, 2.0, 4.0)) and "time" not in dict(task.point)
    rows = run_task(task)
    assert [r["time"] for r in rows] == [1.0, 2.0, 4.0]
    for r in rows:
        assert r["loss"] == pytest.approx(float(decay(r["time"], r["rate"])) + 1 / r["d"], rel=1e-15)
        assert r["theory_loss"] == pytest.approx(float(decay(r["time"], r["rate"])), rel=1e-15)
        assert r["steps"] == pytest.approx(10 * r["time"]) and r["run"] == "x"
        assert r["seconds"] == rows[0]["seconds"]  # the draw's time, shared by its rows
    assert [{k: r[k] for k in LAYOUT.key_fields} for r in rows] == task.keys()


def test_markers_sit_on_the_curve_and_a_resumed_figure_runs_nothing(tmp_path):
    CALLS.clear()
    options = SimOptions(dims=(4, 8), draws=2)
    run = draw_figure(figure(), tmp_path, simulation=options)
    assert (run.tasks_total, run.tasks_run, len(CALLS)) == (8, 8, 8)
    assert len(run.markers) == 2 * 3 * 2  # curves × times × dims
    for m in run.markers:
        assert m.mean - m.theory == pytest.approx(1 / m.d, rel=1e-12) and m.draws == 2 and m.std == 0
    assert len(ResultStore(run.simulations, LAYOUT.key_fields, LAYOUT.fields).rows()) == 2 * 3 * 2 * 2
    again = draw_figure(figure(), tmp_path, simulation=options)
    assert again.tasks_run == 0 and len(CALLS) == 8 and len(again.markers) == len(run.markers)


def test_a_new_time_reruns_the_trajectory_but_keeps_the_stored_rows(tmp_path):
    options = SimOptions(dims=(4,), draws=1)
    draw_figure(figure(times=(1.0, 2.0)), tmp_path, simulation=options)
    run = draw_figure(figure(times=(1.0, 2.0, 3.0)), tmp_path, simulation=options)
    assert run.tasks_run == 2
    rows = ResultStore(run.simulations, LAYOUT.key_fields, LAYOUT.fields).rows()
    assert sorted({r["time"] for r in rows}) == [1.0, 2.0, 3.0] and len(rows) == 2 * 3


def test_a_trajectory_of_the_wrong_length_is_refused():
    task = simulation_tasks(figure("bad"), SimOptions(dims=(4,), draws=1))[0]
    with pytest.raises(ValueError, match="'loss' has 1 values for 3 sweep points"):
        run_task(task)


def test_markers_can_show_another_quantity_of_the_same_simulation(tmp_path):
    """Markers(quantity=...) read another layout column: two curves, two columns, one simulation per draw."""
    layout = SimulationLayout(parameters=("time", "rate"),
                              quantities={"loss": decay, "steps": lambda time, rate: 10 * time},
                              estimators={"sgd": Estimator("sgd", "trained", learning_curve)}, extras=("run",))
    panel = Panel("two columns", "t", "value", key="a", quantity="loss", xparam="time", theory=decay)
    panel.curve("loss", np.linspace(0.5, 4, 8), dict(rate=1.0), (Markers("sgd", (1.0, 2.0), trajectory=True),))
    panel.curve("steps", np.linspace(0.5, 4, 8), dict(rate=1.0),
                (Markers("sgd", (1.0, 2.0), trajectory=True, quantity="steps"),))
    CALLS.clear()
    run = draw_figure(FigureData("toy.columns", "toy", [panel], layout), tmp_path, simulation=SimOptions((4,), draws=1))
    assert run.tasks_total == 1 and len(CALLS) == 1
    by_curve = {(m.curve, m.x): m for m in run.markers}
    steps = by_curve[("steps", 2.0)]
    assert steps.mean == pytest.approx(20.0) and steps.theory == pytest.approx(20.0)
    assert by_curve[("loss", 2.0)].mean == pytest.approx(float(decay(2.0, 1.0)) + 0.25)
