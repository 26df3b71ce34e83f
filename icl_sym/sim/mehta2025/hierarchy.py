"""The ICL error against depth on compositional linear tasks of hierarchy depth h (docs/theory/mehta2025.md).

Task family. A context of hierarchy depth h has a latent input z ~ N(0, I/d), a task u ~ N(0, I) and label
y = uᵀz + ε (ε ~ N(0, ρ)), drawn by :func:`icl_sym.sim.sampling.sample_tokens`; the model does not see z but
x = G_h ⋯ G_1 z, the latent passed through h linear levels G_j with i.i.d. N(0, 1/d) entries drawn afresh for
every context (so the levels, like the task, must be inferred in context). h = 0 is plain in-context linear
regression; the target x ↦ uᵀ(G_h ⋯ G_1)⁻¹x is a composition of h + 1 linear maps.

Model. L-layer linear attention as L steps of in-context gradient descent with step c = γ/L from w = 0 on the
observed pairs (x_i, y_i). The law of a context is invariant under rotations of x, so the optimal preconditioner is
γ I; c is optimised per (h, L) on the sample of contexts the error is measured on. (A step fitted on one sample
and scored on another diverges at large L on the test contexts whose top eigenvalue exceeds the fitted sample's
2/c; one shared parameter over a sample biases the mean error by O(1/contexts), far below the replicate spread.) The query
error averaged exactly over the query is (1/d)‖Mᵀw_L − u‖² + ρ with M = G_h ⋯ G_1 (1 at w = 0 on average).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from icl_sym.core.validation import ParameterError, check_int
from icl_sym.sim.sampling import draw_generator, gaussian_tasks, sample_tokens

from .runs import best_step, cell_draw, open_results

__all__ = ["HierarchyConfig", "HierarchicalContexts", "HierarchicalSample", "sample_hierarchical", "reduce_sample",
           "hierarchical_contexts", "level_product", "run_hierarchy", "FIELDS"]

FIELDS = ("replicate", "hierarchy", "depth", "width", "context", "step", "error", "error_se", "contexts")
KEYS = ("replicate", "hierarchy", "depth")


@dataclass(frozen=True)
class HierarchyConfig:
    """Hierarchy depths h, layer counts L, width d, context ratio α = ℓ/d, noise ρ, contexts per sample,
    replicates and seed."""

    hierarchies: tuple[int, ...] = (0, 1, 2, 3)
    depths: tuple[int, ...] = tuple(2**j for j in range(12))
    width: int = 128
    alpha: float = 4.0
    rho: float = 0.0
    contexts: int = 128
    replicates: int = 3
    seed: int = 0

    def __post_init__(self):
        for h in self.hierarchies:
            check_int("hierarchy", h, 0)
        for depth in self.depths:
            check_int("depth", depth, 1)
        check_int("width", self.width, 2)
        if not self.alpha >= 1:
            raise ParameterError("alpha", "a context ratio >= 1 (a full-rank context)", self.alpha)
        if not self.rho >= 0:
            raise ParameterError("rho", "a noise variance >= 0", self.rho)
        check_int("contexts", self.contexts, 2)
        check_int("replicates", self.replicates, 1)


@dataclass(frozen=True)
class HierarchicalContexts:
    """What the error of L GD steps needs, per context: the eigenvalues λ of Σ̂ = (d/ℓ)XᵀX, b = Vᵀ(d/ℓ)Xᵀy in its
    eigenbasis V, VᵀM (M = G_h ⋯ G_1) and the task u."""

    eigenvalues: np.ndarray  # (n, d)
    b: np.ndarray  # (n, d)
    VtM: np.ndarray  # (n, d, d)
    u: np.ndarray  # (n, d)
    rho: float

    def error(self, step: float, depth: int) -> np.ndarray:
        """The query error (1/d)‖Mᵀw_L − u‖² + ρ of each context after L = ``depth`` steps of size ``step``."""
        lam = self.eigenvalues
        safe = np.where(lam > 0, lam, 1.0)
        # w_L = V diag(φ) b with φ(λ) = (1 − (1 − cλ)^L)/λ, which tends to cL at λ = 0.
        phi = np.where(lam > 0, (1 - (1 - step * lam) ** depth) / safe, step * depth)
        # Mᵀw_L = (VᵀM)ᵀ (φ ∘ b); the residual is formed before squaring, so the error is never negative by rounding.
        residual = np.einsum("nde,nd->ne", self.VtM, phi * self.b) - self.u
        return (residual**2).sum(axis=1) / lam.shape[1] + self.rho


def level_product(hierarchy: int, contexts: int, width: int, generator: torch.Generator) -> torch.Tensor:
    """M = G_h ⋯ G_1 for each context, G_j with i.i.d. N(0, 1/d) entries; shape (contexts, d, d)."""
    product = torch.eye(width, dtype=torch.float64).expand(contexts, width, width)
    for _ in range(hierarchy):
        level = torch.randn(contexts, width, width, generator=generator, dtype=torch.float64) / math.sqrt(width)
        product = level @ product
    return product


@dataclass(frozen=True)
class HierarchicalSample:
    """Sampled contexts of hierarchy depth h: observed inputs X = Z Mᵀ (n, ℓ, d), labels y (n, ℓ), the level
    products M = G_h ⋯ G_1 (n, d, d) and the tasks u (n, d)."""

    X: torch.Tensor
    y: torch.Tensor
    M: torch.Tensor
    u: torch.Tensor


def sample_hierarchical(hierarchy: int, width: int, alpha: float, rho: float, contexts: int, *,
                        generator: torch.Generator) -> HierarchicalSample:
    """``contexts`` contexts of hierarchy depth ``hierarchy`` with ℓ = round(α d) examples each."""
    ell = round(alpha * width)
    tasks = gaussian_tasks(contexts, width, generator=generator)
    tokens = sample_tokens(tasks, ell, rho, generator=generator)  # latent inputs z_i and labels y_i = u·z_i + ε_i
    M = level_product(hierarchy, contexts, width, generator)
    return HierarchicalSample(tokens.X @ M.transpose(1, 2), tokens.y, M, tasks)


def reduce_sample(sample: HierarchicalSample, rho: float) -> HierarchicalContexts:
    """What :meth:`HierarchicalContexts.error` needs, from the eigendecomposition of each context's Σ̂."""
    X, M, tasks = sample.X, sample.M, sample.u
    scale = X.shape[2] / X.shape[1]  # d/ℓ
    eigenvalues, V = torch.linalg.eigh(scale * X.transpose(1, 2) @ X)
    b = torch.einsum("nde,nd->ne", V, scale * torch.einsum("nid,ni->nd", X, sample.y))
    return HierarchicalContexts(eigenvalues.numpy(), b.numpy(), (V.transpose(1, 2) @ M).numpy(), tasks.numpy(), rho)


