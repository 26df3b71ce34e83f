"""The reduced-Γ model is L steps of preconditioned in-context GD; the decoupled linear transformer is a
reduced-Γ model with the Γ read off its weights (Bordelon, Letey, Pehlevan, Sec. 2, App. B)."""

import pytest
import torch

from icl_sym.core.validation import ParameterError
from icl_sym.sim.bordelon2025 import (LinearTransformer, ReducedGamma, SoftmaxTransformer, TrainConfig, make_spec,
                                      reduced_errors, sample_contexts, train)
from icl_sym.sim.sampling import make_generator


def _gd_weights(gammas, X, y):
    """w^L of explicit GD, w^{ℓ+1} = w^ℓ + Γ_ℓ X (y − Xᵀ w^ℓ)/(L P), one context at a time."""
    depth, P = gammas.shape[0], X.shape[-1]
    out = []
    for b in range(X.shape[0]):
        w = torch.zeros(X.shape[1], dtype=X.dtype)
        for layer in range(depth):
            w = w + gammas[layer] @ X[b] @ (y[b] - X[b].T @ w) / (depth * P)
        out.append(w)
    return torch.stack(out)


@pytest.mark.parametrize("setting", ["iso", "fs", "rrs"])
def test_reduced_recursion_is_in_context_gd_with_noise(setting):
    spec = make_spec(setting, 5, 1.6, nu=1.5, beta=1.0, noise=0.3)
    batch = sample_contexts(spec, 6, generator=make_generator(0), sampler="tokens")
    gammas = torch.randn(3, 5, 5, dtype=torch.float64, generator=make_generator(1))  # untied, asymmetric
    e = reduced_errors(gammas, batch)
    assert torch.allclose(batch.w - e, _gd_weights(gammas, batch.X, batch.labels()), rtol=1e-10, atol=1e-12)


def test_tied_recursion_is_the_matrix_power():
    spec = make_spec("iso", 6, 2.0)
    batch = sample_contexts(spec, 4, generator=make_generator(2), sampler="tokens")
    gamma = torch.randn(6, 6, dtype=torch.float64, generator=make_generator(3))
    depth = 4
    sigma_hat = batch.X @ batch.X.mT / batch.X.shape[-1]
    power = torch.linalg.matrix_power(torch.eye(6, dtype=torch.float64) - gamma @ sigma_hat / depth, depth)
    e = reduced_errors(gamma.expand(depth, 6, 6), batch)
    assert torch.allclose(e, torch.einsum("bde,be->bd", power, batch.w), rtol=1e-10)


def test_width_projection_and_untied_layers():
    model = ReducedGamma(6, 3, width=4, tied=False)
    with torch.no_grad():
        model.gamma.copy_(torch.randn(3, 4, 4, dtype=torch.float64, generator=make_generator(4)))
    g = model.effective_gammas()
    assert g.shape == (3, 6, 6)
    assert torch.equal(g[:, :4, :4], model.gamma.detach()) and float(g.detach()[:, 4:, :].abs().max()) == 0
    assert model.lr_scales()[0][1] == 3.0 and ReducedGamma(6, 3).lr_scales()[0][1] == 1.0
    with pytest.raises(ParameterError, match="width"):
        ReducedGamma(6, 3, width=7)
    with pytest.raises(ParameterError, match="depth"):
        ReducedGamma(6, 0)
    with pytest.raises(ParameterError, match="dim"):
        ReducedGamma(1, 2)


def _transformer_vs_reduced(model: LinearTransformer, seed: int) -> float:
    """Largest gap between the transformer's query predictions and those of the reduced model with its Γ_eff."""
    spec = make_spec("iso", model.dim, 2.0, noise=0.2)
    batch = sample_contexts(spec, 8, generator=make_generator(seed), queries=5, sampler="tokens")
    with torch.no_grad():
        predicted = model.predict(batch.X, batch.labels(), batch.queries)
        gamma = model.effective_gamma().expand(model.depth, model.dim, model.dim)
        w_hat = batch.w - reduced_errors(gamma, batch)
        reduced = torch.einsum("bdk,bd->bk", batch.queries, w_hat)
    return float((predicted - reduced).abs().max() / reduced.abs().max())


