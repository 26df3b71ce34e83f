"""Online SGD: seeded histories, checkpoints and exact resumption, the simulate command and its errors."""

import json
import math

import pytest
import torch

from icl_sym import cli
from icl_sym.core.registry import REGISTRY
from icl_sym.core.validation import ParameterError
from icl_sym.sim.bordelon2025 import SIMULATION, TrainConfig, evaluate, flow_time, train
from icl_sym.sim.bordelon2025.training import IncompatibleCheckpointError, learning_rate

SMALL = dict(setting="rrs", dim=6, alpha=2.0, depth=2, steps=12, lr=2.0, batch=8, noise=0.1, decay=0.5)


def test_same_seed_same_history_other_seed_other_history():
    a, b = train(TrainConfig(**SMALL)).history, train(TrainConfig(**SMALL)).history
    c = train(TrainConfig(**{**SMALL, "seed": 1})).history
    assert a == b and a != c and len(a) == 12 and a[-1] < a[0]


@pytest.mark.parametrize("model", ["reduced", "linear", "softmax"])
def test_interrupted_and_resumed_run_gives_the_same_history(tmp_path, model):
    lr = {"reduced": 2.0, "linear": 0.5, "softmax": 0.01}[model]
    config = TrainConfig(**{**SMALL, "model": model, "lr": lr, "queries": 3, "heads": 2 if model == "softmax" else 1})
    whole = train(config)
    path = tmp_path / "run.pt"
    first = train(config, checkpoint=path, checkpoint_every=4, stop_after=6)  # saved at step 4
    assert len(first.history) == 6 and path.exists()
    resumed = train(config, checkpoint=path, checkpoint_every=4)
    assert resumed.history == whole.history
    for p, q in zip(resumed.model.parameters(), whole.model.parameters()):
        assert torch.equal(p, q)
    assert not (tmp_path / "run.pt.tmp").exists()
    with pytest.raises(IncompatibleCheckpointError):
        train(TrainConfig(**{**SMALL, "model": model, "seed": 5}), checkpoint=path)


def test_a_fixed_batch_is_drawn_once_and_reused_and_resumes_identically(tmp_path):
    """App. G.3 protocol: every step sees the same contexts (its own seeded stream), so each recorded loss is the loss
    of the current model on that batch; small-rate gradient descent on one fixed objective then decreases it."""
    from icl_sym.sim.bordelon2025.data import sample_contexts
    from icl_sym.sim.sampling import draw_generator

    config = TrainConfig(**{**SMALL, "model": "softmax", "lr": 1e-3, "queries": 3, "fixed_batch": True, "decay": 0.0})
    seen = []

    def observer(step, model):
        batch = sample_contexts(config.spec(), config.batch, generator=draw_generator(config.seed, 2), queries=3,
                                sampler="tokens")
        with torch.no_grad():
            seen.append(float(model.losses(batch).mean()))

    result = train(config, observer=observer)
    assert result.history == pytest.approx(seen[:-1], rel=1e-12)  # the recorded loss is that batch's, every step
    assert all(b < a for a, b in zip(result.history, result.history[1:]))
    online = train(TrainConfig(**{**SMALL, "model": "softmax", "lr": 1e-3, "queries": 3, "decay": 0.0}))
    assert online.history[0] != result.history[0]
    path = tmp_path / "fixed.pt"
    train(config, checkpoint=path, checkpoint_every=4, stop_after=6)
    assert train(config, checkpoint=path, checkpoint_every=4).history == result.history


@pytest.mark.parametrize("kwargs, name", [
    (dict(model="reduced"), "model"), (dict(model="linear", coupled=True), "model"),
    (dict(model="linear", width=4), "width"), (dict(model="linear", setting="fs"), "setting")])
def test_four_scalar_reduction_refuses_models_it_does_not_describe(kwargs, name):
    from icl_sym.sim.bordelon2025 import four_scalar_start

    with pytest.raises(ParameterError, match=name):
        four_scalar_start(TrainConfig(**{**SMALL, **kwargs}))
    if kwargs.get("model") == "linear":
        with pytest.raises(ParameterError, match=name):
            flow_time(TrainConfig(**{**SMALL, **kwargs}))


