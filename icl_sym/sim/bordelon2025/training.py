"""Online SGD of the Bordelon, Letey, Pehlevan models (Sec. 2, App. C.1 protocol): fresh contexts every
step, a seeded generator, loss histories with their configuration, checkpoints and exact resumption.

Step s draws B fresh contexts, takes the mean test error over them (times the model's objective scale,
N for the transformers) plus ``weight_decay`` × Σ mean(θ²), and moves every parameter group by
−η_s × (its factor) × gradient. The learning rate η_s is constant, then decays linearly to 0 over the
last ``decay`` fraction of the steps (``decay = 0``: the paper's constant rate). The softmax transformer is
trained with AdamW instead (App. G.3), its ``weight_decay`` the optimiser's decoupled decay.

With Γ ← Γ − η ∇_Γ ℓ the gradient-flow times of the theory are (docs/theory/bordelon2025.md, "Simulation"):
ISO t = 2 Σ_s η_s / D (Result 1's convention dγ/dt = −½ ∂ℓ), RRS t = Σ_s η_s / D (Result 6),
FS t = Σ_s η_s per mode (Result 4): :func:`flow_time`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from icl_sym.core.compiled import numba_available
from icl_sym.core.validation import ParameterError, Range, check_array, check_choice, check_int
from icl_sym.sim.devices import check_device
from icl_sym.sim.sampling import draw_generator

from .data import SETTINGS, DataSpec, make_spec, sample_contexts
from .models import INIT_SCALE, LinearTransformer, ReducedGamma, SoftmaxTransformer
from .streams import StreamBatch, stream_applies

__all__ = ["MODELS", "TrainConfig", "TrainResult", "build_model", "learning_rate", "flow_time", "four_scalar_start",
           "train",
           "evaluate", "IncompatibleCheckpointError"]

#: Trainable models: the reduced-Γ model, the authors' linear transformer (tied weights, online SGD) and the untied
#: softmax transformer (AdamW).
MODELS = ("reduced", "linear", "softmax")
_DTYPES = {"float64": torch.float64, "float32": torch.float32}
#: Queries per context for token-level models (the authors' K = 32 in Fig. 1).
DEFAULT_QUERIES = 32


class IncompatibleCheckpointError(ValueError):
    """A checkpoint written by a run with another configuration."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a training run (with ``seed``, its history is reproducible bit for bit)."""

    setting: str = "iso"
    dim: int = 64
    alpha: float = 2.0
    depth: int = 4
    width: int | None = None
    model: str = "reduced"
    tied: bool = True
    coupled: bool = False
    steps: int = 1000
    lr: float = 32.0
    batch: int = 256
    seed: int = 0
    nu: float = 1.25
    beta: float = 1.25
    noise: float = 0.0
    weight_decay: float = 0.0
    decay: float = 0.0
    queries: int = DEFAULT_QUERIES
    heads: int = 1
    mlp: bool = False
    fixed_batch: bool = False
    init_scale: float = INIT_SCALE
    device: str = "cpu"
    dtype: str = "float64"

    def __post_init__(self):
        check_choice("setting", self.setting, SETTINGS)
        check_choice("model", self.model, MODELS)
        check_choice("dtype", self.dtype, tuple(_DTYPES))
        check_int("dim", self.dim, 2)
        check_int("depth", self.depth, 1)
        if self.width is not None:
            check_int("width", self.width, 1)
            if self.model == "reduced" and self.width > self.dim:
                raise ParameterError("width", f"at most dim = {self.dim} for the reduced model", self.width)
        check_int("steps", self.steps, 0)
        check_int("batch", self.batch, 1)
        check_int("seed", self.seed, 0)
        check_int("queries", self.queries, 1)
        check_array("lr", self.lr, Range(0, low_open=True))
        check_array("weight_decay", self.weight_decay, Range(0))
        check_array("decay", self.decay, Range(0, 1))
        if self.model != "reduced" and math.isinf(self.alpha):
            raise ParameterError("alpha", "finite for the transformers (they read sampled tokens)", self.alpha)
        check_int("heads", self.heads, 1)
        check_array("init_scale", self.init_scale, Range(0, low_open=True))
        if self.model == "softmax" and (self.width or self.dim) % self.heads:
            raise ParameterError("heads", f"a divisor of the width {self.width or self.dim}", self.heads)
        check_device(self.device)

    def spec(self) -> DataSpec:
        return make_spec(self.setting, self.dim, self.alpha, nu=self.nu, beta=self.beta, noise=self.noise,
                         dtype=_DTYPES[self.dtype], device=self.device)

    def as_dict(self) -> dict:
        """JSON-able (α = ∞ written as the string "inf")."""
        out = dataclasses.asdict(self)
        out["alpha"] = "inf" if math.isinf(self.alpha) else self.alpha
        return out


