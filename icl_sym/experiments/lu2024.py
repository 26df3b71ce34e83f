"""Figure recipes of Lu et al. (2025), Figs. 1-6: theory curves and the paper's simulated points.

Parameters and simulation protocols follow the paper's figures (Section 6 and the SI). ``quick``
mode uses coarser theory grids and, for simulations, d ∈ {8, 16, 32} with 4 draws (minutes on a
CPU; Fig. 4's dMMSE on a subset of the paper's κ); ``full`` the paper's grids, d = 100 and 10
draws (meant for a GPU). Drawing, storing and resuming are generic (:mod:`icl_sym.experiments.figure`);
this module declares the figures, the estimators (Γ* of the linear attention and the dMMSE
baseline) and the layout of their stored rows. Figs. 5 and 6 train attention models by AdamW
(:mod:`icl_sym.sim.lu2024.trained`); their rows have a layout of their own (:func:`trained_layout`).
"""

from __future__ import annotations

import contextlib
import math
from typing import Any, Mapping

import numpy as np

from icl_sym.core.validation import ParameterError
from icl_sym.theories.lu2024 import e_icl, e_idg, g_task
from icl_sym.theories.lu2024.derived import alpha_star_map

from .figure import Curve, Estimator, FigureData, FigureRecipe, Markers, Panel, SimOptions, SimTask, SimulationLayout

__all__ = ["LAYOUT", "KEY_FIELDS", "FIELDS", "FIGURES", "fig1", "fig2", "fig3", "fig4", "fig5", "fig6", "ASSIGNMENT",
           "TRAINING", "trained_layout", "thresholds", "fig5_summary", "fig6_summary"]

#: The asymptotic theory of each plotted quantity (Lu et al. Section 5; signature (tau, alpha, kappa, rho, lam)).
THEORY_CURVES = {"icl": e_icl, "idg": e_idg, "g_task": g_task}

#: How Γ*'s pretraining contexts are spread over the k tasks: uniformly at random, which keeps n = round(τd²).
#: The authors' equal repetition (``"equal"``) rounds n to a multiple of k and so moves τ by up to k/(2d²):
#: at their own Fig. 4 point d = 100, α = 6, τ = 1.2, κ = 50 it gives n = 10000, i.e. the pole τ = 1.
ASSIGNMENT = "random"


def simulate_gamma(task: SimTask) -> dict[str, Any]:
    """One draw of Γ* (``simulate_errors``, draw j from the generator of (seed, j)), scored by Proposition 1."""
    from icl_sym.sim.lu2024 import simulate_errors

    p = task.params
    result = simulate_errors(task.d, p["alpha"], p["kappa"], p["tau"], p["rho"], p["lam"], 1, task.seed,
                             device=task.device, assignment=p["assignment"], first_draw=task.draw)
    icl, idg = result.icl_mean, result.idg_mean
    return dict(icl=icl, idg=idg, g_task=icl - idg, ell=result.ell, k=result.k, n=result.n)


def simulate_dmmse(task: SimTask) -> dict[str, Any]:
    """One draw of the dMMSE baseline: a fresh task pool and ``contexts`` test contexts per law."""
    from icl_sym.sim.lu2024.baselines import simulate_baselines
    from icl_sym.sim.sampling import draw_generator

    p = task.params
    # The draw's seed is the one its Γ* draw would use, derived from (seed, draw).
    result = simulate_baselines(task.d, p["alpha"], p["kappa"], p["rho"], task.contexts,
                                draw_generator(task.seed, task.draw).initial_seed(), device=task.device)
    icl, idg = result.dmmse_icl_mean, result.dmmse_idg_mean
    return dict(icl=icl, idg=idg, g_task=icl - idg, ell=round(p["alpha"] * task.d), k=round(p["kappa"] * task.d),
                n=0)


def _gamma_feasible(point: Mapping[str, float], d: int) -> bool:
    """Γ* needs k = round(κd) ≤ n contexts and ℓ ≥ 2: small d cannot host every point."""
    from icl_sym.sim.lu2024.tasks import pool_sizes

    try:
        pool_sizes(d, point["kappa"], point["tau"], ASSIGNMENT)
    except ParameterError:
        return False
    return round(point["alpha"] * d) >= 2


