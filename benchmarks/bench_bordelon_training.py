"""Reduced-Γ online-SGD training throughput (Bordelon, Letey, Pehlevan): batched steps against a plain loop.

One SGD step of the reduced-Γ model at D = 64, L = 8, B = 512, ISO contexts with P = 2D = 128 (float64):
sample the contexts, run the L-step in-context GD recursion, back-propagate, update Γ.

- loop (baseline): the same maths one context at a time, as the paper's reduced-Γ protocol is written (App. C.1,
  Sec. 2.2): draw the P tokens, form Σ̂ = XXᵀ/P, run the recursion with Σ̂, back-propagate (autograd), accumulate
  the gradient over the contexts, update;
- loop with the sufficient sampler: the same loop drawing each context from the Bartlett factor of Σ̂ (what the
  batched code samples), to separate the gain from sampling and from batching;
- batched, autograd: the B contexts as tensors, Σ̂ v = F(Fᵀv)/P per layer (two batched mat-vecs) and autograd
  through the recursion (the training path before the hand-written adjoint);
- batched, torch adjoint: :func:`icl_sym.sim.bordelon2025.train` without numba: the contexts drawn with numpy's
  vectorised draws from the chunked streams (:mod:`icl_sym.sim.bordelon2025.streams`), Σ̂ formed once per step
  (one batched matrix product), one batched mat-vec with Σ̂ per layer forward and one backward, the hand-written
  adjoint (:func:`icl_sym.sim.bordelon2025.models.reduced_adjoint`) and the layer gradients as one GEMM;
- batched, compiled adjoint on torch-drawn contexts (the previous ``train()``): contexts from torch's generator
  (:func:`icl_sym.sim.bordelon2025.sample_contexts`), the recursions compiled per context (the context's factor F
  stays in cache through all 2L layers; contexts in parallel on the torch thread count), then the same GEMM; with
  2 threads the next step's contexts are drawn on a worker thread while a step computes;
- batched, ``train()``: what :func:`icl_sym.sim.bordelon2025.train` runs with numba: each chunk of 64 contexts drawn
  from its own numpy stream inside the compiled kernel, context by context right before its recursions
  (:func:`icl_sym.sim.bordelon2025.compiled.stream_recursions`; F never stored for the batch, its zeros skipped),
  the chunks on the torch thread count, then the same GEMM.

Every method runs at 1 and at 2 torch threads, in the same process. Also timed: the parts of one batched step, and
the machine's float64 GEMM rate and copy bandwidth (the yardsticks of the reading). All gradients agree (checked
here on a shared batch). Run: ``PYTHONPATH=$PWD python benchmarks/bench_bordelon_training.py``.
"""

from __future__ import annotations

import argparse
import os
from contextlib import contextmanager

import numpy as np
import torch

from common import Timing, repeat_timed, timed, write_results  # noqa: E402
from icl_sym.sim.bordelon2025 import ReducedGamma, TrainConfig, make_spec, sample_contexts, train
from icl_sym.core.compiled import numba_available
from icl_sym.sim.bordelon2025 import models, training
from icl_sym.sim.bordelon2025.compiled import stream_recursions
from icl_sym.sim.bordelon2025.models import reduced_adjoint
from icl_sym.sim.bordelon2025.streams import StreamBatch
from icl_sym.sim.sampling import make_generator

DIM, DEPTH, BATCH, ALPHA = 64, 8, 512, 2.0
BATCHED_STEPS = 8  # per train() call, so that its set-up (model, generator) is amortised
LOOP_CONTEXTS = 128  # the loop is slow; its rate is per context, so a partial batch measures it
REPEATS = int(os.environ.get("BENCH_REPEATS", 5))
THREADS = (1, 2)


