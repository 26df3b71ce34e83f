"""Bayes ridge and dMMSE baselines (docs/theory/lu2024.md §6.8)."""

import dataclasses
import json
import math

import pytest
import torch

from icl_sym.core.validation import ParameterError
from icl_sym.sim.baselines import dmmse_estimate, ridge_estimate
from icl_sym.sim.lu2024.baselines import bayes_ridge_error, simulate_baselines
from icl_sym.sim.sampling import make_generator, sample_tokens, sphere_tasks


def test_bayes_ridge_formula():
    # S_W(c, α) = M_α(c/α)/α with M_κ the Wishart Stieltjes transform (docs/theory/lu2024.md §5.1, §6.8).
    rho, alpha = 0.3, 2.5
    z, kappa = rho / alpha, alpha
    a = z + 1 - 1 / kappa
    stieltjes = 2 / (a + math.sqrt(a * a + 4 * z / kappa))
    assert bayes_ridge_error(rho, alpha) == pytest.approx(rho * (1 + stieltjes / alpha), rel=1e-14)
    assert bayes_ridge_error(rho, 1e9) == pytest.approx(rho, rel=1e-8)  # infinite context: only the label noise


def test_ridge_error_matches_its_finite_d_expectation_and_approaches_the_formula():
    # Given X, the posterior-mean error averaged over w ~ N(0, I) is ρ(1 + tr(XᵀX + ρI)^{-1}/d) exactly;
    # sphere tasks give the same average. The simulation must match it, and approach ρ(1 + S_W) as d grows.
    rho, alpha = 0.1, 2.0
    gaps = []
    for d, contexts in ((8, 4000), (32, 2000)):
        tokens = sample_tokens(sphere_tasks(contexts, d, generator=make_generator(d)), round(alpha * d), rho,
                               generator=make_generator(d + 1))
        sim = rho + ((tokens.w - ridge_estimate(tokens.regressions(), rho)) ** 2).sum(dim=1) / d
        gram = tokens.X.transpose(1, 2) @ tokens.X + rho * torch.eye(d, dtype=torch.float64)
        exact = rho * (1 + torch.linalg.inv(gram).diagonal(dim1=1, dim2=2).sum(dim=1) / d)
        diff = sim - exact
        assert abs(float(diff.mean())) < 4 * float(diff.std()) / contexts**0.5
        gaps.append(float(sim.mean()) - bayes_ridge_error(rho, alpha))
    assert abs(gaps[1]) < abs(gaps[0]) and abs(gaps[1]) < 0.01 * bayes_ridge_error(rho, alpha)


def test_dmmse_weights_and_memorisation():
    d, rho = 16, 0.1
    r = simulate_baselines(d, 2.0, 0.25, rho, contexts=1000, seed=0)
    # Few tasks, long contexts: the posterior concentrates on the true task (IDG error ≈ ρ) but
    # on a wrong one for a fresh task (ICL error ≈ ρ + 2 − 2 max overlap, docs/theory/lu2024.md §6.8).
    assert r.dmmse_idg_mean == pytest.approx(rho, rel=0.02)
    assert r.dmmse_icl_mean > 1.0
    assert r.ridge_idg_mean == pytest.approx(r.ridge_icl_mean, abs=4 * math.hypot(r.ridge_idg_se, r.ridge_icl_se))
    assert r.ridge_icl_mean == pytest.approx(r.ridge_theory, rel=0.05)
    assert (r.d, r.alpha, r.kappa, r.rho, r.ell, r.k, r.contexts, r.seed, r.device) == (16, 2.0, 0.25, rho, 32, 4,
                                                                                        1000, 0, "cpu")
    assert r.as_dict()["dmmse_idg_mean"] == r.dmmse_idg_mean and json.loads(json.dumps(r.as_dict())) == r.as_dict()
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.rho = 1.0


def test_dmmse_is_the_posterior_mean():
    # Log-sum-exp weights: finite even when every likelihood underflows, and equal to the direct formula.
    gen = make_generator(3)
    pool = sphere_tasks(5, 4, generator=gen)
    tokens = sample_tokens(pool[torch.tensor([0, 3])], 6, 0.05, generator=gen)
    log_lik = -((tokens.y[:, :, None] - tokens.X @ pool.T) ** 2).sum(dim=1) / (2 * 0.05)
    weights = torch.exp(log_lik - log_lik.max(dim=1, keepdim=True).values)
    expected = (weights / weights.sum(dim=1, keepdim=True)) @ pool
    torch.testing.assert_close(dmmse_estimate(tokens.regressions(), pool, 0.05), expected)
    tiny_noise = dmmse_estimate(tokens.regressions(), pool, 1e-8)
    assert torch.isfinite(tiny_noise).all()
    torch.testing.assert_close(tiny_noise, pool[torch.tensor([0, 3])])


@pytest.mark.parametrize("args, message", [
    ((8, 2, 0.5, 0.0, 10, 0), "rho must be real in \\(0, inf\\)"),
    ((8, 2, math.inf, 0.1, 10, 0), "kappa must be real in \\(0, inf\\)"),
    ((8, 2, 0.01, 0.1, 10, 0), "kappa must be large enough"),
    ((8, 0.01, 0.5, 0.1, 10, 0), "alpha must be large enough"),
    ((1, 2, 0.5, 0.1, 10, 0), "d must be an integer >= 2"),
    ((8, 2, 0.5, 0.1, 1, 0), "contexts must be an integer >= 2"),
    ((8, 2, 0.5, 0.1, 10, -2), "seed must be an integer >= 0"),
])
def test_bad_input(args, message):
    with pytest.raises(ParameterError, match=message):
        simulate_baselines(*args)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_gives_the_cpu_result():
    cpu = simulate_baselines(8, 2.0, 0.5, 0.1, contexts=50, seed=3)
    cuda = simulate_baselines(8, 2.0, 0.5, 0.1, contexts=50, seed=3, device="cuda")
    assert cuda.device.startswith("cuda")
    for key in ("ridge_icl_mean", "ridge_idg_mean", "dmmse_icl_mean", "dmmse_idg_mean"):
        assert getattr(cuda, key) == pytest.approx(getattr(cpu, key), rel=1e-9), key
