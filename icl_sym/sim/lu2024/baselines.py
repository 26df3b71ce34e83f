"""The baselines of Lu et al. (2025), Section 6: Bayes ridge and dMMSE simulated on their task-pool protocol."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import torch

from icl_sym.core.validation import ParameterError, Range, check_array, check_int
from icl_sym.sim.baselines import dmmse_estimate, ridge_estimate
from icl_sym.sim.devices import check_device
from icl_sym.sim.sampling import context_length, make_generator, sample_regressions, sphere_tasks
from icl_sym.theories.lu2024 import bayes_icl_error

__all__ = ["BaselineErrors", "bayes_ridge_error", "simulate_baselines"]


@dataclass(frozen=True)
class BaselineErrors:
    """Monte-Carlo ICL and IDG errors of Bayes ridge and dMMSE (mean and standard error over the test contexts),
    the asymptotic ridge error ``ridge_theory``, the run's parameters, derived sizes and wall time."""

    ridge_icl_mean: float
    ridge_icl_se: float
    ridge_idg_mean: float
    ridge_idg_se: float
    dmmse_icl_mean: float
    dmmse_icl_se: float
    dmmse_idg_mean: float
    dmmse_idg_se: float
    ridge_theory: float
    d: int
    alpha: float
    kappa: float
    rho: float
    ell: int
    k: int
    contexts: int
    seed: int
    device: str
    seconds: float

    def as_dict(self) -> dict:
        """Every field, JSON-able."""
        return asdict(self)


def bayes_ridge_error(rho: float, alpha: float) -> float:
    """Asymptotic ICL error of Bayes ridge, ρ(1 + S_W(ρ, α)): the theory's formula, as a float.

    See docs/theory/lu2024.md §6.8.
    """
    return float(bayes_icl_error(rho, alpha))


def simulate_baselines(
    d: int, alpha: float, kappa: float, rho: float, contexts: int, seed: int, device: str = "cpu"
) -> BaselineErrors:
    """Monte-Carlo ICL and IDG errors of Bayes ridge and dMMSE over ``contexts`` test contexts each.

    The pool has k = round(κd) tasks on the sphere of radius √d (κ finite: dMMSE needs a pool);
    ICL contexts use fresh sphere tasks, IDG contexts a uniformly drawn pool task.
    Each law's XᵀX and Xᵀy are sampled at once on the CPU from ``seed`` (the same numbers on every
    device; memory O(contexts·d²)) and evaluated on ``device``. Returns means and standard errors
    (fields ``<estimator>_<law>_mean`` and ``_se``), the asymptotic ``ridge_theory``, the parameters
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
    result: dict[str, float] = {}
    for law, tasks in laws.items():
        data = sample_regressions(tasks, ell, rho, generator=gen).to(dev)
        estimates = {"ridge": ridge_estimate(data, rho), "dmmse": dmmse_estimate(data, pool.to(dev), rho)}
        for name, w_hat in estimates.items():
            values = rho + ((data.w - w_hat) ** 2).sum(dim=1) / d
            result[f"{name}_{law}_mean"] = float(values.mean())
            result[f"{name}_{law}_se"] = float(values.std() / contexts**0.5)
    return BaselineErrors(**result, ridge_theory=bayes_ridge_error(rho, ell / d), d=d, alpha=alpha, kappa=kappa,
                          rho=rho, ell=ell, k=k, contexts=contexts, seed=seed, device=str(dev),
                          seconds=time.perf_counter() - start)
