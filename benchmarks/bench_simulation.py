"""Benchmark: throughput of the Lu et al. (2025) finite-d simulation at the paper's d = 100, on a CPU or a GPU.

Measures, in one run on one device (float64 throughout),

1. the fp64 matrix-multiply rate of the device (square GEMM): the yardstick;
2. the Γ* Gram accumulation at d = 100, n = 20 000 contexts (τ = 2): :func:`gram_matrix` (GEMM of the
   distinct monomials, ≈ n p²/2 flops) against the plain feature GEMM FᵀF (2 n p² flops) on the same
   contexts; achieved FLOP/s of each as a fraction of the GEMM rate, and their agreement;
3. contexts sampled per second: the sufficient-statistic sampler (cost independent of ℓ) at ℓ = 1000 and
   10 000, against the direct sampler (every token) at ℓ = 1000;
4. the Fig. 1 A/B sweep (3 α × 6 τ, κ = 0.5, ρ = 0.01, λ = 1e-5, ``--sweep-draws`` draws each, d = 100)
   exactly as ``icl-sym figure lu2024.fig1`` simulates it, timed end to end;
5. one draw at d = 200 per ``--d200-tau`` (α = 10, κ = 0.5, ρ = 0.01, λ = 1e-5) in a fresh process: time,
   peak memory (GPU: torch's peak allocation; CPU: the process's peak resident set) and the errors against theory.

Writes benchmarks/results/bench_simulation_<device type>.md with machine, command and date.

Run: python benchmarks/bench_simulation.py [--device cuda] [--sweep-draws 10] [--d200-tau 0.5,2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
from concurrent.futures import ProcessPoolExecutor

import torch
from common import best_of, timed, write_results

from icl_sym.experiments.lu2024 import ASSIGNMENT, FIG1_TAU_SIM
from icl_sym.sim.devices import check_device
from icl_sym.sim.lu2024 import simulate_errors
from icl_sym.sim.lu2024.pretrain import choose_solver, gram_flops, gram_matrix
from icl_sym.sim.lu2024.tasks import pretraining_tasks
from icl_sym.sim.sampling import make_generator, sample_contexts, sample_sufficient
from icl_sym.theories.lu2024.asymptotics import e_icl, e_idg

D, KAPPA, RHO, LAM, SEED = 100, 0.5, 0.01, 1e-5, 0
GRAM_TAU, GRAM_ALPHA = 2.0, 10
FIG1_ALPHAS = (1, 10, 100)


def gemm_rate(device: str) -> float:
    """fp64 FLOP/s of a square matrix product (4096 on a CPU, 8192 on a GPU), best of 3."""
    size = 8192 if device.startswith("cuda") else 4096
    gen = make_generator(SEED, device)
    a, b = (torch.randn(size, size, generator=gen, dtype=torch.float64, device=device) for _ in range(2))
    a @ b  # warm-up (library initialisation)
    _, seconds = best_of(lambda: a @ b, device=device)
    return 2 * size**3 / seconds


def feature_gram(x: torch.Tensor, h: torch.Tensor, chunk_bytes: int = 2**28) -> torch.Tensor:
    """The straightforward Gram: FᵀF over chunks of the feature rows f = x ⊗ h (the baseline)."""
    n, d = x.shape
    p = d * (d + 1)
    gram = torch.zeros(p, p, dtype=x.dtype, device=x.device)
    step = max(1, chunk_bytes // (8 * p))
    for start in range(0, n, step):
        features = (x[start : start + step, :, None] * h[start : start + step, None, :]).reshape(-1, p)
        gram.addmm_(features.T, features)
    return gram


def gram_section(device: str, rate: float) -> list[str]:
    gen = make_generator(SEED)
    pool = pretraining_tasks(D, KAPPA, GRAM_TAU, generator=gen, assignment=ASSIGNMENT)
    contexts = sample_sufficient(pool.context_tasks(), GRAM_ALPHA * D, RHO, generator=gen).to(device)
    x, h, n, p = contexts.x, contexts.h, pool.n, D * (D + 1)
    gram_matrix(x[:64], h[:64])  # warm-up
    ours, t_ours = best_of(lambda: gram_matrix(x, h), repeats=2, device=device)
    plain, t_plain = timed(lambda: feature_gram(x, h), device)
    agreement = float((ours - plain).abs().max() / plain.abs().max())
    del ours, plain
    flops_ours, flops_plain = gram_flops(n, D), 2 * n * p * p
    return [
        f"Gram accumulation, d = {D} (p = {p}), n = {n} contexts; fp64 GEMM rate of this device: "
        f"**{rate / 1e9:.1f} GFLOP/s**.",
        "",
        "| method | GEMM flops | time (s) | achieved GFLOP/s | fraction of GEMM rate | FᵀF-equivalent GFLOP/s | speed-up |",
        "|---|---|---|---|---|---|---|",
        f"| plain FᵀF over feature rows (baseline) | {flops_plain:.3g} | {t_plain:.3f} | {flops_plain / t_plain / 1e9:.1f} "
        f"| {flops_plain / t_plain / rate:.2f} | {flops_plain / t_plain / 1e9:.1f} | 1x |",
        f"| `gram_matrix`: distinct monomials + one gather | {flops_ours:.3g} | {t_ours:.3f} "
        f"| {flops_ours / t_ours / 1e9:.1f} | {flops_ours / t_ours / rate:.2f} | {flops_plain / t_ours / 1e9:.1f} "
        f"| **{t_plain / t_ours:.1f}x** |",
        "",
        f"Max |difference| / max |entry| between the two Grams: {agreement:.1e}. "
        "FᵀF-equivalent: the plain method's flop count over the method's time.",
    ]


def sampling_section(device: str) -> list[str]:
    gen = make_generator(SEED)
    pool = pretraining_tasks(D, KAPPA, GRAM_TAU, generator=gen, assignment=ASSIGNMENT)
    tasks = pool.context_tasks()
    rows = []
    for name, sampler, ell, n in (("sufficient statistics", sample_sufficient, 1000, len(tasks)),
                                  ("sufficient statistics", sample_sufficient, 10_000, len(tasks)),
                                  ("direct (every token)", sample_contexts, 1000, 500)):
        def draw():
            contexts = sampler(tasks[:n], ell, RHO, generator=make_generator(SEED)).to(device)
            return contexts.x.sum()  # one value, so a device copy has surely finished
        _, seconds = best_of(draw, repeats=2, device=device)
        rows.append((name, ell, n, seconds, n / seconds))
    base = rows[2][4]
    return [
        f"Contexts sampled per second, d = {D} (drawn on the CPU with the run's generator, then moved to {device}).",
        "",
        "| sampler | ℓ | contexts | time (s) | contexts/s | vs direct at ℓ = 1000 |",
        "|---|---|---|---|---|---|",
        *(f"| {name} | {ell} | {n} | {seconds:.3f} | {rate:,.0f} | {rate / base:.0f}x |"
          for name, ell, n, seconds, rate in rows),
    ]


def sweep_section(device: str, draws: int) -> list[str]:
    simulate_errors(8, 2, KAPPA, 1.5, RHO, LAM, 1, SEED, device=device)  # warm-up
    rows, total = [], 0.0
    for alpha in FIG1_ALPHAS:
        for tau in FIG1_TAU_SIM:
            result, seconds = timed(lambda: simulate_errors(D, alpha, KAPPA, tau, RHO, LAM, draws, SEED, device=device,
                                                            assignment=ASSIGNMENT), device)
            total += seconds
            rows.append((alpha, tau, result.n, choose_solver(result.n, D, LAM), seconds / draws,
                         result.icl_mean, float(e_icl(tau, alpha, KAPPA, RHO, 0.0))))
    points = len(rows)
    return [
        f"Fig. 1 A/B sweep at d = {D}: {len(FIG1_ALPHAS)} α × {len(FIG1_TAU_SIM)} τ × {draws} draws = "
        f"{points * draws} Γ* fits (sample, solve, score by Proposition 1) in **{total:.1f} s** "
        f"({points * draws / total:.2f} fits/s; {total / 60:.2f} min).",
        "",
        "| α | τ | n | solver | s per draw | ICL (sim mean) | ICL (theory, λ → 0) |",
        "|---|---|---|---|---|---|---|",
        *(f"| {a} | {t} | {n} | {s} | {sec:.2f} | {sim:.4f} | {th:.4f} |" for a, t, n, s, sec, sim, th in rows),
    ]


def d200_draw(device: str, tau: float) -> dict:
    """One d = 200 draw in this (fresh) process, with its peak memory."""
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats(device)
    result, seconds = timed(lambda: simulate_errors(200, 10, KAPPA, tau, RHO, LAM, 1, SEED, device=device,
                                                    assignment=ASSIGNMENT), device)
    if device.startswith("cuda"):
        peak, where = torch.cuda.max_memory_allocated(device), "GPU (torch peak allocation)"
    else:
        peak, where = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "process peak RSS"
    return dict(tau=tau, n=result.n, solver=choose_solver(result.n, 200, LAM), seconds=seconds,
                peak=peak, where=where, icl=result.icl_mean, idg=result.idg_mean,
                theory_icl=float(e_icl(tau, 10, KAPPA, RHO, 0.0)), theory_idg=float(e_idg(tau, 10, KAPPA, RHO, 0.0)))


def d200_section(device: str, taus: list[float]) -> list[str]:
    rows = []
    for tau in taus:
        # A fresh process per point, so the peak memory is that point's alone.
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            rows.append(pool.submit(d200_draw, device, tau).result())
    return [
        f"d = 200 (p = {200 * 201}), α = 10, κ = {KAPPA}, ρ = {RHO}, λ = {LAM}, one draw per τ, each in a fresh process.",
        "",
        "| τ | n | solver | time (s) | peak memory (GB) | measured as | ICL sim / theory | IDG sim / theory |",
        "|---|---|---|---|---|---|---|---|",
        *(f"| {r['tau']} | {r['n']} | {r['solver']} | {r['seconds']:.1f} | {r['peak'] / 1e9:.2f} | {r['where']} "
          f"| {r['icl']:.4f} / {r['theory_icl']:.4f} | {r['idg']:.4f} / {r['theory_idg']:.4f} |" for r in rows),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--sweep-draws", type=int, default=10, help="draws per Fig. 1 point (0 skips the sweep)")
    parser.add_argument("--d200-tau", default="0.5", help="comma-separated τ of the d = 200 draws ('' skips them)")
    args = parser.parse_args()
    device = str(check_device(args.device))
    taus = [float(t) for t in args.d200_tau.split(",") if t.strip()]
    rate = gemm_rate(device)
    sections = [gram_section(device, rate), sampling_section(device)]
    if args.sweep_draws > 0:
        sections.append(sweep_section(device, args.sweep_draws))
    if taus:
        sections.append(d200_section(device, taus))
    body = "\n\n".join("\n".join(section) for section in sections)
    print(body)
    path = write_results(
        f"bench_simulation_{torch.device(device).type}", "Benchmark: finite-d simulation throughput (Lu et al. 2025)",
        [f"device: {device}; float64; seed {SEED}; tasks spread over contexts at random (as the figures do)",
         "times are the best of 2 runs for the Gram and the samplers, single runs otherwise"],
        body, device)
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
