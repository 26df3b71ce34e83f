"""Lemma 1 and Proposition 1 against Monte Carlo (seeded; tolerances in standard errors)."""

import numpy as np
import pytest
import sympy as sp
import torch

import icl_sym.theories  # noqa: F401
from icl_sym.core.registry import REGISTRY
from icl_sym.sim.errors import mc_test_error
from icl_sym.sim.sampling import make_generator, sample_contexts, sphere_tasks
from icl_sym.theories.lu2024 import error_of_gamma
from icl_sym.theories.lu2024.symbols import d, ell, rho, w

N_SIGMA = 4.0


def _evaluate(expr, values):
    """A Lemma-1 moment (scalar or matrix expression) at explicit numbers, as a float array."""
    out = expr.subs(values).doit()
    out = out.as_explicit() if isinstance(out, sp.MatrixExpr) else out
    return np.array(sp.Matrix(out) if isinstance(out, sp.MatrixBase) else out, dtype=float)


def test_lemma1_moments_against_monte_carlo():
    dim, length, noise, n = 5, 7, 0.3, 100_000
    gen = make_generator(11)
    task = torch.randn(dim, generator=gen, dtype=torch.float64) * 1.3  # not on the sphere: the lemma is general
    ctx = sample_contexts(task.expand(n, dim).contiguous(), length, noise, generator=gen)
    s, q = ctx.s.numpy(), ctx.q.numpy()
    values = {w: sp.Matrix(task.numpy()), d: dim, ell: length, rho: noise}
    lemma = REGISTRY.get_derivation("lu2024.lemma1")
    samples = {
        "E[s]": s,
        "E[s s^T]": np.einsum("ni,nj->nij", s, s),
        "E[q]": q,
        "E[s q]": s * q[:, None],
        "E[q^2]": q**2,
    }
    for step, draws in samples.items():
        theory = _evaluate(lemma.step(step).rhs, values).reshape(draws.shape[1:])
        mean = draws.mean(axis=0)
        sem = draws.std(axis=0, ddof=1) / np.sqrt(n)
        z = np.abs(mean - theory) / sem
        assert np.all(z < N_SIGMA), (step, float(z.max()))


@pytest.mark.parametrize("case", ["icl", "idg"])
def test_proposition1_against_monte_carlo(case):
    dim, alpha, noise, n = 10, 2.0, 0.2, 100_000
    gen = make_generator(5)
    rng = np.random.default_rng(5)
    gamma = rng.normal(size=(dim, dim + 1)) / dim + np.hstack([0.5 * np.eye(dim), np.zeros((dim, 1))])
    if case == "icl":
        tasks = sphere_tasks(n, dim, generator=gen)
        theory = error_of_gamma(gamma, noise, alpha)
    else:
        pool = sphere_tasks(5, dim, generator=gen)
        tasks = pool[torch.randint(5, (n,), generator=gen)]
        W = pool.numpy()
        theory = error_of_gamma(gamma, noise, alpha, W.mean(axis=0), W.T @ W / 5)
    ctx = sample_contexts(tasks, round(alpha * dim), noise, generator=gen)
    mean, sem = mc_test_error(torch.from_numpy(gamma), ctx)
    assert abs(mean - theory) < N_SIGMA * sem, (case, mean, theory, sem)
