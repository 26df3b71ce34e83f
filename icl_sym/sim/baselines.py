"""Reference estimators for in-context regression (Lu et al. 2025; note lu2024.md §6.8), simulated in PyTorch.

- Bayes ridge: the posterior mean ŵ = (XᵀX + ρI)^{-1} Xᵀy for tasks w ~ N(0, I_d) and noise
  variance ρ (X: the ℓ × d context inputs), Bayes-optimal for the ICL (fresh-task) law. Its
  error depends on w only through ‖w‖², so sphere tasks give the Gaussian-task value.
  Asymptotic error ρ(1 + S_W(ρ, α)).
- dMMSE: the posterior mean under the uniform prior on the k pretraining tasks,
  ŵ = Σ_j w_j softmax_j(−‖y − Xw_j‖²/(2ρ)), Bayes-optimal for the IDG law.

Both depend on a context only through XᵀX and Xᵀy, drawn exactly by :func:`sample_regressions`
(no tokens when ℓ ≥ d). Errors are averaged exactly over the query given (w, ŵ):
E[(y − xᵀŵ)²] = ρ + ‖w − ŵ‖²/d, and by Monte Carlo over contexts.
"""

from __future__ import annotations

import time

import torch

from icl_sym.core.validation import ParameterError, Range, check_array, check_int

from icl_sym.theories.lu2024.derived import bayes_icl_error

from .lu2024 import check_device, context_length
from .pretrain import degree2_monomials
from .sampling import Regressions, make_generator, sample_regressions, sphere_tasks

__all__ = ["ridge_estimate", "dmmse_estimate", "bayes_ridge_error", "simulate_baselines"]


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


def bayes_ridge_error(rho: float, alpha: float) -> float:
    """Asymptotic ICL error of Bayes ridge, ρ(1 + S_W(ρ, α)) (note §6.8): the theory's formula, as a float."""
    return float(bayes_icl_error(rho, alpha))


def simulate_baselines(
    d: int, alpha: float, kappa: float, rho: float, contexts: int, seed: int, device: str = "cpu"
) -> dict:
    """Monte-Carlo ICL and IDG errors of Bayes ridge and dMMSE over ``contexts`` test contexts each.

    The pool has k = round(κd) tasks on the sphere of radius √d (κ finite: dMMSE needs a pool);
    ICL contexts use fresh sphere tasks, IDG contexts a uniformly drawn pool task.
    Each law's XᵀX and Xᵀy are sampled at once on the CPU from ``seed`` (the same numbers on every
    device; memory O(contexts·d²)) and evaluated on ``device``. Returns means and standard errors
    (keys ``<estimator>_<law>_mean`` and ``_se``), the asymptotic ``ridge_theory``, the parameters
    and ``seconds``.
    """
    start = time.perf_counter()
    d, alpha, ell = context_length(d, alpha, 1)
    kappa = float(check_array("kappa", kappa, Range(0, low_open=True)))
    k = round(kappa * d)
    if k < 1:
        raise ParameterError("kappa", f"large enough for k = round(kappa*d) >= 1 task (d = {d})", kappa)
    rho = float(check_array("rho", rho, Range(0, low_open=True)))
    contexts = check_int("contexts", contexts, 2)
    dev = check_device(device)

    gen = make_generator(seed)
    pool = sphere_tasks(k, d, generator=gen)
    laws = {"icl": sphere_tasks(contexts, d, generator=gen), "idg": pool[torch.randint(k, (contexts,), generator=gen)]}
    result: dict = {}
    for law, tasks in laws.items():
        data = sample_regressions(tasks, ell, rho, generator=gen).to(dev)
        estimates = {"ridge": ridge_estimate(data, rho), "dmmse": dmmse_estimate(data, pool.to(dev), rho)}
        for name, w_hat in estimates.items():
            values = rho + ((data.w - w_hat) ** 2).sum(dim=1) / d
            result[f"{name}_{law}_mean"] = float(values.mean())
            result[f"{name}_{law}_se"] = float(values.std() / contexts**0.5)
    result.update(ridge_theory=bayes_ridge_error(rho, ell / d), d=d, alpha=alpha, kappa=kappa, rho=rho, ell=ell, k=k,
                  contexts=contexts, seed=seed, device=str(dev), seconds=time.perf_counter() - start)
    return result
