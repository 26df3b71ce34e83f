"""Monte Carlo references of the App. F.4 floors (erratum ERR-13): what they estimate, and that the corrected
deterministic equivalents of `width_floor` / `context_floor` approach them as D grows at fixed N/D (P/D) while the
printed forms stay a constant factor away."""

import numpy as np
import pytest

from icl_sym.core.validation import ParameterError
from icl_sym.theories.bordelon2025.bottlenecks import context_floor, width_floor
from icl_sym.theories.bordelon2025.floor_monte_carlo import interpolation_floor_mc, projection_floor_mc
from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum

#: D, and draws at that D: the Monte Carlo error falls with D, so fewer draws suffice at large D.
SIZES = ((64, 256), (256, 64), (1024, 24))


def _draws(seed: int, count: int, dim: int, rank: int) -> list[np.ndarray]:
    """The Gaussian matrices the estimators draw (child j of SeedSequence(seed)), for an independent re-computation."""
    return [np.random.default_rng(c).standard_normal((dim, rank)) for c in np.random.SeedSequence(seed).spawn(count)]


def test_estimators_are_the_limits_of_many_gd_steps():
    """The quantities estimated are the t, L → ∞ residuals: GD through a rank-N projection with *any* positive Γ ends
    at the Λ-orthogonal projection onto the row span of A; GD on P points with Γ = γI at the minimum-norm interpolant."""
    rng = np.random.default_rng(3)
    dim, rank = 9, 4
    spec = power_law_spectrum(dim, 1.5, 0.7)
    lam = np.diag(spec.eigenvalues)
    w = rng.choice([-1.0, 1.0], dim) * np.sqrt(spec.weights)
    a = rng.standard_normal((rank, dim))
    for _ in range(3):  # three random positive definite Γ: the same limit
        m = rng.standard_normal((rank, rank))
        gamma = m @ m.T + 0.1 * np.eye(rank)
        step = a.T @ gamma @ a @ lam
        step /= 1.05 * np.max(np.abs(np.linalg.eigvals(step)))  # a stable step (spectral radius < 1)
        e = np.linalg.matrix_power(np.eye(dim) - step, 10**7) @ w
        projected = w - a.T @ np.linalg.solve(a @ lam @ a.T, a @ lam @ w)
        np.testing.assert_allclose(e, projected, atol=1e-10)
    x = np.sqrt(spec.eigenvalues)[:, None] * rng.standard_normal((dim, rank))
    cov = x @ x.T / rank
    e = np.linalg.matrix_power(np.eye(dim) - cov / (1.05 * np.linalg.eigvalsh(cov).max()), 10**7) @ w
    np.testing.assert_allclose(e, w - x @ np.linalg.lstsq(x, w, rcond=None)[0], atol=1e-10)


def test_estimators_against_a_direct_computation():
    """Same draws, the floors computed with explicit D × D matrices (signs of w averaged: E w_k² = ω_k)."""
    dim, rank, draws = 12, 5, 6
    spec = power_law_spectrum(dim, 1.25, 0.9)
    lam = np.diag(spec.eigenvalues)
    width, context = [], []
    for g in _draws(4, draws, dim, rank):
        a = g.T  # the projection A = Gᵀ in the eigenframe of Λ: the estimator's span(Λ^{1/2}G) is span(Λ^{1/2}Aᵀ)
        residual = lam - lam @ a.T @ np.linalg.solve(a @ lam @ a.T, a @ lam)
        width.append(np.sum(spec.weights * np.diag(residual)))
        x = np.sqrt(spec.eigenvalues)[:, None] * g
        q = np.eye(dim) - x @ np.linalg.pinv(x)
        context.append(np.sum(spec.weights * np.diag(q @ lam @ q)))
    mc = projection_floor_mc(rank, spec.eigenvalues, spec.weights, draws=draws, seed=4)
    assert mc.mean == pytest.approx(np.mean(width), rel=1e-12) and mc.draws == draws
    assert mc.stderr == pytest.approx(np.std(width, ddof=1) / np.sqrt(draws), rel=1e-10)
    assert interpolation_floor_mc(rank, spec.eigenvalues, spec.weights, draws=draws, seed=4).mean == pytest.approx(
        np.mean(context), rel=1e-12)


def test_identity_covariance_gives_one_minus_rank_over_dim_in_every_draw():
    dim, rank = 40, 9
    lam, omega = np.ones(dim), np.full(dim, 1 / dim)
    for estimator in (projection_floor_mc, interpolation_floor_mc):
        mc = estimator(rank, lam, omega, draws=5, seed=1)
        assert mc.mean == pytest.approx(1 - rank / dim, rel=1e-12) and mc.stderr < 1e-13


