"""Pretraining task pools of Lu et al. (2025), Section 2: k = κd tasks on the sphere, n = τd² contexts.

A pool fixes which task each pretraining context uses; its empirical moments are the IDG test law.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from icl_sym.core.validation import ParameterError, Range, check_array, check_choice, check_int
from icl_sym.sim.sampling import gaussian_tasks, sphere_tasks

__all__ = ["ASSIGNMENTS", "TASK_LAWS", "TaskPool", "pool_sizes", "pretraining_tasks"]

#: How the n pretraining contexts are spread over the k tasks of a pool.
ASSIGNMENTS = ("equal", "random")

#: The law of a pool's task vectors: uniform on the sphere ‖w‖² = d (this project's default, under which
#: Proposition 1 is exact), or i.i.d. N(0, I_d) (E‖w‖² = d only on average; what the authors' stored
#: Fig. 4 runs drew, see icl_sym.theories.lu2024.errata).
TASK_LAWS = ("sphere", "gaussian")


@dataclass(frozen=True)
class TaskPool:
    """The pretraining tasks and which one each context uses (Lu et al., Section 2).

    ``tasks`` holds the k tasks of a finite pool, or, for κ = ∞, one fresh task
    per context (then ``finite`` is False); context μ uses ``tasks[index[μ]]``.
    """

    tasks: torch.Tensor  # (k, d)
    index: torch.Tensor  # (n,) int64
    finite: bool

    @property
    def k(self) -> int:
        """Number of distinct tasks."""
        return self.tasks.shape[0]

    @property
    def n(self) -> int:
        """Number of pretraining contexts."""
        return self.index.numel()

    def context_tasks(self) -> torch.Tensor:
        """The task of every context, shape (n, d)."""
        return self.tasks[self.index]

    def moments(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Empirical mean μ̂ (d,) and second moment R̂ (d, d) of the k tasks: the IDG test law (Lu et al., Section 4)."""
        return self.tasks.mean(dim=0), self.tasks.T @ self.tasks / self.k


def pool_sizes(d: int, kappa: float, tau: float, assignment: str = "equal") -> tuple[int, int]:
    """(k, n): the number of tasks and of pretraining contexts for (d, κ, τ).

    Finite κ: k = round(κd). ``"equal"`` (the authors' protocol) uses every task
    round(τd²/k) times, n = round(τd²/k)·k; ``"random"`` draws the task of each of
    n = round(τd²) contexts uniformly from the pool. κ = ∞: k = n = round(τd²).
    More tasks than contexts is an error.
    """
    d = check_int("d", d, 1)
    kappa = float(check_array("kappa", kappa, Range(0, low_open=True, allow_inf=True)))
    tau = float(check_array("tau", tau, Range(0, low_open=True)))
    check_choice("assignment", assignment, ASSIGNMENTS)
    n_target = tau * d * d
    if round(n_target) < 1:
        raise ParameterError("tau", f"large enough for n = round(tau*d^2) >= 1 context (d = {d})", tau)
    if math.isinf(kappa):
        return round(n_target), round(n_target)
    k = round(kappa * d)
    if k < 1:
        raise ParameterError("kappa", f"large enough for k = round(kappa*d) >= 1 task (d = {d})", kappa)
    n = round(n_target / k) * k if assignment == "equal" else round(n_target)
    if n < k:
        raise ParameterError("kappa", f"at most about tau*d = {tau * d:g}: k = round(kappa*d) = {k} tasks, "
                             f"more than the round(tau*d^2) = {round(n_target)} contexts", kappa)
    return k, n


def pretraining_tasks(
    d: int, kappa: float, tau: float, *, generator: torch.Generator, assignment: str = "equal",
    task_law: str = "sphere",
) -> TaskPool:
    """Draw the pretraining task pool for (d, κ, τ) (sizes: :func:`pool_sizes`).

    ``task_law`` (one of :data:`TASK_LAWS`): on the sphere of radius √d (default) or i.i.d. N(0, I_d).
    """
    k, n = pool_sizes(d, kappa, tau, assignment)
    law = check_choice("task_law", task_law, TASK_LAWS)
    tasks = (sphere_tasks if law == "sphere" else gaussian_tasks)(k, d, generator=generator)
    if math.isinf(kappa):
        index = torch.arange(n, device=generator.device)
    elif assignment == "equal":
        index = torch.arange(k, device=generator.device).repeat_interleave(n // k)
    else:
        index = torch.randint(k, (n,), generator=generator, device=generator.device)
    return TaskPool(tasks, index, not math.isinf(kappa))