def interleaved(fns: dict, repeats: int = REPEATS) -> dict[str, Timing]:
    """Times of ``repeats`` runs of each of ``fns`` after one warm-up each, taken in turn (run r of every function,
    then run r + 1), so that a change of the machine's load hits every function alike."""
    for fn in fns.values():
        fn()
    seconds = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            seconds[name].append(timed(fn)[1])
    return {name: Timing(tuple(times), 1) for name, times in seconds.items()}


@contextmanager
def without_numba():
    """The torch path of :func:`reduced_adjoint`, as on a machine without numba."""
    applies, streams, available = models._compiled_applies, models._stream_compiled_applies, training.numba_available
    models._compiled_applies = lambda gammas, batch: False
    models._stream_compiled_applies = lambda gammas: False
    training.numba_available = lambda: False
    try:
        yield
    finally:
        models._compiled_applies, models._stream_compiled_applies = applies, streams
        training.numba_available = available


def torch_train(config):
    with without_numba():
        return train(config)


def previous_train(config):
    """``train()`` as it was before the chunked streams: torch-drawn contexts, the compiled recursions on them."""
    uses = training._uses_streams
    training._uses_streams = lambda config, spec: False
    try:
        return train(config)
    finally:
        training._uses_streams = uses


def loop_step(gamma: torch.Tensor, spec, contexts: int, generator: torch.Generator, lr: float, sampler: str) -> None:
    """One SGD step over ``contexts`` contexts, processed one at a time (the baselines)."""
    grad = torch.zeros_like(gamma)
    for _ in range(contexts):
        one = sample_contexts(spec, 1, generator=generator, sampler=sampler)
        X, w = one.X[0], one.w[0]
        sigma_hat = X @ X.T / one.context
        g = gamma.detach().requires_grad_(True)
        e = w
        for _ in range(DEPTH):
            e = e - g @ (sigma_hat @ e) / DEPTH
        loss = e @ e / contexts
        loss.backward()
        grad += g.grad
    gamma -= lr * grad


def autograd_steps(spec, steps: int, generator: torch.Generator, lr: float) -> None:
    """``steps`` batched SGD steps with autograd through :meth:`ReducedGamma.losses` (the previous training path)."""
    model = ReducedGamma(DIM, DEPTH)
    for _ in range(steps):
        batch = sample_contexts(spec, BATCH, generator=generator)
        model.gamma.grad = None
        model.losses(batch).mean().backward()
        with torch.no_grad():
            model.gamma -= lr * model.gamma.grad


def gradients_agree() -> float:
    """Largest relative gap between the adjoint, autograd and looped gradients on one shared batch of 16 contexts."""
    spec = make_spec("iso", DIM, ALPHA)
    batch = sample_contexts(spec, 16, generator=make_generator(3))
    gamma = 0.5 * torch.eye(DIM, dtype=torch.float64)
    _, adjoint = reduced_adjoint(gamma.expand(DEPTH, DIM, DIM), batch, tied=True)
    model = ReducedGamma(DIM, DEPTH)
    with torch.no_grad():
        model.gamma.copy_(gamma)
    model.losses(batch).mean().backward()
    looped = torch.zeros(DIM, DIM, dtype=torch.float64)
    for b in range(16):
        g = gamma.clone().requires_grad_(True)
        e = batch.w[b]
        for _ in range(DEPTH):
            e = e - g @ (batch.X[b] @ (batch.X[b].T @ e)) / (DEPTH * batch.context)
        (e @ e / 16).backward()
        looped += g.grad
    scale = looped.abs().max()
    return float(max((model.gamma.grad - looped).abs().max(), (adjoint - looped).abs().max()) / scale)


