"""Chunked training streams of the reduced-Γ model: compiled and numpy draws bit for bit, independence of the thread
count, the gradient against autograd on the same contexts, the law against the token sampler, resumption."""

import math

import numpy as np
import pytest
import torch

from icl_sym.core.compiled import numba_available
from icl_sym.core.validation import ParameterError
from icl_sym.sim.bordelon2025 import ReducedGamma, TrainConfig, make_spec, sample_contexts, train
from icl_sym.sim.bordelon2025 import compiled, models, streams, training
from icl_sym.sim.bordelon2025.compiled import run_recursions, stream_recursions
from icl_sym.sim.bordelon2025.streams import CHUNK, StreamBatch, chunk_bounds, chunk_contexts, chunk_generator
from icl_sym.sim.bordelon2025.training import _uses_streams
from icl_sym.sim.sampling import make_generator

needs_numba = pytest.mark.skipif(not numba_available(), reason="the compiled kernel needs numba")


def _gammas(depth, dim, seed=3):
    return np.random.default_rng(seed).standard_normal((depth, dim, dim)) / (2 * dim)


def test_chunks_have_a_fixed_size_and_distinct_streams():
    assert chunk_bounds(2 * CHUNK + 5) == [(0, CHUNK), (CHUNK, CHUNK), (2 * CHUNK, 5)]
    draws = {(s, c): chunk_generator(7, s, c).standard_normal(3).tobytes() for s in range(3) for c in range(3)}
    assert len(set(draws.values())) == 9  # every (step, chunk) its own stream
    assert np.array_equal(chunk_generator(7, 2, 1).standard_normal(3), chunk_generator(7, 2, 1).standard_normal(3))
    assert not np.array_equal(chunk_generator(8, 2, 1).standard_normal(3), chunk_generator(7, 2, 1).standard_normal(3))
    with pytest.raises(ParameterError, match="setting"):
        StreamBatch(make_spec("rrs", 4, 2.0), 0, 0, 3)
    with pytest.raises(ParameterError, match="setting"):
        StreamBatch(make_spec("iso", 4, math.inf), 0, 0, 3)


@pytest.mark.parametrize("setting, alpha", [("iso", 2.0), ("fs", 0.6)])  # P > D and P < D (trapezoidal F)
def test_draw_context_interpreted_is_the_vectorised_numpy_draw(setting, alpha):
    """The per-context scalar draws (what numba compiles) and the numpy fallback: the same numbers, bit for bit."""
    spec = make_spec(setting, 5, alpha, noise=0.4)
    F, w, drive = chunk_contexts(spec, chunk_generator(1, 2, 3), 4)
    rng, rank = chunk_generator(1, 2, 3), F.shape[-1]
    chi = rng.chisquare(np.tile(streams.chi_square_degrees(spec), (4, 1)))
    for b in range(4):
        Fb, Ft, wb, db = np.zeros((5, rank)), np.zeros((rank, 5)), np.empty(5), np.empty(5)
        compiled.draw_context(rng, chi[b], spec.eigenvalues.sqrt().numpy(), spec.amplitudes.numpy(), setting == "fs",
                             spec.noise / spec.context, True, Fb, Ft, wb, db)
        assert np.array_equal(Fb, F[b]) and np.array_equal(Ft, F[b].T) and np.array_equal(wb, w[b])
        assert np.allclose(db, drive[b], rtol=1e-14, atol=1e-16)
    assert np.array_equal(np.abs(w), np.broadcast_to(spec.amplitudes.numpy(), w.shape)) == (setting == "fs")


@needs_numba
@pytest.mark.parametrize("setting, alpha", [("iso", 2.0), ("fs", 0.75)])
def test_compiled_stream_kernel_draws_the_numpy_contexts(setting, alpha):
    """The kernel that draws inside the recursions against the general kernel on the numpy-drawn contexts: without
    noise every output is bit for bit the same (so are the draws); with noise the drives agree to rounding."""
    spec = make_spec(setting, 6, alpha)
    batch = StreamBatch(spec, 4, 9, CHUNK + 3)  # a full chunk and a partial one
    gammas = _gammas(3, 6)
    contexts = batch.contexts()
    fused = stream_recursions(batch, gammas, 0.5, threads=1)
    general = run_recursions(contexts.X.numpy(), 1 / spec.context, contexts.w.numpy(), None, gammas,
                             spec.eigenvalues.numpy(), None, 0.5, threads=1)
    for a, b in zip(fused, general):
        assert np.array_equal(a, b)
    noisy = StreamBatch(make_spec(setting, 6, alpha, noise=0.5), 4, 9, 5)
    contexts = noisy.contexts()
    fused = stream_recursions(noisy, gammas, 0.5, threads=1)
    general = run_recursions(contexts.X.numpy(), 1 / spec.context, contexts.w.numpy(),
                             contexts.noise_drive.numpy(), gammas, spec.eigenvalues.numpy(), None, 0.5, threads=1)
    for a, b in zip(fused, general):
        assert np.allclose(a, b, rtol=1e-13, atol=1e-15)


@needs_numba
def test_compiled_kernel_is_the_interpreted_kernel():
    """:func:`.compiled.chunk_recursions` run by the interpreter with numpy's scalar draws: the same bits."""
    batch = StreamBatch(make_spec("fs", 5, 1.4, noise=0.3), 2, 1, 3)
    gammas = _gammas(2, 5)
    interpreted = stream_recursions(batch, gammas, 0.7, threads=1, kernel=compiled.chunk_recursions)
    for a, b in zip(interpreted, stream_recursions(batch, gammas, 0.7, threads=1)):
        assert np.array_equal(a, b)