def hierarchical_contexts(hierarchy: int, width: int, alpha: float, rho: float, contexts: int, seed: int,
                          draw: int) -> HierarchicalContexts:
    """The reduced sample of draw ``draw`` of a run seeded with ``seed``."""
    sample = sample_hierarchical(hierarchy, width, alpha, rho, contexts, generator=draw_generator(seed, draw))
    return reduce_sample(sample, rho)


def run_hierarchy(config: HierarchyConfig, folder: Path | str, command: str = "", log=None):
    """Run every cell not yet in ``folder/hierarchy.csv`` (written row by row); the store."""
    store = open_results(folder, "hierarchy", config, KEYS, FIELDS, command)
    ell = round(config.alpha * config.width)
    for replicate in range(config.replicates):
        for h in config.hierarchies:
            todo = [L for L in config.depths if {"replicate": replicate, "hierarchy": h, "depth": L} not in store]
            if not todo:
                continue
            sample = hierarchical_contexts(h, config.width, config.alpha, config.rho, config.contexts, config.seed,
                                           cell_draw(replicate, h))
            upper = 2 / sample.eigenvalues.max()
            for depth in todo:
                step, _ = best_step(lambda c: float(sample.error(c, depth).mean()), upper)
                errors = sample.error(step, depth)
                if not np.all(np.isfinite(errors)):
                    raise FloatingPointError(f"non-finite test error at h={h}, L={depth} (step {step:g})")
                store.append({"replicate": replicate, "hierarchy": h, "depth": depth, "width": config.width,
                              "context": ell, "step": step, "error": float(errors.mean()),
                              "error_se": float(errors.std(ddof=1) / math.sqrt(len(errors))),
                              "contexts": len(errors)})
                if log:
                    log(f"hierarchy r={replicate} h={h} L={depth}: E={errors.mean():.5f} c={step:.4g}")
    return store
