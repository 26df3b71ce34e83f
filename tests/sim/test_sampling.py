"""Samplers: tasks on the sphere, task pools, the direct and sufficient-statistic samplers, clear errors."""

import math

import pytest
import torch

from icl_sym.core.validation import ParameterError
from icl_sym.sim.errors import mc_test_error, predict
from icl_sym.sim.lu2024.tasks import pool_sizes, pretraining_tasks
from icl_sym.sim.sampling import (
    SAMPLERS, chi2, draw_generator, make_generator, sample, sample_contexts,
    sample_regressions, sample_sufficient, sample_tokens, sphere_tasks,
)


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


# --- chi-square draws ---------------------------------------------------------------------------

@pytest.mark.parametrize("dof", [0, 1, 2, 3, 10, 301])
def test_chi2_has_the_chi_square_law(dof):
    from scipy import stats

    draws = chi2(dof, 50_000, generator=make_generator(dof))
    assert draws.dtype == torch.float64 and draws.shape == (50_000,)
    if dof == 0:
        assert torch.all(draws == 0)
        return
    assert abs(float(draws.mean()) - dof) < 4 * (2 * dof / 50_000) ** 0.5
    assert stats.kstest(draws.numpy(), stats.chi2(dof).cdf).pvalue > 1e-3


# --- sufficient-statistic sampler vs the direct one ---------------------------------------------

def _statistics(ctx, w):
    """Per-context statistics whose means must agree: h, the entries of h hᵀ, query moments, nonlinear ones."""
    h = ctx.h
    iu = torch.triu_indices(h.shape[1], h.shape[1])
    outer = (h[:, :, None] * h[:, None, :])[:, iu[0], iu[1]]
    s_norm = ctx.s.norm(dim=1)
    w_norm = w.norm(dim=1).clamp_min(1e-300)
    nonlinear = torch.stack([
        s_norm,
        (ctx.s * w).sum(dim=1) / (s_norm * w_norm),  # cosine between s and the task
        ctx.q.log(),
        s_norm**2 * ctx.q,
        (ctx.q > 1.1).double(),
    ], dim=1)
    query = torch.cat([ctx.x, ctx.y[:, None], (ctx.x * ctx.y[:, None]), ctx.y[:, None] ** 2], dim=1)
    return torch.cat([h, outer, nonlinear, query], dim=1)


def _two_sample_z(a, b):
    se = (a.var(dim=0) / a.shape[0] + b.var(dim=0) / b.shape[0]).sqrt()
    # A statistic constant in both samples (e.g. the cosine for w = 0) must have equal values: z = 0.
    return (a.mean(dim=0) - b.mean(dim=0)) / se.clamp_min(1e-300)


@pytest.mark.parametrize("ell, task", [(1, "sphere"), (2, "sphere"), (12, "sphere"), (1, "pool"), (2, "pool"),
                                       (5, "pool"), (2, "zero")])
def test_sufficient_sampler_agrees_with_direct(ell, task):
    from scipy import stats

    d, n, rho = 3, 60_000, 0.3
    gen = make_generator(100 + ell)
    if task == "sphere":  # one fixed task
        tasks = sphere_tasks(1, d, generator=gen).expand(n, d).contiguous()
    elif task == "pool":  # several tasks, as in pretraining
        tasks = sphere_tasks(4, d, generator=gen)[torch.randint(4, (n,), generator=gen)]
    else:
        tasks = torch.zeros(n, d, dtype=torch.float64)
    direct = sample_contexts(tasks, ell, rho, generator=gen)
    suff = sample_sufficient(tasks, ell, rho, generator=gen)
    z = _two_sample_z(_statistics(direct, tasks), _statistics(suff, tasks))
    assert float(z.abs().max()) < 4.5, z
    # Covariances of s and of q with s, compared entrywise through the h hᵀ block above; the laws of
    # scalar statistics are compared in full (Kolmogorov–Smirnov).
    for stat in (lambda c: c.q, lambda c: c.s.norm(dim=1), lambda c: c.s[:, 0]):
        assert stats.ks_2samp(stat(direct).numpy(), stat(suff).numpy()).pvalue > 1e-4


