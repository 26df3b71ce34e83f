"""Trained attention models of Lu et al. Figs. 5-6: exact reduction, Γ → Γ*, training, seeding, bad input."""

import math

import pytest
import torch

from icl_sym.core.validation import ParameterError
from icl_sym.sim.devices import torch_threads
from icl_sym.sim.lu2024.pretrain import ridge_gamma
from icl_sym.sim.lu2024.trained.models import ARCHITECTURES, VARIANTS, build_model
from icl_sym.sim.lu2024.trained.training import (Optimiser, pretraining_set, stream_generator, train,
                                                 train_and_score)

INF = math.inf


@pytest.fixture(autouse=True)
def one_thread():
    with torch_threads(1):
        yield


def small_set(d=5, tau=4.0, kappa=INF, seed=0):
    return pretraining_set(d, 1.0, kappa, tau, 0.01, generator=stream_generator(seed, 0, "data"), task_law="sphere")


def linear(d=5, seed=0, variant="paper", dtype="float64"):
    return build_model("linear", d, generator=stream_generator(seed, 0, "init"), variant=variant, dtype=dtype)


def test_linear_attention_is_exactly_the_reduced_model():
    data = small_set()
    model = linear()
    c = data.contexts
    with torch.no_grad():
        reduced = torch.einsum("nd,de,ne->n", c.x, model.gamma(), c.h)
        assert torch.allclose(model(data.tokens), reduced, rtol=1e-12, atol=1e-13)
    # The authors' variant (bias, no mask, query attends to itself) is not of the form <Γ, H_Z>.
    assert not hasattr(linear(variant="authors"), "gamma")


def test_trained_gamma_approaches_the_closed_form_gamma_star(tmp_path):
    """Full-batch AdamW without weight decay, float64, τ = 4 > 1 (unique least-squares Γ*)."""
    data = small_set()
    target = ridge_gamma(data.contexts, 0.0)
    model = linear()
    distances = []
    for steps in (30, 200, 1000):  # the checkpoint resumes one run: Adam's state carries over
        train(model, data.tokens, data.labels, Optimiser(steps, lr=1e-2, weight_decay=0.0, batch_fraction=1.0),
              generator=stream_generator(0, 0, "batches"), checkpoint=tmp_path / "run.pt", checkpoint_every=10**6)
        distances.append(float((model.gamma().detach() - target).norm() / target.norm()))
    assert distances[0] > 0.1 and distances[0] > distances[1] > distances[2]
    assert distances[2] < 1e-6


def test_checkpoint_resume_gives_the_uninterrupted_run(tmp_path):
    data = small_set(tau=2.0)
    one_go, resumed = linear(), linear()
    opt = dict(lr=1e-2, batch_fraction=0.1)
    train(one_go, data.tokens, data.labels, Optimiser(40, **opt), generator=stream_generator(0, 0, "batches"))
    path = tmp_path / "ckpt.pt"
    train(resumed, data.tokens, data.labels, Optimiser(15, **opt), generator=stream_generator(0, 0, "batches"),
          checkpoint=path)
    # A fresh model and generator: everything comes from the checkpoint.
    resumed, generator = linear(seed=3), stream_generator(9, 9, "batches")
    record = train(resumed, data.tokens, data.labels, Optimiser(40, **opt), generator=generator, checkpoint=path)
    assert record.steps == 40
    for a, b in zip(one_go.parameters(), resumed.parameters()):
        assert torch.equal(a, b)


@pytest.mark.parametrize("architecture", sorted(ARCHITECTURES))
@pytest.mark.parametrize("variant", VARIANTS)
def test_every_model_predicts_one_value_per_context_and_trains(architecture, variant):
    data = small_set(d=4, tau=2.0)
    model = build_model(architecture, 4, generator=stream_generator(0, 0, "init"), variant=variant)
    assert next(model.parameters()).dtype == torch.float32
    tokens, labels = data.tokens.float(), data.labels.float()
    assert model(tokens).shape == (data.n,)
    record = train(model, tokens, labels, Optimiser(60, lr=1e-2, batch_fraction=0.5),
                   generator=stream_generator(0, 0, "batches"), record_every=20)
    assert [s for s, _ in record.history] == [20, 40, 60]
    assert record.final_loss < record.history[0][1] and math.isfinite(record.final_loss)


def test_variants_differ_where_the_authors_code_does():
    def count(model, kind):
        return sum(isinstance(m, kind) for m in model.modules())

    gen = lambda: stream_generator(0, 0, "init")  # noqa: E731
    paper, authors = (build_model("softmax2_mlp", 6, generator=gen(), variant=v) for v in VARIANTS)
    # Two LayerNorms per sublayer in the authors' code; their "MLP" is one dense map, without GELU.
    assert count(paper, torch.nn.LayerNorm) == 4 and count(authors, torch.nn.LayerNorm) == 8
    width = 6
    mlp_params = lambda m: sum(p.numel() for n, p in m.named_parameters() if ".inner.first" in n or ".inner.second" in n)  # noqa: E731
    assert mlp_params(paper) == 2 * 2 * (width * width + width) and mlp_params(authors) == 2 * (width * width + width)
    softmax1 = build_model("softmax1", 6, generator=gen())
    assert count(softmax1, torch.nn.LayerNorm) == 1


