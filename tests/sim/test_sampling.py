"""Samplers: tasks on the sphere, reproducible draws, clear errors."""

import pytest
import torch

from icl_sym.core.validation import ParameterError
from icl_sym.sim.errors import mc_test_error, predict
from icl_sym.sim.sampling import make_generator, sample_contexts, sphere_tasks


def test_sphere_tasks_have_norm_sqrt_d():
    w = sphere_tasks(50, 7, generator=make_generator(0))
    assert w.dtype == torch.float64 and w.shape == (50, 7)
    torch.testing.assert_close(w.norm(dim=1), torch.full((50,), 7**0.5, dtype=torch.float64))


def test_same_seed_same_draws():
    def draw():
        gen = make_generator(3)
        return sample_contexts(sphere_tasks(20, 4, generator=gen), 6, 0.1, generator=gen)

    a, b = draw(), draw()
    for field in ("s", "q", "x", "y", "w"):
        torch.testing.assert_close(getattr(a, field), getattr(b, field), rtol=0, atol=0)


def test_zero_gamma_has_error_of_the_labels():
    gen = make_generator(1)
    ctx = sample_contexts(sphere_tasks(20_000, 5, generator=gen), 5, 0.25, generator=gen)
    gamma = torch.zeros(5, 6, dtype=torch.float64)
    assert torch.all(predict(gamma, ctx) == 0)
    mean, sem = mc_test_error(gamma, ctx)
    assert abs(mean - 1.25) < 4 * sem  # E[y²] = ‖w‖²/d + ρ = 1 + ρ


def test_bad_input():
    gen = make_generator(0)
    with pytest.raises(ParameterError, match="seed must be an integer >= 0"):
        make_generator(-1)
    with pytest.raises(ParameterError, match="tasks must be a 2-d tensor"):
        sample_contexts(torch.zeros(3), 4, 0.1, generator=gen)
    with pytest.raises(ParameterError, match="ell must be an integer >= 1"):
        sample_contexts(torch.zeros(3, 2), 0, 0.1, generator=gen)
    with pytest.raises(ParameterError, match="rho must be real in \\[0, inf\\)"):
        sample_contexts(torch.zeros(3, 2), 4, -0.1, generator=gen)
