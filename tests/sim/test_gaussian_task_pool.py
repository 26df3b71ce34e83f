"""Gaussian (unnormalised) task pools: Proposition 1 is not their IDG test error.

Proposition 1 of Lu et al. (2025) is exact for tasks with ‖w‖² = d. The authors' stored Fig. 4 runs drew
w ~ N(0, I_d) and still scored IDG by Proposition 1 with the pool's moments (see
icl_sym.theories.lu2024.errata); these tests show that, for such a pool, Proposition 1 and the Monte-Carlo
test error on the pool's tasks disagree by many standard errors, while for sphere tasks they agree, and
that the exact per-task average of Lemma 1 (pool_error_of_gamma) is the test error for both.
"""

import dataclasses

import pytest
import torch

from icl_sym.core.validation import ParameterError
from icl_sym.sim.errors import mc_test_error
from icl_sym.sim.lu2024 import simulate_errors
from icl_sym.sim.lu2024.pretrain import ridge_gamma
from icl_sym.sim.lu2024.tasks import TASK_LAWS, pretraining_tasks
from icl_sym.sim.sampling import gaussian_tasks, make_generator, sample_sufficient
from icl_sym.theories.lu2024.error_of_gamma import error_of_gamma
from icl_sym.theories.lu2024.pool_error import pool_error_of_gamma

D, ELL, RHO, KAPPA, TAU, LAM, N_TEST = 8, 16, 0.01, 0.5, 2.0, 1e-6, 200_000


def idg_prop1_and_mc(task_law: str, seed: int) -> tuple[float, float, float, float]:
    """(Proposition 1 IDG, Monte-Carlo IDG, its standard error, exact pool IDG) of Γ* trained on a pool of
    ``task_law``; the Monte-Carlo test contexts draw their task uniformly from the pool."""
    gen = make_generator(seed)
    pool = pretraining_tasks(D, KAPPA, TAU, generator=gen, task_law=task_law)
    gamma = ridge_gamma(sample_sufficient(pool.context_tasks(), ELL, RHO, generator=gen), LAM)
    # Each task equally often, as the pool average of pool_error_of_gamma weighs them.
    seen = sample_sufficient(pool.tasks.repeat(N_TEST // pool.k, 1), ELL, RHO, generator=gen)
    exact = float(error_of_gamma(gamma, RHO, ELL / D, *pool.moments(), backend="torch"))
    return (exact, *mc_test_error(gamma, seen), pool_error_of_gamma(gamma, RHO, ELL / D, pool.tasks))


@pytest.mark.parametrize("seed", [0, 1])
def test_proposition1_is_the_idg_error_for_sphere_tasks(seed):
    prop1, mc, se, pool = idg_prop1_and_mc("sphere", seed)
    assert abs(prop1 - mc) < 4 * se, (prop1, mc, se)
    assert abs(pool - prop1) < 1e-12 * prop1  # on the sphere the per-task average is Proposition 1


@pytest.mark.parametrize("seed", [0, 1])
def test_proposition1_is_not_the_idg_error_for_gaussian_tasks(seed):
    # Measured: z = −9.9 and −94 for seeds 0 and 1 (d = 8, k = 4 tasks, 2·10^5 test contexts); the exact
    # pool average is at z = 0.8 and −2.4, Proposition 1 on sphere pools at 0.4 and −0.2.
    prop1, mc, se, pool = idg_prop1_and_mc("gaussian", seed)
    assert abs(prop1 - mc) > 6 * se, (prop1, mc, se)
    assert abs(pool - mc) < 4 * se, (pool, mc, se)  # the exact per-task average is the test error


def test_gaussian_tasks_are_unnormalised_standard_normals():
    tasks = gaussian_tasks(4000, 10, generator=make_generator(3))
    sq = tasks.norm(dim=1) ** 2
    assert tasks.shape == (4000, 10) and tasks.dtype == torch.float64
    assert abs(float(sq.mean()) - 10) < 4 * float(sq.std()) / 4000**0.5  # E‖w‖² = d
    assert abs(float(sq.var()) / 20 - 1) < 0.15  # Var ‖w‖² = 2d: not on the sphere
    pool = pretraining_tasks(10, 0.5, 1.0, generator=make_generator(3), task_law="gaussian")
    assert torch.equal(pool.tasks, gaussian_tasks(5, 10, generator=make_generator(3)))


def test_task_law_is_checked_and_sphere_is_the_default():
    assert TASK_LAWS == ("sphere", "gaussian")
    with pytest.raises(ParameterError, match="task_law"):
        pretraining_tasks(6, 0.5, 1.0, generator=make_generator(0), task_law="cube")
    with pytest.raises(ParameterError, match="task_law"):
        simulate_errors(6, 2, 0.5, 1.5, 0.1, 0.5, 1, 0, task_law="cube")
    default = simulate_errors(6, 2, 0.5, 1.5, 0.1, 0.5, 2, 0)
    sphere = simulate_errors(6, 2, 0.5, 1.5, 0.1, 0.5, 2, 0, task_law="sphere")
    assert dataclasses.replace(sphere, seconds=default.seconds) == default
    gaussian = simulate_errors(6, 2, 0.5, 1.5, 0.1, 0.5, 2, 0, task_law="gaussian")
    assert gaussian.task_law == "gaussian" and gaussian.icl != default.icl
