"""The RRS loss of the width-N reduced-Γ model at Γ = γI_N, averaged over a fixed Monte Carlo sample of contexts
with the population covariance (α = ∞), and its minimum over γ: the finite-D width floor at depth L
(Bordelon, Letey, Pehlevan 2026, Sec. 4 / Result 7; docs/theory/bordelon2025.md, "RRS exponents from simulation").

With the frozen projection A = √N [I_N 0] the effective preconditioner is Γ_eff = γ diag(1_N, 0), so in the
frame of the (rotated) data only the first N components of the error move:
e_N ← e_N − (γ/L)(Σ_NN e_N + Σ_NR w_R), e_R = w_R. After L steps
e_N = e⋆ + (I − γΣ_NN/L)^L (w_N − e⋆) with e⋆ = −Σ_NN⁻¹ Σ_NR w_R, and the test error is eᵀ Σ_c e.
After one eigendecomposition Σ_NN = U diag(s) Uᵀ per context every evaluation costs O(B N).
By the Haar rotation of each context the expected gradient at Γ = γI_N is isotropic in the N × N block, so
online SGD from Γ = 0 stays on this line and the minimum over γ is the t → ∞ floor of the trained model.
At N = D it is Result 6's landscape Σ_k ω_k λ_k (1 − γλ_k/L)^{2L} exactly.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.optimize import minimize_scalar

from icl_sym.core.validation import ParameterError, Range, check_array, check_int
from icl_sym.sim.sampling import draw_generator

from .data import DataSpec, sample_contexts

__all__ = ["ProjectedLandscape", "scan_minimum"]


def scan_minimum(loss, upper: float, points: int = 80) -> tuple[float, float]:
    """(min, argmin) of a one-dimensional Monte Carlo landscape ``loss(γ)`` on [0, ``upper``]: the smallest value on a
    geometric grid, refined by a bounded search between its neighbours.

    A sample of contexts always holds a few whose largest eigenvalue s makes (1 − γs/L) < −1 well before the
    minimum of the mean: bounding γ by 2L/max s (every context contracted) can cut the search short of the minimum,
    and more contexts make that worse. The grid lets the mean decide.
    """
    grid = np.concatenate([[0.0], np.geomspace(upper * 1e-4, upper, points)])
    values = np.array([loss(g) for g in grid])
    best = int(np.argmin(values))
    low, high = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    refined = minimize_scalar(loss, bounds=(low, high), method="bounded", options={"xatol": 1e-10 * max(high, 1)})
    if refined.fun < values[best]:
        return float(refined.fun), float(refined.x)
    return float(values[best]), float(grid[best])


class ProjectedLandscape:
    """ℓ(γ) of the tied width-``width`` reduced-Γ model at Γ = γI_N, depth ``depth``, on ``contexts`` contexts of
    ``spec`` (population covariance) drawn from the stream (``seed``, 0); its minimum over γ."""

    def __init__(self, spec: DataSpec, depth: int, width: int, contexts: int = 4000, seed: int = 0):
        if not spec.population:
            raise ParameterError("alpha", "inf (the projected landscape uses the population covariance)",
                                 spec.context)
        self.depth = check_int("depth", depth, 1)
        self.width = check_int("width", width, 1)
        if self.width > spec.dim:
            raise ParameterError("width", f"at most dim = {spec.dim}", width)
        contexts = check_int("contexts", contexts, 1)
        batch = sample_contexts(spec, contexts, generator=draw_generator(seed, 0), noise=False)
        cov = batch.cov.expand(contexts, spec.dim, spec.dim)
        n = self.width
        s, U = torch.linalg.eigh(cov[:, :n, :n])
        w_n, w_r = batch.w[:, :n], batch.w[:, n:]
        cross = torch.einsum("bij,bj->bi", cov[:, :n, n:], w_r)  # Σ_NR w_R
        self._s = s.numpy()
        self._a = torch.einsum("bij,bi->bj", U, w_n).numpy()  # Uᵀ w_N
        self._g = torch.einsum("bij,bi->bj", U, cross).numpy()  # Uᵀ Σ_NR w_R
        self._rest = torch.einsum("bi,bij,bj->b", w_r, cov[:, n:, n:], w_r).numpy()  # w_Rᵀ Σ_RR w_R
        self.top = float(self._s.max())

    def errors(self, gamma: float) -> np.ndarray:
        """The test error of every sampled context at Γ = γI_N."""
        g = float(check_array("gamma", gamma, Range(0)))
        fixed = -self._g / self._s
        e = fixed + (1 - g * self._s / self.depth) ** self.depth * (self._a - fixed)
        return np.sum(self._s * e * e + 2 * e * self._g, axis=1) + self._rest

    def loss(self, gamma: float) -> float:
        """ℓ(γ): the sample mean of the test error at Γ = γI_N."""
        return float(self.errors(gamma).mean())

    def minimum(self) -> tuple[float, float]:
        """(min ℓ, argmin γ) over γ ∈ [0, 2L/s₁], s₁ the 1 % quantile of the contexts' largest block eigenvalues
        (beyond it 99 % of the contexts are expanded); see :func:`scan_minimum`."""
        return scan_minimum(self.loss, 2 * self.depth / float(np.quantile(self._s.max(axis=1), 0.01)))
