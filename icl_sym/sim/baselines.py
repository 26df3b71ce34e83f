"""Reference estimators for in-context linear regression, in PyTorch (the baselines of Lu et al. 2025, Section 6).

- Bayes ridge: the posterior mean ŵ = (XᵀX + ρI)^{-1} Xᵀy for tasks w ~ N(0, I_d) and noise
  variance ρ (X: the ℓ × d context inputs), Bayes-optimal for the ICL (fresh-task) law. Its
  error depends on w only through ‖w‖², so sphere tasks give the Gaussian-task value.
- dMMSE: the posterior mean under the uniform prior on the k pretraining tasks,
  ŵ = Σ_j w_j softmax_j(−‖y − Xw_j‖²/(2ρ)), Bayes-optimal for the IDG law.

Both depend on a context only through XᵀX and Xᵀy, drawn exactly by :func:`sample_regressions`
(no tokens when ℓ ≥ d). Errors are averaged exactly over the query given (w, ŵ):
E[(y − xᵀŵ)²] = ρ + ‖w − ŵ‖²/d, and by Monte Carlo over contexts.
"""

from __future__ import annotations

import torch

from icl_sym.core.validation import Range, check_array

from .monomials import degree2_monomials
from .sampling import Regressions

__all__ = ["ridge_estimate", "dmmse_estimate"]


def ridge_estimate(data: Regressions, rho: float) -> torch.Tensor:
    """Posterior mean (XᵀX + ρI)^{-1} Xᵀy of each context's task under w ~ N(0, I), shape (n, d)."""
    rho = float(check_array("rho", rho, Range(0, low_open=True)))
    gram = data.gram.clone()
    gram.diagonal(dim1=1, dim2=2).add_(rho)
    return torch.linalg.solve(gram, data.moment)


def dmmse_estimate(data: Regressions, pool: torch.Tensor, rho: float) -> torch.Tensor:
    """Posterior mean of each context's task under the uniform prior on the rows of ``pool`` (k, d), shape (n, d).

    Memory O(k d²/2) for the pool's monomials, plus O(nk).
    """
    rho = float(check_array("rho", rho, Range(0, low_open=True)))
    d = pool.shape[1]
    # ‖y − Xw‖² = ‖y‖² − 2 wᵀXᵀy + wᵀXᵀXw, and ‖y‖² is the same for every task (it drops out of the
    # softmax). wᵀXᵀXw = Σ_{i≤j} c_ij (XᵀX)_ij w_i w_j (c = 1 on, 2 off the diagonal) is one GEMM
    # over the distinct monomials: d²k flops per context instead of the O(ℓkd) of the residuals.
    i, j = torch.triu_indices(d, d, device=pool.device)
    weighted = degree2_monomials(pool) * torch.where(i == j, 1.0, 2.0).to(pool.dtype)
    quadratic = data.gram[:, i, j] @ weighted.T  # (n, k)
    # The log-likelihood gaps are O(α√d/ρ): a softmax (log-sum-exp) keeps the weights finite.
    return torch.softmax((2 * data.moment @ pool.T - quadratic) / (2 * rho), dim=1) @ pool
