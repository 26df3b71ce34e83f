"""The optimal depth at a fixed budget N = L d, simulated for deep linear attention (docs/theory/mehta2025.md).

Model. L-layer linear attention on isotropic in-context regression is L steps of preconditioned in-context
gradient descent (Bordelon, Letey, Pehlevan, Sec. 3.1; checked in ``bordelon2025.reduction``). The width is the
token dimension d (the residual stream has width d + 1) and the context length is tied to it, ℓ = round(α d), so
that every (L, d) on the budget sees the same context ratio. On isotropic data the law of a context is invariant
under rotations, so the optimal preconditioner is γ I; the per-layer step c = γ/L is optimised for each (L, d) on
the sample of contexts the error is measured on (one shared parameter: a bias of O(1/contexts); a step fitted on
another sample can diverge on contexts whose top eigenvalue exceeds 2/c).

Error of one context. Inputs x ~ N(0, I/d), task w ~ N(0, I), labels y = xᵀw + ε with ε ~ N(0, ρ). With
Σ̂ = (d/ℓ) XᵀX (eigenvalues λ_i) the L-step iterate is w_L = (I − (I − cΣ̂)^L) w + noise, and the query error
averaged exactly over w and the noise is

    E = (1/d) Σ_i (1 − cλ_i)^{2L} + (ρ/ℓ) Σ_i (1 − (1 − cλ_i)^L)² / λ_i + ρ,

so only the context spectra are sampled (the Gram matrices by :func:`icl_sym.sim.sampling.sample_regressions`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from icl_sym.core.validation import ParameterError, check_int
from icl_sym.sim.sampling import draw_generator, gaussian_tasks, sample_regressions

from .runs import best_step, cell_draw, open_results

__all__ = ["AllocationConfig", "context_spectra", "gd_error", "budget_cells", "run_allocation", "FIELDS"]

#: Columns of the result file: one row per (replicate, budget, depth).
FIELDS = ("replicate", "budget", "depth", "width", "context", "step", "error", "error_se", "contexts")
KEYS = ("replicate", "budget", "depth")


@dataclass(frozen=True)
class AllocationConfig:
    """Budgets N = L d, the context ratio α = ℓ/d, label noise ρ, the widths allowed, the Monte-Carlo size
    (eigenvalues sampled per cell: contexts = eigenvalues // d, at least ``min_contexts``), replicates and seed."""

    budgets: tuple[int, ...] = (96, 192, 384, 768, 1536)
    alpha: float = 2.0
    rho: float = 0.1
    min_width: int = 2
    max_width: int = 192
    eigenvalues: int = 2**16
    min_contexts: int = 16
    replicates: int = 3
    seed: int = 0

    def __post_init__(self):
        for n in self.budgets:
            check_int("budget", n, 2)
        if not self.alpha >= 1:
            raise ParameterError("alpha", "a context ratio >= 1 (a full-rank context)", self.alpha)
        if not self.rho >= 0:
            raise ParameterError("rho", "a noise variance >= 0", self.rho)
        check_int("min_width", self.min_width, 2)
        check_int("max_width", self.max_width, self.min_width)
        check_int("replicates", self.replicates, 1)

    def contexts(self, width: int) -> int:
        return max(self.eigenvalues // width, self.min_contexts)


def context_spectra(width: int, alpha: float, contexts: int, seed: int, draw: int) -> np.ndarray:
    """Eigenvalues of Σ̂ = (d/ℓ) XᵀX for ``contexts`` sampled contexts, shape (contexts, width)."""
    ell = round(alpha * width)
    generator = draw_generator(seed, draw)
    tasks = gaussian_tasks(contexts, width, generator=generator)
    gram = sample_regressions(tasks, ell, 0.0, generator=generator).gram
    return torch.linalg.eigvalsh(gram).numpy() * (width / ell)


def gd_error(step: float, depth: int, spectra: np.ndarray, ell: int, rho: float) -> np.ndarray:
    """The error E of L = ``depth`` steps of size ``step`` for each context (rows of ``spectra``)."""
    width = spectra.shape[1]
    residual = (1 - step * spectra) ** depth
    # (1 - (1 - cλ)^L)²/λ → 0 as λ → 0; the guard only avoids 0/0 at an exact zero eigenvalue.
    safe = np.where(spectra > 0, spectra, 1.0)
    noise = np.where(spectra > 0, (1 - residual) ** 2 / safe, 0.0)
    return (residual**2).sum(axis=1) / width + (rho / ell) * noise.sum(axis=1) + rho


def budget_cells(config: AllocationConfig) -> list[tuple[int, int, int, int]]:
    """(replicate, N, L, d) for every divisor L of every budget N with d = N/L in [min_width, max_width]."""
    return [(r, n, depth, n // depth) for r in range(config.replicates) for n in config.budgets
            for depth in range(1, n + 1)
            if n % depth == 0 and config.min_width <= n // depth <= config.max_width]


def run_allocation(config: AllocationConfig, folder: Path | str, command: str = "", log=None):
    """Run every cell not yet in ``folder/allocation.csv`` (written row by row); the store."""
    store = open_results(folder, "allocation", config, KEYS, FIELDS, command)
    spectra_cache: dict[tuple[int, int], np.ndarray] = {}

    def spectra(replicate: int, width: int) -> np.ndarray:
        if (replicate, width) not in spectra_cache:
            spectra_cache.clear()  # cells come ordered by width: the previous width's spectra are done
            spectra_cache[replicate, width] = context_spectra(width, config.alpha, config.contexts(width),
                                                              config.seed, cell_draw(replicate, width))
        return spectra_cache[replicate, width]

    # Widths in order, so that the cached spectra serve every budget that uses them.
    for replicate, budget, depth, width in sorted(budget_cells(config), key=lambda c: (c[0], c[3])):
        row = {"replicate": replicate, "budget": budget, "depth": depth}
        if row in store:
            continue
        ell = round(config.alpha * width)
        sample = spectra(replicate, width)
        step, _ = best_step(lambda c: float(gd_error(c, depth, sample, ell, config.rho).mean()), 2 / sample.max())
        errors = gd_error(step, depth, sample, ell, config.rho)
        if not np.all(np.isfinite(errors)):
            raise FloatingPointError(f"non-finite test error at L={depth}, d={width} (step {step:g})")
        store.append({**row, "width": width, "context": ell, "step": step, "error": float(errors.mean()),
                      "error_se": float(errors.std(ddof=1) / math.sqrt(len(errors))), "contexts": len(errors)})
        if log:
            log(f"allocation r={replicate} N={budget} L={depth} d={width}: E={errors.mean():.5f} c={step:.4f}")
    return store