def _dmmse_feasible(point: Mapping[str, float], d: int) -> bool:
    return round(point["alpha"] * d) >= 1 and round(point["kappa"] * d) >= 1


#: Stored rows: Γ* (``gamma``) has contexts = 0 (Proposition 1 scores it exactly, no test contexts);
#: dMMSE, which is not pretrained, has assignment "none" and n = 0 (tau is then the curve's).
LAYOUT = SimulationLayout(
    parameters=("alpha", "kappa", "tau", "rho", "lam"),
    quantities=THEORY_CURVES,
    estimators={
        "gamma": Estimator("gamma", "Γ* simulation", simulate_gamma, lambda o: {"assignment": ASSIGNMENT, "contexts": 0},
                           _gamma_feasible, "o"),
        "dmmse": Estimator("dmmse", "dMMSE", simulate_dmmse, lambda o: {"assignment": "none", "contexts": o.contexts},
                           _dmmse_feasible, "x", tracks_theory=False),
    },
    settings=("assignment", "contexts"),
    theory_parameters=("lam",),
    extras=("ell", "k", "n"),
    symbols={"tau": "τ", "alpha": "α", "kappa": "κ"},
)
KEY_FIELDS, FIELDS = LAYOUT.key_fields, LAYOUT.fields


def _tau_grid(mode: str) -> np.ndarray:
    n = 60 if mode == "quick" else 400
    grid = np.logspace(-1, np.log10(20), n)
    return grid[np.abs(grid - 1) > 1e-3]  # τ = 1 is the ridgeless pole


#: Fig. 1 simulated τ (panels A/B; panel C adds τ = 1, finite there because λ > 0), as in the paper.
FIG1_TAU_SIM = (0.2, 0.5, 0.85, 1.15, 1.5, 2.0)
FIG1C_TAU_SIM = (0.2, 0.5, 0.85, 1.0, 1.15, 1.5, 2.0)


def fig1(mode: str) -> FigureData:
    """Sample-wise double descent in τ (Lu et al. Fig. 1): κ = 0.5, ρ = 0.01, ridgeless; panel C: ridge, κ = ∞.

    Simulations: the paper's τ values, λ = 1e-5 for the ridgeless panels A/B (the same Γ* gives both).
    """
    tau = _tau_grid(mode)
    ridgeless = (Markers("gamma", FIG1_TAU_SIM, {"lam": 1e-5}),)
    panels = []
    for key, quantity, label in (("A", "icl", "ICL"), ("B", "idg", "IDG")):
        panel = Panel(f"{key}: {label} error, κ = 0.5, ρ = 0.01, λ → 0", "τ = n/d²", f"e_{label}", ylog=True,
                      vlines=(1.0,), key=key, quantity=quantity, xparam="tau", theory=THEORY_CURVES[quantity])
        for alpha in (1, 10, 100):
            panel.curve(f"α = {alpha}", tau, dict(alpha=alpha, kappa=0.5, rho=0.01, lam=0.0), ridgeless)
        panels.append(panel)
    panel = Panel("C: ICL error with ridge, α = 10, κ = ∞, ρ = 0.01", "τ = n/d²", "e_ICL", ylog=True,
                  vlines=(1.0,), key="C", quantity="icl", xparam="tau", theory=e_icl)
    for lam in (1e-5, 0.1, 1.0):
        panel.curve(f"λ = {lam:g}", tau, dict(alpha=10, kappa=math.inf, rho=0.01, lam=lam),
                    (Markers("gamma", FIG1C_TAU_SIM, {"lam": lam}),))
    panels.append(panel)
    return FigureData("lu2024.fig1", "Lu et al. Fig. 1: sample-wise double descent", panels, LAYOUT)


#: Fig. 2 panels: (key, quantity, τ, ρ, κ values, simulated α); simulations at λ = 1e-6 (paper, SI).
#: The simulated α are the union of {1 or 2.35, α*(κ), 100, 1000} over the non-monotone κ.
FIG2_SETTINGS = (
    ("A", "idg", 0.5, 0.5, (0.1, 0.3, 0.5, 0.7, 2.0), (1.0, 5.6, 6.15, 7.4, 100.0, 1000.0)),
    ("B", "icl", 0.5, 0.1, (0.2, 0.4, 0.5, 0.6, 1.5), (2.35, 5.5, 9.62, 22.7, 100.0, 1000.0)),
    ("C", "icl", 20.0, 0.5, (0.25, 0.75, 1.0, 1.1, 2.0), (2.35, 5.5, 9.62, 22.7, 100.0, 1000.0)),
)