def test_history_is_stored_with_its_configuration(tmp_path):
    result = train(TrainConfig(**SMALL))
    result.save_history(tmp_path / "h.json")
    stored = json.loads((tmp_path / "h.json").read_text())
    assert stored["history"] == result.history and stored["config"]["setting"] == "rrs"
    assert TrainConfig(**{**stored["config"], "alpha": float(stored["config"]["alpha"])}) == result.config


def test_learning_rate_schedule_and_flow_time():
    config = TrainConfig(**{**SMALL, "steps": 10, "decay": 0.4, "lr": 1.0, "setting": "fs"})
    rates = [learning_rate(config, s) for s in range(10)]
    assert rates[:6] == [1.0] * 6 and rates[6:] == pytest.approx([1.0, 0.75, 0.5, 0.25])
    assert flow_time(config) == pytest.approx(8.5)
    assert flow_time(TrainConfig(**{**SMALL, "steps": 10, "decay": 0.4, "lr": 1.0})) == pytest.approx(8.5 / 6)


def test_evaluation_is_normalised_and_independent_of_training():
    config = TrainConfig(**{**SMALL, "steps": 0})
    model = train(config).model  # Γ = 0 scores exactly 1 on RRS contexts
    mean, se = evaluate(model, config, contexts=300, chunk=128)
    assert mean == pytest.approx(1.0, rel=1e-12) and se < 1e-12


@pytest.mark.parametrize("kwargs, name", [
    (dict(depth=0), "depth"), (dict(dim=1), "dim"), (dict(setting="gaussian"), "setting"),
    (dict(model="mamba"), "model"), (dict(model="softmax", heads=3, width=8), "heads"), (dict(width=7), "width"),
    (dict(nu=0.0, setting="fs"), "nu"),
    (dict(device="cuda:99" if torch.cuda.is_available() else "cuda"), "device"), (dict(device="tpu"), "device"),
    (dict(lr=0.0), "lr"), (dict(batch=0), "batch"), (dict(model="linear", alpha=math.inf), "alpha"),
    (dict(decay=1.5), "decay"), (dict(init_scale=0.0), "init_scale")])
def test_bad_input_raises_a_parameter_error(kwargs, name):
    with pytest.raises(ParameterError, match=name):
        TrainConfig(**{**SMALL, **kwargs}).spec()


def test_simulation_is_declared_and_validates():
    assert REGISTRY.theory("bordelon2025").simulation is SIMULATION
    with pytest.raises(ParameterError, match="setting"):
        SIMULATION(setting="gaussian")
    with pytest.raises(ParameterError, match="simulate"):
        SIMULATION(temperature=1.0)


def test_simulate_command_json_and_table(capsys):
    args = ["simulate", "bordelon2025", "--setting", "iso", "--depth", "2", "--alpha", "2", "--dim", "6",
            "--steps", "40", "--batch", "16", "--eval_contexts", "2000"]
    with pytest.raises(SystemExit) as done:
        cli.main(args + ["--json"])
    data = json.loads(capsys.readouterr().out)
    assert done.value.code == 0
    assert {"final_loss", "final_loss_se", "theory_loss", "steps", "history"} <= set(data)
    assert data["steps"] == 40 and len(data["history"]) == 40 and data["eval_contexts"] == 2000
    assert 0 < data["final_loss"] < 0.6 and 0 < data["final_loss_se"] < 0.05 and data["lr"] == 1.5
    with pytest.raises(SystemExit) as done:
        cli.main(args)
    out = capsys.readouterr().out
    assert done.value.code == 0 and "FINAL_LOSS" in out and "standard error" in out


@pytest.mark.parametrize("option, value, message", [
    ("--depth", "0", "depth must be an integer >= 1"), ("--setting", "xyz", "setting must be one of iso, fs, rrs"),
    ("--model", "transformer", "model must be one of reduced, linear, softmax"),
    ("--nu", "0", "nu must be real in (1, inf)"),
    ("--dim", "1", "dim must be an integer >= 2"), ("--width", "9", "width must be at most dim")])
def test_simulate_command_errors(capsys, option, value, message):
    args = ["simulate", "bordelon2025", "--dim", "8", "--steps", "1", "--setting", "fs", option, value]
    with pytest.raises(SystemExit) as done:
        cli.main(args)
    assert done.value.code == 2 and message in capsys.readouterr().err
