"""Width/depth compute scaling of Bordelon, Letey, Pehlevan (2026): Fig. 5, and the compute-optimal frontier.

The reduced-Γ model with the frozen projection A = √N [I_N 0] (Sec. 4) on RRS power-law data at α = ∞ (population
covariance, P = ∞), trained from Γ = 0 by online SGD at a constant rate η:

(a) fixed L = 1, scaling the width N: the curves stop at the depth bottleneck, the L = 1 floor;
(b) fixed N, scaling the depth L: the curves stop at the width bottleneck, the L → ∞ floor at width N;
(c) N and L together with L = ⌊(N/4)^ν⌋, against the reference C^{−νβ/((3+β)ν+2)} (Result 8; β = 1 here, where
    the width exponent ν·min(β, 1) of erratum ERR-14 is the printed νβ);
(d) the compute-optimal frontier: the lower envelope over shapes (N, L) of the loss at compute C.

Compute is the paper's: C = T N² L with T the number of SGD steps (one step costs ∝ N²L per context; P = ∞, so
Result 8's P² is dropped). The paper's own axes differ in two places (its Fig. 5(b) multiplies by 16² for N = 8 and
its Fig. 5(c) by ⌊N/4⌋ instead of L); here every panel uses T N² L.

Theory (lines): gradient flow of Γ = γ I_N on the Haar-averaged loss ℓ_N(γ, L) of Result 7, the average taken by
Monte Carlo over seeded rotations (:class:`icl_sym.sim.bordelon2025.width_landscape.ProjectedLandscape`); SGD at
rate η reaches the flow time t = ηT/N. The paper has no closed form of this loss at finite N and finite t, only the
limits of App. F.4 (width floor) and App. F.2 (depth floor). Floors are horizontal lines: the L = 1 floor
min_γ ℓ_D(γ, 1) of Result 6 in (a); in (b) the t, L → ∞ limit at width N, both the Monte Carlo value (what the
authors plot, exact at this D) and its D → ∞ deterministic equivalent z Σ λω/(z + λ), the projection error onto a
random N-dimensional subspace (``width_floor``, App. F.4 corrected: erratum ERR-13), which the Monte Carlo approaches
as D grows; App. F.4's printed z² Σ λω/(z + λ)² (``width_floor(..., printed=True)``, well below both) is drawn for
reference (docs/theory/bordelon2025.md, "Fig. 5"). Simulation (markers): trained reduced-Γ models read at checkpoints
along each run (trajectory markers: one run per draw), scored on fresh contexts.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any, Mapping

import numpy as np

from ..figure import Curve, Estimator, FigureData, FigureRecipe, Markers, Panel, SimTask, SimulationLayout

__all__ = ["FIG5", "FIG5_SIMULATION", "FIG5_RECIPE", "NU", "THEORY_MODES", "LAYOUT", "joint_depth", "landscape",
           "flow_time_of_compute", "compute_loss", "train_trajectory", "lower_envelope", "fig5", "fig5_summary"]

#: Capacity exponent of every panel (λ_k = k^{−ν}).
NU = 1.25
#: Per mode and panel: dimension D, source β, widths, depths, SGD rate η, steps T and batch B. Full: the paper's
#: runs (docs/theory/bordelon2025.md, "Fig. 5"), except N = 256 > D = 180 in (a), which the authors' projection
#: truncates to rank D (the same model as N = D), and their weight decay (10⁻³ or 10⁻¹², on mean Γ²), omitted
#: since the theory has none. Quick: D = 32 throughout, 600 steps (minutes on two cores).
FIG5 = {
    "full": dict(a=dict(dim=180, beta=0.75, widths=(16, 32, 64, 128, 180), depths=(1,), lr=0.25, steps=5000,
                        batch=256),
                 b=dict(dim=64, beta=1.0, widths=(8,), depths=(1, 2, 4, 8, 16), lr=2.0, steps=25_000, batch=512),
                 c=dict(dim=64, beta=1.0, widths=(4, 8, 16, 32, 64), lr=0.85, steps=50_000, batch=64)),
    "quick": dict(a=dict(dim=32, beta=0.75, widths=(4, 8, 16, 32), depths=(1,), lr=2.0, steps=600, batch=32),
                  b=dict(dim=32, beta=1.0, widths=(4,), depths=(1, 2, 4, 8, 16), lr=16.0, steps=600, batch=32),
                  c=dict(dim=32, beta=1.0, widths=(4, 8, 16, 32), lr=2.0, steps=600, batch=32)),
}
#: Simulation per mode: the dimensions simulated (every panel's D), draws per run and test contexts per checkpoint.
FIG5_SIMULATION = {"quick": dict(dims=(32,), draws=2, contexts=500),
                   "full": dict(dims=(64, 180), draws=4, contexts=4000)}
#: Pooled eigenvalues of the Monte Carlo landscape: ⌈THEORY_MODES/N⌉ Haar draws at width N, seed 0.
THEORY_MODES = 4096
#: Checkpoints per run (log-spaced steps) and theory points per curve.
CHECKPOINTS = 7
_POINTS = {"quick": 40, "full": 120}


def joint_depth(width: int, nu: float = NU) -> int:
    """Fig. 5(c)'s depth L = ⌊(N/4)^ν⌋ (at least 1): L ∝ N^ν, the compute-optimal shape of Result 8."""
    from icl_sym.core.validation import check_int

    return max(1, math.floor((check_int("width", width, 1) / 4) ** nu))


