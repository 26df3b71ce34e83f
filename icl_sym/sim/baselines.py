"""Reference estimators for in-context regression (Lu et al. 2025; note lu2024.md §6.8), simulated in PyTorch.

- Bayes ridge: the posterior mean ŵ = (XᵀX + ρI)^{-1} Xᵀy for tasks w ~ N(0, I_d) and noise
  variance ρ (X: the ℓ × d context inputs), Bayes-optimal for the ICL (fresh-task) law. Its
  error depends on w only through ‖w‖², so sphere tasks give the Gaussian-task value.
  Asymptotic error ρ(1 + S_W(ρ, α)).
- dMMSE: the posterior mean under the uniform prior on the k pretraining tasks,
  ŵ = Σ_j w_j softmax_j(−‖y − Xw_j‖²/(2ρ)), Bayes-optimal for the IDG law.

Errors are averaged exactly over the query given (w, ŵ): E[(y − xᵀŵ)²] = ρ + ‖w − ŵ‖²/d,
and by Monte Carlo over contexts.
"""

from __future__ import annotations

import time

import torch

from icl_sym.core.validation import ParameterError, Range, check_array, check_int

from icl_sym.theories.lu2024.derived import bayes_icl_error

from .lu2024 import check_device, context_length
from .sampling import Tokens, make_generator, sample_tokens, sphere_tasks

__all__ = ["ridge_estimate", "dmmse_estimate", "bayes_ridge_error", "simulate_baselines"]


def ridge_estimate(tokens: Tokens, rho: float) -> torch.Tensor:
    """Posterior mean (XᵀX + ρI)^{-1} Xᵀy of each context's task under w ~ N(0, I), shape (n, d)."""
    rho = float(check_array("rho", rho, Range(0, low_open=True)))
    gram = tokens.X.transpose(1, 2) @ tokens.X
    gram.diagonal(dim1=1, dim2=2).add_(rho)
    return torch.linalg.solve(gram, torch.einsum("nid,ni->nd", tokens.X, tokens.y))


def dmmse_estimate(tokens: Tokens, pool: torch.Tensor, rho: float) -> torch.Tensor:
    """Posterior mean of each context's task under the uniform prior on the rows of ``pool`` (k, d), shape (n, d)."""
    rho = float(check_array("rho", rho, Range(0, low_open=True)))
    # ‖y − Xw‖² = ‖y‖² − 2 wᵀXᵀy + wᵀXᵀXw; ‖y‖² is the same for every task and drops out of the softmax,
    # so the cost is O(ℓd² + kd²) per context instead of the O(ℓkd) of the residuals.
    gram = tokens.X.transpose(1, 2) @ tokens.X  # (n, d, d)
    moment = torch.einsum("nid,ni->nd", tokens.X, tokens.y)  # Xᵀy, (n, d)
    quadratic = torch.einsum("kd,nde,ke->nk", pool, gram, pool)
    # The log-likelihood gaps are O(α√d/ρ): a softmax (log-sum-exp) keeps the weights finite.
    weights = torch.softmax((2 * moment @ pool.T - quadratic) / (2 * rho), dim=1)
    return weights @ pool


def bayes_ridge_error(rho: float, alpha: float) -> float:
    """Asymptotic ICL error of Bayes ridge, ρ(1 + S_W(ρ, α)) (note §6.8): the theory's formula, as a float."""
    return float(bayes_icl_error(rho, alpha))


def simulate_baselines(
    d: int, alpha: float, kappa: float, rho: float, contexts: int, seed: int, device: str = "cpu", chunk: int = 1024
) -> dict:
    """Monte-Carlo ICL and IDG errors of Bayes ridge and dMMSE over ``contexts`` test contexts each.

    The pool has k = round(κd) tasks on the sphere of radius √d (κ finite: dMMSE needs a pool);
    ICL contexts use fresh sphere tasks, IDG contexts a uniformly drawn pool task.
    Sampled on the CPU from ``seed`` (the same numbers on every device), evaluated on ``device``
    in chunks of ``chunk`` contexts. Returns means and standard errors (keys ``<estimator>_<law>_mean``
    and ``_se``), the asymptotic ``ridge_theory``, the parameters and ``seconds``.
    """
    start = time.perf_counter()
    d, alpha, ell = context_length(d, alpha, 1)
    kappa = float(check_array("kappa", kappa, Range(0, low_open=True)))
    k = round(kappa * d)
    if k < 1:
        raise ParameterError("kappa", f"large enough for k = round(kappa*d) >= 1 task (d = {d})", kappa)
    rho = float(check_array("rho", rho, Range(0, low_open=True)))
    contexts, chunk = check_int("contexts", contexts, 2), check_int("chunk", chunk, 1)
    dev = check_device(device)

    gen = make_generator(seed)
    pool = sphere_tasks(k, d, generator=gen)
    laws = {"icl": sphere_tasks(contexts, d, generator=gen), "idg": pool[torch.randint(k, (contexts,), generator=gen)]}
    result: dict = {}
    for law, tasks in laws.items():
        errors = {"ridge": [], "dmmse": []}
        for first in range(0, contexts, chunk):
            batch = sample_tokens(tasks[first : first + chunk], ell, rho, generator=gen).to(dev)
            estimates = {"ridge": ridge_estimate(batch, rho), "dmmse": dmmse_estimate(batch, pool.to(dev), rho)}
            for name, w_hat in estimates.items():
                errors[name].append(rho + ((batch.w - w_hat) ** 2).sum(dim=1) / d)
        for name, parts in errors.items():
            values = torch.cat(parts)
            result[f"{name}_{law}_mean"] = float(values.mean())
            result[f"{name}_{law}_se"] = float(values.std() / contexts**0.5)
    result.update(ridge_theory=bayes_ridge_error(rho, ell / d), d=d, alpha=alpha, kappa=kappa, rho=rho, ell=ell, k=k,
                  contexts=contexts, seed=seed, device=str(dev), seconds=time.perf_counter() - start)
    return result
