"""Exact test error of a fixed Γ on a finite set of tasks of any norms (Lu et al. 2025, Lemma 1).

Proposition 1 needs every test task on the sphere ‖w‖² = d: it replaces the label variance
σ_w² = ‖w‖²/d + ρ of each task by 1 + ρ. For tasks of other norms (an unnormalised Gaussian
pool) the error of Γ on task w follows from Lemma 1 directly,

    e(Γ | w) = σ_w² − (2/d) wᵀ Γ [w; σ_w²] + (1/d) tr(Γ M_w Γᵀ),
    M_w = E[h hᵀ | w] = [[(1 + 1/ℓ) w wᵀ + (d σ_w²/ℓ) I, (1 + 2/ℓ) σ_w² w], [(1 + 2/ℓ) σ_w² wᵀ, (1 + 2/ℓ) σ_w⁴]],

and the IDG error of a pool is its average over the pool's tasks. For ‖w‖² = d it is Proposition 1.
"""

from __future__ import annotations

import torch

from icl_sym.core.validation import ParameterError, Range, check_array

__all__ = ["pool_error_of_gamma"]


def pool_error_of_gamma(Gamma: torch.Tensor, rho: float, alpha: float, tasks: torch.Tensor) -> float:
    """Mean over the rows of ``tasks`` (k × d) of the exact test error of ``Gamma`` (d × (d+1)) on that task.

    ``alpha`` is ℓ/d (ℓ = αd ≥ 1). Exact for any task norms; equals Proposition 1 with the pool's
    moments when every task has ‖w‖² = d.
    """
    if Gamma.ndim != 2 or Gamma.shape[1] != Gamma.shape[0] + 1:
        raise ParameterError("Gamma", "a matrix of shape (d, d+1)", tuple(Gamma.shape))
    d = Gamma.shape[0]
    if tasks.ndim != 2 or tasks.shape[1] != d or tasks.shape[0] < 1:
        raise ParameterError("tasks", f"a (k, {d}) tensor with k >= 1", tuple(tasks.shape))
    rho = float(check_array("rho", rho, Range(0)))
    ell = float(check_array("alpha", alpha, Range(1 / d))) * d
    G = Gamma.to(torch.float64)
    w = tasks.to(G.device, torch.float64)
    G1, gamma = G[:, :d], G[:, d]
    var = (w * w).sum(dim=1) / d + rho  # σ_w², one per task
    G1w = w @ G1.T  # rows Γ₁ w
    cross = (w * G1w).sum(dim=1) + var * (w @ gamma)  # wᵀ Γ [w; σ²]
    # tr(Γ M_w Γᵀ) = (1+1/ℓ)‖Γ₁w‖² + (dσ²/ℓ)‖Γ₁‖²_F + 2(1+2/ℓ)σ² γᵀΓ₁w + (1+2/ℓ)σ⁴‖γ‖²
    quad = ((1 + 1 / ell) * (G1w * G1w).sum(dim=1) + d * var / ell * (G1 * G1).sum()
            + 2 * (1 + 2 / ell) * var * (G1w @ gamma) + (1 + 2 / ell) * var**2 * (gamma @ gamma))
    return float((var - 2 * cross / d + quad / d).mean())
