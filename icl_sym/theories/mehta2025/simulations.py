"""The simulation evidence of the ledger, read from committed result files (numpy only: no torch needed).

The files under ``data/`` are written by ``python -m icl_sym.sim.mehta2025 --out icl_sym/theories/mehta2025/data``
(the command and configuration are stored next to each CSV, in ``<name>.json``); the models and the task family
are described in docs/theory/mehta2025.md, "Simulations". This module turns them into the points the ledger fits:

- :func:`allocation_points`: (N, L*) for every budget and replicate, L* the optimal depth at N = L d, located by
  a parabola in log L through the best simulated depth and its two neighbours on the budget;
- :func:`hierarchy_points`: (L, E) of the compositional task of hierarchy depth h, all replicates, L ≥ :data:`FIT_MIN_DEPTH`.
"""

from __future__ import annotations

import csv
import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from icl_sym.core.validation import ParameterError

__all__ = ["DATA", "SIGMAS", "FIT_MIN_DEPTH", "load_results", "optimal_depth", "allocation_points",
           "hierarchy_points", "budget_curve", "command"]

#: The committed result files.
DATA = Path(__file__).with_name("data")
#: Half-width of the confidence intervals in fit errors (about 95 %).
SIGMAS = 2.0
#: The first depth of the hierarchy fits: below it the error has not reached its power law (docs: "Simulations").
FIT_MIN_DEPTH = 32


@lru_cache(maxsize=8)
def _load(path: str) -> tuple[dict, tuple[dict, ...]]:
    meta = json.loads(Path(path).with_suffix(".json").read_text())
    with open(path, newline="") as fh:
        rows = tuple({k: float(v) for k, v in row.items()} for row in csv.DictReader(fh))
    return meta, rows


def load_results(name: str, folder: Path | str = DATA) -> tuple[dict, tuple[dict, ...]]:
    """(metadata: configuration and command, rows with numeric values) of ``folder/name.csv``."""
    path = Path(folder) / f"{name}.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `python -m icl_sym.sim.mehta2025 --out {folder}`")
    return _load(str(path.resolve()))


def command(name: str, folder: Path | str = DATA) -> str:
    """The command that produced ``folder/name.csv``."""
    return load_results(name, folder)[0]["command"]


def optimal_depth(depths, errors) -> float:
    """The depth minimising the error along a budget: the vertex of the parabola in log L through the best
    simulated depth and its two neighbours. ``ParameterError`` when the best depth is at either end (the
    optimum is then not resolved by the simulated widths)."""
    depths, errors = np.asarray(depths, dtype=float), np.asarray(errors, dtype=float)
    order = np.argsort(depths)
    depths, errors = depths[order], errors[order]
    best = int(np.argmin(errors))
    if best in (0, len(depths) - 1):
        raise ParameterError("depths", "a best depth with simulated neighbours on both sides (widen the widths)",
                             depths[best])
    x, y = np.log(depths[best - 1 : best + 2]), errors[best - 1 : best + 2]
    curvature, slope, _ = np.polyfit(x, y, 2)
    return float(np.exp(-slope / (2 * curvature)))


def budget_curve(rows, budget: float, replicate: float) -> tuple[np.ndarray, np.ndarray]:
    """(L, E) along one budget of one replicate."""
    points = sorted((r["depth"], r["error"]) for r in rows if r["budget"] == budget and r["replicate"] == replicate)
    return np.array([p[0] for p in points]), np.array([p[1] for p in points])


def allocation_points(folder: Path | str = DATA) -> tuple[np.ndarray, np.ndarray]:
    """(N, L*) for every budget and replicate of ``allocation.csv``."""
    _, rows = load_results("allocation", folder)
    keys = sorted({(r["replicate"], r["budget"]) for r in rows})
    optimal = [optimal_depth(*budget_curve(rows, budget, replicate)) for replicate, budget in keys]
    return np.array([k[1] for k in keys]), np.array(optimal)


def hierarchy_points(hierarchy: int, folder: Path | str = DATA,
                     min_depth: int = FIT_MIN_DEPTH) -> tuple[np.ndarray, np.ndarray]:
    """(L, E) for L ≥ ``min_depth``, every replicate, of the task of hierarchy depth ``hierarchy``."""
    _, rows = load_results("hierarchy", folder)
    points = [(r["depth"], r["error"]) for r in rows if r["hierarchy"] == hierarchy and r["depth"] >= min_depth]
    if not points:
        raise ParameterError("hierarchy", "a hierarchy depth in the results", hierarchy)
    return np.array([p[0] for p in points]), np.array([p[1] for p in points])


def hierarchies(folder: Path | str = DATA) -> tuple[int, ...]:
    """The hierarchy depths h ≥ 1 in ``hierarchy.csv`` (h = 0 decays geometrically: no exponent to fit)."""
    _, rows = load_results("hierarchy", folder)
    return tuple(sorted({int(r["hierarchy"]) for r in rows if r["hierarchy"] >= 1}))


def claimed_alpha(hierarchy: int) -> float:
    """The summary's exponent α(h) = 1/(2(h+1))."""
    return 1 / (2 * (hierarchy + 1))
