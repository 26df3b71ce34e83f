"""Ridge pretraining of Γ*: the three solvers agree, and agree with a brute-force numpy solve."""

import numpy as np
import pytest
import torch

from icl_sym.core.validation import ParameterError
from icl_sym.sim.lu2024 import pretrain
from icl_sym.sim.lu2024.pretrain import SolverError, cg_iterations, choose_solver, gram_flops, gram_matrix, ridge_gamma
from icl_sym.sim.lu2024.tasks import pretraining_tasks
from icl_sym.sim.sampling import make_generator, sample_contexts, sample_sufficient


def _contexts(d, tau, kappa=0.5, alpha=2.0, rho=0.1, seed=0, sampler=sample_sufficient):
    gen = make_generator(seed)
    pool = pretraining_tasks(d, kappa, tau, generator=gen)
    return sampler(pool.context_tasks(), round(alpha * d), rho, generator=gen)


def _relative(a, b):
    return float((a - b).abs().max() / b.abs().max())


@pytest.mark.parametrize("d, tau, lam", [(6, 2.0, 0.5), (6, 0.5, 0.5), (10, 1.5, 1e-5), (10, 0.6, 0.1)])
def test_primal_dual_and_cg_agree(d, tau, lam):
    ctx = _contexts(d, tau)
    primal = ridge_gamma(ctx, lam, solver="primal")
    assert primal.shape == (d, d + 1) and primal.dtype == torch.float64
    assert _relative(ridge_gamma(ctx, lam, solver="dual"), primal) < 1e-9
    assert _relative(ridge_gamma(ctx, lam, solver="cg", tol=1e-13), primal) < 1e-8


@pytest.mark.parametrize("solver, tau", [("primal", 2.0), ("dual", 0.5)])
def test_small_chunks_give_the_same_gamma(solver, tau):
    ctx = _contexts(6, tau)
    one_chunk = ridge_gamma(ctx, 0.3, solver=solver)
    torch.testing.assert_close(ridge_gamma(ctx, 0.3, solver=solver, chunk_bytes=8 * 42 * 5), one_chunk,
                               rtol=1e-12, atol=0)


@pytest.mark.parametrize("d, n, chunk_bytes", [(1, 5, 2**28), (2, 7, 2**28), (5, 37, 2**28), (5, 37, 8 * 36)])
def test_gram_from_distinct_monomials_is_the_feature_gram(d, n, chunk_bytes):
    gen = make_generator(d)
    x = torch.randn(n, d, generator=gen, dtype=torch.float64)
    h = torch.randn(n, d + 1, generator=gen, dtype=torch.float64)
    features = (x[:, :, None] * h[:, None, :]).reshape(n, d * (d + 1))  # x ⊗ h, row-major
    torch.testing.assert_close(gram_matrix(x, h, chunk_bytes), features.T @ features, rtol=1e-13, atol=1e-12)


def test_gram_flops_are_about_a_quarter_of_the_feature_gemm():
    assert gram_flops(3, 2) == 2 * 3 * 3 * 6  # 3 distinct x-monomials, 6 distinct h-monomials
    p = 100 * 101
    assert gram_flops(1000, 100) / (2 * 1000 * p * p) == pytest.approx(0.255, abs=0.001)


def _features(ctx):
    """Every H_Z = x_{ℓ+1} [s; q]ᵀ built and flattened row-major, one row per context.

    See docs/theory/lu2024.md §3.3.
    """
    x, h = ctx.x.numpy(), ctx.h.numpy()
    return np.stack([np.outer(x[i], h[i]).ravel() for i in range(x.shape[0])])


def _brute_force(ctx, lam):
    """Γ* from the dense normal equations of the flattened features."""
    F = _features(ctx)
    n, d = ctx.x.shape
    return np.linalg.solve(F.T @ F + n / d * lam * np.eye(d * (d + 1)), F.T @ ctx.y.numpy()).reshape(d, d + 1)


@pytest.mark.parametrize("tau", [0.5, 2.0])
def test_closed_form_matches_brute_force(tau):
    ctx = _contexts(3, tau, sampler=sample_contexts)  # tokens sampled one by one
    expected = _brute_force(ctx, 0.7)
    for solver in ("auto", "primal", "dual", "cg"):
        np.testing.assert_allclose(ridge_gamma(ctx, 0.7, solver=solver).numpy(), expected, rtol=1e-9, atol=1e-12)