def test_seeded():
    spec = power_law_spectrum(30, 1.5, 0.5)
    args = (6, spec.eigenvalues, spec.weights)
    assert projection_floor_mc(*args, draws=8, seed=2) == projection_floor_mc(*args, draws=8, seed=2)
    assert projection_floor_mc(*args, draws=8, seed=2).mean != projection_floor_mc(*args, draws=8, seed=3).mean


def _gaps(estimator, floor, nu_, beta_, ratio):
    """Relative gap of the Monte Carlo to the corrected floor, and its ratio to the printed floor, at each D."""
    gaps, ratios, errors = [], [], []
    for dim, draws in SIZES:
        spec = power_law_spectrum(dim, nu_, beta_)
        rank = dim // ratio
        mc = estimator(rank, spec.eigenvalues, spec.weights, draws=draws, seed=0)
        corrected = floor(rank, spec.eigenvalues, spec.weights).loss
        gaps.append(mc.mean / corrected - 1)
        errors.append(mc.stderr / corrected)
        ratios.append(mc.mean / floor(rank, spec.eigenvalues, spec.weights, printed=True).loss)
    return np.array(gaps), np.array(errors), np.array(ratios)


@pytest.mark.parametrize("nu_, beta_", [(2.0, 0.5), (1.5, 0.8)])
def test_width_floor_converges_to_the_projection_equivalent(nu_, beta_):
    """N = D/8. Measured (2, 0.5): gaps +5.1 %, +2.4 %, +0.3 % at D = 64, 256, 1024 (±1.0, 0.6, 0.2 %); printed
    ratio 2.1 at every D. (1.5, 0.8): +6.3 %, +3.6 %, +0.5 % (±1.6, 1.1, 0.6 %); printed ratio 2.8, 3.6, 4.1."""
    gaps, errors, ratios = _gaps(projection_floor_mc, width_floor, nu_, beta_, 8)
    assert abs(gaps[-1]) < 0.02 and abs(gaps[-1]) < abs(gaps[0]) / 3  # shrinking, not one lucky D
    assert np.all(gaps[:2] > 2 * errors[:2])  # at small D the finite-D excess is resolved, and positive
    assert np.all(ratios > 1.9) and ratios[-1] >= 0.98 * ratios[0]  # the printed form does not converge


@pytest.mark.parametrize("nu_, beta_", [(2.0, 0.5), (1.5, 0.8)])
def test_context_floor_converges_to_the_ridgeless_equivalent(nu_, beta_):
    """P = D/4. Measured (2, 0.5): gaps +3.0 %, +0.8 %, +0.1 % (±0.5, 0.3, 0.1 %); printed ratio 2.3 at every D.
    (1.5, 0.8): +4.1 %, +1.1 %, +0.2 % (±0.7, 0.4, 0.1 %); printed ratio 1.93-1.96."""
    gaps, errors, ratios = _gaps(interpolation_floor_mc, context_floor, nu_, beta_, 4)
    assert abs(gaps[-1]) < 0.01 and abs(gaps[-1]) < abs(gaps[0]) / 3
    assert gaps[0] > 2 * errors[0]
    assert np.all(ratios > 1.8) and ratios[-1] >= 0.97 * ratios[0]


def test_width_floor_saturates_at_nu_beyond_beta_one():
    """β = 1.5 > 1: the Monte Carlo floor halves about as N^{-ν} per doubling of N (D = 8N), not N^{-νβ}."""
    nu_, beta_ = 2.0, 1.5
    floors = []
    for dim in (256, 512):
        spec = power_law_spectrum(dim, nu_, beta_)
        floors.append(projection_floor_mc(dim // 8, spec.eigenvalues, spec.weights, draws=48, seed=0).mean)
    slope = np.log(floors[1] / floors[0]) / np.log(2)
    assert abs(slope + nu_) < 0.25 and abs(slope + nu_ * beta_) > 0.6


@pytest.mark.parametrize("call, name", [
    (lambda: projection_floor_mc(10, np.ones(10), np.ones(10)), "width"),
    (lambda: interpolation_floor_mc(0, np.ones(10), np.ones(10)), "context"),
    (lambda: projection_floor_mc(3, np.ones(10), np.ones(10), draws=1), "draws"),
    (lambda: projection_floor_mc(3, np.ones(10), np.ones(10), seed=-1), "seed"),
    (lambda: interpolation_floor_mc(3, -np.ones(10), np.ones(10)), "eigenvalues"),
])
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ParameterError) as err:
        call()
    assert err.value.name == name
