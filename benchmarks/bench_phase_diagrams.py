"""Benchmark: the three Fig. 3 phase diagrams of Lu et al. (401 κ × 300 ρ × 500 α each).

Times `alpha_star_map` (chunked, vectorised over the whole grid) for each map and
compares in the same run with a baseline that evaluates one α-curve per (κ, ρ)
cell in a Python loop (still vectorised over α), measured on a subsample of
cells and scaled to the full grid. Also checks that both give the same α* on the
subsample. Prints a table and writes it, with machine, command and date, to
benchmarks/results/bench_phase_diagrams.md.

Run: python benchmarks/bench_phase_diagrams.py
"""

from __future__ import annotations

import numpy as np
from common import timed, write_results

from icl_sym.theories.lu2024.derived import ALPHA_GRID, MONOTONE_TOL, _alpha_star_along_last_axis, _error, alpha_star_map

KAPPAS = np.linspace(0.1, 2.1, 401)
RHOS = np.linspace(0.01, 1, 300)
SUBSAMPLE = 300  # cells timed in the baseline loop
#: The paper's three maps: (label, error, τ).
FIG3_SETTINGS = (("i", "icl", 0.5), ("ii", "idg", 0.5), ("iii", "icl", 20.0))


def baseline_cells(tau, which, cells):
    fn = _error(which)
    return np.array([_alpha_star_along_last_axis(fn(tau, ALPHA_GRID, k, r, 0.0), ALPHA_GRID, MONOTONE_TOL)
                     for k, r in cells])


def main() -> None:
    rng = np.random.default_rng(0)
    rows, total = [], 0.0
    for key, which, tau in FIG3_SETTINGS:
        alpha_star_map(tau, KAPPAS[:2], RHOS[:2], which=which)  # warm-up: kernels are generated on first use
        full, ours = timed(lambda: alpha_star_map(tau, KAPPAS, RHOS, which=which))
        total += ours
        idx = rng.choice(KAPPAS.size * RHOS.size, SUBSAMPLE, replace=False)
        cells = [(KAPPAS[i // RHOS.size], RHOS[i % RHOS.size]) for i in idx]
        base, base_s = timed(lambda: baseline_cells(tau, which, cells))
        base_scaled = base_s * KAPPAS.size * RHOS.size / SUBSAMPLE
        expected = full.reshape(-1)[idx]
        assert np.array_equal(np.isnan(base), np.isnan(expected)) and np.allclose(base, expected, equal_nan=True)
        rows.append((f"({key}) {which.upper()}, τ = {tau:g}", ours, base_scaled, np.isnan(full).mean()))

    lines = ["| map | vectorised (s) | per-cell loop, scaled (s) | speed-up | monotone fraction |",
             "|---|---|---|---|---|"]
    lines += [f"| {name} | {ours:.1f} | {base:.0f} | {base / ours:.0f}x | {frac:.2f} |"
              for name, ours, base, frac in rows]
    lines.append(f"| **all three** | **{total:.1f}** | {sum(r[2] for r in rows):.0f} | "
                 f"{sum(r[2] for r in rows) / total:.0f}x | |")
    table = "\n".join(lines)
    print(table)
    write_results("bench_phase_diagrams", "Benchmark: Fig. 3 phase diagrams (401 κ × 300 ρ × 500 α, three maps)", [
        f"software: numpy {np.__version__}; CPU only (no GPU lent in this session)",
        f"baseline: one α-curve per (κ, ρ) cell in a Python loop, {SUBSAMPLE} random cells timed and scaled "
        "to the grid; same α* on those cells",
    ], table)


if __name__ == "__main__":
    main()
