"""Finite-d simulation protocol of Lu et al. (2025) for the pretrained linear attention Γ* (their Section 6 and Methods).

One draw: a task pool (k = round(κd) tasks on the sphere of radius √d, each used equally often),
n pretraining contexts of length ℓ = round(αd), the ridge solution Γ* (§3.3), and its ICL and IDG
errors scored exactly by Proposition 1 (§4.2), so no Monte-Carlo test error enters.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, fields

from icl_sym.core.validation import Range, check_array, check_choice, check_int
from icl_sym.sim.devices import check_device
from icl_sym.sim.sampling import SAMPLERS, context_length, draw_generator, sample
from icl_sym.theories.lu2024 import error_of_gamma

from .pretrain import SOLVERS, ridge_gamma
from .tasks import ASSIGNMENTS, TASK_LAWS, pool_sizes, pretraining_tasks

__all__ = ["GammaErrors", "simulate_errors"]


@dataclass(frozen=True)
class GammaErrors:
    """ICL and IDG errors of Γ* per draw, with the run's parameters, derived sizes and wall time."""

    icl: tuple[float, ...]
    idg: tuple[float, ...]
    d: int
    alpha: float
    kappa: float
    tau: float
    rho: float
    lam: float
    seed: int
    first_draw: int
    device: str
    sampler: str
    assignment: str
    solver: str
    task_law: str
    ell: int
    k: int
    n: int
    seconds: float

    @property
    def draws(self) -> int:
        return len(self.icl)

    @property
    def icl_mean(self) -> float:
        return statistics.fmean(self.icl)

    @property
    def idg_mean(self) -> float:
        return statistics.fmean(self.idg)

    @property
    def icl_std(self) -> float | None:
        """Sample standard deviation over draws (``None`` for one draw)."""
        return statistics.stdev(self.icl) if self.draws > 1 else None

    @property
    def idg_std(self) -> float | None:
        return statistics.stdev(self.idg) if self.draws > 1 else None

    def as_dict(self) -> dict:
        """Every field and summary, JSON-able (per-draw lists as lists)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out.update(icl=list(self.icl), idg=list(self.idg), draws=self.draws, icl_mean=self.icl_mean,
                   icl_std=self.icl_std, idg_mean=self.idg_mean, idg_std=self.idg_std)
        return out


def simulate_errors(
    d: int,
    alpha: float,
    kappa: float,
    tau: float,
    rho: float,
    lam: float,
    draws: int,
    seed: int,
    device: str = "cpu",
    sampler: str = "sufficient",
    *,
    assignment: str = "equal",
    solver: str = "auto",
    first_draw: int = 0,
    task_law: str = "sphere",
) -> GammaErrors:
    """ICL and IDG errors of Γ* at finite d over ``draws`` independent draws (docs/theory/lu2024.md §7.2).

    ICL: Proposition 1 with μ = 0, R = I. IDG: with the pool's empirical μ̂, R̂. For κ = ∞
    every context has its own fresh task, so the IDG test law is the ICL one and IDG = ICL.
    The draws are numbers ``first_draw``, ..., ``first_draw + draws - 1``; draw j uses the
    generator of (seed, j): results are reproducible and draw j does not depend on which
    other draws a call makes (a sweep can store and resume draw by draw). Tasks and contexts
    are sampled on the CPU (the same numbers for every device); Γ* is solved and scored on ``device``.
    ``task_law`` = "gaussian" draws unnormalised N(0, I) tasks (the authors' Fig. 4 runs), for which
    Proposition 1's IDG is not the test error (icl_sym.theories.lu2024.errata).

    Returns the per-draw errors with their means and sample standard deviations, the parameters,
    the derived sizes ``ell``, ``k``, ``n`` and the wall time ``seconds`` (:class:`GammaErrors`).
    """
    start = time.perf_counter()
    d, alpha, ell = context_length(d, alpha, 2)
    rho = float(check_array("rho", rho, Range(0)))
    lam = float(check_array("lam", lam, Range(0)))
    draws = check_int("draws", draws, 1)
    seed = check_int("seed", seed, 0)
    first_draw = check_int("first_draw", first_draw, 0)
    dev = check_device(device)
    check_choice("sampler", sampler, SAMPLERS)
    check_choice("solver", solver, SOLVERS)
    check_choice("task_law", task_law, TASK_LAWS)
    k, n = pool_sizes(d, kappa, tau, check_choice("assignment", assignment, ASSIGNMENTS))
    kappa, tau = float(kappa), float(tau)

    icl, idg = [], []
    for draw in range(first_draw, first_draw + draws):
        gen = draw_generator(seed, draw)
        pool = pretraining_tasks(d, kappa, tau, generator=gen, assignment=assignment, task_law=task_law)
        contexts = sample(sampler, pool.context_tasks(), ell, rho, generator=gen).to(dev)
        gamma = ridge_gamma(contexts, lam, solver=solver)
        # Proposition 1 at the simulated ℓ: its α is ℓ/d, not the requested α.
        icl.append(float(error_of_gamma(gamma, rho, ell / d, backend="torch")))
        if pool.finite:
            mu_hat, R_hat = (m.to(dev) for m in pool.moments())
            idg.append(float(error_of_gamma(gamma, rho, ell / d, mu_hat, R_hat, backend="torch")))
        else:
            idg.append(icl[-1])

    return GammaErrors(tuple(icl), tuple(idg), d, alpha, kappa, tau, rho, lam, seed, first_draw, str(dev), sampler,
                       assignment, solver, task_law, ell, k, n, time.perf_counter() - start)