def test_ridgeless_underdetermined_is_the_minimum_norm_interpolator():
    ctx = _contexts(6, 0.5)  # n = 18 < p = 42
    primal = ridge_gamma(ctx, 0.0, solver="primal")
    dual = ridge_gamma(ctx, 0.0, solver="dual")
    F = _features(ctx)
    min_norm = np.linalg.lstsq(F, ctx.y.numpy(), rcond=None)[0].reshape(6, 7)
    np.testing.assert_allclose(dual.numpy(), min_norm, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(primal.numpy(), min_norm, rtol=1e-5, atol=1e-7)  # pinv of an ill-conditioned Gram
    np.testing.assert_allclose(F @ dual.numpy().ravel(), ctx.y.numpy(), atol=1e-9)  # it interpolates
    with pytest.raises(ParameterError, match="CG does not return the minimum-norm solution"):
        ridge_gamma(ctx, 0.0, solver="cg")
    assert choose_solver(18, 6, 0.0, max_matrix_bytes=0) == "dual"  # never CG in that case


def test_ridgeless_overdetermined_is_least_squares():
    ctx = _contexts(4, 3.0)  # n = 48 > p = 20
    F = _features(ctx)
    least_squares = np.linalg.lstsq(F, ctx.y.numpy(), rcond=None)[0].reshape(4, 5)
    for solver in ("primal", "dual", "cg"):
        np.testing.assert_allclose(ridge_gamma(ctx, 0.0, solver=solver).numpy(), least_squares, rtol=1e-7, atol=1e-9)


def test_choose_solver():
    assert choose_solver(100_000, 10, 0.1) == "primal"  # n ≫ p, small p: the Gram is cheap
    assert choose_solver(50, 10, 0.1) == "dual"  # n ≪ p
    assert choose_solver(100_000, 10, 0.1, max_matrix_bytes=1000) == "cg"


@pytest.mark.parametrize("n, d, lam, method", [
    (512, 16, 1e-3, "primal"),  # τ = 2, d = 16: measured primal 0.39x the time of CG (one thread)
    (1152, 24, 1e-3, "primal"),  # τ = 2, d = 24: primal 0.77x
    (2048, 32, 1e-3, "cg"),  # τ = 2, d = 32: CG 1.08x faster
    (4608, 24, 1e-3, "cg"),  # τ = 8, d = 24: CG 1.45x faster
    (4608, 48, 1e-5, "cg"),  # τ = 2, d = 48: CG 4.3x faster
    (20_000, 100, 1e-5, "cg"),  # the Fig. 4 draws at d = 100: ~10x fewer predicted flops
    (1184, 32, 1e-5, "dual"),  # τ = 1.15: too close to the interpolation threshold for CG; direct
    (20_000, 100, 0.0, "primal"),  # λ = 0: the minimum-norm answer needs a direct method
    (5000, 100, 1e-5, "dual"),  # n < p
])
def test_choose_solver_follows_the_measured_crossover(n, d, lam, method):
    assert choose_solver(n, d, lam) == method


def test_cg_iteration_model():
    assert cg_iterations(1184, 32) == float("inf")  # n/p = 1.12 < 1.5
    # 11-15 iterations per unit of (1 + r^-1/2)/(1 - r^-1/2); measured 73-88 at τ = 2, 26-30 at τ = 8 (d = 16)
    assert 80 < cg_iterations(512, 16) < 100 and 30 < cg_iterations(2048, 16) < 35
    assert cg_iterations(2048, 16) < cg_iterations(512, 16)


def test_auto_uses_cg_where_chosen_and_agrees_with_the_direct_methods(monkeypatch):
    ctx = _contexts(24, 8.0)
    n, d = ctx.x.shape
    assert choose_solver(n, d, 1e-3) == "cg"
    calls = []
    real_cg = pretrain._cg
    monkeypatch.setattr(pretrain, "_cg", lambda *a, **k: calls.append(1) or real_cg(*a, **k))
    auto = ridge_gamma(ctx, 1e-3)
    assert calls and _relative(auto, ridge_gamma(ctx, 1e-3, solver="primal")) < 1e-9  # dual: see the test above


def test_auto_falls_back_to_a_direct_method_when_cg_stalls():
    ctx = _contexts(24, 8.0)
    primal = ridge_gamma(ctx, 1e-3, solver="primal")
    with pytest.raises(SolverError):
        ridge_gamma(ctx, 1e-3, solver="cg", max_iter=2)
    assert _relative(ridge_gamma(ctx, 1e-3, max_iter=2), primal) < 1e-12


def test_cg_reports_non_convergence_and_bad_input():
    ctx = _contexts(6, 2.0)
    with pytest.raises(SolverError, match="CG did not reach relative residual"):
        ridge_gamma(ctx, 1e-5, solver="cg", max_iter=1)
    with pytest.raises(ParameterError, match="lam must be real in \\[0, inf\\)"):
        ridge_gamma(ctx, -1.0)
    with pytest.raises(ParameterError, match="solver must be one of auto, primal, dual, cg"):
        ridge_gamma(ctx, 1.0, solver="lu")
    with pytest.raises(ParameterError, match="tol must be real in \\(0, inf\\)"):
        ridge_gamma(ctx, 1.0, solver="cg", tol=0)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_gives_the_cpu_result():
    ctx = _contexts(8, 1.5)
    for solver in ("primal", "dual", "cg"):
        cpu = ridge_gamma(ctx, 0.2, solver=solver)
        cuda = ridge_gamma(ctx.to("cuda"), 0.2, solver=solver)
        assert cuda.device.type == "cuda"
        torch.testing.assert_close(cuda.cpu(), cpu, rtol=1e-9, atol=1e-12)