def test_initial_parameters_are_seeded():
    same = [build_model("softmax1", 5, generator=stream_generator(1, 2, "init")) for _ in range(2)]
    other = build_model("softmax1", 5, generator=stream_generator(1, 3, "init"))
    first = [p.detach() for p in same[0].parameters()]
    assert all(torch.equal(a, b) for a, b in zip(first, same[1].parameters()))
    assert not torch.equal(first[0], next(other.parameters()).detach())
    assert stream_generator(1, 2, "data").initial_seed() != stream_generator(1, 2, "init").initial_seed()


def test_train_and_score_reports_errors_and_sizes():
    opt = Optimiser(30, lr=1e-2, batch_fraction=0.5)
    out = train_and_score("linear", 4, 1.0, 1.0, 2.0, 0.01, optimiser=opt, contexts=64, seed=0)
    assert (out["n"], out["k"], out["ell"], out["steps"]) == (32, 4, 4, 30)
    assert out["g_task"] == out["icl"] - out["idg"] and out["idg"] != out["icl"]
    again = train_and_score("linear", 4, 1.0, 1.0, 2.0, 0.01, optimiser=opt, contexts=64, seed=0)
    assert again["icl"] == out["icl"] and again["train_loss"] == out["train_loss"]
    fresh = train_and_score("linear", 4, 1.0, INF, 2.0, 0.01, optimiser=opt, contexts=64, seed=0)
    assert fresh["idg"] == fresh["icl"] and fresh["k"] == fresh["n"] == 32


def test_float32_and_float64_training_agree():
    opt = Optimiser(100, lr=1e-2, batch_fraction=0.5)
    runs = [train_and_score("linear", 4, 1.0, INF, 2.0, 0.01, optimiser=opt, contexts=256, seed=1, dtype=dtype)
            for dtype in ("float32", "float64")]
    assert runs[0]["icl"] == pytest.approx(runs[1]["icl"], rel=1e-4)
    assert runs[0]["train_loss"] == pytest.approx(runs[1]["train_loss"], rel=1e-4)


@pytest.mark.parametrize("kwargs, name", [
    (dict(d=1), "d"),
    (dict(tau=0.0), "tau"),
    (dict(tau=-1.0), "tau"),
    (dict(architecture="softmax4"), "architecture"),
    (dict(device="cuda:0" if not torch.cuda.is_available() else "tpu"), "device"),
    (dict(variant="jax"), "variant"),
    (dict(dtype="bfloat16"), "dtype"),
    (dict(contexts=1), "contexts"),
])
def test_bad_input_names_the_parameter(kwargs, name):
    args = dict(architecture="linear", d=4, alpha=1.0, kappa=INF, tau=1.0, rho=0.01)
    args.update({k: v for k, v in kwargs.items() if k in args})
    options = dict(optimiser=Optimiser(1), contexts=8, seed=0)
    options.update({k: v for k, v in kwargs.items() if k not in args})
    with pytest.raises(ParameterError, match=f"^{name} must be"):
        train_and_score(*args.values(), **options)


@pytest.mark.parametrize("kwargs, name", [
    (dict(steps=-1), "steps"), (dict(steps=1, lr=0.0), "lr"), (dict(steps=1, batch_fraction=1.5), "batch_fraction"),
])
def test_bad_optimiser_settings(kwargs, name):
    with pytest.raises(ParameterError, match=f"^{name} must be"):
        Optimiser(**kwargs)


def test_trained_linear_attention_shows_the_double_descent_peak():
    """d = 8, α = 1, κ = ∞: the ICL error at n = d(d+1) (the parameter count of Γ, τ = 9/8) is far above
    τ = 0.25 and τ = 4. Full-batch AdamW, no weight decay: the peak is the interpolation of noisy labels.
    Measured: 23.4 against 2.8 and 0.98 (seed 0); the peak grows with training (46 after 2000 steps at lr 1e-2)."""
    opt = Optimiser(1000, lr=2e-2, weight_decay=0.0, batch_fraction=1.0)
    runs = {tau: train_and_score("linear", 8, 1.0, INF, tau, 0.01, optimiser=opt, contexts=1000, seed=0)
            for tau in (0.25, 9 / 8, 4.0)}
    icl = {tau: r["icl"] for tau, r in runs.items()}
    assert icl[9 / 8] > 3 * max(icl[0.25], icl[4.0])
    # Below the threshold the set is interpolated; above it the training loss is near the noise floor.
    assert runs[0.25]["train_loss"] < 1e-6 and runs[4.0]["train_loss"] > 0.1