def fig2(mode: str) -> FigureData:
    """Non-monotone dependence on context length α (Lu et al. Fig. 2), ridgeless theory, simulations at λ = 1e-6."""
    alpha = np.logspace(-1, 3, 80 if mode == "quick" else 400)
    panels = []
    for key, quantity, tau, rho, kappas, alpha_sim in FIG2_SETTINGS:
        panel = Panel(f"{key}: {quantity.upper()}, τ = {tau:g}, ρ = {rho:g}", "α = ℓ/d", f"e_{quantity.upper()}",
                      ylog=True, key=key, quantity=quantity, xparam="alpha", theory=THEORY_CURVES[quantity])
        for kappa in kappas:
            panel.curve(f"κ = {kappa:g}", alpha, dict(tau=tau, kappa=kappa, rho=rho, lam=0.0),
                        (Markers("gamma", alpha_sim, {"lam": 1e-6}),))
        panels.append(panel)
    return FigureData("lu2024.fig2", "Lu et al. Fig. 2: context length", panels, LAYOUT)


FIG3_SETTINGS = (("i", "icl", 0.5), ("ii", "idg", 0.5), ("iii", "icl", 20.0))


def fig3(mode: str) -> FigureData:
    """Phase maps of the optimal context length α*(κ, ρ) (Lu et al. Fig. 3); blank where monotone. Theory only."""
    shape = (101, 75, 200) if mode == "quick" else (401, 300, 500)
    kappas, rhos = np.linspace(0.1, 2.1, shape[0]), np.linspace(0.01, 1, shape[1])
    alphas = np.logspace(-2, 3, shape[2])
    panels = []
    for key, which, tau in FIG3_SETTINGS:
        values = alpha_star_map(tau, kappas, rhos, which=which, alphas=alphas)
        panels.append(Panel(f"({key}) {which.upper()}, τ = {tau:g}: α*", "κ = k/d", "ρ", xlog=False,
                            vlines=(min(tau, 1.0),), image=(kappas, rhos, values), key=key))
    return FigureData("lu2024.fig3", "Lu et al. Fig. 3: where the error is non-monotone in α", panels)


FIG4_SETTINGS = ((6, 1.2), (10, 2.0), (20, 4.0), (40, 8.0))
#: Fig. 4 simulated κ: Γ* (λ = 1e-5) and the dMMSE grid of the paper; quick mode takes a subset of the latter
#: that keeps the quick sweep's task count small.
FIG4_KAPPA_SIM = (0.2, 0.5, 1.0, 10.0, 50.0)
FIG4_DMMSE_KAPPA = (0.08, 0.10, 0.12, 0.16, 0.20, 0.26, 0.33, 0.41, 0.53, 0.67, 0.85, 1.07, 1.36, 1.72, 2.18, 2.77,
                    3.50, 4.44, 5.62, 7.12, 9.02, 11.42, 14.47, 18.32, 23.20, 29.39, 37.21, 47.13, 59.68, 75.58, 95.72)
FIG4_DMMSE_KAPPA_QUICK = (0.10, 0.20, 0.53, 1.07, 2.18, 5.62, 11.42)


def fig4(mode: str) -> FigureData:
    """Memorisation → ICL transition in task diversity: g_task vs κ (Lu et al. Fig. 4), τ = 0.2α, ρ = 0.01.

    The paper splits the four (α, τ) over panels A and B; here they share one panel.
    """
    kappa = np.logspace(np.log10(0.08), 2, 60 if mode == "quick" else 300)
    dmmse = FIG4_DMMSE_KAPPA_QUICK if mode == "quick" else FIG4_DMMSE_KAPPA
    sims = (Markers("gamma", FIG4_KAPPA_SIM, {"lam": 1e-5}), Markers("dmmse", dmmse))
    panel = Panel("g_task = e_ICL − e_IDG, ρ = 0.01, λ → 0", "κ = k/d", "g_task", vlines=(1.0,), key="A",
                  quantity="g_task", xparam="kappa", theory=g_task)
    for alpha, tau in FIG4_SETTINGS:
        panel.curve(f"α = {alpha}, τ = {tau:g}", kappa, dict(alpha=alpha, tau=tau, rho=0.01, lam=0.0), sims)
    panel.curves.append(Curve("(1 − κ)₊ (τ, α → ∞)", kappa, np.clip(1 - kappa, 0, None)))
    return FigureData("lu2024.fig4", "Lu et al. Fig. 4: task-diversity transition", [panel], LAYOUT)


