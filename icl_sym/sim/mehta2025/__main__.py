"""``python -m icl_sym.sim.mehta2025 --out DIR [--quick]``: run both simulations into DIR (resumable)."""

from __future__ import annotations

import argparse
import shlex
import sys

import torch

from .allocation import AllocationConfig, run_allocation
from .hierarchy import HierarchyConfig, run_hierarchy

#: Small configurations (seconds) with the same protocol, for tests and quick looks.
QUICK_ALLOCATION = AllocationConfig(budgets=(96, 192), max_width=48, eigenvalues=2**13, replicates=1)
QUICK_HIERARCHY = HierarchyConfig(hierarchies=(1,), depths=(32, 64, 128, 256, 512, 1024), width=48, contexts=32,
                                  replicates=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m icl_sym.sim.mehta2025", description=__doc__)
    parser.add_argument("--out", required=True, help="folder for allocation.csv/json and hierarchy.csv/json")
    parser.add_argument("--quick", action="store_true", help="the small configurations (seconds)")
    parser.add_argument("--only", choices=("allocation", "hierarchy"), help="run one simulation only")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # reproducible to the last digit whatever the machine's thread count
    command = "python -m icl_sym.sim.mehta2025 " + " ".join(shlex.quote(a) for a in (argv if argv is not None
                                                                                        else sys.argv[1:]))
    if args.only in (None, "allocation"):
        run_allocation(QUICK_ALLOCATION if args.quick else AllocationConfig(), args.out, command, log=print)
    if args.only in (None, "hierarchy"):
        run_hierarchy(QUICK_HIERARCHY if args.quick else HierarchyConfig(), args.out, command, log=print)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
