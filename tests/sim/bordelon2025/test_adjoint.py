"""The reduced-Γ model's hand-written adjoint gradient against autograd, and training with it."""

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from icl_sym.sim.bordelon2025 import ReducedGamma, TrainConfig, make_spec, sample_contexts, train
from icl_sym.sim.bordelon2025 import compiled, models
from icl_sym.sim.bordelon2025.models import reduced_adjoint, reduced_errors
from icl_sym.sim.bordelon2025.training import _Batches, _draws_ahead
from icl_sym.sim.sampling import make_generator


def _autograd_mean_loss_backward(model: ReducedGamma, batch, weight_decay: float = 0.0) -> torch.Tensor:
    """The reference: autograd through the forward recursion of :meth:`ReducedGamma.losses`."""
    mean = model.losses(batch).mean()
    (mean + weight_decay * (model.gamma * model.gamma).mean()).backward()
    return mean.detach()


def _random_model(dim, depth, width, tied, generator):
    model = ReducedGamma(dim, depth, width, tied=tied)
    with torch.no_grad():
        model.gamma.copy_(torch.randn(model.gamma.shape, generator=generator, dtype=torch.float64) / 2)
    return model


@pytest.mark.parametrize("setting", ["iso", "fs", "rrs"])
@pytest.mark.parametrize("alpha, sampler", [(0.5, "sufficient"), (2.0, "sufficient"), (1.5, "tokens"),
                                            (math.inf, "sufficient")])
@pytest.mark.parametrize("tied, width", [(True, None), (False, None), (True, 5), (False, 5)])
def test_adjoint_gradient_equals_autograd(setting, alpha, sampler, tied, width):
    generator = make_generator(11)
    batch = sample_contexts(make_spec(setting, 8, alpha, noise=0.3), 9, generator=generator, sampler=sampler)
    model = _random_model(8, 3, width, tied, generator)
    reference = _autograd_mean_loss_backward(model, batch, weight_decay=0.2)
    expected, model.gamma.grad = model.gamma.grad, None
    mean = model.mean_loss_backward(batch, weight_decay=0.2)
    assert float((model.gamma.grad - expected).abs().max()) <= 1e-12 * float(expected.abs().max())
    assert float(mean) == pytest.approx(float(reference), rel=1e-13)


def test_adjoint_layer_gradients_sum_to_the_tied_gradient():
    generator = make_generator(2)
    batch = sample_contexts(make_spec("rrs", 6, 2.0, noise=0.1), 5, generator=generator)
    gammas = torch.randn(4, 6, 6, generator=generator, dtype=torch.float64)
    losses, per_layer = reduced_adjoint(gammas, batch)
    _, tied = reduced_adjoint(gammas, batch, tied=True)
    assert torch.allclose(per_layer.sum(0), tied, rtol=1e-13, atol=1e-15)
    leaf = gammas.clone().requires_grad_(True)
    batch.test_error(reduced_errors(leaf, batch)).mean().backward()
    assert torch.allclose(per_layer, leaf.grad, rtol=1e-12, atol=1e-14)
    assert torch.allclose(losses, batch.test_error(reduced_errors(gammas, batch)), rtol=1e-13)


@pytest.mark.parametrize("overrides", [dict(setting="iso"), dict(setting="fs", tied=False, width=5),
                                       dict(setting="rrs", alpha=math.inf, weight_decay=0.05)])
def test_training_with_the_adjoint_follows_the_autograd_history(monkeypatch, overrides):
    config = TrainConfig(**{**dict(dim=8, alpha=2.0, depth=3, steps=15, lr=2.0, batch=16, noise=0.2, decay=0.3),
                            **overrides})
    fast = train(config)
    monkeypatch.setattr(ReducedGamma, "mean_loss_backward", _autograd_mean_loss_backward)
    slow = train(config)
    assert len(fast.history) == 15 and fast.history[-1] < fast.history[0]
    for a, b in zip(fast.history, slow.history):
        assert a == pytest.approx(b, rel=1e-10)
    assert torch.allclose(fast.model.gamma, slow.model.gamma, rtol=1e-10, atol=1e-12)


def test_batches_drawn_ahead_are_the_batches_drawn_in_turn():
    spec = make_spec("rrs", 6, 2.0, noise=0.2)

    def stream(ahead):
        generator = make_generator(4)
        batches = _Batches(lambda: sample_contexts(spec, 5, generator=generator), generator, 4, ahead)
        try:
            drawn = [(batches.next(), batches.state.clone()) for _ in range(4)]
        finally:
            batches.close()
        return drawn, batches.pool is not None

    (ahead, threaded), (in_turn, plain) = stream(True), stream(False)
    assert threaded and not plain
    for (a, state_a), (b, state_b) in zip(ahead, in_turn):
        assert torch.equal(a.X, b.X) and torch.equal(a.w, b.w) and torch.equal(a.noise_drive, b.noise_drive)
        assert torch.equal(state_a, state_b)