def _gamma_memory(options: SimOptions) -> str:
    d = max(options.dims)
    return f"the Γ* solve holds up to {8 * (d * (d + 1)) ** 2 / 1e9:.2g} GB per worker at d = {d}"


# --- Figs. 5 and 6: trained attention models ------------------------------------------------------------------

#: Training per figure and mode. ``full`` is the authors' setting (AdamW, lr 1e-4, weight decay 1e-4, minibatches
#: of 0.1 n, 100000 "train iterations" of 11 minibatch steps each). ``quick`` takes 1000 steps at a larger rate
#: (seconds to a minute per run at d ≤ 10 on one CPU core): full-batch for Fig. 5, so that the models interpolate
#: below their threshold; the authors' minibatches for Fig. 6, whose τ = 10 sets are ten times larger.
_AUTHORS_TRAINING = dict(steps=1_100_000, lr=1e-4, weight_decay=1e-4, batch_fraction=0.1, dtype="float32")
TRAINING = {
    "fig5": {"quick": dict(steps=1000, lr=1e-2, weight_decay=1e-4, batch_fraction=1.0, dtype="float32"),
             "full": _AUTHORS_TRAINING},
    "fig6": {"quick": dict(steps=1000, lr=1e-2, weight_decay=1e-4, batch_fraction=0.1, dtype="float32"),
             "full": _AUTHORS_TRAINING},
}
#: Simulation defaults of the trained figures: dimensions, draws (at least 2 for Fig. 5's bootstrap over draws)
#: and test contexts per error.
TRAINED_SIMULATION = {
    "fig5": {"quick": dict(dims=(6, 10), draws=2, contexts=1000), "full": dict(dims=(20, 40, 80), draws=3,
                                                                              contexts=10000)},
    "fig6": {"quick": dict(dims=(6, 10), draws=1, contexts=1000), "full": dict(dims=(20, 40, 80), draws=3,
                                                                              contexts=10000)},
}
#: Architectures of Fig. 5 (panel, label) in the paper's variant; the authors' variants are estimators too
#: (``<architecture>_authors``) for measuring the difference.
FIG5_ARCHITECTURES = {"linear": ("A", "linear attention"), "softmax1": ("B", "1 softmax block"),
                      "softmax2_mlp": ("C", "2 softmax blocks + MLP"), "softmax3_mlp": ("C", "3 softmax blocks + MLP")}
#: The fitted exponents a of n* ∝ d^a that issue 14 quotes for the paper's Fig. 5D (not checked against the paper's
#: text): beside the measured ones in the summary.
PAPER_EXPONENTS = {"linear": 1.87, "softmax1": 1.66, "softmax2_mlp": 2.13, "softmax3_mlp": 2.08}
#: Fig. 5 τ grids: the authors' (full) and coarse ones around the peak (quick). The authors list a finer grid for
#: the 2-block model than is recoverable; full mode uses 0.5 to 3 by 0.1, then to 15 by 0.5.
FIG5_TAU = {
    "quick": {"linear": (0.25, 0.5, 0.8, 1.0, 1.1, 1.25, 1.5, 2.0, 3.0, 5.0),
              "softmax1": (0.25, 0.5, 1.0, 1.5, 2.0, 3.0)},
    "full": {"linear": (*np.round(np.arange(0.5, 1.501, 0.05), 2).tolist(), 2.0, 2.5, 3.0, 5.0),
             "softmax1": tuple(np.round(np.arange(0.1, 6.101, 0.1), 1).tolist()),
             "softmax2_mlp": (*np.round(np.arange(0.5, 3.001, 0.1), 1).tolist(),
                              *np.round(np.arange(3.5, 15.001, 0.5), 1).tolist())},
}
FIG5_TAU["full"]["softmax3_mlp"] = FIG5_TAU["full"]["softmax2_mlp"]
#: Fig. 6: the 2-block model at τ = 10, α = 1; the authors' task counts k per d (full), a coarse κ grid (quick).
FIG6_K = {20: (*range(2, 21, 2), 23, 28, 35, 45, 57, 69, 82, 96, 109, 123),
          40: (*range(2, 39, 4), 40, 43, 46, 50, 54, 59, 64, 69, 75, 81, 88, 95, 103, 112, 121, 131, 142, 154, 167, 180,
               195, 211, 229, 248, 268),
          80: (*range(2, 51, 4), 75, 100, 142, 159, 178, 200, 225, 252, 283, 317, 356)}
