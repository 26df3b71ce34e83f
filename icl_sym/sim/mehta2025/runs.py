"""What the two simulations share: the optimal in-context step, seeded draws, and result files with their configuration."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Callable

import numpy as np
from scipy.optimize import minimize_scalar

from icl_sym.experiments.store import IncompatibleStoreError, ResultStore
from icl_sym.files import write_atomically

__all__ = ["best_step", "cell_draw", "open_results"]


def best_step(error: Callable[[float], float], upper: float) -> tuple[float, float]:
    """(c, error(c)) at the per-layer step c in (0, upper] that minimises ``error`` (bounded Brent search).

    ``upper`` is the stability edge 2/λ_max of the largest context eigenvalue: beyond it the iteration diverges.
    """
    result = minimize_scalar(error, bounds=(upper * 1e-6, upper), method="bounded", options={"xatol": upper * 1e-9})
    if not np.isfinite(result.fun):
        raise FloatingPointError(f"no finite error found for a step in (0, {upper:g}]")
    return float(result.x), float(result.fun)


def cell_draw(replicate: int, size: int) -> int:
    """The draw number of the sample of (replicate, size): distinct for distinct pairs (size < 2^24), so every
    sample is its own stream of :func:`icl_sym.sim.sampling.draw_generator`."""
    return (replicate << 24) + size


def open_results(folder: Path | str, name: str, config, key_fields, fields, command: str) -> ResultStore:
    """The result store ``folder/name.csv``, with ``config`` written to ``folder/name.json`` (and checked against
    what is there: a rerun only continues a run of the same configuration)."""
    folder = Path(folder)
    meta = {"config": dataclasses.asdict(config), "command": command, "columns": list(fields)}
    meta_path = folder / f"{name}.json"
    if meta_path.exists():
        stored = json.loads(meta_path.read_text())
        if stored.get("config") != json.loads(json.dumps(meta["config"])):
            raise IncompatibleStoreError(f"{meta_path} holds another configuration {stored.get('config')}; "
                                         "use another folder or remove the files")
    else:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(meta_path, json.dumps(meta, indent=1) + "\n")
    return ResultStore(folder / f"{name}.csv", key_fields, fields)
