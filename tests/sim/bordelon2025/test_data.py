"""ISO/FS/RRS contexts of Bordelon, Letey, Pehlevan (Sec. 3): laws, normalisation, Haar rotations, bad input."""

import math

import pytest
import torch

from icl_sym.core.validation import ParameterError
from icl_sym.sim.bordelon2025 import make_spec, sample_contexts
from icl_sym.sim.sampling import chi2_each, haar_orthogonal, make_generator, wishart_factor


def _haar_moments(Q: torch.Tensor) -> dict:
    """Sample means (and standard errors) of Q_11, Q_11², Q_12², Q_11 Q_22 over a stack of matrices."""
    out = {}
    for name, values in {"q11": Q[:, 0, 0], "q11^2": Q[:, 0, 0] ** 2, "q12^2": Q[:, 0, 1] ** 2,
                         "q11q22": Q[:, 0, 0] * Q[:, 1, 1]}.items():
        out[name] = (float(values.mean()), float(values.std() / math.sqrt(values.numel())))
    return out


def _is_haar(Q: torch.Tensor, dim: int) -> bool:
    """E Q_ij = 0, E Q_ij² = 1/D and E Q_11 Q_22 = 0, each within 5 standard errors."""
    expected = {"q11": 0.0, "q11^2": 1 / dim, "q12^2": 1 / dim, "q11q22": 0.0}
    return all(abs(mean - expected[k]) < 5 * se for k, (mean, se) in _haar_moments(Q).items())


def test_haar_rotations_are_orthogonal_and_haar():
    dim, count = 4, 40_000
    Q = haar_orthogonal(count, dim, generator=make_generator(1))
    assert Q.shape == (count, dim, dim) and Q.dtype == torch.float64
    assert torch.allclose(Q.mT @ Q, torch.eye(dim, dtype=torch.float64).expand(count, dim, dim), atol=1e-12)
    assert _is_haar(Q, dim)
    # Half of O(D) has determinant -1.
    assert abs(float((torch.linalg.det(Q) > 0).double().mean()) - 0.5) < 0.02


def test_uncorrected_qr_fails_the_haar_test():
    """The same check rejects QR without the sign fix (the first column's first entry has one sign)."""
    dim, count = 4, 40_000
    gen = make_generator(1)
    q, _ = torch.linalg.qr(torch.randn(count, dim, dim, generator=gen, dtype=torch.float64))
    assert not _is_haar(q, dim)


def test_haar_sampler_is_seeded():
    a = haar_orthogonal(3, 5, generator=make_generator(2))
    b = haar_orthogonal(3, 5, generator=make_generator(2))
    assert torch.equal(a, b)


@pytest.mark.parametrize("setting", ["iso", "fs", "rrs"])
def test_zero_model_scores_one(setting):
    spec = make_spec(setting, 12, 2.0, nu=1.5, beta=1.0)
    batch = sample_contexts(spec, 4000, generator=make_generator(0))
    errors = batch.test_error(batch.w)
    if setting == "iso":  # w = β/√D with β ~ N(0, I): E|w|² = 1
        assert abs(float(errors.mean()) - 1) < 5 * float(errors.std()) / math.sqrt(4000)
    else:  # Rademacher signs: Σ_k λ_k ω_k = 1 in every context
        assert torch.allclose(errors, torch.ones_like(errors), rtol=1e-12)


def test_rrs_rotates_inputs_and_task_together():
    """x = O Λ^{1/2} z and w = O(√ω ⊙ s): in the context's eigenframe Oᵀ w = √ω ⊙ s, and Σ_c = OΛOᵀ."""
    spec = make_spec("rrs", 6, math.inf, nu=1.5, beta=1.0)
    batch = sample_contexts(spec, 5, generator=make_generator(3))
    frame = torch.einsum("bdk,bd->bk", batch.rotation, batch.w)
    assert torch.allclose(frame.abs(), spec.amplitudes.expand(5, 6), rtol=1e-12)
    assert torch.allclose(batch.cov, batch.rotation @ torch.diag(spec.eigenvalues) @ batch.rotation.mT, atol=1e-14)
    # Sampled inputs: the average of Σ̂ over many contexts is the rotation average tr(Λ) I / D.
    sampled = sample_contexts(make_spec("rrs", 6, 4.0, nu=1.5, beta=1.0), 6000, generator=make_generator(4),
                              sampler="tokens")
    mean_cov = torch.einsum("bdp,bep->de", sampled.X, sampled.X) / (6000 * sampled.X.shape[-1])
    target = spec.eigenvalues.mean() * torch.eye(6, dtype=torch.float64)
    assert float((mean_cov - target).abs().max()) < 0.02


def test_fs_inputs_have_the_power_law_covariance():
    spec = make_spec("fs", 5, 4.0, nu=2.0, beta=1.0)
    batch = sample_contexts(spec, 4000, generator=make_generator(5), sampler="tokens")
    mean_cov = torch.einsum("bdp,bep->de", batch.X, batch.X) / (4000 * batch.X.shape[-1])
    assert torch.allclose(mean_cov, torch.diag(torch.arange(1, 6, dtype=torch.float64) ** -2.0), atol=0.02)