def step_parts(spec, generator: torch.Generator) -> dict[str, float]:
    """Median seconds of the parts of one batched ``train()`` step (B contexts)."""
    model = ReducedGamma(DIM, DEPTH)
    batch = sample_contexts(spec, BATCH, generator=generator)
    optimizer = torch.optim.SGD(model.parameters(), lr=DIM / 4)
    gammas = model.effective_gammas().detach()

    def torch_recursions():
        with without_numba():
            reduced_adjoint(gammas, batch, tied=True)

    threads = torch.get_num_threads()

    def whole_step():  # as train() runs it: the chunks on ``threads`` threads, torch on one
        model.gamma.grad = None
        torch.set_num_threads(1)
        try:
            model.mean_loss_backward(StreamBatch(spec, 0, 0, BATCH, threads=threads))
            optimizer.step()
        finally:
            torch.set_num_threads(threads)

    stream = StreamBatch(spec, 0, 0, BATCH)
    no_layers = np.empty((0, DIM, DIM))
    parts = {
        "one whole train() step (draws in the kernel, gradient, update)": whole_step,
        "compiled, streams: draws alone (the kernel at L = 0)":
            lambda: stream_recursions(stream, no_layers, 1.0, threads),
        "compiled, streams: draws and recursions (no dΓ GEMM)":
            lambda: stream_recursions(stream, gammas.numpy(), 1.0, threads),
        "numpy: the same draws, vectorised (the fallback)": stream.contexts,
        "torch: sampling (Bartlett factors, tasks; previous path)":
            lambda: sample_contexts(spec, BATCH, generator=generator),
        "torch: Σ̂ = FFᵀ/P (one bmm)": batch.covariance,
        "torch: Σ̂, forward and backward recursions, dΓ GEMM": torch_recursions,
        "compiled on stored F: recursions, dΓ GEMM (previous path)":
            lambda: reduced_adjoint(gammas, batch, tied=True),
        "SGD update": optimizer.step,
    }
    return {name: timing.median for name, timing in interleaved(parts).items()}


