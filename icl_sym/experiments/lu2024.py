"""Figure recipes of Lu et al. (2025), Figs. 1-4: theory curves and the paper's simulated points.

Parameters and simulation protocols follow the paper's figures (Section 6 and the SI). ``quick``
mode uses coarser theory grids and, for simulations, d ∈ {8, 16, 32} with 4 draws (minutes on a
CPU; Fig. 4's dMMSE on a subset of the paper's κ); ``full`` the paper's grids, d = 100 and 10
draws (meant for a GPU). Drawing, storing and resuming are generic (:mod:`icl_sym.experiments.figure`);
this module declares the figures, the estimators (Γ* of the linear attention and the dMMSE
baseline) and the layout of their stored rows.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from icl_sym.core.validation import ParameterError
from icl_sym.theories.lu2024 import e_icl, e_idg, g_task
from icl_sym.theories.lu2024.derived import alpha_star_map

from .figure import Curve, Estimator, FigureData, FigureRecipe, Markers, Panel, SimOptions, SimTask, SimulationLayout

__all__ = ["LAYOUT", "KEY_FIELDS", "FIELDS", "FIGURES", "fig1", "fig2", "fig3", "fig4", "ASSIGNMENT"]

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
    icl, idg = result["dmmse_icl_mean"], result["dmmse_idg_mean"]
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


#: The figures this theory declares (``icl-sym figure lu2024.figN``).
FIGURES: dict[str, FigureRecipe] = {
    r.name: r for r in (
        FigureRecipe("lu2024.fig1", fig1, "sample-wise double descent in τ", resources=_gamma_memory),
        FigureRecipe("lu2024.fig2", fig2, "non-monotone dependence on context length α", resources=_gamma_memory),
        FigureRecipe("lu2024.fig3", fig3, "phase maps of the optimal context length (theory only)"),
        FigureRecipe("lu2024.fig4", fig4, "task-diversity transition in κ, with dMMSE", resources=_gamma_memory),
    )
}
