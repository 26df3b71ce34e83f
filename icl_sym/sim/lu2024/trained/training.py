"""Pretraining the attention models of Lu et al. (2025), Figs. 5 and 6, by AdamW on a fixed set of contexts.

The pretraining set is n = round(τd²) contexts of length ℓ = round(αd) (docs/theory/lu2024.md §3.1): one
fresh task per context for κ = ∞, or k = round(κd) fixed tasks (:func:`~icl_sym.sim.lu2024.tasks.pretraining_tasks`),
every token drawn by :func:`~icl_sym.sim.sampling.sample_tokens`. Training minimises the mean squared error
of the query prediction with AdamW (the authors' settings: learning rate 1e-4, β = (0.9, 0.999), weight
decay 1e-4) on minibatches of a fraction (0.1) of the set, each drawn without replacement, independently
per step. Every random draw comes from its own stream of (seed, draw): data, initial parameters, minibatches
and test contexts, so a run is reproducible and its data do not depend on the model trained on them.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from icl_sym.core.validation import ParameterError, Range, check_array, check_choice, check_int
from icl_sym.files import write_atomically
from icl_sym.sim.devices import check_device, torch_threads
from icl_sym.sim.sampling import Contexts, Tokens, context_length, gaussian_tasks, make_generator, sample_tokens, \
    sphere_tasks

from ..tasks import TASK_LAWS, TaskPool, pretraining_tasks
from .models import build_model, check_dtype

__all__ = ["STREAMS", "stream_generator", "Optimiser", "PretrainingSet", "pretraining_set", "sequences",
           "TrainingRecord", "train", "mse", "test_error", "train_and_score"]

#: The independent random streams of one run.
STREAMS = {"data": 0, "init": 1, "batches": 2, "test": 3}


def stream_generator(seed: int, draw: int, stream: str) -> torch.Generator:
    """The CPU generator of ``stream`` (:data:`STREAMS`) of draw ``draw`` of a run seeded with ``seed``."""
    key = (check_int("seed", seed, 0), check_int("draw", draw, 0), STREAMS[check_choice("stream", stream, STREAMS)])
    return make_generator(int(np.random.SeedSequence(key).generate_state(1, np.uint64)[0] >> np.uint64(1)))


@dataclass(frozen=True)
class Optimiser:
    """AdamW and the minibatching of a training run; the defaults are the authors' (optax's adamw defaults)."""

    steps: int
    lr: float = 1e-4
    weight_decay: float = 1e-4
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    batch_fraction: float = 0.1

    def __post_init__(self) -> None:
        check_int("steps", self.steps, 0)
        check_array("lr", self.lr, Range(0, low_open=True))
        check_array("weight_decay", self.weight_decay, Range(0))
        check_array("beta1", self.beta1, Range(0, 1, high_open=True))
        check_array("beta2", self.beta2, Range(0, 1, high_open=True))
        check_array("eps", self.eps, Range(0, low_open=True))
        check_array("batch_fraction", self.batch_fraction, Range(0, 1, low_open=True))

    def batch_size(self, n: int) -> int:
        """Contexts per minibatch: ceil(fraction · n)."""
        return max(1, math.ceil(self.batch_fraction * n))

    def make(self, params) -> torch.optim.AdamW:
        return torch.optim.AdamW(params, lr=self.lr, betas=(self.beta1, self.beta2), eps=self.eps,
                                 weight_decay=self.weight_decay)


@dataclass(frozen=True)
class PretrainingSet:
    """A fixed pretraining set: its tokens, the query labels, the reduced features (for Γ*) and the task pool."""

    tokens: torch.Tensor  # (n, ℓ+1, d+1)
    labels: torch.Tensor  # (n,)
    contexts: Contexts
    pool: TaskPool
    ell: int

    @property
    def n(self) -> int:
        return self.labels.numel()


def sequences(tokens: Tokens) -> torch.Tensor:
    """The token rows of each context: [x_i; y_i] for i ≤ ℓ, then the query [x_{ℓ+1}; 0]; shape (n, ℓ+1, d+1)."""
    context = torch.cat([tokens.X, tokens.y[:, :, None]], dim=2)
    query = torch.cat([tokens.x_query, torch.zeros_like(tokens.y_query)[:, None]], dim=1)
    return torch.cat([context, query[:, None]], dim=1)


def pretraining_set(d: int, alpha: float, kappa: float, tau: float, rho: float, *, generator: torch.Generator,
                    task_law: str = "gaussian", assignment: str = "random") -> PretrainingSet:
    """n = round(τd²) pretraining contexts (κ = ∞: one fresh task each; finite κ: k = round(κd) tasks), float64, CPU.

    ``task_law`` "gaussian" (the authors' transformer runs) or "sphere"; ``assignment`` as in
    :func:`~icl_sym.sim.lu2024.tasks.pretraining_tasks` (for finite κ).
    """
    d, _, ell = context_length(d, alpha, 1)
    rho = float(check_array("rho", rho, Range(0)))
    pool = pretraining_tasks(d, kappa, tau, generator=generator, assignment=assignment, task_law=task_law)
    tokens = sample_tokens(pool.context_tasks(), ell, rho, generator=generator)
    return PretrainingSet(sequences(tokens), tokens.y_query, tokens.reduce(), pool, ell)


@dataclass
class TrainingRecord:
    """What a training run did: steps taken, full-set training loss every ``record_every`` steps, wall time."""

    steps: int = 0
    history: list[tuple[int, float]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def final_loss(self) -> float:
        return self.history[-1][1]


def mse(model: torch.nn.Module, tokens: torch.Tensor, labels: torch.Tensor, chunk: int = 4096) -> float:
    """Mean squared error of ``model`` over (tokens, labels), evaluated ``chunk`` contexts at a time without gradients."""
    total = 0.0
    with torch.no_grad():
        for start in range(0, labels.numel(), chunk):
            total += float(((model(tokens[start : start + chunk]) - labels[start : start + chunk]) ** 2).sum())
    return total / labels.numel()


def _save(path: Path, model, optimiser, generator, record: TrainingRecord) -> None:
    import io

    buffer = io.BytesIO()
    torch.save({"model": model.state_dict(), "optimiser": optimiser.state_dict(), "generator": generator.get_state(),
                "record": asdict(record)}, buffer)
    write_atomically(path, buffer.getvalue())


def train(model: torch.nn.Module, tokens: torch.Tensor, labels: torch.Tensor, optimiser: Optimiser, *,
          generator: torch.Generator, record_every: int = 0, checkpoint: Path | None = None,
          checkpoint_every: int = 1000) -> TrainingRecord:
    """Train ``model`` in place on the fixed set (tokens, labels) for ``optimiser.steps`` AdamW steps.

    Each step draws a minibatch of ``optimiser.batch_size(n)`` distinct contexts from ``generator`` (CPU).
    The full-set training loss is recorded every ``record_every`` steps (0: only at the end) and at the end.
    With ``checkpoint`` the model, optimiser, generator state and record are saved there every
    ``checkpoint_every`` steps and at the end; a run started with an existing checkpoint resumes from it,
    and gives the same parameters as an uninterrupted run.
    """
    if tokens.ndim != 3 or labels.shape != tokens.shape[:1]:
        raise ParameterError("tokens, labels", "shapes (n, l+1, d+1) and (n,)", (tuple(tokens.shape), tuple(labels.shape)))
    record_every = check_int("record_every", record_every, 0)
    checkpoint_every = check_int("checkpoint_every", checkpoint_every, 1)
    n = labels.numel()
    batch = optimiser.batch_size(n)
    opt = optimiser.make(model.parameters())
    record = TrainingRecord()
    if checkpoint is not None and Path(checkpoint).exists():
        state = torch.load(checkpoint, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimiser"])
        generator.set_state(state["generator"])
        record = TrainingRecord(state["record"]["steps"], [tuple(h) for h in state["record"]["history"]],
                                state["record"]["seconds"])
    start = time.perf_counter() - record.seconds
    model.train()
    while record.steps < optimiser.steps:
        index = torch.randperm(n, generator=generator)[:batch].to(tokens.device)
        loss = ((model(tokens[index]) - labels[index]) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        record.steps += 1
        if record_every and record.steps % record_every == 0 and record.steps < optimiser.steps:
            record.history.append((record.steps, mse(model, tokens, labels)))
        if checkpoint is not None and record.steps % checkpoint_every == 0:
            record.seconds = time.perf_counter() - start
            _save(Path(checkpoint), model, opt, generator, record)
    model.eval()
    if not record.history or record.history[-1][0] != record.steps:
        record.history.append((record.steps, mse(model, tokens, labels)))
    record.seconds = time.perf_counter() - start
    if checkpoint is not None:
        _save(Path(checkpoint), model, opt, generator, record)
    return record


def test_error(model: torch.nn.Module, tasks: torch.Tensor, ell: int, rho: float, *, generator: torch.Generator,
               dtype: torch.dtype, device: torch.device, chunk: int = 2048) -> tuple[float, float]:
    """Monte-Carlo test error E(y_{ℓ+1} − ŷ)² (noise included) over one fresh context per row of ``tasks``,
    with its standard error; contexts drawn on the CPU in float64, ``chunk`` at a time."""
    squares = []
    with torch.no_grad():
        for start in range(0, tasks.shape[0], chunk):
            tokens = sample_tokens(tasks[start : start + chunk], ell, rho, generator=generator)
            prediction = model(sequences(tokens).to(device=device, dtype=dtype)).to(torch.float64).cpu()
            squares.append((tokens.y_query - prediction) ** 2)
    values = torch.cat(squares)
    return float(values.mean()), float(values.std() / math.sqrt(values.numel()))


def train_and_score(architecture: str, d: int, alpha: float, kappa: float, tau: float, rho: float, *,
                    optimiser: Optimiser, contexts: int, seed: int, draw: int = 0, variant: str = "paper",
                    task_law: str = "gaussian", dtype: str | torch.dtype = "float32", device: str = "cpu") -> dict:
    """One training run at (d, α, κ, τ, ρ): pretraining set, model, AdamW, then the test errors.

    ICL: fresh tasks of ``task_law``; IDG: tasks drawn uniformly from the pool (finite κ), or the ICL
    error for κ = ∞ (fresh tasks are then the pretraining law). ``contexts`` test contexts per law.
    Returns icl, idg, g_task (ICL − IDG), their standard errors, the final full-set training loss
    ``train_loss``, the sizes n, k, ℓ, the number of parameters and the wall time.
    """
    dev = check_device(device)
    dtype = check_dtype(dtype)
    check_choice("task_law", task_law, TASK_LAWS)
    contexts = check_int("contexts", contexts, 2)
    data = pretraining_set(d, alpha, kappa, tau, rho, generator=stream_generator(seed, draw, "data"),
                           task_law=task_law)
    model = build_model(architecture, d, generator=stream_generator(seed, draw, "init"), variant=variant,
                        dtype=dtype, device=str(dev))
    tokens, labels = data.tokens.to(device=dev, dtype=dtype), data.labels.to(device=dev, dtype=dtype)
    record = train(model, tokens, labels, optimiser, generator=stream_generator(seed, draw, "batches"))
    test = stream_generator(seed, draw, "test")
    fresh = (gaussian_tasks if task_law == "gaussian" else sphere_tasks)(contexts, d, generator=test)
    icl, icl_se = test_error(model, fresh, data.ell, rho, generator=test, dtype=dtype, device=dev)
    if data.pool.finite:
        seen = data.pool.tasks[torch.randint(data.pool.k, (contexts,), generator=test)]
        idg, idg_se = test_error(model, seen, data.ell, rho, generator=test, dtype=dtype, device=dev)
    else:
        idg, idg_se = icl, icl_se
    return dict(icl=icl, idg=idg, g_task=icl - idg, icl_se=icl_se, idg_se=idg_se, train_loss=record.final_loss,
                n=data.n, k=data.pool.k, ell=data.ell, parameters=sum(p.numel() for p in model.parameters()),
                steps=record.steps, train_seconds=record.seconds)
