"""Deep residual linear attention = reduced-Γ recursion = L steps of preconditioned GD; the test error."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from icl_sym.theories.bordelon2025 import reduction as red


def _random_problem(rng: np.random.Generator, dim: int, context: int, queries: int, depth: int):
    tokens = rng.standard_normal((dim, context + queries))
    labels = rng.standard_normal(context)
    layers = [(rng.standard_normal((dim, dim)), rng.standard_normal((dim, dim)), rng.standard_normal())
              for _ in range(depth)]
    return tokens, labels, layers


@pytest.mark.parametrize("seed", range(5))
def test_attention_equals_gd_at_random_sizes_float64(seed):
    rng = np.random.default_rng(np.random.SeedSequence([2025, seed]))
    dim, context, queries, depth = (int(v) for v in rng.integers([2, 3, 1, 1], [12, 30, 6, 9]))
    tokens, labels, layers = _random_problem(rng, dim, context, queries, depth)
    Q, K, v = layers[0]
    tied = [(Q, K, v)] * depth
    attention = red.attention_forward(tokens, labels, tied)
    gamma = v * K.T @ Q
    reduced = red.reduced_gamma_forward(tokens, labels, [gamma] * depth)
    _, gd = red.gradient_descent_forward(tokens, labels, gamma.T, depth, np.sqrt(dim))
    np.testing.assert_allclose(attention, reduced, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(attention, gd, rtol=1e-10, atol=1e-12)
    # Untied layers: the architecture still follows the reduced recursion layer by layer.
    untied = red.attention_forward(tokens, labels, layers)
    np.testing.assert_allclose(untied, red.reduced_gamma_forward(tokens, labels, [w * k.T @ q for q, k, w in layers]),
                               rtol=1e-10, atol=1e-12)


def test_mask_sign_and_preconditioner_transpose_matter():
    """Mutations: a mask without the −1 on training rows, or Γ instead of Γᵀ in GD, break the identity."""
    rng = np.random.default_rng(np.random.SeedSequence(11))
    tokens, labels, layers = _random_problem(rng, 3, 5, 2, 2)
    Q, K, v = layers[0]
    gamma = v * K.T @ Q
    attention = red.attention_forward(tokens, labels, [(Q, K, v)] * 2)
    _, wrong_transpose = red.gradient_descent_forward(tokens, labels, gamma, 2, np.sqrt(3))
    assert not np.allclose(attention, wrong_transpose, rtol=1e-6)
    original = red.mask
    try:
        red.mask = lambda p, k: np.ones((p + k, p), dtype=int)  # every token with a plus sign
        unsigned = red.attention_forward(tokens, labels, [(Q, K, v)] * 2)
    finally:
        red.mask = original
    assert not np.allclose(attention, unsigned, rtol=1e-6)


def test_linear_teacher_error_against_monte_carlo():
    """The corrected formula (Σ inside the noise term) against sampled teachers and noise at a fixed context."""
    rng = np.random.default_rng(np.random.SeedSequence(5))
    dim, context, depth, sigma2 = 4, 6, 3, 0.7
    tokens = rng.standard_normal((dim, context))
    gamma = 0.5 * np.eye(dim) + 0.1 * rng.standard_normal((dim, dim))
    root = rng.standard_normal((dim, dim))
    Sigma, Omega = root @ root.T / dim + np.eye(dim), np.diag(rng.uniform(0.5, 2, dim))
    samples = 40000
    beta_star = rng.standard_normal((samples, dim)) @ np.sqrt(Omega)
    eps = rng.standard_normal((samples, context))
    labels = beta_star @ tokens / np.sqrt(dim) + np.sqrt(sigma2) * eps
    beta = np.zeros((samples, dim))  # GD for every sample at once (rows), as in gradient_descent_forward
    for _ in range(depth):
        beta = beta - np.sqrt(dim) * ((beta @ tokens / np.sqrt(dim) - labels) @ tokens.T @ gamma.T) / (depth * context)
    diff = beta - beta_star
    errors = np.einsum("si,ij,sj->s", diff, Sigma, diff) / dim
    formula = red.linear_teacher_error(gamma, tokens, Sigma, Omega, sigma2, depth)
    assert abs(errors.mean() - formula) < 4 * errors.std() / np.sqrt(samples)
    # The printed noise term drops Σ: visibly different here (Σ ≠ I).
    A, S, sigma_hat = red._propagators(gamma, tokens, depth)
    printed = (np.trace(Omega @ A.T @ Sigma @ A) / dim
               + sigma2 / (context / dim * depth**2) * np.trace(gamma @ S @ sigma_hat @ S.T @ gamma.T) / dim)
    assert abs(errors.mean() - printed) > 10 * errors.std() / np.sqrt(samples)


def test_error_step_bites():
    """Replacing the corrected noise term by the printed one (no Σ) fails the exact check."""
    derivation = red.reduction()
    printed = (sp.Trace(red.Omega * red.A_prop.T * red.Sigma * red.A_prop) / red.D
               + red.sigma2 / ((red.P / red.D) * red.L**2)
               * sp.Trace(red.Gamma * red.S_prop * red.Sigma_hat * red.S_prop.T * red.Gamma.T) / red.D)
    mutated = derivation.with_step("test error for a linear teacher", rhs=printed)
    assert not mutated.step("test error for a linear teacher").verify().passed


def test_iso_error_reduces_to_the_iso_integrand():
    """Σ = Ω = I, Γ = γI: the bias term is tr[(I − γΣ̂/L)^{2L}], the ISO integrand at finite D."""
    rng = np.random.default_rng(np.random.SeedSequence(3))
    dim, context, depth, gamma_value = 5, 9, 4, 1.3
    tokens = rng.standard_normal((dim, context))
    value = red.linear_teacher_error(gamma_value * np.eye(dim), tokens, np.eye(dim), np.eye(dim), 0.0, depth)
    eigenvalues = np.linalg.eigvalsh(tokens @ tokens.T / context)
    assert value == pytest.approx(np.mean((1 - gamma_value * eigenvalues / depth) ** (2 * depth)), rel=1e-12)