@pytest.mark.parametrize("ell", [1, 2, 9])
def test_sufficient_sampler_has_the_lemma1_moments(ell):
    """One-sample check against Lemma 1, exact at finite d and ℓ, for a task off the sphere.

    Lemma 1: docs/theory/lu2024.md §4.1.
    """
    d, n, rho = 4, 200_000, 0.2
    w = torch.tensor([0.5, -1.0, 2.0, 0.0], dtype=torch.float64)
    ctx = sample_sufficient(w.expand(n, d).contiguous(), ell, rho, generator=make_generator(ell))
    sigma2 = float(w @ w) / d + rho
    expected = {
        "s": (ctx.s, w),
        "q": (ctx.q, torch.tensor(sigma2)),
        "ssT": (ctx.s[:, :, None] * ctx.s[:, None, :],
                (1 + 1 / ell) * torch.outer(w, w) + (float(w @ w) + d * rho) / ell * torch.eye(d)),
        "sq": (ctx.s * ctx.q[:, None], sigma2 * (1 + 2 / ell) * w),
        "q2": (ctx.q**2, torch.tensor(sigma2**2 * (1 + 2 / ell))),
    }
    for name, (samples, mean) in expected.items():
        z = (samples.mean(dim=0) - mean.double()) / (samples.std(dim=0) / n**0.5)
        assert float(z.abs().max()) < 4.5, (name, z)


def _regression_statistics(data):
    """Entries of XᵀX and Xᵀy, their products, and nonlinear functions (eigenvalues, the ridge estimate)."""
    d = data.moment.shape[1]
    iu = torch.triu_indices(d, d)
    gram = data.gram[:, iu[0], iu[1]]
    b = data.moment
    ridge = torch.linalg.solve(data.gram + 0.5 * torch.eye(d, dtype=torch.float64), b)
    return torch.cat([gram, b, gram[:, :, None].mul(b[:, None, :]).flatten(1), (b[:, :, None] * b[:, None, :]).flatten(1),
                      torch.linalg.eigvalsh(data.gram), ridge, (ridge**2).sum(dim=1, keepdim=True)], dim=1)


@pytest.mark.parametrize("ell", [3, 4, 9])
def test_regression_sampler_agrees_with_tokens(ell):
    from scipy import stats

    d, n, rho = 3, 60_000, 0.3
    gen = make_generator(200 + ell)
    tasks = sphere_tasks(4, d, generator=gen)[torch.randint(4, (n,), generator=gen)]
    tokens = sample_tokens(tasks, ell, rho, generator=gen).regressions()
    bartlett = sample_regressions(tasks, ell, rho, generator=gen)
    z = _two_sample_z(_regression_statistics(tokens), _regression_statistics(bartlett))
    assert float(z.abs().max()) < 4.5, z
    smallest = (lambda r: torch.linalg.eigvalsh(r.gram)[:, 0])  # the law of the edge of the Wishart spectrum
    assert stats.ks_2samp(smallest(tokens).numpy(), smallest(bartlett).numpy()).pvalue > 1e-4
    # One-sample: E[XᵀX] = (ℓ/d) I and E[Xᵀy] = (ℓ/d) w.
    mean_gram = bartlett.gram.mean(dim=0)
    torch.testing.assert_close(mean_gram, ell / d * torch.eye(d, dtype=torch.float64), atol=0.03 * ell / d, rtol=0)
    torch.testing.assert_close(bartlett.moment.mean(dim=0), ell / d * tasks.mean(dim=0), atol=0.03 * ell / d, rtol=0)


def test_regression_sampler_below_d_draws_tokens():
    tasks = sphere_tasks(5, 6, generator=make_generator(0))
    drawn = sample_regressions(tasks, 4, 0.1, generator=make_generator(1))
    expected = sample_tokens(tasks, 4, 0.1, generator=make_generator(1)).regressions()
    torch.testing.assert_close(drawn.gram, expected.gram, rtol=0, atol=0)
    assert int(torch.linalg.matrix_rank(drawn.gram[0])) == 4  # rank ℓ < d, as XᵀX must be


