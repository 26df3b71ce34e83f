"""Benchmark: training throughput of the 2-block Transformer of Lu et al. (2025), Fig. 6, at d = 40 on a CPU.

Model: ``softmax2_mlp`` (paper variant), d = 40, ℓ = d (α = 1), κ = ∞; minibatches of 160 contexts
(0.1 n at τ = 1, the authors' fraction); AdamW as in icl_sym.sim.lu2024.trained.training. Throughput is
tokens per second, tokens = contexts × (ℓ + 1) per step. Compared in the same run:

1. the plain training loop (:func:`~icl_sym.sim.lu2024.trained.training.train`'s step, eager PyTorch): the baseline;
2. the same step with the model under ``torch.compile`` (inductor), after its compilation (timed separately);
3. a batched sweep: E models (one per τ, e.g. E = 4) trained as one model whose parameters carry a leading
   axis of size E (``torch.func.stack_module_state`` + ``vmap``): one step advances all E runs. AdamW is
   elementwise, so the batched step is E independent steps; the check below compares it with E plain steps.

Each setting on 1 and on 2 torch threads. Timings: median [min–max] of repeated blocks of steps after a
warm-up block. Writes benchmarks/results/bench_trained_transformer.md with machine, command and date.

Run: python benchmarks/bench_trained_transformer.py [--steps 20] [--ensemble 4]
"""

from __future__ import annotations

import argparse
import copy
import traceback

import torch
from common import repeat_timed, write_results
from torch.func import functional_call, stack_module_state

from icl_sym.sim.lu2024.trained.models import build_model
from icl_sym.sim.lu2024.trained.training import Optimiser, pretraining_set, stream_generator, torch_threads

D, BATCH, SEED = 40, 160, 0


def data(tau: float = 1.0, seed: int = SEED):
    s = pretraining_set(D, 1.0, float("inf"), tau, 0.01, generator=stream_generator(seed, 0, "data"))
    return s.tokens.float(), s.labels.float()


def plain_step(model, optimiser, tokens, labels, generator):
    index = torch.randperm(labels.numel(), generator=generator)[:BATCH]
    loss = ((model(tokens[index]) - labels[index]) ** 2).mean()
    optimiser.zero_grad(set_to_none=True)
    loss.backward()
    optimiser.step()
    return loss


def make_plain(compiled: bool):
    model = build_model("softmax2_mlp", D, generator=stream_generator(SEED, 0, "init"))
    opt = Optimiser(1, lr=1e-4).make(model.parameters())
    runner = torch.compile(model) if compiled else model
    tokens, labels = data()
    gen = stream_generator(SEED, 0, "batches")
    return lambda: plain_step(runner, opt, tokens, labels, gen)


def make_batched(ensemble: int):
    """E models, one per τ of the sweep, as one model with stacked parameters; one AdamW over the stacks."""
    models = [build_model("softmax2_mlp", D, generator=stream_generator(SEED, e, "init")) for e in range(ensemble)]
    params, buffers = stack_module_state(models)
    base = copy.deepcopy(models[0]).to("meta")
    opt = Optimiser(1, lr=1e-4).make(params.values())
    sets = [data(tau=1.0 + 0.5 * e, seed=e) for e in range(ensemble)]
    gens = [stream_generator(SEED, e, "batches") for e in range(ensemble)]

    def one(p, b, tokens):
        return functional_call(base, (p, b), (tokens,))

    batched = torch.vmap(one)

    def step():
        picks = [torch.randperm(labels.numel(), generator=g)[:BATCH] for (_, labels), g in zip(sets, gens)]
        tokens = torch.stack([t[i] for (t, _), i in zip(sets, picks)])
        labels = torch.stack([l[i] for (_, l), i in zip(sets, picks)])
        loss = ((batched(params, buffers, tokens) - labels) ** 2).mean(dim=1).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    return step, params, models, sets, gens


def check_batched(ensemble: int, steps: int = 3) -> float:
    """Largest relative difference between the batched sweep's parameters and E plain runs after ``steps`` steps."""
    step, params, models, sets, _ = make_batched(ensemble)
    for _ in range(steps):
        step()
    worst = 0.0
    for e, model in enumerate(models):
        opt = Optimiser(1, lr=1e-4).make(model.parameters())
        gen = stream_generator(SEED, e, "batches")
        for _ in range(steps):
            plain_step(model, opt, *sets[e], gen)
        for name, p in model.named_parameters():
            worst = max(worst, float((params[name][e] - p).detach().abs().max() / p.detach().abs().max()))
    return worst


def block(step, steps):
    def run():
        for _ in range(steps):
            step()
    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=20, help="steps per timed block")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--ensemble", type=int, default=4)
    args = parser.parse_args()
    tokens_per_step = BATCH * (D + 1)
    rows, notes = [], []
    for threads in (1, 2):
        with torch_threads(threads):
            _, base = repeat_timed(block(make_plain(False), args.steps), args.repeats)
            base_rate = tokens_per_step * args.steps / base.median
            rows.append((threads, "plain loop (eager)", str(base), base_rate, 1.0))
            try:
                step = make_plain(True)
                _, first = repeat_timed(step, 1, warmup=0)
                _, timing = repeat_timed(block(step, args.steps), args.repeats)
                rate = tokens_per_step * args.steps / timing.median
                rows.append((threads, f"torch.compile (first step incl. compilation {first.median:.1f} s)",
                             str(timing), rate, rate / base_rate))
            except Exception as exc:  # report why compilation is unavailable here, keep measuring the rest
                notes.append(f"torch.compile failed on {threads} thread(s): {type(exc).__name__}: "
                             f"{str(exc).splitlines()[0][:200]}")
                traceback.print_exc()
            step, *_ = make_batched(args.ensemble)
            _, timing = repeat_timed(block(step, args.steps), args.repeats)
            rate = args.ensemble * tokens_per_step * args.steps / timing.median
            rows.append((threads, f"batched sweep, E = {args.ensemble} models per step (vmap)", str(timing), rate,
                         rate / base_rate))
    with torch_threads(1):
        agreement = check_batched(args.ensemble)
    table = ["| torch threads | setting | s per block of steps (median [min–max]) | tokens / s | ratio to plain |",
             "|---|---|---|---|---|"]
    table += [f"| {t} | {name} | {timing} | {rate:,.0f} | {ratio:.2f}x |" for t, name, timing, rate, ratio in rows]
    body = "\n".join(table) + "\n\n" + "\n".join(f"- {n}" for n in notes) + (
        f"\n\nBatched sweep vs {args.ensemble} plain runs after 3 steps: largest relative parameter difference "
        f"{agreement:.1e}.\n")
    print(body)
    write_results("bench_trained_transformer", "Benchmark: training throughput of the 2-block Transformer (Lu et al. "
                  "Fig. 6 model) at d = 40 on a CPU",
                  [f"model: softmax2_mlp (paper variant), d = {D}, ℓ = {D}, width {D}, float32, "
                   f"{sum(p.numel() for p in build_model('softmax2_mlp', D, generator=stream_generator(0, 0, 'init')).parameters())} parameters",
                   f"minibatch {BATCH} contexts = {tokens_per_step} tokens per step; AdamW lr 1e-4; "
                   f"{args.steps} steps per timed block, {args.repeats} blocks after one warm-up block",
                   "the machine is shared with other jobs: timings are noisy (see the min–max ranges)"],
                  body)


if __name__ == "__main__":
    main()