@cache
def landscape(dim: int, width: int, beta: float):
    """The Monte Carlo landscape ℓ_N of one (D, N, β) (cached: every curve and row of a shape share it)."""
    from icl_sym.sim.bordelon2025.width_landscape import ProjectedLandscape

    return ProjectedLandscape(int(dim), int(width), NU, float(beta), draws=math.ceil(THEORY_MODES / width), seed=0)


def flow_time_of_compute(compute, width, depth, lr) -> np.ndarray:
    """Flow time t = ηT/N of the run that has spent compute C = T N² L."""
    return lr * np.asarray(compute, dtype=float) / (width**3 * depth)


def compute_loss(compute, dim, width, depth, beta, lr, batch=None) -> np.ndarray:
    """The flow loss ℓ_N(γ(t), L) at the flow time reached at compute C (``batch`` does not enter the flow)."""
    t = flow_time_of_compute(compute, width, depth, lr)
    return np.reshape(landscape(int(dim), int(width), float(beta)).flow_loss(t, int(depth)), np.shape(t))


def train_trajectory(task: SimTask) -> dict[str, Any]:
    """One draw: the width-N reduced-Γ model trained by online SGD (seeded by (seed, draw)), scored on fresh contexts
    at the steps T = C/(N²L) of the task's compute values."""
    from icl_sym.sim.bordelon2025 import TrainConfig, evaluate, flow_time, train
    from icl_sym.sim.devices import torch_threads

    p = task.params
    width, depth = int(p["width"]), int(p["depth"])
    _, computes = task.sweep
    steps = [round(c / (width**2 * depth)) for c in computes]
    seed = int(np.random.SeedSequence((task.seed, task.draw)).generate_state(1)[0])
    config = TrainConfig(setting="rrs", dim=task.d, alpha=math.inf, depth=depth, width=width, steps=max(steps),
                         lr=float(p["lr"]), batch=int(p["batch"]), nu=NU, beta=float(p["beta"]), seed=seed,
                         device=task.device)
    wanted, seen = set(steps), {}

    def observe(step, model):
        if step in wanted:
            seen[step] = evaluate(model, config, contexts=task.contexts)[0]

    with torch_threads(1):  # small matrices: threads only contend
        train(config, observer=observe)
    return dict(loss=[seen[s] for s in steps], steps=steps, flow_time=[flow_time(config, s) for s in steps])


def _feasible(point: Mapping[str, float], d: int) -> bool:
    return int(point["dim"]) == d  # each panel has its own D: simulate it only at that d


LAYOUT = SimulationLayout(
    parameters=("compute", "dim", "width", "depth", "beta", "lr", "batch"),
    quantities={"loss": compute_loss},
    # The lines are the flow at this very D: the gap to SGD is the rate and batch, not 1/D (no residual panel).
    estimators={"sgd": Estimator("sgd", "trained reduced-Γ model", train_trajectory, feasible=_feasible,
                                 tracks_theory=False)},
    extras=("steps", "flow_time"),
    symbols={"compute": "C"},
)