def test_initial_transformer_is_the_reduced_model():
    model = LinearTransformer(6, 3, width=8)
    assert _transformer_vs_reduced(model, 5) < 1e-12
    # At the authors' initialisation Γ_eff = 2σ⁵ I / D (inputs fed as x/√D).
    assert torch.allclose(model.effective_gamma(), 2 * 0.4**5 / 6 * torch.eye(6, dtype=torch.float64))


def test_trained_transformer_stays_a_reduced_model_with_the_read_off_gamma():
    """Training moves W_q, W_k, W_v, W_x (W_q ≠ W_k: Γ_eff is not symmetric) and the read-off stays exact."""
    config = TrainConfig(setting="iso", dim=6, alpha=2.0, depth=2, width=8, model="linear", steps=30, lr=2.0,
                         batch=32, noise=0.2, queries=4)
    model = train(config).model
    M = model.effective_gamma().detach()
    assert float((M - M.T).abs().max()) > 1e-3 * float(M.abs().max())  # Mᵀ vs M is tested
    assert float((model.W_q - model.W_k).detach().abs().max()) > 1e-3
    assert _transformer_vs_reduced(model, 6) < 1e-10


def test_coupled_transformer_runs_and_has_no_fixed_gamma():
    model = LinearTransformer(5, 2, coupled=True)
    batch = sample_contexts(make_spec("iso", 5, 2.0), 3, generator=make_generator(7), queries=4, sampler="tokens")
    assert model.losses(batch).shape == (3,)
    with pytest.raises(ParameterError, match="model"):
        model.effective_gamma()


@pytest.mark.parametrize("heads, mlp", [(1, False), (2, False), (1, True), (2, True)])
def test_softmax_transformer_masks_queries_and_learns(heads, mlp):
    """Queries are never keys: a query's prediction ignores the other queries; AdamW lowers the loss."""
    model = SoftmaxTransformer(6, 2, width=8, heads=heads, mlp=mlp)
    batch = sample_contexts(make_spec("iso", 6, 2.0), 4, generator=make_generator(8), queries=3, sampler="tokens")
    with torch.no_grad():
        full = model.predict(batch.X, batch.labels(), batch.queries)
        moved = batch.queries.clone()
        moved[..., 1:] *= 5.0
        again = model.predict(batch.X, batch.labels(), moved)
        relabelled = model.predict(batch.X, batch.labels() + 1.0, batch.queries)
    assert torch.allclose(full[:, 0], again[:, 0], rtol=1e-12) and not torch.allclose(full, relabelled)
    config = TrainConfig(setting="iso", dim=6, alpha=2.0, depth=2, width=8, model="softmax", steps=60, lr=0.02,
                         batch=32, queries=4, heads=heads, mlp=mlp)
    history = train(config).history
    assert sum(history[-10:]) / 10 < 0.9 * sum(history[:5]) / 5
    with pytest.raises(ParameterError, match="heads"):
        SoftmaxTransformer(6, 2, width=8, heads=3)


@pytest.mark.parametrize("model", [ReducedGamma, LinearTransformer, SoftmaxTransformer])
@pytest.mark.parametrize("dim, depth, width, name", [(1, 2, None, "dim"), (4, 0, None, "depth"), (4, 2, 0, "width"),
                                                     (4.5, 2, None, "dim"), (4, 2, 2.5, "width")])
def test_every_model_rejects_a_bad_shape_naming_the_parameter(model, dim, depth, width, name):
    with pytest.raises(ParameterError, match=name):
        model(dim, depth, width)
    assert model(4, 2, None).width == 4  # the default width is the dimension
