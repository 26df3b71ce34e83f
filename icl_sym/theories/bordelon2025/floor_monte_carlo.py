"""Monte Carlo references for the width and context floors of the RRS model (Bordelon, Letey, Pehlevan 2025, App. F.4).

Both floors are t, L → ∞ limits at a finite dimension D, averaged over the randomness the deterministic
equivalents of :mod:`.bottlenecks` replace (docs/theory/bordelon2025.md, "RRS and bottlenecks"); in the
eigenframe of Λ, with the task's signs averaged (E w_k² = ω_k):

* width (α = ∞, rank-N projection A): the residual of L → ∞ preconditioned GD is w minus its Λ-orthogonal
  projection onto the row span of A, so the floor is Σ_k ω_k λ_k (1 − Π_kk) with Π the orthogonal projector
  onto span(Λ^{1/2}Aᵀ). Under RRS that span is uniform (Haar) relative to Λ's eigenbasis. Gaussian rows have a
  uniform span as well and the floor depends on A only through its span, so A is drawn Gaussian here.
* context (α_N = 1, Γ = γI, P < D points): the residual is w minus its projection onto span(X), X = Λ^{1/2}G
  with G a D × P Gaussian matrix, and the floor is Σ_k ω_k [(I − Π)Λ(I − Π)]_kk: the bias of ridgeless
  (minimum-norm) regression.

Every draw j of a call seeded ``seed`` comes from the j-th child of ``numpy.random.SeedSequence(seed)``, so it
is the same whatever the number of draws. The linear algebra runs on one BLAS thread: at these sizes (D ≲ 10³)
threads gain little, and on a shared machine an oversubscribed BLAS was measured 10-40 times slower.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from icl_sym.core.validation import ParameterError, check_int

from .source_capacity import check_spectrum

__all__ = ["MonteCarloFloor", "projection_floor_mc", "interpolation_floor_mc"]


@dataclass(frozen=True)
class MonteCarloFloor:
    """The sample mean of a floor over ``draws`` independent draws and its standard error."""

    mean: float
    stderr: float
    draws: int


def _monte_carlo(name: str, rank, eigenvalues, weights, draws, seed, floor_of_span) -> MonteCarloFloor:
    """Mean and standard error of ``floor_of_span(U, λ, ω)`` over ``draws`` bases U (D × ``rank``) of span(Λ^{1/2}G),
    G a standard Gaussian matrix; draw j from the j-th child of SeedSequence(``seed``)."""
    spectrum = check_spectrum(eigenvalues, weights)
    dim = spectrum.dim
    n = check_int(name, rank, 1)
    if n >= dim:
        raise ParameterError(name, f"an integer in [1, {dim - 1}] (below the dimension D = {dim})", rank)
    draws = check_int("draws", draws, 2)
    children = np.random.SeedSequence(check_int("seed", seed, 0)).spawn(draws)
    lam, omega = spectrum.eigenvalues, spectrum.weights
    sqrt_lam = np.sqrt(lam)
    values = []
    with threadpool_limits(limits=1, user_api="blas"):
        for child in children:
            gaussian = np.random.default_rng(child).standard_normal((dim, n))
            basis, _ = np.linalg.qr(sqrt_lam[:, None] * gaussian)
            values.append(float(floor_of_span(basis, lam, omega)))
    v = np.asarray(values)
    return MonteCarloFloor(float(v.mean()), float(v.std(ddof=1) / math.sqrt(len(v))), len(v))


def _projection_error(basis: np.ndarray, lam: np.ndarray, omega: np.ndarray) -> float:
    return omega @ (lam * (1 - np.sum(basis**2, axis=1)))


def _ridgeless_bias(basis: np.ndarray, lam: np.ndarray, omega: np.ndarray) -> float:
    # [(I − Π)Λ(I − Π)]_kk = λ_k (1 − 2Π_kk) + [U (UᵀΛU) Uᵀ]_kk with Π = UUᵀ: O(DP²), never a D × D matrix
    inner = basis.T @ (lam[:, None] * basis)
    return omega @ (lam * (1 - 2 * np.sum(basis**2, axis=1)) + np.sum((basis @ inner) * basis, axis=1))


def projection_floor_mc(width, eigenvalues, weights, *, draws: int = 64, seed: int = 0) -> MonteCarloFloor:
    """Width floor at finite D: E Σ_k ω_k λ_k (1 − Π_kk), Π projecting onto a uniformly random N-dim span(Λ^{1/2}Aᵀ).

    ``width`` N in [1, D − 1]; ``draws`` ≥ 2 projections.
    """
    return _monte_carlo("width", width, eigenvalues, weights, draws, seed, _projection_error)


def interpolation_floor_mc(context, eigenvalues, weights, *, draws: int = 64, seed: int = 0) -> MonteCarloFloor:
    """Context floor at finite D: E Σ_k ω_k [(I − Π)Λ(I − Π)]_kk, Π projecting onto span(X), X = Λ^{1/2}G (D × P).

    ``context`` P in [1, D − 1]; ``draws`` ≥ 2 contexts.
    """
    return _monte_carlo("context", context, eigenvalues, weights, draws, seed, _ridgeless_bias)
