"""Monte-Carlo test errors of a linear-attention predictor ŷ = x_{ℓ+1}ᵀ Γ h."""

from __future__ import annotations

import torch

from .sampling import Contexts

__all__ = ["predict", "mc_test_error"]


def predict(Gamma: torch.Tensor, contexts: Contexts) -> torch.Tensor:
    """Predictions ŷ = xᵀ Γ h = ⟨Γ, H_Z⟩ for every context."""
    return torch.einsum("nd,de,ne->n", contexts.x, Gamma, contexts.h)


def mc_test_error(Gamma: torch.Tensor, contexts: Contexts) -> tuple[float, float]:
    """Mean squared error over ``contexts`` and its standard error."""
    sq = (contexts.y - predict(Gamma, contexts)) ** 2
    return float(sq.mean()), float(sq.std() / sq.numel() ** 0.5)
