"""Fig. 7 of Bordelon, Letey, Pehlevan (2026), App. C.1: one-layer (L = 1) online SGD on ISO data against Result 10.

Three panels of the ICL loss (1/d)|I − Γ(t)|² against SGD steps: (a) varying the batch ratio τ = B/d at α = κ = 1,
(b) varying the context ratio α = P/d at τ = κ = 1, (c) varying the query ratio κ = K/d at α = τ = 1 — the
caption's values (an author-side notebook uses κ = 4 in (a) and (b)); η = 0.03, 100 steps, each sweep over
{0.1, 0.2, 0.4, 0.8, 1.6}, no label noise. Lines: Result 10 with the corrected initial condition C(0) = 1/r²
(:func:`icl_sym.theories.bordelon2025.online_sgd.online_sgd_loss`; docs/theory/bordelon2025.md, "Figure 7").
Markers: the simulated learning curve of Result 10's SGD at finite d
(:func:`icl_sym.sim.bordelon2025.online_sgd.online_sgd_curve`), one trajectory per draw, read at a few steps.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..figure import Estimator, FigureData, Markers, Panel, SimTask, SimulationLayout

__all__ = ["FIG7", "FIG7_SIMULATION", "SWEEP", "fig7", "fig7_loss", "simulate_curve"]

#: Learning rate, steps, swept values and the steps carrying markers (paper, App. C.1 / Fig. 7).
FIG7 = dict(eta=0.03, steps=100, marker_steps=(5.0, 10.0, 20.0, 40.0, 60.0, 80.0, 100.0))
SWEEP = (0.1, 0.2, 0.4, 0.8, 1.6)
#: Panel key, swept parameter, its symbol, and the fixed (τ, α, κ) of the caption.
PANELS = (("a", "tau", "τ", dict(alpha=1.0, kappa=1.0)),
          ("b", "alpha", "α", dict(tau=1.0, kappa=1.0)),
          ("c", "kappa", "κ", dict(alpha=1.0, tau=1.0)))


def fig7_loss(step, eta, alpha, kappa, tau) -> np.ndarray:
    """Result 10's ICL loss (1/d)|Γ(t) − I|² after ``step`` SGD steps (σ = 0, corrected C(0) = 1/r²)."""
    from icl_sym.theories.bordelon2025.online_sgd import online_sgd_loss

    return online_sgd_loss(np.round(np.asarray(step, dtype=float)), eta, alpha, kappa, tau, 0.0)


def simulate_curve(task: SimTask) -> dict[str, Any]:
    """One draw: Result 10's online SGD at d = ``task.d`` (seeded by (seed, draw)), read at the swept steps."""
    from icl_sym.sim.bordelon2025.online_sgd import online_sgd_curve
    from icl_sym.sim.devices import torch_threads

    name, steps = task.sweep
    p = task.params
    seed = int(np.random.SeedSequence((task.seed, task.draw)).generate_state(1)[0])
    with torch_threads(1):  # small matrices: threads only contend
        curve = online_sgd_curve(task.d, int(max(steps)), p["eta"], p["alpha"], p["kappa"], p["tau"], seed=seed)
    return dict(loss=curve[np.round(steps).astype(int)], batch=round(p["tau"] * task.d),
                context=round(p["alpha"] * task.d), queries=round(p["kappa"] * task.d))


def _feasible(point, d: int) -> bool:
    return all(round(point[k] * d) >= 1 for k in ("tau", "alpha", "kappa"))


LAYOUT = SimulationLayout(
    parameters=("step", "tau", "alpha", "kappa", "eta"),
    quantities={"loss": fig7_loss},
    estimators={"sgd": Estimator("sgd", "online SGD", simulate_curve, feasible=_feasible)},
    extras=("batch", "context", "queries"),
    symbols={"step": "t", "tau": "τ", "alpha": "α", "kappa": "κ", "eta": "η"},
)

#: Simulation sizes: quick d ∈ {32, 64} (a minute or two on 2 cores), full d ∈ {128, 256} as in the paper's d = 256.
FIG7_SIMULATION = {"quick": dict(dims=(32, 64), draws=2, contexts=2),
                   "full": dict(dims=(128, 256), draws=4, contexts=2)}


def fig7(mode: str) -> FigureData:
    """Fig. 7: Result 10's learning curves varying τ, α and κ, with simulated trajectory markers."""
    steps = np.arange(FIG7["steps"] + 1, dtype=float)
    markers = (Markers("sgd", FIG7["marker_steps"], trajectory=True),)
    panels = []
    for key, swept, symbol, fixed in PANELS:
        text = ", ".join(f"{LAYOUT.symbols[k]} = {v:g}" for k, v in fixed.items())
        panel = Panel(f"({key}) varying {symbol}; {text}", "SGD steps t", "(1/d)|I − Γ|²", xlog=False, ylog=True,
                      key=key, quantity="loss", xparam="step", theory=fig7_loss)
        for value in SWEEP:
            panel.curve(f"{symbol} = {value:g}", steps, dict(eta=FIG7["eta"], **fixed, **{swept: value}), markers)
        panels.append(panel)
    return FigureData("bordelon2025.fig7", f"Bordelon et al. Fig. 7: one-layer online SGD (Result 10, "
                      f"η = {FIG7['eta']:g})", panels, LAYOUT)
