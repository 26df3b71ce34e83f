"""Benchmark: ``lu2024.e_icl`` (ridge lam > 0), compiled loop and numpy path, against a per-point ``brentq`` loop.

All solve the same self-consistency ``eps M_kappa(q + eps) = 1 - tau + tau lam/eps`` (Lu et al.,
Section 5.1(b)) and then evaluate e_ICL (Section 5.2) at the same random points, drawn
log-uniformly from tau in [1e-3, 1e3], alpha in [1e-2, 1e4], kappa in [1e-3, 1e3], rho in
[1e-4, 10], lam in [1e-10, 1e2]. The baseline is the textbook approach (as in the authors' code,
which uses fsolve): a Python loop, the paper's closed forms in double precision, brentq on
``[lam, hi]`` with ``hi`` doubled until the residual is positive. It runs on the first
``--baseline`` points and is scaled linearly to all points.

Measured in one run, on the same points: the brentq loop (us/point), the numpy path (chunked numpy
kernels on a thread pool) and the compiled path (the numba loop of ``lu2024.compiled``), each
``--repeats`` times after a warm-up (median and spread, wall and CPU seconds); the machine's
scalar floating-point rate (a numba loop of independent scalar multiply-add chains on every
thread); the floating-point operations per point of the generated code (``sympy.count_ops`` of
the CSE-reduced kernels, times the measured mean number of Newton steps); and, in fresh
processes, the compiled path's first-call cost with an empty and with a filled numba cache.

    python benchmarks/bench_e_icl.py [--points 1000000] [--baseline 2000] [--repeats 7] [--seed 0]

Prints a table and writes it, with machine, command and date, to ``benchmarks/results/bench_e_icl.md``.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy
import sympy
from common import RESULTS, timed, write_results
from scipy.optimize import brentq

from icl_sym.core import compiled as core_compiled
from icl_sym.core.dispatch import _WORKERS, CHUNK
from icl_sym.theories.lu2024 import asymptotics
from icl_sym.theories.lu2024 import compiled as lu_compiled

BOX = {"tau": (1e-3, 1e3), "alpha": (1e-2, 1e4), "kappa": (1e-3, 1e3), "rho": (1e-4, 10.0), "lam": (1e-10, 1e2)}


def sample(n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [np.exp(rng.uniform(math.log(lo), math.log(hi), n)) for lo, hi in BOX.values()]


def baseline_point(tau: float, alpha: float, kappa: float, rho: float, lam: float) -> float:
    """e_ICL at one point: paper formulas, brentq for eps (the per-point approach)."""
    q = (1 + rho) / alpha

    def m_kappa(z: float) -> tuple[float, float]:
        a = z + 1 - 1 / kappa
        root = math.sqrt(a * a + 4 * z / kappa)
        m = 2 / (a + root)
        return m, -0.5 * m * m * (1 + (z + 1 + 1 / kappa) / root)

    def residual(e: float) -> float:
        return e * m_kappa(q + e)[0] - (1 - tau + tau * lam / e)

    hi = 2 * max(lam, 1.0)
    while residual(hi) <= 0:
        hi *= 2
    eps = brentq(residual, lam, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500)
    nu = q + eps
    m, mp = m_kappa(nu)
    c = (rho + nu - nu**2 * m - eps * (1 - 2 * nu * m - nu**2 * mp)) / (tau - 1 + 2 * eps * m + eps**2 * mp)
    return (1 + q) * (1 - 2 * nu * m - nu**2 * mp + c * (m + eps * mp)) - 2 * (1 - nu * m) + 1 + rho


def repeated(fn, repeats: int):
    """``fn()`` once to warm up, then ``repeats`` timed runs: (last value, wall seconds, CPU seconds)."""
    fn()
    walls, cpus, value = [], [], None
    for _ in range(repeats):
        value = None  # free the previous result, as a plain loop would
        cpu = time.process_time()
        value, seconds = timed(fn)
        walls.append(seconds)
        cpus.append(time.process_time() - cpu)
    return value, walls, cpus


def scalar_fp_rate(seconds: float = 1.0) -> tuple[float, int]:
    """FLOP/s of scalar double multiply-add chains on every numba thread (8 independent chains per thread)."""
    import numba

    @numba.njit(parallel=True, fastmath=False)
    def chains(threads, n, m, c):
        total = 0.0
        for t in numba.prange(threads):
            a0, a1, a2, a3, a4, a5, a6, a7 = 1.0 + t, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7
            for _ in range(n):  # alternating signs keep the chains apart (no packing into vectors)
                a0 = a0 * m + c
                a1 = a1 * m - c
                a2 = a2 * m + c
                a3 = a3 * m - c
                a4 = a4 * m + c
                a5 = a5 * m - c
                a6 = a6 * m + c
                a7 = a7 * m - c
            total += a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7
        return total

    threads = numba.get_num_threads()
    chains(threads, 10, 0.5, 0.1)
    n = 10**6
    while True:
        start = time.perf_counter()
        chains(threads, n, 0.999999, 1e-7)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return 16 * n * threads / elapsed, threads
        n *= 2


def flops_per_point(points) -> tuple[float, float, dict[str, int]]:
    """(flops per point, mean Newton steps, ops per kernel): ``count_ops`` of the generated kernels, CSE-reduced.

    Every arithmetic operation, ``abs``, ``sqrt``, ``exp``, ``log`` counts as one (a division or an
    ``exp`` costs the processor many cycles: the fraction of the FP rate understates its load).
    Per point: q, the bracket and its two logs, for tau < 1 the start (the ridgeless root, a sum, a
    log and a clip), per Newton step the residual and the step (about 10 operations, ``exp`` and
    ``log1p`` included), then ``exp`` and the ridge formula.
    """
    import numba

    ops = {}
    for name, (_, exprs) in lu_compiled._scalar_expressions().items():
        replacements, reduced = sympy.cse(list(exprs))
        ops[name] = int(sum(sympy.count_ops(e) for _, e in replacements) + sum(sympy.count_ops(e) for e in reduced))
    module = lu_compiled._module()
    prepare, newton_pair, xtol, max_iter = module._prepare, module.newton_pair, module.XTOL_LOG_EPS, module.MAX_ITERATIONS

    @numba.njit
    def steps(tau, alpha, kappa, rho, lam):
        total = 0
        for i in range(tau.shape[0]):
            q, iota, lo, hi, start = prepare(tau[i], alpha[i], kappa[i], rho[i], lam[i])
            params = (q, tau[i], lam[i], iota)
            total += newton_pair(start, lo, hi, params, True, 0.0, 0.0, 0.0, params, False, xtol,
                                 max_iter)[2]
        return total / tau.shape[0]

    mean_steps = steps(*points)
    newton_step = ops["residual"] + 10 + 3  # the residual, the bracketed step, exp(s), log1p and the quotient
    start = (ops["eps_ridgeless"] + 4) * float(np.mean(points[0] < 1))
    per_point = ops["q"] + 1 + ops["bracket"] + 4 + start + mean_steps * newton_step + 1 + ops["ridge"]
    return per_point, mean_steps, ops


def first_call_seconds(cache: str) -> float:
    """Seconds of the first compiled ``e_icl`` call in a fresh process using ``cache`` as its cache directory."""
    code = ("import time; from icl_sym.theories.lu2024 import asymptotics as A; A.kernel_expressions(); "
            "t = time.perf_counter(); A.e_icl(2.0, 2.0, 1.0, 0.1, 0.5); A.e_icl([2.0] * 5000, 2.0, 1.0, 0.1, 0.5); "
            "print(time.perf_counter() - t)")
    env = {**os.environ, "ICL_SYM_CACHE_DIR": cache}
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def best_per_chunk(fn, arrays, chunk: int, repeats: int = 5) -> float:
    """Sum over chunks of ``arrays`` of the least CPU time (this thread's) of ``repeats`` runs of ``fn`` on the chunk.

    ``fn`` must run in the calling thread. On a machine shared with other jobs, the thread's own CPU
    time leaves out the time it waits for a core, and the fastest of a few runs of a short piece
    of work is the least disturbed one, so this estimates the cost on an idle core.
    """
    total = 0.0
    for start in range(0, arrays[0].shape[0], chunk):
        part = [a[start:start + chunk] for a in arrays]
        best = math.inf
        for _ in range(repeats):
            t = time.thread_time()
            fn(*part)
            best = min(best, time.thread_time() - t)
        total += best
    return total


def spread(runs: list[float]) -> str:
    return f"{statistics.median(runs):.3f} [{min(runs):.3f}, {max(runs):.3f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=int, default=2000, help="points timed for the brentq loop")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs of each vectorised path")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-compile-timing", action="store_true", help="skip the fresh-process first-call timings")
    parser.add_argument("--out", type=Path, default=RESULTS / "bench_e_icl.md")
    args = parser.parse_args()
    if not core_compiled.numba_available():
        raise SystemExit("numba is needed for the compiled path (pip install numba)")
    load_before = os.getloadavg()

    points = sample(args.points, args.seed)
    named = dict(zip(asymptotics.NAMES, points))
    compiled, c_wall, c_cpu = repeated(lambda: asymptotics._dispatch("e_icl", named, compiled=True), args.repeats)
    numpy_path, n_wall, n_cpu = repeated(lambda: asymptotics._dispatch("e_icl", named, compiled=False), args.repeats)

    n_base = min(args.baseline, args.points)
    cpu = time.process_time()
    base, base_s = timed(lambda: np.array([baseline_point(*(float(p[i]) for p in points)) for i in range(n_base)]))
    base_cpu = time.process_time() - cpu
    base_us = 1e6 * base_s / n_base
    base_scaled = base_s * args.points / n_base

    # Idle-core estimates (fastest of 5 per piece of work, one thread; see best_per_chunk).
    module = lu_compiled._module()

    def compiled_serial(*arrays):
        out, failed = np.empty(arrays[0].shape[0]), np.zeros(arrays[0].shape[0], dtype=bool)
        module._evaluate_points_serial(1, *map(lu_compiled._read_only, arrays), out, failed)

    quiet_compiled = best_per_chunk(compiled_serial, points, 1 << 14)
    quiet_numpy = best_per_chunk(lambda *a: asymptotics._dispatch("e_icl", dict(zip(asymptotics.NAMES, a)),
                                                                   compiled=False), points, CHUNK)
    quiet_base = best_per_chunk(lambda *a: baseline_point(*(float(v[0]) for v in a)), [p[:n_base] for p in points], 1)

    fp_rate, threads = scalar_fp_rate()
    flops, mean_steps, ops = flops_per_point(points)
    c_median = statistics.median(c_wall)
    achieved = flops * args.points / c_median

    cold = warm = math.nan
    if not args.no_compile_timing:
        with tempfile.TemporaryDirectory() as cache:
            cold, warm = first_call_seconds(cache), first_call_seconds(cache)
    load_after = os.getloadavg()

    agreement = np.abs(compiled - numpy_path) / numpy_path
    deviation = np.abs(base - compiled[:n_base]) / compiled[:n_base]
    header = ("| method | points | wall s, median [min, max] | CPU s (median) | us/point (wall) | vs brentq (wall) "
              "| vs brentq (CPU) |\n|---|---:|---:|---:|---:|---:|---:|")
    rows = [header]
    for name, wall, cpus in (("compiled loop (numba, default path)", c_wall, c_cpu),
                             ("numpy path (chunked kernels, thread pool)", n_wall, n_cpu)):
        median = statistics.median(wall)
        rows.append(f"| {name} | {args.points:,} | {spread(wall)} | {statistics.median(cpus):.3f} | "
                    f"{1e6 * median / args.points:.3f} | {base_scaled / median:.0f}x | "
                    f"{base_cpu * args.points / n_base / statistics.median(cpus):.0f}x |")
    rows.append(f"| brentq loop (paper formulas) | {n_base:,} measured | {base_s:.3f} (scaled: {base_scaled:.1f}) | "
                f"{base_cpu:.3f} | {base_us:.3f} | 1x | 1x |")
    rows += ["", "Idle-core estimate (each piece of work, 16384 points or one numpy chunk or one brentq point, run 5 "
             "times in one thread; its least thread CPU time kept; two cores assumed to scale perfectly):", "",
             "| method | us/point, one core | 2 cores: s per 10^6 points | vs brentq |", "|---|---:|---:|---:|"]
    base_core = quiet_base / n_base
    for name, seconds in (("compiled loop", quiet_compiled), ("numpy path", quiet_numpy)):
        per_core = seconds / args.points
        rows.append(f"| {name} | {1e6 * per_core:.3f} | {per_core * 1e6 / 2:.3f} | {base_core / (per_core / 2):.0f}x |")
    rows.append(f"| brentq loop (one core) | {1e6 * base_core:.2f} | {base_core * 1e6:.1f} (one core) | 1x |")
    table = "\n".join(rows)
    summary = "\n".join([
        f"Compiled / numpy path: {statistics.median(n_wall) / c_median:.1f}x (wall), "
        f"{statistics.median(n_cpu) / statistics.median(c_cpu):.1f}x (CPU). Repeats: {args.repeats} after one warm-up; "
        f"{threads} numba thread(s); numpy path: {_WORKERS} worker thread(s), chunks of {CHUNK}.",
        f"Scalar FP rate of this machine, measured in this run: {fp_rate / 1e9:.2f} GFLOP/s "
        f"({threads} thread(s), 8 independent scalar multiply-add chains each, fastmath off).",
        f"Generated code: {flops:.0f} operations per point (sympy.count_ops of the CSE-reduced kernels {ops}; "
        f"mean {mean_steps:.2f} Newton steps per point, each the residual + 13), i.e. "
        f"{achieved / 1e9:.2f} G operations/s = {100 * achieved / fp_rate:.0f}% of the scalar FP rate "
        "(divisions, square roots, exp and log count one operation each but take many cycles).",
        f"First compiled call in a fresh process: {cold:.1f} s with an empty cache (SymPy code generation + "
        f"numba compilation), {warm:.1f} s with numba's cache filled (code generation + cache load); "
        "later calls in the process pay neither.",
        f"Compiled vs numpy path on all points: max relative difference {agreement.max():.1e}, "
        f"median {np.median(agreement):.0e}, identical in {100 * np.mean(agreement == 0):.1f}% of the points.",
        f"brentq baseline vs compiled on the {n_base} shared points: median relative difference "
        f"{np.median(deviation):.1e}, max {deviation.max():.1e} (the baseline evaluates the paper's forms, which "
        "cancel; both fast paths agree with the mpmath reference to 1e-13, see tests/theories/test_lu2024_compiled.py).",
        f"Load average (1, 5, 15 min) before: {', '.join(f'{x:.1f}' for x in load_before)}; after: "
        f"{', '.join(f'{x:.1f}' for x in load_after)} (other jobs shared the machine when it is above the core count: "
        "wall times then overstate, CPU seconds are the better measure).",
    ])
    print(table)
    print(summary)

    import numba

    write_results("bench_e_icl", "Benchmark: `lu2024.e_icl` with ridge (lam > 0)", [
        f"software: numpy {np.__version__}, scipy {scipy.__version__}, sympy {sympy.__version__}, "
        f"numba {numba.__version__} (threading layer {numba.threading_layer()})",
        f"points: log-uniform in the box {BOX}, seed {args.seed}",
    ], f"{table}\n\n{summary}", path=args.out)
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