def lower_envelope(x: np.ndarray, curves: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """The best loss any of the learning curves ``(compute, loss)`` reaches at compute ≤ x, on the increasing grid
    ``x`` (NaN below every curve's start): a budget C buys the lowest loss reached with at most C, and a run that
    ended earlier keeps its final loss."""
    best = np.full(len(x), np.nan)
    for compute, loss in curves:
        reached = np.fmin.accumulate(np.asarray(loss, dtype=float))  # best so far along the run
        inside = np.interp(np.log(x), np.log(compute), reached, left=np.nan, right=reached[-1])
        best = np.fmin(best, inside)
    return np.fmin.accumulate(best)


def _steps_grid(steps: int, n: int) -> np.ndarray:
    return np.geomspace(1, steps, n)


def _checkpoints(steps: int) -> tuple[int, ...]:
    return tuple(sorted({int(round(s)) for s in np.geomspace(steps / 100, steps, CHECKPOINTS)}))


def _shape_curve(panel: Panel, label: str, spec: Mapping[str, Any], width: int, depth: int, n: int) -> None:
    cost = width**2 * depth
    params = dict(dim=spec["dim"], width=width, depth=depth, beta=spec["beta"], lr=spec["lr"], batch=spec["batch"])
    markers = (Markers("sgd", tuple(float(s * cost) for s in _checkpoints(spec["steps"])), trajectory=True),)
    panel.curve(label, _steps_grid(spec["steps"], n) * cost, params, markers)


def _flat(label: str, x: np.ndarray, value: float) -> Curve:
    return Curve(label, np.array([x.min(), x.max()]), np.array([value, value]))


def fig5(mode: str) -> FigureData:
    """Fig. 5 (a)-(c) and the compute-optimal frontier (d); see the module docstring for what is theory."""
    from icl_sym.theories.bordelon2025.bottlenecks import width_floor
    from icl_sym.theories.bordelon2025.compute_optimal import frontier_exponent
    from icl_sym.theories.bordelon2025.rotated_structure import rrs_depth_floor
    from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum

    runs, n = FIG5[mode], _POINTS[mode]

    def panel(key: str, title: str, legend: str = "best") -> Panel:
        return Panel(title, "compute C = T N² L (SGD steps T)", "test error", ylog=True, key=key, quantity="loss",
                     xparam="compute", theory=compute_loss, legend=legend)

    a, b, c = runs["a"], runs["b"], runs["c"]
    panel_a = panel("a", f"(a) L = 1, scaling N (D = {a['dim']}, β = {a['beta']:g})", "below")
    for width in a["widths"]:
        _shape_curve(panel_a, f"N = {width}", a, width, 1, n)
    xs = np.concatenate([cv.x for cv in panel_a.curves])
    s = power_law_spectrum(a["dim"], NU, a["beta"])
    panel_a.curves.append(_flat("(floor) depth: L = 1, N = D", xs,
                                rrs_depth_floor(1, s.eigenvalues, s.weights).loss))

    (width_b,) = b["widths"]
    panel_b = panel("b", f"(b) N = {width_b}, scaling L (D = {b['dim']}, β = {b['beta']:g})", "below")
    for depth in b["depths"]:
        _shape_curve(panel_b, f"L = {depth}", b, width_b, depth, n)
    xs = np.concatenate([cv.x for cv in panel_b.curves])
    s = power_law_spectrum(b["dim"], NU, b["beta"])
    panel_b.curves += [
        _flat("(floor) width: L → ∞, Haar MC", xs, landscape(b["dim"], width_b, b["beta"]).width_floor()),
        _flat("(ref) App. F.4 corrected: zΣλω/(z+λ), D → ∞", xs,
              width_floor(width_b, s.eigenvalues, s.weights).loss),
        _flat("(ref) App. F.4 as printed: z²Σλω/(z+λ)²", xs,
              width_floor(width_b, s.eigenvalues, s.weights, printed=True).loss),
    ]

    panel_c = panel("c", f"(c) L = ⌊(N/4)^ν⌋ (D = {c['dim']}, β = {c['beta']:g}, ν = {NU:g})", "below")
    for width in c["widths"]:
        _shape_curve(panel_c, f"N = {width}, L = {joint_depth(width)}", c, width, joint_depth(width), n)
    exponent = -frontier_exponent(NU, c["beta"])  # Result 8 (width exponent ν·min(β, 1), ERR-14); β = 1 here
    grid = np.geomspace(min(cv.x.min() for cv in panel_c.curves), max(cv.x.max() for cv in panel_c.curves), n)
    envelope = lower_envelope(grid, [(cv.x, cv.y) for cv in panel_c.curves])
    panel_c.curves.append(Curve(f"(ref) C^-{exponent:.3g} (Result 8)", grid,
                                envelope[-1] * (grid / grid[-1]) ** -exponent))  # through the envelope's end

    panel_d = Panel(f"(d) compute-optimal frontier (D = {c['dim']}, β = {c['beta']:g})",
                    "compute C = T N² L (SGD steps T)", "test error", ylog=True, key="d", quantity="loss",
                    xparam="compute", theory=compute_loss, legend="below")
    shapes = [(w, l) for w in c["widths"] for l in sorted({1, *(2**k for k in range(6)), joint_depth(w)})
              if l <= max(joint_depth(x) for x in c["widths"])]
    family = []
    for width, depth in shapes:
        x = _steps_grid(c["steps"], n) * width**2 * depth
        family.append((x, compute_loss(x, c["dim"], width, depth, c["beta"], c["lr"])))
    frontier = lower_envelope(grid, family)
    panel_d.curves.append(Curve(f"theory envelope over {len(shapes)} shapes (N, L)", grid, frontier))
    panel_d.curves.append(Curve("theory envelope of the L = ⌊(N/4)^ν⌋ runs", grid, envelope))
    panel_d.curves.append(Curve(f"(ref) C^-{exponent:.3g} (Result 8)", grid,
                                frontier[-1] * (grid / grid[-1]) ** -exponent))
    for cv in panel_c.curves[: len(c["widths"])]:  # the (c) runs again: their markers' lower envelope is simulated
        panel_d.curves.append(Curve(cv.label, cv.x, cv.y, cv.params, cv.markers))
    return FigureData("bordelon2025.fig5", "Bordelon et al. Fig. 5: width and depth bottlenecks, compute scaling "
                      "(reduced Γ, RRS, α = ∞)", [panel_a, panel_b, panel_c, panel_d], LAYOUT, fig5_summary)


def fig5_summary(rows: list[dict]) -> str:
    """Markdown: each run's final simulated loss beside the flow; the simulated frontier of the (c) runs, its slope."""
    from icl_sym.core.fits import bootstrap_power_law

    runs: dict[tuple, list[dict]] = {}
    for row in rows:
        runs.setdefault((row["panels"], int(row["d"]), int(float(row["width"])), int(float(row["depth"]))),
                        []).append(row)
    lines = ["# Bordelon et al. Fig. 5: simulated runs against the gradient flow", "",
             "| panels | D | N | L | steps | final loss (mean over draws) | flow | rel. gap |",
             "|---|---|---|---|---|---|---|---|"]
    for (panels, d, width, depth), group in sorted(runs.items()):
        last = max(float(r["compute"]) for r in group)
        final = [float(r["loss"]) for r in group if float(r["compute"]) == last]
        theory = float(next(r["theory_loss"] for r in group if float(r["compute"]) == last))
        mean = float(np.mean(final))
        lines.append(f"| {panels} | {d} | {width} | {depth} | {round(last / (width**2 * depth))} | {mean:.4g} | "
                     f"{theory:.4g} | {100 * (mean - theory) / theory:+.1f} % |")
    joint = [r for r in rows if "c" in r["panels"]]
    if joint:
        by_compute: dict[float, dict[tuple, list[float]]] = {}
        for r in joint:
            by_compute.setdefault(float(r["compute"]), {}).setdefault(
                (float(r["width"]), float(r["depth"])), []).append(float(r["loss"]))
        frontier, best = [], math.inf  # Pareto points: lower mean loss than at every smaller compute
        for compute in sorted(by_compute):
            shape, values = min(by_compute[compute].items(), key=lambda kv: np.mean(kv[1]))
            if np.mean(values) < best:
                best = float(np.mean(values))
                frontier.append((compute, shape, values))
        lines += ["", "## Simulated compute-optimal frontier (panel c runs)", "",
                  "| C | N | L | loss |", "|---|---|---|---|"]
        lines += [f"| {cp:.4g} | {int(sh[0])} | {int(sh[1])} | {np.mean(v):.4g} |" for cp, sh, v in frontier]
        if len(frontier) >= 2 and min(len(v) for _, _, v in frontier) >= 2:
            fit = bootstrap_power_law(np.concatenate([[cp] * len(v) for cp, _, v in frontier]),
                                      np.concatenate([v for _, _, v in frontier]))
            beta = float(joint[0]["beta"])
            lines += ["", f"Least-squares slope of log loss on log C over the frontier: {fit.slope:.3f} "
                          f"(95 % bootstrap interval {fit.low:.3f} to {fit.high:.3f}); Result 8's exponent "
                          f"−νβ/((3+β)ν+2) = {-NU * beta / ((3 + beta) * NU + 2):.3f} at β = {beta:g}."]
    return "\n".join(lines) + "\n"


#: ``icl-sym figure bordelon2025.fig5``.
FIG5_RECIPE = FigureRecipe("bordelon2025.fig5", fig5, "RRS with a width-N projection: width and depth bottlenecks, "
                           "compute scaling and frontier (Monte Carlo gradient flow, trained markers)",
                           simulation=FIG5_SIMULATION)