def build_model(config: TrainConfig) -> nn.Module:
    """The model of ``config`` at its initialisation (Γ = 0; the authors' σ = 0.4 for the transformer)."""
    kw = dict(dtype=_DTYPES[config.dtype], device=config.device)
    if config.model == "reduced":
        return ReducedGamma(config.dim, config.depth, config.width, tied=config.tied, **kw)
    if config.model == "softmax":
        return SoftmaxTransformer(config.dim, config.depth, config.width, heads=config.heads, mlp=config.mlp,
                                  init_scale=config.init_scale, **kw)
    return LinearTransformer(config.dim, config.depth, config.width, coupled=config.coupled,
                             init_scale=config.init_scale, **kw)


def learning_rate(config: TrainConfig, step: int) -> float:
    """η at ``step``: ``lr``, then a linear decay to 0 over the last ``decay`` fraction of the steps."""
    start = config.steps * (1 - config.decay)
    if config.decay == 0 or step < start:
        return config.lr
    return config.lr * max(0.0, (config.steps - step) / (config.steps - start))


def flow_time(config: TrainConfig, steps: int | None = None) -> float:
    """The gradient-flow time of the theory reached after ``steps`` (default: all) steps: of Γ = γI_N for the
    reduced model (on that line each diagonal entry moves by −η (dℓ/dγ)/N: ISO and RRS divide by the width N, D at
    full width; FS times are per mode); of the four scalars of :func:`four_scalar_start` (t = Σ_s η_s D^{−6/5}, ISO
    and RRS) for the decoupled linear transformer at width N = D."""
    total = sum(learning_rate(config, s) for s in range(config.steps if steps is None else steps))
    if config.model == "linear":
        _check_four_scalar(config)
        return total * config.dim ** -1.2
    if config.model != "reduced":
        raise ParameterError("model", "reduced or linear (softmax attention has no flow time)", config.model)
    width = config.width or config.dim
    return {"iso": 2 * total / width, "rrs": total / width, "fs": total}[config.setting]


def _check_four_scalar(config: TrainConfig) -> None:
    if config.model != "linear" or config.coupled:
        raise ParameterError("model", "the decoupled linear transformer", config.model)
    if config.width not in (None, config.dim):
        raise ParameterError("width", f"the dimension D = {config.dim} (the four-scalar reduction takes N = D)",
                             config.width)
    if config.setting == "fs":
        raise ParameterError("setting", "iso or rrs (FS updates are not isotropic)", config.setting)


def four_scalar_start(config: TrainConfig) -> tuple[float, float, float, float]:
    """The decoupled linear transformer at initialisation as the four scalars (w_x, w_q, w_k, w_v) of Result 9
    (:mod:`icl_sym.theories.bordelon2025.full_attention`), in the units where γ = w_x²w_qw_kw_v is Γ_eff = γI.

    With W_x = √N a_x I, W_{q,k} = √N a_{q,k} I and s = 1ᵀW_v1/(N√N) (N = D), Γ_eff = a_x²a_qa_k s/D I, and SGD on
    N × loss moves a_{x,q,k} at rate η/D and s at rate η. The scalars w_{x,q,k} = a D^{−1/10}, w_v = s D^{−3/5} then
    follow dw/dt = −∂𝓛/∂w at t = Σ_s η_s D^{−6/5} (:func:`flow_time`): from σ = ``init_scale``,
    (√2σD^{−1/10}, σD^{−1/10}, σD^{−1/10}, σD^{−3/5}), an unbalanced start with γ₀ = 2σ⁵/D
    (docs/theory/bordelon2025.md, "Full linear attention")."""
    _check_four_scalar(config)
    sigma, d = config.init_scale, config.dim
    return (math.sqrt(2) * sigma * d**-0.1, sigma * d**-0.1, sigma * d**-0.1, sigma * d**-0.6)