FIG6_KAPPA_QUICK = (0.25, 0.5, 1.0, 2.0, 4.0)
#: The data of Figs. 5 and 6 (Lu et al. Section 7): ℓ = d, label noise σ = 0.1.
TRAINED_ALPHA, TRAINED_RHO = 1.0, 0.01


def train_point(task: SimTask) -> dict[str, Any]:
    """One training run (draw ``task.draw``) of the task's architecture at its point, on one torch thread on a CPU."""
    from icl_sym.sim.devices import torch_threads
    from icl_sym.sim.lu2024.trained.training import Optimiser, train_and_score

    p = task.params
    optimiser = Optimiser(int(p["steps"]), lr=p["lr"], weight_decay=p["weight_decay"],
                          batch_fraction=p["batch_fraction"])
    with torch_threads(1) if task.device == "cpu" else contextlib.nullcontext():
        out = train_and_score(p["architecture"], task.d, p["alpha"], p["kappa"], p["tau"], p["rho"],
                              optimiser=optimiser, contexts=task.contexts, seed=task.seed, draw=task.draw,
                              variant=p["variant"], dtype=p["dtype"], device=task.device)
    return {key: out[key] for key in ("icl", "idg", "g_task", *TRAINED_EXTRAS)}


TRAINED_EXTRAS = ("icl_se", "idg_se", "train_loss", "n", "k", "ell", "parameters", "steps")


def _trained_estimator(architecture: str, variant: str, training: Mapping[str, Any],
                       feasible=lambda point, d: True) -> Estimator:
    name = architecture if variant == "paper" else f"{architecture}_authors"
    label = FIG5_ARCHITECTURES[architecture][1] + (" (authors' code)" if variant == "authors" else "")
    settings = {"architecture": architecture, "variant": variant, **training}
    return Estimator(name, label, train_point, lambda o, s=settings: {**s, "contexts": o.contexts}, feasible,
                     "s" if variant == "authors" else "o", tracks_theory=False)


def trained_layout(figure: str, mode: str, feasible=lambda point, d: True) -> SimulationLayout:
    """The stored rows of Fig. 5 or 6 (``figure``) in ``mode``: one estimator per architecture and variant, the
    training settings of :data:`TRAINING` in the key (so quick and full rows never mix)."""
    training = TRAINING[figure][mode]
    estimators = {}
    for architecture in FIG5_ARCHITECTURES:
        for variant in ("paper", "authors"):
            e = _trained_estimator(architecture, variant, training, feasible)
            estimators[e.name] = e
    return SimulationLayout(
        parameters=("alpha", "kappa", "tau", "rho"),
        quantities=THEORY_CURVES,
        estimators=estimators,
        settings=("architecture", "variant", *training, "contexts"),
        theory_parameters=("lam",),
        extras=TRAINED_EXTRAS,
        symbols={"tau": "τ", "kappa": "κ"},
    )


def _tau_grid_without_pole(mode: str, top: float) -> np.ndarray:
    grid = np.logspace(np.log10(0.1), np.log10(top), 60 if mode == "quick" else 400)
    return grid[np.abs(grid - 1) > 1e-3]


