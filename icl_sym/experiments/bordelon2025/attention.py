"""Attention-model figures of Bordelon, Letey, Pehlevan (2026): Fig. 6, full linear attention (Result 9) and
softmax attention, and Fig. 9, softmax attention with GELU-MLP blocks.

Theory: full linear attention is gradient flow on four scalars (w_x, w_q, w_k, w_v) on the reduced model's landscape
(:mod:`icl_sym.theories.bordelon2025.full_attention`). The paper's curves start balanced at (√2σ, σ, σ, σ). The
authors' decoupled linear transformer, trained by online SGD in its mean-field parameterisation, is the same flow from
an *unbalanced* start that depends on D, at the flow time t = Σ_s η_s D^{−6/5}
(:func:`icl_sym.sim.bordelon2025.training.four_scalar_start`, docs/theory/bordelon2025.md, "Full linear
attention"): its learning curves are trajectory markers on the flow from that start. Softmax attention has no theory
here: its markers (final training loss on one fixed batch, App. G.3) sit beside the authors' stored final losses.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from ..figure import Curve, Estimator, FigureData, Markers, Panel, SimTask, SimulationLayout
from .iso import iso_loss

__all__ = ["FIG6", "FIG6A", "TRANSFORMER", "SOFTMAX_RUNS", "SIMULATION", "LAYOUT", "attention_loss",
           "train_linear_transformer", "train_softmax", "fig6", "fig9"]


#: Fig. 6(a): full linear attention on ISO data at α = 1 from the balanced start (√2σ, σ, σ, σ), σ = 0.4.
FIG6A = dict(alpha=1.0, sigma=0.4, depths=(1, 2, 4, 8))
#: Fig. 6(b): full linear attention on RRS power-law data, the paper's D = 80, ν = 1.25, β = 1.2 and init w = 0.45.
FIG6 = dict(dim=80, nu=1.25, beta=1.2, depths=(1, 2, 4, 8, 16), init=0.45)

#: What a simulated point trains (a layout parameter is a number): the two linear-transformer panels, then the
#: softmax runs without and with MLP blocks.
ISO_LINEAR, RRS_LINEAR, SOFTMAX, SOFTMAX_MLP = 0.0, 1.0, 2.0, 3.0

#: The trained linear transformers of panels (a) and (b): dimension D = N, depths, context ratio, batch, the SGD rate
#: as a flow-time step η D^{−6/5} (the same discrete flow at every D) and the number of steps. Quick trains at
#: D = 16 (2 cores, minutes), full at the paper's D = N = P = 128 (ISO) and D = N = 80, P = 256 (RRS).
TRANSFORMER = {
    "quick": {"a": dict(dim=16, depths=(1, 2), alpha=1.0, batch=64, step=0.035, steps=430),
              "b": dict(dim=16, depths=(1, 4), alpha=4.0, batch=128, step=0.1, steps=600)},
    "full": {"a": dict(dim=128, depths=(1, 2, 4, 8), alpha=1.0, batch=1024, step=0.035, steps=1700),
             "b": dict(dim=80, depths=(1, 2, 4, 8, 16), alpha=3.2, batch=512, step=0.1, steps=5000)},
}
#: The softmax runs of Figs. 6(c) and 9 (App. G.3): untied layers, AdamW, one fixed batch, label noise σ = 0.1,
#: width N = 2D, P = 2D (α = 2) and K = 16 queries. Full is the authors' D = 64, N = P = 128, B = 512, T = 20000 at
#: their Fig. 9 rate 5e-4; quick is a reduced copy (D = 8, B = 64, 300 steps at a 20× rate).
SOFTMAX_RUNS = {"quick": dict(dim=8, depths=(1, 2, 4, 8, 16), batch=64, steps=300, lr=1e-2),
                "full": dict(dim=64, depths=(1, 2, 4, 8, 16), batch=512, steps=20_000, lr=5e-4)}
SOFTMAX_NOISE = 0.1
SOFTMAX_QUERIES = 16
#: Monte Carlo contexts of the finite-P RRS landscape of panel (b').
LANDSCAPE_CONTEXTS = 2000
#: Marker times per learning curve.
MARKER_TIMES = 10


def _spectrum(dim: int):
    from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum

    return power_law_spectrum(int(dim), FIG6["nu"], FIG6["beta"])


def _linear_config(setting: float, dim: int, depth: int, alpha: float, lr: float, batch: int, steps: int,
                   seed: int = 0, device: str = "cpu"):
    from icl_sym.sim.bordelon2025 import TrainConfig

    iso = setting == ISO_LINEAR
    return TrainConfig(setting="iso" if iso else "rrs", dim=int(dim), alpha=float(alpha), depth=int(depth),
                       model="linear", steps=int(steps), lr=float(lr), batch=int(batch), nu=FIG6["nu"],
                       beta=FIG6["beta"], init_scale=FIG6A["sigma"] if iso else FIG6["init"], seed=seed, device=device)


@lru_cache(maxsize=32)
def _rrs_landscape(dim: int, depth: int, alpha: float):
    """The RRS landscape of Γ = γI at context ratio α by Monte Carlo (the context bottleneck included)."""
    from icl_sym.sim.bordelon2025.data import make_spec
    from icl_sym.sim.bordelon2025.landscape import IsotropicLandscape

    spec = make_spec("rrs", dim, alpha, nu=FIG6["nu"], beta=FIG6["beta"])
    return IsotropicLandscape(spec, depth, contexts=LANDSCAPE_CONTEXTS, seed=0)


def attention_loss(time, depth, dim, setting, alpha, lr, batch) -> np.ndarray:
    """The test error a trained point tends to: for the linear transformers the four-scalar flow (Result 9) from the
    model's own start at dimension ``dim`` at flow ``time``: ISO on the Marchenko–Pastur landscape at α (D → ∞),
    RRS on the Γ = γI landscape at the simulated α and D (:class:`~icl_sym.sim.bordelon2025.landscape.
    IsotropicLandscape`, Monte Carlo); NaN for softmax attention (no theory)."""
    from icl_sym.sim.bordelon2025 import four_scalar_start
    from icl_sym.theories.bordelon2025.full_attention import four_scalar_flow, iso_full_attention_flow

    times = np.atleast_1d(np.asarray(time, dtype=float))
    if setting not in (ISO_LINEAR, RRS_LINEAR):
        return np.full(times.shape, np.nan) if np.ndim(time) else np.nan
    start = four_scalar_start(_linear_config(setting, dim, depth, alpha, lr, batch, 1))
    order = np.argsort(times)
    if setting == ISO_LINEAR:
        flow = iso_full_attention_flow(times[order], alpha, int(depth), start)
    else:
        landscape = _rrs_landscape(int(dim), int(depth), float(alpha))
        flow = four_scalar_flow(times[order], start, landscape.slope, landscape.loss)
    out = np.empty_like(times)
    out[order] = flow.loss
    return out if np.ndim(time) else float(out[0])


def _seed(task: SimTask) -> int:
    return int(np.random.SeedSequence((task.seed, task.draw)).generate_state(1)[0])


def train_linear_transformer(task: SimTask) -> dict[str, Any]:
    """One draw: the authors' decoupled linear transformer trained by online SGD at D = N = ``task.d``; its test error
    on fresh contexts at every requested flow time (step s = t D^{6/5}/η)."""
    from icl_sym.sim.bordelon2025 import evaluate, train
    from icl_sym.sim.devices import torch_threads

    p = task.params
    _, times = task.sweep
    lr = float(p["lr"])
    steps = [round(t * task.d**1.2 / lr) for t in times]
    config = _linear_config(p["setting"], task.d, p["depth"], p["alpha"], lr, p["batch"], max(steps), _seed(task),
                            task.device)
    wanted, losses = set(steps), {}

    def observer(step: int, model) -> None:
        if step in wanted:
            losses[step] = evaluate(model, config, contexts=task.contexts)[0]

    with torch_threads(1):
        train(config, observer=observer)
    values = [losses[s] for s in steps]
    return dict(loss=values, test_loss=values, step=steps)


def train_softmax(task: SimTask) -> dict[str, Any]:
    """One draw: untied softmax attention (with GELU-MLP blocks for Fig. 9) trained by AdamW on one fixed batch
    (App. G.3); ``loss`` is the training loss averaged over the last min(100, T/10) steps, as the authors report,
    ``test_loss`` the error on fresh contexts."""
    from icl_sym.sim.bordelon2025 import TrainConfig, evaluate, train
    from icl_sym.sim.devices import torch_threads

    p = task.params
    config = TrainConfig(setting="iso", dim=task.d, alpha=float(p["alpha"]), depth=int(p["depth"]), width=2 * task.d,
                         model="softmax", mlp=p["setting"] == SOFTMAX_MLP, steps=int(p["time"]), lr=float(p["lr"]),
                         batch=int(p["batch"]), noise=SOFTMAX_NOISE, queries=SOFTMAX_QUERIES, fixed_batch=True,
                         seed=_seed(task), device=task.device)
    with torch_threads(1):
        result = train(config)
        test = evaluate(result.model, config, contexts=task.contexts)[0]
    window = min(100, max(1, config.steps // 10))
    return dict(loss=float(np.mean(result.history[-window:])), test_loss=test, step=config.steps)


def _at_dim(point, d: int) -> bool:
    return int(point["dim"]) == d  # each curve is simulated at the D its theory was computed for


LAYOUT = SimulationLayout(
    parameters=("time", "depth", "dim", "setting", "alpha", "lr", "batch"),
    quantities={"loss": attention_loss},
    estimators={
        "linear": Estimator("linear", "trained linear transformer (online SGD)", train_linear_transformer,
                            feasible=_at_dim),
        "softmax": Estimator("softmax", "trained softmax attention (fixed batch)", train_softmax, feasible=_at_dim,
                             marker="s", tracks_theory=False),
    },
    extras=("test_loss", "step"),
    symbols={"time": "t", "depth": "L"},
)


def _simulated_panel(mode: str, key: str, title: str) -> Panel:
    """Learning curves of the trained transformer at D on the four-scalar flow from its own start, with markers."""
    run = TRANSFORMER[mode][key]
    d, setting = run["dim"], ISO_LINEAR if key == "a" else RRS_LINEAR
    lr = run["step"] * d**1.2
    steps = np.unique(np.geomspace(max(2, run["steps"] // 40), run["steps"], MARKER_TIMES).astype(int))
    marker_times = tuple(float(s * lr / d**1.2) for s in steps)
    panel = Panel(title, "flow time t = Σ η D^{−6/5}", "test error", ylog=True, key=f"{key}'", quantity="loss",
                  xparam="time", theory=attention_loss)
    times = np.geomspace(marker_times[0] / 2, marker_times[-1], 40 if mode == "quick" else 150)
    for depth in run["depths"]:
        params = dict(depth=depth, dim=d, setting=setting, alpha=run["alpha"], lr=lr, batch=run["batch"])
        panel.curve(f"L = {depth}", times, params, (Markers("linear", marker_times, trajectory=True),))
    return panel


def _softmax_markers(mode: str, setting: float) -> tuple[dict, tuple[Markers, ...]]:
    from .authors import SOFTMAX_ALPHA

    run = SOFTMAX_RUNS[mode]
    params = dict(time=run["steps"], dim=run["dim"], setting=setting, alpha=SOFTMAX_ALPHA, lr=run["lr"],
                  batch=run["batch"])
    return params, (Markers("softmax", tuple(float(L) for L in run["depths"])),)


def _softmax_panel(mode: str, key: str, title: str, figures: tuple[tuple[str, str, float], ...]) -> Panel:
    """The authors' stored final losses against depth, our trained markers on them, linear attention's ℓ⋆ dashed."""
    from .authors import SOFTMAX_ALPHA, authors_values

    run = SOFTMAX_RUNS[mode]
    title += f"\nmarkers: ours, D = {run['dim']}, N = P = {2 * run['dim']}, {run['steps']} steps"
    panel = Panel(title, "depth L", "final training loss", ylog=True, key=key, quantity="loss", xparam="depth")
    stored = authors_values()
    for figure, label, setting in figures:
        rows = [v for v in stored if v.figure == figure]
        params, markers = _softmax_markers(mode, setting)
        panel.curves.append(Curve(label, np.array([v.depth for v in rows], dtype=float),
                                  np.array([v.final_loss for v in rows]), params, markers))
    depths = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    reference = np.array([float(iso_loss(SOFTMAX_ALPHA, int(d))) for d in depths])
    panel.curves.append(Curve("(ref) linear attention ℓ⋆(α = 2, L)", depths, reference))
    return panel


def fig6(mode: str) -> FigureData:
    """Full linear attention and softmax (Fig. 6):
    (a) ISO at α = 1: the four-scalar flow (Result 9) from the paper's balanced start (√2σ, σ, σ, σ), σ = 0.4, for
    L = 1, 2, 4, 8 (flow time of the scalars); (a') the authors' linear transformer trained at D = N = P: its test error
    (markers) on the flow from its own start; (b) balanced full linear attention under RRS (Result 9): the loss of
    Result 6 at γ = 2w⁵ against the time the balanced flow takes from w = 0.45, with the reference t^{−5β/(5β+2)};
    each curve stops at 0.1 % below the minimiser of its landscape, which the flow reaches only as t → ∞; (b') the
    trained transformer under RRS on the flow from its own start on the landscape at its P (Monte Carlo);
    (c) the authors' stored final losses of the softmax runs of Figs. 6(c) and 9 against depth, our trained softmax
    markers on the Fig. 6(c) curve, and linear attention's optimal ℓ⋆(α = 2, L) (Result 2) as a dashed reference:
    the workbench has no theory of softmax attention."""
    from icl_sym.theories.bordelon2025.bottlenecks import full_attention_time_of_gamma
    from icl_sym.theories.bordelon2025.full_attention import balanced_start, iso_full_attention_flow
    from icl_sym.theories.bordelon2025.rotated_structure import rrs_depth_floor, rrs_loss

    n = 40 if mode == "quick" else 200
    a = FIG6A
    panel_a = Panel(f"(a) full linear attention, ISO, α = {a['alpha']:g}, from (√2σ, σ, σ, σ)", "flow time t",
                    "test error", ylog=True, key="a")
    times = np.geomspace(0.1, 100, n)
    for depth in a["depths"]:
        flow = iso_full_attention_flow(times, a["alpha"], depth, balanced_start(a["sigma"]))
        panel_a.curves.append(Curve(f"L = {depth}", times, flow.loss))
    quick_a = TRANSFORMER[mode]["a"]
    panel_a_sim = _simulated_panel(mode, "a", f"(a') ISO α = 1, trained at D = N = P = {quick_a['dim']}")

    f = FIG6
    s = _spectrum(f["dim"])
    gamma0 = 2 * f["init"] ** 5
    panel_b = Panel(f"(b) full linear attention, RRS, β = {f['beta']:g}", "flow time t", "test error", ylog=True,
                    key="b")
    for depth in f["depths"]:
        top = rrs_depth_floor(depth, s.eigenvalues, s.weights).gamma  # the flow approaches it as t → ∞
        gammas = np.geomspace(gamma0 * 1.01, top * (1 - 1e-3), n)
        times = full_attention_time_of_gamma(gammas, gamma0, depth, s.eigenvalues, s.weights)
        panel_b.curves.append(Curve(f"L = {depth}", times, rrs_loss(gammas, depth, s.eigenvalues, s.weights)))
    deepest = panel_b.curves[-1]
    exponent = 5 * f["beta"] / (5 * f["beta"] + 2)
    middle = len(deepest.x) // 2
    late = deepest.x[middle:]  # the power law holds after the initial plateau of the small initialisation
    panel_b.curves.append(Curve(f"(ref) t^-{exponent:.3g}", late,
                                deepest.y[middle] * (late / deepest.x[middle]) ** -exponent))
    run_b = TRANSFORMER[mode]["b"]
    panel_b_sim = _simulated_panel(mode, "b", f"(b') RRS, trained at D = N = {run_b['dim']}, "
                                              f"P = {round(run_b['alpha'] * run_b['dim'])}")
    panel_c = _softmax_panel(mode, "c", "(c) softmax: final training loss",
                             (("fig6c", "authors: softmax (Fig. 6c)", SOFTMAX),))
    return FigureData("bordelon2025.fig6", "Bordelon et al. Fig. 6: full linear attention and softmax",
                      [panel_a, panel_a_sim, panel_b, panel_b_sim, panel_c], LAYOUT)


def fig9(mode: str) -> FigureData:
    """Softmax attention with GELU-MLP blocks (Fig. 9, App. G.3): the authors' stored final training losses against
    depth with our trained markers (untied, AdamW, one fixed batch), the authors' softmax-only losses (Fig. 6c) and
    linear attention's ℓ⋆(α = 2, L) (Result 2) as a dashed reference; no theory of softmax attention exists here."""
    panel = _softmax_panel(mode, "a", "softmax + GELU MLP: final training loss",
                           (("fig9", "authors: softmax + MLP (Fig. 9)", SOFTMAX_MLP),))
    from .authors import authors_values

    rows = [v for v in authors_values() if v.figure == "fig6c"]
    panel.curves.insert(1, Curve("authors: softmax only (Fig. 6c)", np.array([v.depth for v in rows], dtype=float),
                                 np.array([v.final_loss for v in rows])))
    return FigureData("bordelon2025.fig9", "Bordelon et al. Fig. 9: softmax + GELU MLP", [panel],
                      LAYOUT)


#: Simulation sizes per mode: every simulated curve names its own D (a draw runs only there).
SIMULATION = {"quick": dict(dims=(8, 16), draws=1, contexts=1000),
              "full": dict(dims=(64, 80, 128), draws=2, contexts=4000)}
