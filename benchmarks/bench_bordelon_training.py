"""Reduced-Γ online-SGD training throughput (Bordelon, Letey, Pehlevan): batched steps against a plain loop.

One SGD step of the reduced-Γ model at D = 64, L = 8, B = 512, ISO contexts with P = 2D = 128 (float64):
sample the contexts, run the L-step in-context GD recursion, back-propagate, update Γ.

- batched (``icl_sym.sim.bordelon2025.train``): the B contexts are tensors; each layer is a batched product
  with X (through Σ̂ v = X(Xᵀv)/P) and one (B×D)·(D×D) product with Γᵀ;
- loop (baseline): the same maths one context at a time, as the paper's reduced-Γ protocol is written (App. C.1,
  Sec. 2.2): draw the P tokens, form Σ̂ = XXᵀ/P, run the recursion with Σ̂, back-propagate, accumulate the gradient
  over the B contexts, update;
- loop with the sufficient sampler: the same loop drawing each context from the Bartlett factor of Σ̂ (what the
  batched code samples), to separate the gain from sampling and from batching.

Both compute the same gradient (checked here on a shared batch). Reported: contexts per second. Run:
``PYTHONPATH=$PWD python benchmarks/bench_bordelon_training.py [--device cuda]``.
"""

from __future__ import annotations

import argparse

import torch

from common import repeat_timed, write_results  # noqa: E402
from icl_sym.sim.bordelon2025 import ReducedGamma, TrainConfig, make_spec, sample_contexts, train
from icl_sym.sim.sampling import make_generator

DIM, DEPTH, BATCH, ALPHA = 64, 8, 512, 2.0
BATCHED_STEPS = 4
LOOP_CONTEXTS = 128  # the loop is slow; its rate is per context, so a partial batch measures it


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


def gradients_agree() -> float:
    """Largest relative gap between the batched and the looped gradient on one shared batch of 16 contexts."""
    spec = make_spec("iso", DIM, ALPHA)
    batch = sample_contexts(spec, 16, generator=make_generator(3))
    model = ReducedGamma(DIM, DEPTH)
    with torch.no_grad():
        model.gamma.copy_(0.5 * torch.eye(DIM, dtype=torch.float64))
    model.losses(batch).mean().backward()
    looped = torch.zeros(DIM, DIM, dtype=torch.float64)
    for b in range(16):
        g = model.gamma.detach().clone().requires_grad_(True)
        e = batch.w[b]
        for _ in range(DEPTH):
            e = e - g @ (batch.X[b] @ (batch.X[b].T @ e)) / (DEPTH * batch.context)
        (e @ e / 16).backward()
        looped += g.grad
    return float((model.gamma.grad - looped).abs().max() / looped.abs().max())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = TrainConfig(setting="iso", dim=DIM, alpha=ALPHA, depth=DEPTH, steps=BATCHED_STEPS, lr=DIM / 4,
                         batch=BATCH, device=args.device)
    _, batched = repeat_timed(lambda: train(config), repeats=3, warmup=1, device=args.device)
    batched_rate = BATCHED_STEPS * BATCH / batched.median

    spec = make_spec("iso", DIM, ALPHA, device=args.device)
    gamma = torch.zeros(DIM, DIM, dtype=torch.float64, device=args.device)
    generator = make_generator(0, args.device)
    _, looped = repeat_timed(lambda: loop_step(gamma, spec, LOOP_CONTEXTS, generator, DIM / 4, "tokens"), repeats=3,
                             warmup=1, device=args.device)
    loop_rate = LOOP_CONTEXTS / looped.median
    _, looped_sufficient = repeat_timed(lambda: loop_step(gamma, spec, LOOP_CONTEXTS, generator, DIM / 4,
                                                          "sufficient"), repeats=3, warmup=1, device=args.device)
    sufficient_rate = LOOP_CONTEXTS / looped_sufficient.median
    gap = gradients_agree()

    body = "\n".join([
        "| method | seconds per run [min–max] | contexts per run | contexts per second | speed-up |",
        "|---|---|---|---|---|",
        f"| loop, one context at a time (baseline) | {looped} | {LOOP_CONTEXTS} | {loop_rate:,.0f} | 1.0x |",
        f"| loop with the sufficient sampler | {looped_sufficient} | {LOOP_CONTEXTS} | {sufficient_rate:,.0f} | "
        f"{sufficient_rate / loop_rate:.1f}x |",
        f"| batched reduced-Γ training | {batched} | {BATCHED_STEPS * BATCH} | {batched_rate:,.0f} | "
        f"{batched_rate / loop_rate:.1f}x |",
    ])
    print(body)
    facts = [f"D = {DIM}, L = {DEPTH}, B = {BATCH}, P = {round(ALPHA * DIM)} (ISO), float64, {args.device}, "
             f"{args.threads} torch thread(s)",
             "each timing includes sampling the contexts, the L-step recursion, back-propagation and the update; "
             "median of 3 runs after 1 warm-up",
             f"batched and looped gradients on a shared batch agree to {gap:.1e} (relative, max entry)",
             "machine shared with other jobs: absolute rates are roughly 2x below a quiet machine; the ratio is "
             "measured in the same run",
             "reading: the target of 20x is not reached on this CPU. Each context has its own matrix, so a layer is a "
             "batched matrix-vector product (about 4 passes over the 16 MB of per-context factors per layer, forward "
             "and backward), bound by memory bandwidth (about 5 GB/s measured here), while the loop's 32 KB "
             "per-context matrices stay in cache and only its Python overhead is lost. A hand-written adjoint gradient and "
             "cache-sized chunks of the batch were tried and were no faster (0.20-0.23 s against 0.16 s per step "
             "for autograd)"]
    path = write_results("bench_bordelon_training", "Reduced-Γ training throughput: batched vs one context at a "
                         "time", facts, body, device=args.device)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
