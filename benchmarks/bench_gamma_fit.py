"""Benchmark: one fit of Γ* (Lu et al. 2025) at d = 32, α = 100, τ = 2, κ = 0.5.

Protocol: docs/theory/lu2024.md §7.2.

Compares, in the same run and with the same parameters,

- icl_sym: the sufficient-statistic sampler (O(d) draws per context) and :func:`ridge_gamma`
  (solver picked by flop count; every solver also timed on its own), in PyTorch float64, on the
  default number of torch threads and on one (OpenMP threads contend badly on a shared small machine);
- a straightforward NumPy implementation: every token sampled, every H_Z = x_{ℓ+1}[s; q]ᵀ built
  and flattened, the dense normal equations (FᵀF + (n/d)λI) vec Γ = Fᵀy solved.

The two fits use different random draws; as a check that they compute the same Γ*, ridge_gamma is
also run on the NumPy draw's features. Every icl_sym time is the median of repeated runs after a
warm-up run, with the range (min–max) beside it.

A second table is the solver crossover: primal and CG timed on the same contexts over d and τ, their
time per predicted flop, and what ``choose_solver`` picks; the ratio of the two rates is the
``CG_FLOP_COST`` of icl_sym.sim.pretrain. Prints the tables and writes them, with machine, command and
date, to benchmarks/results/bench_gamma_fit.md.

Run: python benchmarks/bench_gamma_fit.py
"""

from __future__ import annotations

import numpy as np
import torch
import statistics

from common import repeat_timed, timed, write_results

from icl_sym.sim.lu2024.pretrain import CG_FLOP_COST, choose_solver, ridge_gamma, solver_flops
from icl_sym.sim.lu2024.tasks import pretraining_tasks
from icl_sym.sim.sampling import Contexts, make_generator, sample_sufficient
from icl_sym.theories.lu2024.error_of_gamma import error_of_gamma

D, ALPHA, TAU, KAPPA, RHO, LAM, SEED = 32, 100, 2.0, 0.5, 0.01, 1e-3, 0
REPEATS = 7
#: The crossover grid: (d, τ) at α = ALPHA, κ = KAPPA, λ = LAM.
CROSSOVER = [(d, tau) for tau in (2.0, 8.0) for d in (16, 24, 32, 48)]


def numpy_sample(seed: int):
    """Tasks as in the protocol (k = round(κd), each used round(τd²/k) times); every token drawn."""
    rng = np.random.default_rng(seed)
    k = round(KAPPA * D)
    reps = round(TAU * D * D / k)
    ell = round(ALPHA * D)
    tasks = rng.standard_normal((k, D))
    tasks *= np.sqrt(D) / np.linalg.norm(tasks, axis=1, keepdims=True)
    xs, hs, ys = [], [], []
    for w in np.repeat(tasks, reps, axis=0):
        X = rng.standard_normal((ell + 1, D)) / np.sqrt(D)
        y = X @ w + np.sqrt(RHO) * rng.standard_normal(ell + 1)
        s = (D / ell) * X[:ell].T @ y[:ell]
        q = np.mean(y[:ell] ** 2)
        xs.append(X[ell])
        hs.append(np.append(s, q))
        ys.append(y[ell])
    return np.array(xs), np.array(hs), np.array(ys), tasks


def numpy_solve(x, h, y):
    """Build every H_Z, flatten it row-major, solve the dense normal equations."""
    n, d = x.shape
    F = np.stack([np.outer(x[i], h[i]).ravel() for i in range(n)])
    vec = np.linalg.solve(F.T @ F + n / d * LAM * np.eye(d * (d + 1)), F.T @ y)
    return vec.reshape(d, d + 1)


def ours_sample(seed: int):
    gen = make_generator(seed)
    pool = pretraining_tasks(D, KAPPA, TAU, generator=gen)
    return pool, sample_sufficient(pool.context_tasks(), round(ALPHA * D), RHO, generator=gen)


def run_ours(threads: int) -> dict:
    """Timings of the icl_sym fit on ``threads`` torch threads (restored afterwards)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        (pool, contexts), sampling = repeat_timed(lambda: ours_sample(SEED), repeats=REPEATS)
        gamma, solve = repeat_timed(lambda: ridge_gamma(contexts, LAM), repeats=REPEATS)
        solvers = {s: repeat_timed(lambda s=s: ridge_gamma(contexts, LAM, solver=s), repeats=REPEATS)[1]
                   for s in ("primal", "dual", "cg")}
        gammas = {s: ridge_gamma(contexts, LAM, solver=s) for s in ("primal", "dual", "cg")}
        agree = max(float((g - gammas["primal"]).abs().max() / gammas["primal"].abs().max()) for g in gammas.values())
    finally:
        torch.set_num_threads(previous)
    return dict(pool=pool, gamma=gamma, sampling=sampling, solve=solve, solvers=solvers, agree=agree)


def crossover(threads: int) -> tuple[list[str], float]:
    """Table rows of primal vs CG over :data:`CROSSOVER`, and the median ratio of their seconds per flop."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    rows, ratios = [], []
    try:
        for d, tau in CROSSOVER:
            gen = make_generator(SEED)
            pool = pretraining_tasks(d, KAPPA, tau, generator=gen)
            contexts = sample_sufficient(pool.context_tasks(), round(ALPHA * d), RHO, generator=gen)
            times = {s: repeat_timed(lambda s=s: ridge_gamma(contexts, LAM, solver=s), repeats=5)[1]
                     for s in ("primal", "cg")}
            flops = solver_flops(pool.n, d)
            rate = {s: times[s].median / (flops[s] / (CG_FLOP_COST if s == "cg" else 1)) for s in times}
            ratios.append(rate["cg"] / rate["primal"])
            fastest = min(times, key=lambda s: times[s].median)
            pick = choose_solver(pool.n, d, LAM)
            rows.append(f"| {threads} | {d} | {tau:g} | {pool.n} | {d * (d + 1)} | {times['primal']} | {times['cg']} "
                        f"| {times['primal'].median / times['cg'].median:.2f} | {ratios[-1]:.2f} | {fastest} | {pick} |")
    finally:
        torch.set_num_threads(previous)
    return rows, statistics.median(ratios)