def yardsticks(spec, generator: torch.Generator) -> dict[str, float]:
    """This machine's float64 GEMM rate (GFLOP/s, 1024² product), copy bandwidth (GB/s read + written, 128 MB),
    normal draws per second (torch.randn with a generator, float64 and float32) and the seconds per context of one
    batched Σ̂ mat-vec over the whole batch and over cache-sized chunks of 32 contexts (Σ̂ chunk 1 MB)."""
    a = torch.randn(1024, 1024, dtype=torch.float64)
    gemm = repeat_timed(lambda: a @ a, repeats=REPEATS, warmup=1)[1].low
    big = torch.randn(16 * 2**20, dtype=torch.float64)
    out = torch.empty_like(big)
    copy = repeat_timed(lambda: out.copy_(big), repeats=REPEATS, warmup=1)[1].low
    normals = {dtype: 2**20 / repeat_timed(lambda: torch.randn(2**20, generator=generator, dtype=dtype),
                                           repeats=REPEATS, warmup=1)[1].low
               for dtype in (torch.float64, torch.float32)}
    cov = sample_contexts(spec, BATCH, generator=generator).covariance()
    v = torch.randn(BATCH, DIM, 1, generator=generator, dtype=torch.float64)
    matvecs = interleaved({"whole": lambda: torch.bmm(cov, v),
                           "chunks": lambda: [torch.bmm(cov[i:i + 32], v[i:i + 32]) for i in range(0, BATCH, 32)]})
    whole, chunks = matvecs["whole"].median, matvecs["chunks"].median
    return {"gemm": 2 * 1024**3 / gemm / 1e9, "bandwidth": 2 * big.numel() * 8 / copy / 1e9,
            "normals64": normals[torch.float64], "normals32": normals[torch.float32],
            "matvec": whole / BATCH, "matvec_chunked": chunks / BATCH}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.parse_args()
    spec = make_spec("iso", DIM, ALPHA)
    config = TrainConfig(setting="iso", dim=DIM, alpha=ALPHA, depth=DEPTH, steps=BATCHED_STEPS, lr=DIM / 4,
                         batch=BATCH)
    rows, rates, parts, sticks = [], {}, {}, {}
    for threads in THREADS:
        torch.set_num_threads(threads)
        gamma = torch.zeros(DIM, DIM, dtype=torch.float64)
        generator = make_generator(threads)
        methods = [
            ("loop, one context at a time (baseline)", LOOP_CONTEXTS,
             lambda: loop_step(gamma, spec, LOOP_CONTEXTS, generator, DIM / 4, "tokens")),
            ("loop with the sufficient sampler", LOOP_CONTEXTS,
             lambda: loop_step(gamma, spec, LOOP_CONTEXTS, generator, DIM / 4, "sufficient")),
            ("batched, autograd through F(Fᵀv)/P (previous path)", BATCHED_STEPS * BATCH,
             lambda: autograd_steps(spec, BATCHED_STEPS, generator, DIM / 4)),
            ("batched, numpy draws, torch adjoint, Σ̂ once (train() without numba)", BATCHED_STEPS * BATCH,
             lambda: torch_train(config)),
            ("batched, torch draws, compiled per-context adjoint (previous train())", BATCHED_STEPS * BATCH,
             lambda: previous_train(config)),
            ("batched, train(): draws inside the compiled kernel, chunks on the threads", BATCHED_STEPS * BATCH,
             lambda: train(config)),
        ]
        timings = interleaved({name: fn for name, _, fn in methods})
        for name, contexts, _ in methods:
            rates[name, threads] = contexts / timings[name].median
            rows.append((name, threads, timings[name], contexts))
        parts[threads] = step_parts(spec, generator)
        sticks[threads] = yardsticks(spec, generator)
    baseline = "loop, one context at a time (baseline)"
    table = ["| method | torch threads | seconds per run, median [min–max] | spread | contexts per run | "
             "contexts per second | vs loop, 1 thread | vs loop, same threads |", "|---|---|---|---|---|---|---|---|"]
    for name, threads, timing, contexts in rows:
        rate = rates[name, threads]
        table.append(f"| {name} | {threads} | {timing} | {100 * timing.spread:.0f}% | {contexts} | {rate:,.0f} | "
                     f"{rate / rates[baseline, 1]:.1f}x | {rate / rates[baseline, threads]:.1f}x |")
    table += ["", "One batched step (B = 512), median milliseconds:", "",
              "| part | " + " | ".join(f"{t} thread(s)" for t in THREADS) + " |", "|---|" + "---|" * len(THREADS)]
    for name in parts[THREADS[0]]:
        table.append(f"| {name} | " + " | ".join(f"{1e3 * parts[t][name]:.1f}" for t in THREADS) + " |")
    body = "\n".join(table)
    print(body)

    gap = gradients_agree()
    stick = sticks[1]
    one = parts[1]
    fast = "batched, train(): draws inside the compiled kernel, chunks on the threads"
    previous = "batched, torch draws, compiled per-context adjoint (previous train())"
    us = {name: 1e6 * seconds / BATCH for name, seconds in one.items()}
    step_us = us["one whole train() step (draws in the kernel, gradient, update)"]
    draws_us = us["compiled, streams: draws alone (the kernel at L = 0)"]
    kernel_us = us["compiled, streams: draws and recursions (no dΓ GEMM)"]
    numpy_us = us["numpy: the same draws, vectorised (the fallback)"]
    torch_sampling_us = us["torch: sampling (Bartlett factors, tasks; previous path)"]
    rank = min(DIM, round(ALPHA * DIM))
    below = rank * (2 * DIM - rank - 1) // 2  # normals below the Bartlett diagonal
    triangle = below + rank  # stored entries of the lower-trapezoidal F
    # Per context: forward 2 products with F (its triangle) and 1 with Γ per layer, the same for L − 1 layers back.
    kernel_flops = (2 * DEPTH - 1) * (2 * 2 * triangle + 2 * DIM * DIM)
    recursion_us = kernel_us - draws_us
    loop_us = 1e6 / rates[baseline, 1]
    best = max(rates[fast, t] for t in THREADS) / rates[baseline, 1]
    verdict = "reached" if best >= 20 else "not reached"
    two = 1e6 / rates[fast, 2]
    facts = [
        f"D = {DIM}, L = {DEPTH}, B = {BATCH}, P = {round(ALPHA * DIM)} (ISO), float64, cpu; every method at 1 and "
        "at 2 torch threads (torch.set_num_threads; the compiled kernels use as many threads), same process; "
        f"numba {'available' if numba_available() else 'NOT available (the compiled rows run the torch path)'}",
        "each timing includes sampling the contexts, the L-step recursion, the gradient and the update; "
        f"median of {REPEATS} runs after 1 warm-up, the methods (and the parts of a step) timed in turn so that "
        "load changes hit them alike; spread = (max − min)/median",
        f"adjoint, autograd and looped gradients on a shared batch agree to {gap:.1e} (relative, max entry)",
        "machine shared with other agents' jobs (2 cores): absolute rates vary by up to ~3x with their load, "
        "2-thread rates suffer most (a second thread often finds no free core); load average over the last 1, 5 and "
        f"15 minutes at the end of this run: {', '.join(f'{x:.1f}' for x in os.getloadavg())}; "
        "the ratios are measured in the same run",
        f"yardsticks (1 thread): float64 GEMM {stick['gemm']:.1f} GFLOP/s (1024² product), copy "
        f"{stick['bandwidth']:.1f} GB/s (128 MB read + written), torch.randn {stick['normals64'] / 1e6:.0f} M float64 "
        f"/ {stick['normals32'] / 1e6:.0f} M float32 normals/s, one batched BLAS mat-vec with Σ̂ "
        f"{1e6 * stick['matvec']:.1f} µs per context over the whole batch, {1e6 * stick['matvec_chunked']:.1f} µs in "
        "chunks of 32 contexts",
        f"reading: the target of 20x is {verdict}: train() runs at {rates[fast, 1] / rates[baseline, 1]:.1f}x the "
        f"1-thread loop on 1 thread and {rates[fast, 2] / rates[baseline, 1]:.1f}x on 2 ({two:.0f} µs per context; "
        f"20x needs {loop_us / 20:.0f}), against {rates[previous, 1] / rates[baseline, 1]:.1f}x and "
        f"{rates[previous, 2] / rates[baseline, 1]:.1f}x for the previous train(). On 1 thread a step takes "
        f"{step_us:.0f} µs per context (parts table, parts timed in turn): the draws {draws_us:.0f} µs "
        f"({DIM + below} normals and {rank} chi-squares per context from numba's SFC64 Generator, against "
        f"{torch_sampling_us:.0f} µs for torch's sampler and {numpy_us:.0f} µs for numpy's vectorised fallback) and "
        f"the recursions {recursion_us:.0f} µs: {kernel_flops // 1000} kFLOP with F's zeros skipped, i.e. "
        f"{kernel_flops / recursion_us / 1e3:.1f} GFLOP/s "
        f"({100 * kernel_flops / recursion_us / 1e3 / stick['gemm']:.0f}"
        "% of the GEMM yardstick; every product is a mat-vec, rows taken four at a time, so about 1.25 loads per "
        "multiply-add, and nothing batches across layers since each layer needs the previous one's output); the "
        f"rest ({step_us - kernel_us:.0f} µs) is the dΓ GEMM, Γ → Γ_eff and the update. The step is now bound by the "
        f"recursions ({100 * recursion_us / step_us:.0f}%) and the normal draws ({100 * draws_us / step_us:.0f}%), "
        "both per context and in cache, so it scales with cores: on 2 threads the chunks run in parallel "
        f"({rates[fast, 2] / rates[fast, 1]:.2f}x the 1-thread rate in this run; near 2x needs two free cores, "
        "see the load average). "
        f"The loop spends {loop_us:.0f} µs per context, mostly Python and autograd overhead.",
    ]
    path = write_results("bench_bordelon_training", "Reduced-Γ training throughput: batched vs one context at a "
                         "time", facts, body)
    print("\n".join(facts[-2:]))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
