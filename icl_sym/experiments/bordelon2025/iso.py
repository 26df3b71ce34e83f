"""ISO figures of Bordelon, Letey, Pehlevan (2026): Fig. 1, (a), (b) the learning curves of the Γ = γI gradient
flow (Result 1) and (c) the optimal L-step loss against α (Result 2), with trained reduced-Γ markers, and Fig. 2,
the loss landscape of Γ = γI.

The Fig. 1(c) markers are the final test error of the reduced-Γ model trained by online SGD at finite D (the paper
trains its linear transformer; the reduced model converges to the same optimum, see docs/theory/bordelon2025.md,
"Simulation"); the (a), (b) markers are its test error along one constant-rate run per draw, read at the flow
times t = 2ηs/D (trajectory markers). The residual panel (sim − theory)·D shows the O(1/D) finite-size gap.
One layout serves the three panels: a point is (α, L, t), t = ∞ for the converged loss of panel (c).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

import numpy as np

from ..figure import Curve, Estimator, FigureData, Panel, Markers, SimTask, SimulationLayout
from .structured import _learning_curve, _loss_reader, _seed, _steps_of_times, record_steps

__all__ = ["LAYOUT", "SIMULATION", "TRAINING", "CURVES", "FIG1_ALPHA_SIM", "FIG1_CURVES", "iso_loss", "iso_flow_loss",
           "train_reduced", "train_curve", "fig1", "fig2"]

#: Online-SGD protocol of the markers: steps, batch and the rate as a fraction of D, decaying over the last half;
#: flow time t = 2 × 0.0625 × 0.75 × steps = 75 (converged for L ≤ 4). The rate is small because at D = 8 single
#: contexts with eigenvalues far beyond the Marchenko–Pastur edge give gradient spikes: η = D/8 diverged at
#: α = 0.5, L = 4 (the optimal step puts cλ₊ = 1 + 2√α/(1+α) just below 2 for every α).
TRAINING = dict(steps=800, batch=64, lr_over_dim=0.0625, decay=0.5)


#: Online-SGD protocol of the learning-curve markers of Fig. 1(a), (b): a constant rate η = D/16 (a decay would
#: bend the map from steps to flow time), flow time t = 2η/D = 0.125 per step. At D = 8, α = 1 no run diverged up
#: to t = 32 (16 seeds at each L ∈ {1, 2, 4, 8, 16}); to t = 64 one in 12 diverged at L = 8, at this rate as at
#: half of it, batch 64 or 256: single contexts with eigenvalues far beyond the edge blow up near the optimum.
CURVES = dict(batch=64, lr_over_dim=0.0625)


def iso_flow_loss(time, alpha: float, depth: int) -> np.ndarray:
    """ℓ(γ(t)) at flow times ``time`` (any order, ≥ 0) of the Γ = γI gradient flow from Γ = 0 (Result 1, σ = 0)."""
    from icl_sym.theories.bordelon2025.iso import iso_gradient_flow, iso_reducible_loss

    t = np.asarray(time, dtype=float)
    order = np.argsort(t.ravel())
    gammas = iso_gradient_flow(float(alpha), int(depth), 0.0, t.ravel()[order])
    losses = np.empty(t.size)
    losses[order] = [iso_reducible_loss(g, float(alpha), int(depth)) for g in gammas]
    return losses.reshape(t.shape)


def iso_loss(alpha, depth, time=np.inf) -> np.ndarray:
    """The ISO loss at flow time ``time`` from Γ = 0 (Result 1); at ``time`` = ∞ the optimal L-step loss ℓ⋆(α, L)
    (Result 2), which the flow reaches. The theory every marker tends to as D → ∞ at fixed α."""
    from icl_sym.theories.bordelon2025.iso import iso_optimal_loss

    if np.all(np.isinf(time)):
        return iso_optimal_loss(alpha, int(depth))
    if np.ndim(alpha) != 0:
        raise ValueError("a finite flow time takes one α at a time")
    return iso_flow_loss(time, float(alpha), int(depth))


def train_reduced(task: SimTask) -> dict[str, Any]:
    """One draw: the reduced-Γ model trained at D = ``task.d`` (seeded by (seed, draw)), scored on fresh contexts."""
    from icl_sym.sim.bordelon2025 import TrainConfig, evaluate, train
    from icl_sym.sim.devices import torch_threads

    p = task.params
    seed = int(np.random.SeedSequence((task.seed, task.draw)).generate_state(1)[0])
    config = TrainConfig(setting="iso", dim=task.d, alpha=p["alpha"], depth=int(p["depth"]), steps=TRAINING["steps"],
                         lr=TRAINING["lr_over_dim"] * task.d, batch=TRAINING["batch"], decay=TRAINING["decay"],
                         seed=seed, device=task.device)
    with torch_threads(1):  # small matrices: threads only contend (a worker process may have been given more)
        loss, _ = evaluate(train(config).model, config, contexts=max(task.contexts, 2))
    return dict(loss=loss, context=round(p["alpha"] * task.d))


def train_curve(task: SimTask) -> dict[str, Any]:
    """One draw: the reduced-Γ model trained at D = ``task.d`` with the constant rate of :data:`CURVES` (seeded by
    (seed, draw)); its test error at the flow times of ``task.sweep`` (t = 2ηs/D, ``training.flow_time``)."""
    from icl_sym.sim.bordelon2025 import TrainConfig

    _, times = task.sweep
    p = task.params
    probe = TrainConfig(setting="iso", dim=task.d, alpha=p["alpha"], depth=int(p["depth"]), steps=1,
                        lr=CURVES["lr_over_dim"] * task.d, batch=CURVES["batch"], seed=_seed(task), device=task.device)
    steps = _steps_of_times(probe, times)
    config = dataclasses.replace(probe, steps=max(steps))
    return {**_learning_curve(config, steps, _loss_reader(config, max(task.contexts, 2))),
            "context": round(p["alpha"] * task.d)}


def _feasible(point: Mapping[str, float], d: int) -> bool:
    return round(point["alpha"] * d) >= 1


LAYOUT = SimulationLayout(
    parameters=("alpha", "depth", "time"),
    quantities={"loss": iso_loss},
    estimators={"reduced": Estimator("reduced", "trained reduced-Γ model", train_reduced, feasible=_feasible),
                "curve": Estimator("curve", "reduced-Γ model in training", train_curve, feasible=_feasible,
                                   marker="s")},
    extras=("context",),
    symbols={"alpha": "α", "depth": "L", "time": "t"},
)

#: Simulated α of Fig. 1(c) (a subset of the paper's P/D, within the quick budget).
FIG1_ALPHA_SIM = (1.0, 2.0, 4.0)


#: Fig. 1(a), (b) per mode: the last flow time (t_end / 0.125 SGD steps), how many times the markers read, and
#: which α of (a) (at L = 16) and L of (b) (at α = 1) carry markers (full: all of the paper's). Full stops at
#: t = 64 too: at D = 32, L = 8, α = 1 one of three runs diverged before t = 256 (none of four up to t = 64).
FIG1_CURVES = {"quick": dict(t_end=32.0, marks=7, alphas=(0.5, 1.0, 4.0), depths=(1, 2, 4, 8, 16)),
               "full": dict(t_end=64.0, marks=10, alphas=(0.25, 0.5, 1.0, 2.0, 4.0, 8.0), depths=(1, 2, 4, 8, 16))}


def fig1(mode: str) -> FigureData:
    """ISO (Fig. 1): (a) the loss of the Γ = γI gradient flow from Γ = 0 (Result 1) against flow time at L = 16
    for α = P/D ∈ {0.25, …, 8} (the paper's P ∈ {8, …, 256} at D = 32); (b) the same at α = 1 for L = 1, 2, 4, 8,
    16; (c) the optimal loss against α for L = 1, 2, 4, 8, 16 and ∞ (Result 2). Markers on (a), (b): the trained
    reduced-Γ model's learning curves at t = 2ηs/D (constant rate, :data:`CURVES`); on (c) its final loss for L ≤ 2
    (quick: at D ∈ {8, 16} online SGD at L = 4, α = 1 diverged even at η = D/16) or L ≤ 4 (full, D ∈ {32, 64})."""
    c = FIG1_CURVES[mode]
    n = 40 if mode == "quick" else 200
    times = np.logspace(-1, np.log10(c["t_end"]), n)
    step = 2 * CURVES["lr_over_dim"]  # flow time of one SGD step, 2η/D
    marks = tuple(step * s for s in record_steps(int(round(c["t_end"] / step)), c["marks"]))
    panel_a = Panel("(a) L = 16: varying α", "flow time t", "test error", ylog=True, key="a", quantity="loss",
                    legend="below", xparam="time", theory=iso_loss)
    for alpha in (0.25, 0.5, 1.0, 2.0, 4.0, 8.0):
        markers = (Markers("curve", marks, trajectory=True),) if alpha in c["alphas"] else ()
        panel_a.curve(f"α = {alpha:g}", times, dict(alpha=alpha, depth=16), markers)
    panel_b = Panel("(b) α = 1: varying L", "flow time t", "test error", ylog=True, key="b", quantity="loss",
                    legend="below", xparam="time", theory=iso_loss)
    for depth in (1, 2, 4, 8, 16):
        markers = (Markers("curve", marks, trajectory=True),) if depth in c["depths"] else ()
        panel_b.curve(f"L = {depth}", times, dict(alpha=1.0, depth=depth), markers)
    alpha = np.logspace(np.log10(0.25), np.log10(8), 40 if mode == "quick" else 200)
    panel = Panel("(c) final ISO loss against α", "α = P/D", "test error", ylog=True, key="c", quantity="loss",
                  legend="below", xparam="alpha", theory=iso_loss)
    for depth in (1, 2, 4, 8, 16):
        markers = (Markers("reduced", FIG1_ALPHA_SIM),) if depth <= (2 if mode == "quick" else 4) else ()
        panel.curve(f"L = {depth}", alpha, dict(depth=depth, time=np.inf), markers)
    below = alpha[alpha < 1]  # (1 − α)₊ vanishes for α ≥ 1: nothing to draw on a log axis there
    panel.curves.append(Curve("L = ∞: (1 − α)₊", below, 1 - below))
    return FigureData("bordelon2025.fig1", "Bordelon et al. Fig. 1: ISO learning curves; depth helps most near α = 1",
                      [panel_a, panel_b, panel], LAYOUT)


def fig2(mode: str) -> FigureData:
    """ISO landscape ℓ(γ) − σ² of Γ = γI against γ/L (Fig. 2): (a) α = 0.5, (b) α = 2, (c) noise at L = 16."""
    from icl_sym.theories.bordelon2025.iso import iso_reducible_loss

    step = np.linspace(0.0, 1.0, 60 if mode == "quick" else 300)

    def landscape(alpha: float, depth: int, sigma2: float = 0.0) -> np.ndarray:
        return np.array([iso_reducible_loss(c * depth, alpha, depth, sigma2) for c in step])

    panels = []
    for key, alpha in (("a", 0.5), ("b", 2.0)):
        panel = Panel(f"({key}) α = {alpha:g}", "γ/L", "loss", xlog=False, ylog=True, key=key)
        for depth in (1, 2, 4, 8, 16, 32):
            panel.curves.append(Curve(f"L = {depth}", step, landscape(alpha, depth)))
        panels.append(panel)
    panel = Panel("(c) α = 1.125, L = 16", "γ/L", "loss − σ²", xlog=False, ylog=True, key="c")
    for sigma in (0.0, 0.25, 0.5, 0.75, 1.0):
        panel.curves.append(Curve(f"σ = {sigma:g}", step, landscape(1.125, 16, sigma**2)))
    panels.append(panel)
    return FigureData("bordelon2025.fig2", "Bordelon et al. Fig. 2: ISO loss landscape", panels)


#: Simulation sizes: quick trains at D ∈ {8, 16} with 2 draws (a few minutes on 2 cores), full at D ∈ {32, 64}.
SIMULATION = {"quick": dict(dims=(8, 16), draws=2, contexts=2000),
              "full": dict(dims=(32, 64), draws=4, contexts=10_000)}