def fig5(mode: str) -> FigureData:
    """Double descent of trained attention models in τ (Lu et al. Fig. 5), α = 1, κ = ∞, ρ = 0.01, with the
    linear theory's ridgeless e_ICL; the summary holds the thresholds τ* and the fits of n* = τ*d² ∝ d^a (Fig. 5D).

    Quick mode trains the linear and 1-block models of the paper (measured at d = 6 and 10: peaks near τ = 1 and
    1.5; the 2-block model still interpolated at τ = 3 there, beyond what a quick CPU run can reach); full mode
    adds the 2- and 3-block models and the authors' variants of the linear and 2-block models.
    """
    grids = FIG5_TAU[mode]
    theory = dict(alpha=TRAINED_ALPHA, kappa=math.inf, rho=TRAINED_RHO, lam=0.0)
    panels = {}
    for architecture, taus in grids.items():
        key, label = FIG5_ARCHITECTURES[architecture]
        panel = panels.get(key)
        if panel is None:
            panel = panels[key] = Panel(f"{key}: {label}", "τ = n/d²", "e_ICL", ylog=True, vlines=(1.0,), key=key,
                                        quantity="icl", xparam="tau", theory=e_icl, every_d=True)
            panel.curve("linear theory (ridgeless, d → ∞)", _tau_grid_without_pole(mode, max(taus)), theory)
        else:
            panel.title += f", {label}"
        markers = [Markers(architecture, taus)]
        if mode == "full" and architecture in ("linear", "softmax2_mlp"):
            markers.append(Markers(f"{architecture}_authors", taus))
        panel.curves[0].markers += tuple(markers)
    return FigureData("lu2024.fig5", "Lu et al. Fig. 5: double descent in trained attention models", list(panels.values()),
                      trained_layout("fig5", mode), summary=fig5_summary)


def thresholds(rows: list[dict]) -> list[dict]:
    """τ* (training-loss rule "level", floor ρ/10) and the τ of the peak ICL error, per estimator, d and draw, from
    stored rows; τ* is None where the training loss never rises above the floor on the grid."""
    from icl_sym.core.validation import ParameterError
    from icl_sym.sim.lu2024.trained.threshold import interpolation_threshold, peak_location

    runs: dict[tuple, list[dict]] = {}
    for row in rows:
        runs.setdefault((row["estimator"], int(row["d"]), int(row["draw"])), []).append(row)
    out = []
    for (estimator, d, draw), points in sorted(runs.items()):
        points.sort(key=lambda r: r["tau"])
        if len(points) < 2:
            continue
        taus = [r["tau"] for r in points]
        try:
            tau_star = interpolation_threshold(taus, [r["train_loss"] for r in points], floor=points[0]["rho"] / 10)
        except ParameterError:
            tau_star = None
        out.append(dict(estimator=estimator, d=d, draw=draw, tau_star=tau_star,
                        n_star=None if tau_star is None else tau_star * d * d,
                        tau_peak=peak_location(taus, [r["icl"] for r in points])))
    return out


def fig5_summary(rows: list[dict]) -> str:
    """Markdown: τ* and the peak τ per run, and per architecture the fit log n* = a log d + b with a bootstrap
    95 % interval for a over draws, beside the value quoted for the paper."""
    from icl_sym.core.fits import bootstrap_power_law
    from icl_sym.core.validation import ParameterError

    found = thresholds(rows)
    lines = ["# Lu et al. Fig. 5: interpolation thresholds of the trained models", "",
             "τ*: the last τ whose final training loss is at most 1 % of the largest on the grid (rule \"level\" of "
             "icl_sym.sim.lu2024.trained.threshold); \"none\" where the loss never rises above ρ/10 on the grid (the "
             "threshold lies beyond it). τ_peak: the τ of the largest ICL error.", "",
             "| estimator | d | draw | τ* | n* = τ*d² | τ_peak |", "|---|---|---|---|---|---|"]
    lines += [f"| {t['estimator']} | {t['d']} | {t['draw']} | " + (
        "none | none" if t["tau_star"] is None else f"{t['tau_star']:g} | {t['n_star']:g}") + f" | {t['tau_peak']:g} |"
        for t in found]
    lines += ["", "## Fits n* ∝ d^a (bootstrap over draws, 95 %)", "",
              "| estimator | a | 95 % interval | points | paper (as quoted) |", "|---|---|---|---|---|"]
    for estimator in sorted({t["estimator"] for t in found}):
        mine = [t for t in found if t["estimator"] == estimator and t["tau_star"] is not None]
        paper = PAPER_EXPONENTS.get(estimator)
        try:
            fit = bootstrap_power_law([t["d"] for t in mine], [t["n_star"] for t in mine])
            cells = f"{fit.slope:.3f} | [{fit.low:.3f}, {fit.high:.3f}] | {fit.points}"
        except ParameterError as exc:
            cells = f"- | not fitted: {exc} | {len(mine)}"
        lines.append(f"| {estimator} | {cells} | {'-' if paper is None else paper} |")
    return "\n".join(lines) + "\n"