@needs_numba
def test_results_do_not_depend_on_the_thread_count():
    batch = StreamBatch(make_spec("iso", 8, 1.5, noise=0.2), 3, 0, 3 * CHUNK + 7)
    gammas = _gammas(2, 8)
    one = stream_recursions(batch, gammas, 0.1, threads=1)
    for threads in (2, 3):
        for a, b in zip(one, stream_recursions(batch, gammas, 0.1, threads=threads)):
            assert np.array_equal(a, b)
    config = TrainConfig(setting="fs", dim=8, alpha=2.0, depth=3, steps=6, lr=2.0, batch=CHUNK + 9, noise=0.2)
    previous = torch.get_num_threads()
    try:
        histories = []
        for threads in (1, 2):
            torch.set_num_threads(threads)
            run = train(config)
            assert torch.get_num_threads() == threads  # train() keeps torch to one thread while it runs, then restores
            histories.append((run.history, run.model.gamma.detach().clone()))
    finally:
        torch.set_num_threads(previous)
    assert histories[0][0] == histories[1][0] and torch.equal(histories[0][1], histories[1][1])


def _autograd_gradient(model: ReducedGamma, contexts, weight_decay: float) -> tuple[torch.Tensor, float]:
    mean = model.losses(contexts).mean()
    (mean + weight_decay * (model.gamma * model.gamma).mean()).backward()
    grad, model.gamma.grad = model.gamma.grad, None
    return grad, float(mean.detach())


@pytest.mark.parametrize("tied, width", [(True, None), (False, None), (True, 5), (False, 5)])
@pytest.mark.parametrize("setting", ["iso", "fs"])
def test_stream_gradient_equals_autograd_on_the_same_contexts(setting, tied, width):
    batch = StreamBatch(make_spec(setting, 7, 1.3, noise=0.3), 5, 2, 11)
    model = ReducedGamma(7, 3, width, tied=tied)
    with torch.no_grad():
        model.gamma.copy_(torch.randn(model.gamma.shape, generator=make_generator(1), dtype=torch.float64) / 2)
    expected, expected_mean = _autograd_gradient(model, batch.contexts(), 0.1)
    mean = model.mean_loss_backward(batch, 0.1)  # compiled, drawing inside the kernel (numba) or numpy's draws
    assert float((model.gamma.grad - expected).abs().max()) <= 1e-12 * float(expected.abs().max())
    assert float(mean) == pytest.approx(expected_mean, rel=1e-13)


@pytest.mark.parametrize("setting, alpha", [("iso", 0.5), ("iso", 2.0), ("fs", 1.5)])
def test_stream_contexts_have_the_law_of_the_tokens(setting, alpha):
    """Σ̂ moments up to third order, the noise drive and the task's second and fourth moments against the token
    sampler (P < D included); the compiled draws are these numbers (tests above)."""
    spec = make_spec(setting, 4, alpha, nu=1.5, beta=1.0, noise=0.7)
    n = 20_000

    def statistics(batch):
        sigma_hat = batch.X @ batch.X.mT / batch.context
        cube = torch.diagonal(sigma_hat @ sigma_hat @ sigma_hat, dim1=-2, dim2=-1).sum(-1)
        return torch.stack([sigma_hat[:, 0, 0], sigma_hat[:, 0, 1] ** 2, sigma_hat[:, 1, 1] ** 2, cube,
                            batch.noise_drive[:, 0] ** 2, batch.noise_drive[:, 0] * sigma_hat[:, 0, 0],
                            batch.w[:, 0] ** 2, batch.w[:, 1] ** 4, batch.w[:, 0] * batch.w[:, 1]], dim=1)

    a = statistics(sample_contexts(spec, n, generator=make_generator(10), sampler="tokens"))
    b = statistics(StreamBatch(spec, 11, 0, n).contexts())
    se = torch.sqrt((a.var(0) + b.var(0)) / n)
    assert bool(((a.mean(0) - b.mean(0)).abs() < 5 * se + 1e-12).all()), (a.mean(0), b.mean(0), se)


def test_training_with_and_without_numba_agrees(monkeypatch):
    """The same draws (numba's kernel or numpy's fallback), so the same run up to the recursions' rounding."""
    config = TrainConfig(setting="iso", dim=8, alpha=1.5, depth=3, steps=8, lr=2.0, batch=CHUNK + 4, noise=0.2)
    assert _uses_streams(config, config.spec())
    fast = train(config)
    monkeypatch.setattr(training, "numba_available", lambda: False)  # numpy's draws, drawn ahead on 2 threads
    monkeypatch.setattr(models, "_stream_compiled_applies", lambda gammas: False)
    monkeypatch.setattr(models, "_compiled_applies", lambda gammas, batch: False)
    slow = train(config)
    assert fast.history == pytest.approx(slow.history, rel=1e-12)
    assert torch.allclose(fast.model.gamma, slow.model.gamma, rtol=1e-11, atol=1e-14)
    assert not _uses_streams(TrainConfig(setting="rrs"), TrainConfig(setting="rrs").spec())
    assert not _uses_streams(TrainConfig(fixed_batch=True), TrainConfig().spec())


def test_stream_training_resumes_bit_for_bit(tmp_path):
    config = TrainConfig(setting="iso", dim=6, alpha=2.0, depth=2, steps=9, lr=2.0, batch=CHUNK + 1, noise=0.1)
    whole = train(config)
    train(config, checkpoint=tmp_path / "run.pt", checkpoint_every=4, stop_after=6)  # saved at step 4
    resumed = train(config, checkpoint=tmp_path / "run.pt", checkpoint_every=4)
    assert resumed.history == whole.history and torch.equal(resumed.model.gamma, whole.model.gamma)
    assert whole.history[-1] < whole.history[0]