def test_sufficient_sampler_cost_does_not_grow_with_ell():
    gen = make_generator(0)
    tasks = sphere_tasks(10, 5, generator=gen)
    for ell in (2, 10**9):  # a billion tokens per context would not fit in memory if drawn
        ctx = sample_sufficient(tasks, ell, 0.1, generator=gen)
        assert torch.isfinite(ctx.h).all()
    torch.testing.assert_close(ctx.s, tasks, atol=0.01, rtol=0)  # s → w as ℓ → ∞


def test_sample_dispatches_by_name():
    tasks = sphere_tasks(5, 3, generator=make_generator(0))
    for name in SAMPLERS:
        a = sample(name, tasks, 4, 0.1, generator=make_generator(1))
        b = SAMPLERS[name](tasks, 4, 0.1, generator=make_generator(1))
        torch.testing.assert_close(a.h, b.h, rtol=0, atol=0)
    with pytest.raises(ParameterError, match="sampler must be one of direct, sufficient"):
        sample("fast", tasks, 4, 0.1, generator=make_generator(1))


def test_tokens_reduce_to_the_direct_contexts():
    tasks = sphere_tasks(7, 3, generator=make_generator(0))
    tokens = sample_tokens(tasks, 5, 0.1, generator=make_generator(2))
    ctx = sample_contexts(tasks, 5, 0.1, generator=make_generator(2))
    torch.testing.assert_close(tokens.reduce().h, ctx.h, rtol=0, atol=0)
    assert tokens.X.shape == (7, 5, 3) and tokens.y.shape == (7, 5)
    torch.testing.assert_close(tokens.y, torch.einsum("nid,nd->ni", tokens.X, tasks), atol=2, rtol=0)


# --- task pools ---------------------------------------------------------------------------------

def test_equal_assignment_uses_every_task_equally_often():
    assert pool_sizes(10, 0.5, 2) == (5, 200)
    assert pool_sizes(10, 0.3, 2) == (3, 201)  # n = round(200/3)·3
    pool = pretraining_tasks(10, 0.3, 2, generator=make_generator(0))
    assert (pool.k, pool.n, pool.finite) == (3, 201, True)
    assert torch.bincount(pool.index).tolist() == [67, 67, 67]
    mu, R = pool.moments()
    torch.testing.assert_close(torch.trace(R), torch.tensor(10.0, dtype=torch.float64))
    torch.testing.assert_close(mu, pool.tasks.mean(dim=0))
    torch.testing.assert_close(pool.context_tasks()[:67], pool.tasks[0].expand(67, 10))


def test_random_assignment_and_infinite_diversity():
    assert pool_sizes(10, 0.3, 2, "random") == (3, 200)
    pool = pretraining_tasks(10, 0.3, 2, generator=make_generator(0), assignment="random")
    assert pool.n == 200 and set(pool.index.tolist()) == {0, 1, 2}
    fresh = pretraining_tasks(10, math.inf, 2, generator=make_generator(0))
    assert (fresh.k, fresh.n, fresh.finite) == (200, 200, False)
    assert torch.equal(fresh.context_tasks(), fresh.tasks)


def test_draw_generator_streams():
    first = torch.randn(3, generator=draw_generator(5, 0))
    assert torch.equal(first, torch.randn(3, generator=draw_generator(5, 0)))
    assert not torch.equal(first, torch.randn(3, generator=draw_generator(5, 1)))
    assert not torch.equal(first, torch.randn(3, generator=draw_generator(6, 0)))


@pytest.mark.parametrize("args, message", [
    ((10, 0.0, 2), "kappa must be real in \\(0, inf\\) or inf"),
    ((10, 0.01, 2), "kappa must be large enough for k = round\\(kappa\\*d\\) >= 1"),
    ((10, 50, 2), "kappa must be at most about tau\\*d = 20"),
    ((10, 0.5, 0), "tau must be real in \\(0, inf\\)"),
    ((10, 0.5, math.inf), "tau must be real in \\(0, inf\\)"),
    ((10, 0.5, 0.001), "tau must be large enough for n = round\\(tau\\*d\\^2\\) >= 1"),
    ((0, 0.5, 2), "d must be an integer >= 1"),
])
def test_pool_sizes_bad_input(args, message):
    with pytest.raises(ParameterError, match=message):
        pool_sizes(*args)
    with pytest.raises(ParameterError, match="assignment must be one of equal, random"):
        pool_sizes(10, 0.5, 2, "shuffled")