def _fig6_feasible(mode: str):
    def feasible(point: Mapping[str, float], d: int) -> bool:
        k = round(point["kappa"] * d)
        if mode == "full" and d in FIG6_K:  # the authors' k at this d, not a κ of another d rounded to one
            return k in FIG6_K[d] and abs(point["kappa"] * d - k) < 1e-9
        return k >= 1
    return feasible


def fig6(mode: str) -> FigureData:
    """Task-diversity transition of the trained 2-block model (Lu et al. Fig. 6): g_task = e_ICL − e_IDG against
    κ = k/d at τ = 10, α = 1, ρ = 0.01, with the linear theory's g_task; the curves of several d should collapse in κ.

    Full mode simulates the authors' task counts k per d (their κ = k/d), quick mode a coarse κ grid.
    """
    if mode == "full":
        kappas = tuple(sorted({k / d for d, ks in FIG6_K.items() for k in ks}))
    else:
        kappas = FIG6_KAPPA_QUICK
    panel = Panel("2 softmax blocks + MLP, τ = 10, α = 1", "κ = k/d", "g_task = e_ICL − e_IDG", vlines=(1.0,),
                  key="A", quantity="g_task", xparam="kappa", theory=g_task, every_d=True)
    grid = np.logspace(np.log10(min(kappas)), np.log10(max(kappas)), 60 if mode == "quick" else 300)
    panel.curve("linear theory (ridgeless, d → ∞)", grid, dict(alpha=TRAINED_ALPHA, tau=10.0, rho=TRAINED_RHO, lam=0.0),
                (Markers("softmax2_mlp", kappas),))
    panel.curves.append(Curve("(1 − κ)₊ (τ, α → ∞)", grid, np.clip(1 - grid, 0, None)))
    return FigureData("lu2024.fig6", "Lu et al. Fig. 6: task diversity", [panel],
                      trained_layout("fig6", mode, _fig6_feasible(mode)), summary=fig6_summary)


def fig6_summary(rows: list[dict]) -> str:
    """Markdown: mean g_task over draws per κ and d, with the linear theory's g_task."""
    cells: dict[tuple, list[float]] = {}
    theory = {}
    for row in rows:
        cells.setdefault((row["kappa"], int(row["d"])), []).append(row["g_task"])
        theory[row["kappa"]] = row["theory_g_task"]
    dims = sorted({d for _, d in cells})
    lines = ["# Lu et al. Fig. 6: g_task of the trained 2-block model against κ (mean over draws)", "",
             "| κ | " + " | ".join(f"d = {d}" for d in dims) + " | linear theory |",
             "|---|" + "---|" * (len(dims) + 1)]
    for kappa in sorted(theory):
        values = [f"{np.mean(cells[(kappa, d)]):.3f}" if (kappa, d) in cells else "-" for d in dims]
        lines.append(f"| {kappa:g} | " + " | ".join(values) + f" | {theory[kappa]:.3f} |")
    return "\n".join(lines) + "\n"


def _training_cost(options: SimOptions) -> str:
    return f"each point trains a model (one torch thread per worker on a CPU) at d up to {max(options.dims)}"


#: The figures this theory declares (``icl-sym figure lu2024.figN``).
FIGURES: dict[str, FigureRecipe] = {
    r.name: r for r in (
        FigureRecipe("lu2024.fig1", fig1, "sample-wise double descent in τ", resources=_gamma_memory),
        FigureRecipe("lu2024.fig2", fig2, "non-monotone dependence on context length α", resources=_gamma_memory),
        FigureRecipe("lu2024.fig3", fig3, "phase maps of the optimal context length (theory only)"),
        FigureRecipe("lu2024.fig4", fig4, "task-diversity transition in κ, with dMMSE", resources=_gamma_memory),
        FigureRecipe("lu2024.fig5", fig5, "double descent of trained attention models in τ, thresholds n* ∝ d^a",
                     simulation=TRAINED_SIMULATION["fig5"], resources=_training_cost),
        FigureRecipe("lu2024.fig6", fig6, "task-diversity transition of a trained 2-block Transformer",
                     simulation=TRAINED_SIMULATION["fig6"], resources=_training_cost),
    )
}