def main() -> None:
    ell = round(ALPHA * D)
    thread_counts = sorted({torch.get_num_threads(), 1}, reverse=True)
    ours = {threads: run_ours(threads) for threads in thread_counts}
    pool, gamma = ours[1]["pool"], ours[1]["gamma"]
    auto = choose_solver(pool.n, D, LAM)

    (x, h, y, tasks), base_sampling = timed(lambda: numpy_sample(SEED))
    base_gamma, base_solve = timed(lambda: numpy_solve(x, h, y))
    s, q, x_t, y_t = (torch.from_numpy(a) for a in (h[:, :D], h[:, D], x, y))
    # The solve reads s, q, x and y only; the tasks field is not used.
    same_data = ridge_gamma(Contexts(s, q, x_t, y_t, w=torch.full_like(x_t, float("nan"))), LAM)
    agreement = float(np.abs(same_data.numpy() - base_gamma).max() / np.abs(base_gamma).max())

    mu_np, R_np = tasks.mean(axis=0), tasks.T @ tasks / len(tasks)
    icl = float(error_of_gamma(gamma, RHO, ell / D, backend="torch"))
    idg = float(error_of_gamma(gamma, RHO, ell / D, *pool.moments(), backend="torch"))
    base_icl = float(error_of_gamma(base_gamma, RHO, ell / D))
    base_idg = float(error_of_gamma(base_gamma, RHO, ell / D, mu_np, R_np))
    base = base_sampling + base_solve
    lines = [
        "| implementation | sampling (s) | Γ* solve (s) | total (s, medians) | speed-up (total) | ICL error | IDG error |",
        "|---|---|---|---|---|---|---|",
        f"| numpy baseline (every token, dense H_Z; one run) | {base_sampling:.3f} | {base_solve:.3f} | {base:.3f} | 1x "
        f"| {base_icl:.4f} | {base_idg:.4f} |",
    ]
    for threads, run in ours.items():
        total = run["sampling"].median + run["solve"].median
        lines.append(f"| icl_sym, sufficient sampler + auto ({auto}) solve, {threads} torch thread(s) | {run['sampling']} "
                     f"| {run['solve']} | {total:.3f} | **{base / total:.0f}x** | {icl:.4f} | {idg:.4f} |")
    lines += [
        "",
        "| icl_sym solver on the same contexts (s, median [min–max]) | primal | dual | cg | max relative difference |",
        "|---|---|---|---|---|",
        *(f"| {threads} torch thread(s) | " + " | ".join(str(run["solvers"][s]) for s in ("primal", "dual", "cg"))
          + f" | {run['agree']:.1e} |" for threads, run in ours.items()),
        "",
        f"ridge_gamma on the NumPy draw's features vs the NumPy solve: max relative difference {agreement:.1e}.",
    ]
    cross_rows, cost = [], []
    for threads in thread_counts:
        rows, ratio = crossover(threads)
        cross_rows += rows
        cost.append(f"{ratio:.2f} ({threads} thread(s))")
    lines += [
        "",
        f"Solver crossover at α = {ALPHA:g}, κ = {KAPPA}, λ = {LAM:g} (s, median [min–max] of 5 runs after a warm-up; "
        "rate ratio = CG's seconds per predicted flop over primal's, CG flops from the iteration model of "
        "icl_sym.sim.pretrain.cg_iterations):",
        "",
        "| threads | d | τ | n | p | primal | cg | primal / cg | rate ratio | fastest | choose_solver |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *cross_rows,
        "",
        f"Median rate ratio (CG_FLOP_COST, now {CG_FLOP_COST:g} in icl_sym.sim.pretrain): {', '.join(cost)}.",
    ]
    table = "\n".join(lines)
    print(table)
    path = write_results("bench_gamma_fit", "Benchmark: one Γ* fit (Lu et al. 2024 protocol)", [
        f"software: numpy {np.__version__}",
        f"parameters: d = {D}, α = {ALPHA} (ℓ = {ell}), τ = {TAU}, κ = {KAPPA} (k = {pool.k}), "
        f"n = {pool.n} contexts, p = d(d+1) = {D * (D + 1)}, ρ = {RHO}, λ = {LAM}, seed {SEED}",
        f"icl_sym timings: median [min–max] of {REPEATS} runs after one warm-up run; the NumPy baseline runs once. "
        "Errors are Proposition 1 "
        "(exact) of each fit; the two fits use different random draws (the same draw for every thread count).",
    ], table)
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