def test_cov_times_and_label_noise():
    spec = make_spec("iso", 5, 3.0, noise=0.5)
    batch = sample_contexts(spec, 7, generator=make_generator(6), sampler="tokens")
    v = torch.randn(7, 5, dtype=torch.float64, generator=make_generator(7))
    sigma_hat = batch.X @ batch.X.mT / batch.X.shape[-1]
    assert torch.allclose(batch.cov_times(v), torch.einsum("bde,be->bd", sigma_hat, v), rtol=1e-12)
    residual = batch.labels() - torch.einsum("bdp,bd->bp", batch.X, batch.w)
    assert torch.allclose(residual, batch.noise_eps) and float(batch.noise_eps.std()) == pytest.approx(0.5, rel=0.3)
    assert torch.allclose(batch.noise_drive, torch.einsum("bdp,bp->bd", batch.X, batch.noise_eps) / 15)
    quiet = sample_contexts(spec, 7, generator=make_generator(6), noise=False, sampler="tokens")
    assert quiet.noise_drive is None and quiet.noise_eps is None


@pytest.mark.parametrize("kwargs, name", [
    (dict(setting="gaussian", dim=4, alpha=1.0), "setting"), (dict(setting="iso", dim=1, alpha=1.0), "dim"),
    (dict(setting="fs", dim=4, alpha=1.0, nu=0.0), "nu"), (dict(setting="fs", dim=4, alpha=1.0, nu=-1.0), "nu"),
    (dict(setting="rrs", dim=4, alpha=1.0, beta=0.0), "beta"), (dict(setting="iso", dim=4, alpha=0.0), "alpha"),
    (dict(setting="iso", dim=4, alpha=0.1), "alpha"), (dict(setting="iso", dim=4, alpha=1.0, noise=-1.0), "noise")])
def test_bad_input_names_the_parameter(kwargs, name):
    with pytest.raises(ParameterError, match=name):
        make_spec(**kwargs)


def test_chi2_each_and_wishart_factor():
    draws = chi2_each([1, 2, 7, 30], 40_000, generator=make_generator(8))
    dofs = torch.tensor([1.0, 2.0, 7.0, 30.0], dtype=torch.float64)
    assert torch.allclose(draws.mean(0), dofs, rtol=0.03) and torch.allclose(draws.var(0), 2 * dofs, rtol=0.06)
    for context in (3, 9):  # P < D (rank P) and P > D
        T = wishart_factor(5, 6, context, generator=make_generator(9))
        assert T.shape == (5, 6, min(6, context)) and float(torch.triu(T, 1).abs().max()) == 0
        assert bool((T.diagonal(dim1=-2, dim2=-1) > 0).all())
        below = torch.ones(6, min(6, context)).tril(-1).bool().expand_as(T)
        assert bool((T[below] != 0).all())  # every entry below the diagonal is drawn
    entries = wishart_factor(4000, 6, 9, generator=make_generator(9)).tril(-1)[:, 1:, :].flatten()
    entries = entries[entries != 0]  # the 15 entries below the diagonal of each factor: N(0, 1)
    assert entries.numel() == 15 * 4000 and abs(float(entries.mean())) < 0.02 and abs(float(entries.var()) - 1) < 0.03


def _sigma_hat_statistics(batch) -> torch.Tensor:
    """Per-context E-able statistics of Σ̂ (entries, squares, trace of Σ̂³) and of the noise drive."""
    sigma_hat = batch.X @ batch.X.mT / batch.context  # tokens X, or the factor F
    cube = torch.diagonal(sigma_hat @ sigma_hat @ sigma_hat, dim1=-2, dim2=-1).sum(-1)
    return torch.stack([sigma_hat[:, 0, 0], sigma_hat[:, 0, 1] ** 2, sigma_hat[:, 1, 1] ** 2, cube,
                        batch.noise_drive[:, 0] ** 2, batch.noise_drive[:, 0] * sigma_hat[:, 0, 0]], dim=1)


@pytest.mark.parametrize("setting, alpha", [("iso", 0.5), ("iso", 2.0), ("fs", 1.5), ("rrs", 1.0)])
def test_sufficient_sampler_has_the_law_of_the_tokens(setting, alpha):
    """Σ̂ moments up to third order and the noise drive agree between the two samplers (P < D included)."""
    spec = make_spec(setting, 4, alpha, nu=1.5, beta=1.0, noise=0.7)
    n = 20_000
    a = _sigma_hat_statistics(sample_contexts(spec, n, generator=make_generator(10), sampler="tokens"))
    b = _sigma_hat_statistics(sample_contexts(spec, n, generator=make_generator(11), sampler="sufficient"))
    se = torch.sqrt((a.var(0) + b.var(0)) / n)
    assert bool(((a.mean(0) - b.mean(0)).abs() < 5 * se).all()), (a.mean(0), b.mean(0), se)
    with pytest.raises(ValueError, match="tokens"):
        sample_contexts(spec, 2, generator=make_generator(1)).labels()
    with pytest.raises(ParameterError, match="sampler"):
        sample_contexts(spec, 2, generator=make_generator(1), queries=3)
