"""ISO figures of Bordelon, Letey, Pehlevan (2026): Fig. 1(c), the optimal L-step loss against α with trained
reduced-Γ markers, and Fig. 2, the loss landscape of Γ = γI.

The Fig. 1 markers are the final test error of the reduced-Γ model trained by online SGD at finite D (the paper
trains its linear transformer; the reduced model converges to the same optimum, see docs/theory/bordelon2025.md,
"Simulation"). The residual panel (sim − theory)·D shows the O(1/D) finite-size gap.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ..figure import Curve, Estimator, FigureData, Panel, Markers, SimTask, SimulationLayout

__all__ = ["LAYOUT", "SIMULATION", "TRAINING", "FIG1_ALPHA_SIM", "iso_loss", "train_reduced", "fig1", "fig2"]

#: Online-SGD protocol of the markers: steps, batch and the rate as a fraction of D, decaying over the last half;
#: flow time t = 2 × 0.0625 × 0.75 × steps = 75 (converged for L ≤ 4). The rate is small because at D = 8 single
#: contexts with eigenvalues far beyond the Marchenko–Pastur edge give gradient spikes: η = D/8 diverged at
#: α = 0.5, L = 4 (the optimal step puts cλ₊ = 1 + 2√α/(1+α) just below 2 for every α).
TRAINING = dict(steps=800, batch=64, lr_over_dim=0.0625, decay=0.5)


def iso_loss(alpha, depth) -> np.ndarray:
    """ℓ⋆(α, L), the optimal L-step ISO loss (Result 2): the theory every marker tends to as D → ∞."""
    from icl_sym.theories.bordelon2025.iso import iso_optimal_loss

    return iso_optimal_loss(alpha, int(depth))


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


def _feasible(point: Mapping[str, float], d: int) -> bool:
    return round(point["alpha"] * d) >= 1


LAYOUT = SimulationLayout(
    parameters=("alpha", "depth"),
    quantities={"loss": iso_loss},
    estimators={"reduced": Estimator("reduced", "trained reduced-Γ model", train_reduced, feasible=_feasible)},
    extras=("context",),
    symbols={"alpha": "α", "depth": "L"},
)

#: Simulated α of Fig. 1(c) (a subset of the paper's P/D, within the quick budget).
FIG1_ALPHA_SIM = (1.0, 2.0, 4.0)


def fig1(mode: str) -> FigureData:
    """ISO: optimal loss against α for L = 1, 2, 4, 8, 16 and ∞ (Result 2; Fig. 1(c)); trained markers for L ≤ 2
    (quick: at D ∈ {8, 16} online SGD at L = 4, α = 1 diverged even at η = D/16) or L ≤ 4 (full, D ∈ {32, 64})."""
    alpha = np.logspace(np.log10(0.25), np.log10(8), 40 if mode == "quick" else 200)
    panel = Panel("C: final ISO loss against α", "α = P/D", "test error", ylog=True, key="C", quantity="loss",
                  xparam="alpha", theory=iso_loss)
    for depth in (1, 2, 4, 8, 16):
        markers = (Markers("reduced", FIG1_ALPHA_SIM),) if depth <= (2 if mode == "quick" else 4) else ()
        panel.curve(f"L = {depth}", alpha, dict(depth=depth), markers)
    below = alpha[alpha < 1]  # (1 − α)₊ vanishes for α ≥ 1: nothing to draw on a log axis there
    panel.curves.append(Curve("L = ∞: (1 − α)₊", below, 1 - below))
    return FigureData("bordelon2025.fig1", "Bordelon et al. Fig. 1(c): depth helps most near α = 1", [panel], LAYOUT)


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
