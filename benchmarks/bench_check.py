"""Benchmark: `icl-sym check` over the whole registry.

For every derivation, times building it and verifying every step (what
`icl-sym check` does), and compares in the same run with a baseline that
verifies the same steps with SymPy's general-purpose ``simplify`` in place of
the canonical-form ``cancel`` used by the explicit-size checks. Prints a table
and writes it, with machine, command and date, to benchmarks/results/bench_check.md.

Run: python benchmarks/bench_check.py
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import sympy as sp
from common import timed, write_results

import icl_sym.theories  # noqa: F401
from icl_sym.core.checks import AverageOverVector, ExactAtSizes
from icl_sym.core.registry import REGISTRY


def with_simplify(deriv):
    """The same derivation, its explicit-size checks using sympy.simplify."""
    steps = tuple(
        dataclasses.replace(s, check=dataclasses.replace(s.check, simplifier=sp.simplify))
        if isinstance(s.check, (ExactAtSizes, AverageOverVector)) else s
        for s in deriv.steps
    )
    return dataclasses.replace(deriv, steps=steps)


def main() -> None:
    rows = []
    for name in REGISTRY.derivation_names():
        deriv, build = timed(lambda: REGISTRY.get_derivation(name))
        deriv.verify()  # warm-up: numeric kernels are generated on first use; time the steady state
        report, ours = timed(deriv.verify)
        baseline_report, baseline = timed(with_simplify(deriv).verify)
        assert report.ok and baseline_report.ok, name
        rows.append((name, len(deriv), build, ours, baseline))
    _, cli_seconds = timed(lambda: subprocess.run([sys.executable, "-m", "icl_sym.cli", "check"],
                                                  capture_output=True, check=True))

    lines = [
        "| derivation | steps | build (s) | verify (s) | baseline: simplify (s) | speed-up |",
        "|---|---|---|---|---|---|",
    ]
    for name, n, build, ours, baseline in rows:
        lines.append(f"| {name} | {n} | {build:.3f} | {ours:.2f} | {baseline:.2f} | {baseline / ours:.1f}x |")
    total, total_base = sum(r[3] for r in rows), sum(r[4] for r in rows)
    lines.append(f"| **all** | {sum(r[1] for r in rows)} | {sum(r[2] for r in rows):.3f} | {total:.2f} | "
                 f"{total_base:.2f} | {total_base / total:.1f}x |")
    table = "\n".join(lines)
    cli = f"`icl-sym check` end to end (new process, imports included): {cli_seconds:.1f} s"
    print(table)
    print(f"\n{cli}")

    write_results("bench_check", "Benchmark: `icl-sym check` over the registry", [
        f"software: sympy {sp.__version__}",
        "baseline: the same steps verified with `sympy.simplify` instead of `sympy.cancel` in the explicit-size checks "
        "(derivations without such checks run the same steps twice: ratio ≈ 1); both timed after one warm-up run",
    ], f"{table}\n\n{cli}")


if __name__ == "__main__":
    main()