def _objective(model: nn.Module, batch, weight_decay: float) -> tuple[torch.Tensor, torch.Tensor]:
    losses = model.losses(batch)
    objective = model.objective_scale() * losses.mean()
    if weight_decay:
        objective = objective + weight_decay * sum((p * p).mean() for p in model.parameters())
    return objective, losses.mean()


def _sampler(config: TrainConfig) -> str:
    """The reduced model reads only Σ̂ (and the noise drive): its contexts are drawn from sufficient statistics."""
    return "sufficient" if config.model == "reduced" else "tokens"


@dataclass
class TrainResult:
    """A trained model, its per-step mean training loss and the configuration that produced it."""

    config: TrainConfig
    model: nn.Module
    history: list[float]

    def save_history(self, path: str | Path) -> None:
        """The history with its configuration as JSON."""
        Path(path).write_text(json.dumps({"config": self.config.as_dict(), "history": self.history}))


def _write_atomically(state: dict, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)  # a reader never sees half a checkpoint


class _Batches:
    """The training batches in step order from ``generator``. With ``ahead``, each next batch is drawn on a worker
    thread while the current step computes, so that sampling and the step overlap on two cores. Only one thread
    draws at a time, one batch after the other, so the batches are those drawn in turn without the worker; ``state``
    is the generator state before the next batch to be used (what a checkpoint stores)."""

    def __init__(self, draw: Callable[[], object], generator: torch.Generator, count: int, ahead: bool):
        self.draw, self.generator, self.remaining = draw, generator, count
        self.state = generator.get_state()
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="icl-sym-batches") if ahead and count > 1 else None
        self.pending = None

    def next(self):
        batch = self.pending.result() if self.pending is not None else self.draw()
        self.remaining -= 1
        self.state = self.generator.get_state()
        if self.pool is not None and self.remaining > 0:
            self.pending = self.pool.submit(self.draw)
        else:
            self.pending = None
        return batch

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def _uses_streams(config: TrainConfig, spec: DataSpec) -> bool:
    """Whether step s's contexts are the chunked numpy streams of (seed, s) (:mod:`.streams`, drawn inside the
    compiled recursions with numba): the reduced model in float64 on the CPU, ISO or FS at finite α, fresh
    contexts every step. Other runs draw from one torch generator (:func:`.data.sample_contexts`)."""
    return (config.model == "reduced" and config.dtype == "float64" and torch.device(config.device).type == "cpu"
            and not config.fixed_batch and stream_applies(spec))


def _draws_ahead(config: TrainConfig) -> bool:
    """Whether the next batch is drawn while a step computes: on the CPU, when torch may use two threads or more (a
    run given one thread, e.g. one of many processes of a sweep, keeps to one)."""
    return torch.device(config.device).type == "cpu" and torch.get_num_threads() >= 2