class _Interrupted(Exception):
    pass


def _interrupt_at(step):
    def observer(at, model):
        if at == step:
            raise _Interrupted

    return observer


def test_two_thread_training_draws_ahead_with_the_same_history_and_resumes(tmp_path):
    config = TrainConfig(setting="fs", dim=8, alpha=2.0, depth=3, steps=10, lr=2.0, batch=16, noise=0.2)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert not _draws_ahead(config)
        single = train(config).history
        torch.set_num_threads(2)
        assert _draws_ahead(config)
        whole = train(config)
        with pytest.raises(_Interrupted):  # killed before step 5: the checkpoint of step 3 is what remains
            train(config, checkpoint=tmp_path / "run.pt", checkpoint_every=3, observer=_interrupt_at(5))
        resumed = train(config, checkpoint=tmp_path / "run.pt", checkpoint_every=3)
    finally:
        torch.set_num_threads(threads)
    assert resumed.history == whole.history and torch.equal(resumed.model.gamma, whole.model.gamma)
    assert whole.history == pytest.approx(single, rel=1e-12)


@pytest.mark.parametrize("setting, noise", [("iso", 0.0), ("rrs", 0.3)])
def test_per_context_kernel_interpreted_equals_the_batched_adjoint(monkeypatch, setting, noise):
    """The kernel of :mod:`.compiled` as plain Python (what numba compiles) against the batched torch adjoint."""
    generator = make_generator(6)
    batch = sample_contexts(make_spec(setting, 5, 0.8, noise=noise), 4, generator=generator)  # P = 4 < D
    gammas = torch.randn(3, 5, 5, generator=generator, dtype=torch.float64) / 2
    monkeypatch.setattr(models, "_compiled_applies", lambda gammas, batch: False)
    losses, grad = reduced_adjoint(gammas, batch)
    out = [np.empty(4), np.empty((3, 4, 5)), np.empty((3, 4, 5))]
    has_noise, has_rotation = batch.noise_drive is not None, batch.rotation is not None
    compiled.context_recursions(
        batch.X.numpy(), 1 / batch.context, batch.w.numpy(),
        batch.noise_drive.numpy() if has_noise else np.zeros((1, 5)), has_noise,
        gammas.numpy(), np.ascontiguousarray(gammas.numpy().transpose(0, 2, 1)), batch.eigenvalues.numpy(),
        batch.rotation.numpy() if has_rotation else np.zeros((1, 5, 5)), has_rotation, 2 / 4, *out)
    kernel_grad = -torch.bmm(torch.from_numpy(out[2]).mT, torch.from_numpy(out[1])) / 3
    assert np.allclose(out[0], losses.numpy(), rtol=1e-13, atol=0)
    assert float((kernel_grad - grad).abs().max()) <= 1e-12 * float(grad.abs().max())


_FRESH_PROCESS_CHECK = """
import torch
from icl_sym.sim.bordelon2025 import make_spec, sample_contexts
from icl_sym.sim.bordelon2025.models import reduced_adjoint
from icl_sym.sim.sampling import make_generator
torch.set_num_threads(1)
batch = sample_contexts(make_spec("iso", 6, 2.0), 4, generator=make_generator(8))
reduced_adjoint(torch.eye(6, dtype=torch.float64).expand(2, 6, 6), batch, tied=True)
print(torch.get_num_threads())
"""


def test_the_adjoint_leaves_torch_thread_count_alone():
    """In a fresh process too: the first compiled call starts numba's OpenMP pool, which raised torch's count."""
    run = subprocess.run([sys.executable, "-c", _FRESH_PROCESS_CHECK], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])})
    assert run.returncode == 0, run.stderr
    assert run.stdout.split()[-1] == "1"
    generator = make_generator(8)
    batch = sample_contexts(make_spec("iso", 6, 2.0), 4, generator=generator)
    threads = torch.get_num_threads()
    try:
        for count in (1, 2):
            torch.set_num_threads(count)
            reduced_adjoint(torch.eye(6, dtype=torch.float64).expand(2, 6, 6), batch, tied=True)
            assert torch.get_num_threads() == count
    finally:
        torch.set_num_threads(threads)
