"""The exact pool error of a fixed Γ for tasks of any norm (Lemma 1 per task)."""

import pytest
import torch

from icl_sym.core.validation import ParameterError
from icl_sym.theories.lu2024.error_of_gamma import error_of_gamma
from icl_sym.theories.lu2024.pool_error import pool_error_of_gamma


def _gamma_and_tasks(d, k, seed, sphere):
    gen = torch.Generator().manual_seed(seed)
    gamma = torch.randn(d, d + 1, generator=gen, dtype=torch.float64) / d
    tasks = torch.randn(k, d, generator=gen, dtype=torch.float64)
    if sphere:
        tasks *= d**0.5 / tasks.norm(dim=1, keepdim=True)
    return gamma, tasks


@pytest.mark.parametrize("d, k, rho, alpha", [(5, 3, 0.1, 2.0), (9, 20, 0.5, 0.5), (4, 1, 0.0, 7.0)])
def test_on_the_sphere_it_is_proposition1_with_the_pool_moments(d, k, rho, alpha):
    gamma, tasks = _gamma_and_tasks(d, k, d + k, sphere=True)
    moments = tasks.mean(dim=0), tasks.T @ tasks / k
    prop1 = float(error_of_gamma(gamma, rho, alpha, *moments, backend="torch"))
    assert pool_error_of_gamma(gamma, rho, alpha, tasks) == pytest.approx(prop1, rel=1e-12)


def test_off_the_sphere_it_differs_and_is_linear_in_the_tasks_weights():
    gamma, tasks = _gamma_and_tasks(6, 4, 1, sphere=False)
    moments = tasks.mean(dim=0), tasks.T @ tasks / 4
    prop1 = float(error_of_gamma(gamma, 0.1, 2.0, *moments, backend="torch"))
    pool = pool_error_of_gamma(gamma, 0.1, 2.0, tasks)
    assert abs(pool - prop1) > 1e-3 * abs(prop1)
    # A pool is the average of its one-task pools.
    singles = [pool_error_of_gamma(gamma, 0.1, 2.0, tasks[j : j + 1]) for j in range(4)]
    assert pool == pytest.approx(sum(singles) / 4, rel=1e-12)
    # Γ = 0 predicts nothing: the error is the label variance ‖w‖²/d + ρ.
    assert pool_error_of_gamma(torch.zeros(6, 7, dtype=torch.float64), 0.1, 2.0, tasks) == pytest.approx(
        float((tasks.norm(dim=1) ** 2 / 6).mean()) + 0.1, rel=1e-12)


@pytest.mark.parametrize("gamma_shape, task_shape, rho, alpha, message", [
    ((3, 3), (2, 3), 0.1, 1.0, "Gamma must be a matrix of shape"),
    ((3, 4), (2, 4), 0.1, 1.0, "tasks must be a \\(k, 3\\) tensor"),
    ((3, 4), (0, 3), 0.1, 1.0, "tasks must be a \\(k, 3\\) tensor"),
    ((3, 4), (2, 3), -0.1, 1.0, "rho must be real in"),
    ((3, 4), (2, 3), 0.1, 0.1, "alpha must be real in"),
])
def test_bad_input(gamma_shape, task_shape, rho, alpha, message):
    with pytest.raises(ParameterError, match=message):
        pool_error_of_gamma(torch.zeros(gamma_shape, dtype=torch.float64), rho, alpha,
                            torch.ones(task_shape, dtype=torch.float64))