def train(config: TrainConfig, *, checkpoint: str | Path | None = None, checkpoint_every: int = 0,
          stop_after: int | None = None, observer: Callable[[int, nn.Module], None] | None = None) -> TrainResult:
    """Train ``config``'s model by online SGD; resume from ``checkpoint`` if it exists.

    ``checkpoint_every`` > 0 saves model, optimiser, generator state and history every that many steps
    (and at the end) to ``checkpoint``. ``stop_after`` ends the run after that many steps in total (an
    interruption, for tests); resuming then gives the same history as an uninterrupted run.
    ``observer(step, model)`` is called before every step and after the last one. The reduced model in float64 on
    the CPU (ISO, FS at finite α) draws step s's contexts from the chunked streams of (seed, s) (:mod:`.streams`;
    a resumed run needs only the step counter), inside the compiled recursions when numba is there, the chunks on
    torch's thread count — the history does not depend on it (torch itself keeps to one thread until train()
    returns, observer included). Other runs draw from one seeded torch generator. On
    the CPU with two torch threads or more, contexts drawn outside the compiled step (torch's, or numpy's without
    numba) are drawn for the next step while a step computes (same draws, same history).
    """
    spec = config.spec()
    model = build_model(config)
    groups = [{"params": params, "factor": factor} for params, factor in model.lr_scales()]
    param_groups = [{"params": g["params"], "lr": config.lr} for g in groups]
    if config.model == "softmax":  # App. G.3: AdamW, the weight decay in the optimiser
        optimizer = torch.optim.AdamW(param_groups, lr=config.lr, weight_decay=config.weight_decay)
    else:
        optimizer = torch.optim.SGD(param_groups, lr=config.lr)
    generator = draw_generator(config.seed, 0, config.device)
    history: list[float] = []
    path = None if checkpoint is None else Path(checkpoint)
    if path is not None and path.exists():
        state = torch.load(path, weights_only=False)
        if state["config"] != config.as_dict():
            raise IncompatibleCheckpointError(f"{path} was written by another configuration: {state['config']}")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        generator.set_state(state["generator"])
        history = list(state["history"])
    end = config.steps if stop_after is None else min(config.steps, check_int("stop_after", stop_after, 0))
    queries = config.queries if config.model != "reduced" else 0
    sampler = _sampler(config)
    fixed = None
    if config.fixed_batch:  # its own stream: independent of the checkpointed generator, identical on resumption
        fixed = sample_contexts(spec, config.batch, generator=draw_generator(config.seed, 2, config.device),
                                queries=queries, sampler=sampler)

    streams = _uses_streams(config, spec)
    # With numba the stream contexts are drawn inside the compiled step, on every thread: nothing to draw ahead.
    # Without it they are drawn with numpy, which (like torch) can draw the next step while a step computes.
    in_kernel = streams and numba_available()
    threads = torch.get_num_threads()
    next_steps = iter(range(len(history), end))

    def draw():
        if streams:
            batch = StreamBatch(spec, config.seed, next(next_steps), config.batch, threads=threads)
            return batch if in_kernel else batch.contexts()
        return fixed if fixed is not None else sample_contexts(spec, config.batch, generator=generator,
                                                               queries=queries, sampler=sampler)

    batches = _Batches(draw, generator, end - len(history), fixed is None and not in_kernel and _draws_ahead(config))

    def save() -> None:
        if path is not None:
            _write_atomically({"config": config.as_dict(), "model": model.state_dict(),
                               "optimizer": optimizer.state_dict(), "generator": batches.state,
                               "history": history}, path)

    if in_kernel:
        # The chunks run on ``threads`` threads of their own; torch keeps to one for the rest of the step (small
        # products), since after a parallel region torch's OpenMP threads spin for a while and would take the cores
        # from the next step's chunks (measured on 2 cores: steps 2.5x slower). Restored at the end.
        torch.set_num_threads(1)
    try:
        for step in range(len(history), end):
            if observer is not None:
                observer(step, model)
            eta = learning_rate(config, step)
            for group, meta in zip(optimizer.param_groups, groups):
                group["lr"] = eta * meta["factor"]
            batch = batches.next()
            optimizer.zero_grad(set_to_none=True)
            if isinstance(model, ReducedGamma):  # the hand-written adjoint gradient (models.reduced_adjoint)
                mean_loss = model.mean_loss_backward(batch, config.weight_decay)
            else:
                objective, mean_loss = _objective(model, batch,
                                                  0.0 if config.model == "softmax" else config.weight_decay)
                objective.backward()
            optimizer.step()
            history.append(float(mean_loss.detach()))
            if not math.isfinite(history[-1]):
                raise FloatingPointError(f"training diverged at step {step} (loss {history[-1]}); "
                                         f"lower lr ({config.lr})")
            if path is not None and checkpoint_every and (step + 1) % checkpoint_every == 0:
                save()
    finally:
        batches.close()
        torch.set_num_threads(threads)
    if observer is not None:
        observer(len(history), model)
    if path is not None and checkpoint_every:
        save()
    return TrainResult(config, model, history)


@torch.no_grad()
def evaluate(model: nn.Module, config: TrainConfig, contexts: int = 10_000, chunk: int = 1000) -> tuple[float, float]:
    """Noise-free test error over ``contexts`` fresh contexts (a stream independent of training) and its
    standard error; normalised so that the zero model scores 1 (E wᵀ Σ_c w = 1)."""
    contexts = check_int("contexts", contexts, 2)
    spec = config.spec()
    generator = draw_generator(config.seed, 1, config.device)
    queries = config.queries if config.model != "reduced" else 0
    parts = []
    for start in range(0, contexts, chunk):
        batch = sample_contexts(spec, min(chunk, contexts - start), generator=generator, noise=False,
                                queries=queries, sampler=_sampler(config))
        parts.append(model.losses(batch))
    values = torch.cat(parts)
    return float(values.mean()), float(values.std() / math.sqrt(values.numel()))
