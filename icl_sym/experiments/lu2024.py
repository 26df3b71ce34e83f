"""Figure recipes for Lu et al. (2025), Figs. 1-4: theory curves, finite-d simulations, CSV and PNG.

Parameters and simulation protocols follow the paper's figure sheets (theory note
lu2024.md §8). Each recipe returns the theory curves of a figure; a curve may carry
:class:`Markers`, the parameter values the paper simulated on it. ``quick`` mode uses
coarser theory grids and, for simulations, d ∈ {8, 16, 32} with 4 draws (minutes on a CPU;
Fig. 4's dMMSE on a subset of the paper's κ); ``full`` the paper's grids, d = 100 and 10 draws
(meant for a GPU).

:func:`make_figure` (or :func:`draw_figure` for any :class:`FigureData`, as the demo does) writes
into the output folder, ``<name>`` being the figure's name with underscores for dots,

- ``<name>.csv``: the theory curves (long format: panel, curve, x, y);
- ``<name>_sim.csv``: one row per simulated (point, d, draw) with the theory value alongside,
  appended through a :class:`~icl_sym.experiments.store.ResultStore` as each draw finishes,
  so an interrupted sweep resumes without recomputing or losing draws;
- ``<name>.png``: theory lines, simulation markers (mean ± std over draws, largest d),
  threshold lines and a residual panel (sim − theory)·d showing the O(1/d) convergence,
  drawn from the stored rows at the end.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
import time
from collections import defaultdict
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from icl_sym.core.validation import ParameterError, check_choice, check_int
from icl_sym.files import write_atomically
from icl_sym.theories.lu2024.asymptotics import e_icl, e_idg, g_task
from icl_sym.theories.lu2024.derived import alpha_star_map

from .store import ResultStore
from .sweep import run_sweep

__all__ = [
    "Markers", "Curve", "Panel", "FigureData", "RECIPES", "MODES",
    "SimOptions", "SimTask", "simulation_tasks", "run_task", "KEY_FIELDS", "FIELDS",
    "Marker", "markers_of", "Convergence", "convergence",
    "FigureRun", "make_figure", "draw_figure",
]

MODES = ("quick", "full")

#: The asymptotic theory of each plotted quantity (Lu et al. §5; signature (tau, alpha, kappa, rho, lam)).
THEORY: dict[str, Callable] = {"icl": e_icl, "idg": e_idg, "g_task": g_task}

#: How the swept parameters are written on axes.
SYMBOLS = {"tau": "τ", "alpha": "α", "kappa": "κ"}


#: Simulated estimators: Γ* of the linear attention (``simulate_errors``) and the dMMSE baseline (note §6.8).
ESTIMATORS = ("gamma", "dmmse")


@dataclass(frozen=True)
class Markers:
    """Simulated points on one theory curve: which estimator, at which values of the swept parameter.

    ``lam`` is the simulation's ridge: the paper simulates its ridgeless (λ → 0) theory with a
    small λ > 0, because at λ = 0 the finite-d solve is singular (note §8). dMMSE has no ridge (0).
    """

    estimator: str
    x: tuple[float, ...]
    lam: float = 0.0

    def __post_init__(self) -> None:
        check_choice("estimator", self.estimator, ESTIMATORS)


@dataclass
class Curve:
    """One theory line ``y(x)`` with a label.

    ``params`` are the curve's fixed theory parameters (alpha, kappa, tau, rho, lam without
    the swept one), ``None`` for a reference line that is no point of the theory.
    """

    label: str
    x: np.ndarray
    y: np.ndarray
    params: dict[str, float] | None = None
    markers: tuple[Markers, ...] = ()


@dataclass
class Panel:
    """One subplot: curves (or an image for phase maps) and axis settings.

    ``key`` names the panel as the paper does (A, B, ...); ``quantity`` (icl, idg, g_task) and
    ``xparam`` (tau, alpha, kappa) say what the curves plot, so simulations can be placed on them.
    """

    title: str
    xlabel: str
    ylabel: str
    curves: list[Curve] = field(default_factory=list)
    xlog: bool = True
    ylog: bool = False
    vlines: tuple[float, ...] = ()
    image: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # (x, y, values) for phase maps
    key: str = ""
    quantity: str | None = None
    xparam: str | None = None

    def curve(self, label: str, x: np.ndarray, params: dict[str, float], markers: tuple[Markers, ...] = ()) -> None:
        """Add the theory curve of this panel's quantity along ``x`` at the fixed ``params``."""
        y = THEORY[self.quantity](**{self.xparam: x}, **params)
        self.curves.append(Curve(label, x, y, params, markers))


@dataclass
class FigureData:
    """Everything a figure shows, computed before anything is drawn."""

    name: str
    title: str
    panels: list[Panel]


def _tau_grid(mode: str) -> np.ndarray:
    n = 60 if mode == "quick" else 400
    grid = np.logspace(-1, np.log10(20), n)
    return grid[np.abs(grid - 1) > 1e-3]  # τ = 1 is the ridgeless pole


#: Fig. 1 simulated τ (panels A/B; panel C adds τ = 1, finite there because λ > 0), note §8.
FIG1_TAU_SIM = (0.2, 0.5, 0.85, 1.15, 1.5, 2.0)
FIG1C_TAU_SIM = (0.2, 0.5, 0.85, 1.0, 1.15, 1.5, 2.0)


def fig1(mode: str) -> FigureData:
    """Sample-wise double descent in τ (Lu et al. Fig. 1): κ = 0.5, ρ = 0.01, ridgeless; panel C: ridge, κ = ∞.

    Simulations: the paper's τ values, λ = 1e-5 for the ridgeless panels A/B (the same Γ* gives both).
    """
    tau = _tau_grid(mode)
    ridgeless = (Markers("gamma", FIG1_TAU_SIM, 1e-5),)
    panels = []
    for key, quantity, label in (("A", "icl", "ICL"), ("B", "idg", "IDG")):
        panel = Panel(f"{key}: {label} error, κ = 0.5, ρ = 0.01, λ → 0", "τ = n/d²", f"e_{label}", ylog=True,
                      vlines=(1.0,), key=key, quantity=quantity, xparam="tau")
        for alpha in (1, 10, 100):
            panel.curve(f"α = {alpha}", tau, dict(alpha=alpha, kappa=0.5, rho=0.01, lam=0.0), ridgeless)
        panels.append(panel)
    panel = Panel("C: ICL error with ridge, α = 10, κ = ∞, ρ = 0.01", "τ = n/d²", "e_ICL", ylog=True,
                  vlines=(1.0,), key="C", quantity="icl", xparam="tau")
    for lam in (1e-5, 0.1, 1.0):
        panel.curve(f"λ = {lam:g}", tau, dict(alpha=10, kappa=math.inf, rho=0.01, lam=lam),
                    (Markers("gamma", FIG1C_TAU_SIM, lam),))
    panels.append(panel)
    return FigureData("lu2024.fig1", "Lu et al. Fig. 1: sample-wise double descent", panels)


#: Fig. 2 panels: (key, quantity, τ, ρ, κ values, simulated α); simulations at λ = 1e-6 (note §8).
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
                      ylog=True, key=key, quantity=quantity, xparam="alpha")
        for kappa in kappas:
            panel.curve(f"κ = {kappa:g}", alpha, dict(tau=tau, kappa=kappa, rho=rho, lam=0.0),
                        (Markers("gamma", alpha_sim, 1e-6),))
        panels.append(panel)
    return FigureData("lu2024.fig2", "Lu et al. Fig. 2: context length", panels)


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
    sims = (Markers("gamma", FIG4_KAPPA_SIM, 1e-5), Markers("dmmse", dmmse))
    panel = Panel("g_task = e_ICL − e_IDG, ρ = 0.01, λ → 0", "κ = k/d", "g_task", vlines=(1.0,), key="A",
                  quantity="g_task", xparam="kappa")
    for alpha, tau in FIG4_SETTINGS:
        panel.curve(f"α = {alpha}, τ = {tau:g}", kappa, dict(alpha=alpha, tau=tau, rho=0.01, lam=0.0), sims)
    panel.curves.append(Curve("(1 − κ)₊ (τ, α → ∞)", kappa, np.clip(1 - kappa, 0, None)))
    return FigureData("lu2024.fig4", "Lu et al. Fig. 4: task-diversity transition", [panel])


RECIPES: dict[str, Callable[[str], FigureData]] = {
    "lu2024.fig1": fig1, "lu2024.fig2": fig2, "lu2024.fig3": fig3, "lu2024.fig4": fig4,
}


# --- Simulations -------------------------------------------------------------------------------------------------

#: Per-mode defaults: dimensions, draws per point (the paper's numavg = 10 at d = 100) and dMMSE test contexts.
MODE_SIMULATION = {
    "quick": dict(dims=(8, 16, 32), draws=4, contexts=200),
    "full": dict(dims=(100,), draws=10, contexts=1000),
}

#: How Γ*'s pretraining contexts are spread over the k tasks: uniformly at random, which keeps n = round(τd²).
#: The authors' equal repetition (``"equal"``) rounds n to a multiple of k and so moves τ by up to k/(2d²):
#: at their own Fig. 4 point d = 100, α = 6, τ = 1.2, κ = 50 it gives n = 10000, i.e. the pole τ = 1.
ASSIGNMENT = "random"


@dataclass(frozen=True)
class SimOptions:
    """How a figure's markers are simulated: dimensions, draws per point, seed, device, dMMSE test contexts.

    Every point uses the same ``seed`` (draw j of every point from the generator of (seed, j)):
    a point's result does not depend on which other points a sweep contains.
    """

    dims: tuple[int, ...]
    draws: int
    seed: int = 0
    device: str = "cpu"
    contexts: int = 1000

    def __post_init__(self) -> None:
        from icl_sym.sim.lu2024 import check_device

        if not self.dims:
            raise ParameterError("dims", "at least one dimension", self.dims)
        object.__setattr__(self, "dims", tuple(check_int("d", d, 2) for d in self.dims))
        check_int("draws", self.draws, 1)
        check_int("seed", self.seed, 0)
        check_device(self.device)
        check_int("contexts", self.contexts, 2)

    @classmethod
    def for_mode(cls, mode: str, *, draws: int | None = None, seed: int = 0, device: str = "cpu",
                 dims: tuple[int, ...] | None = None) -> SimOptions:
        """The options of ``mode`` (quick: d ∈ {8, 16, 32}, 4 draws; full: d = 100, 10 draws), dims and draws
        overridable."""
        defaults = MODE_SIMULATION[check_choice("--mode", mode, MODES)]
        return cls(defaults["dims"] if dims is None else tuple(dims), defaults["draws"] if draws is None else draws,
                   seed, device, defaults["contexts"])


#: Columns identifying a stored row. For Γ*, contexts is 0 (Proposition 1 scores it exactly, no test contexts);
#: for dMMSE, which is not pretrained, assignment is "none".
KEY_FIELDS = ("figure", "estimator", "d", "alpha", "kappa", "tau", "rho", "lam", "assignment", "contexts", "seed",
              "draw")
#: All columns of the simulation CSV. theory_* are the asymptotic Γ* errors at theory_lam; n = 0 for dMMSE
#: (no pretraining; tau is then the curve's); seconds is the wall time of the row's draw.
FIELDS = KEY_FIELDS + ("panels", "theory_lam", "icl", "idg", "g_task", "theory_icl", "theory_idg", "theory_g_task",
                       "ell", "k", "n", "device", "seconds")


@dataclass(frozen=True)
class SimTask:
    """One draw of one simulated parameter point at one d: one store row, so sweeps store and resume draw by draw."""

    figure: str
    estimator: str
    d: int
    alpha: float
    kappa: float
    tau: float
    rho: float
    lam: float
    theory_lam: float
    panels: str
    assignment: str
    draw: int
    seed: int
    device: str
    contexts: int

    def keys(self) -> list[dict]:
        """The key fields of the row :func:`run_task` returns."""
        return [{name: getattr(self, name) for name in KEY_FIELDS}]


def _point(panel: Panel, curve: Curve, markers: Markers, x: float) -> tuple:
    """(estimator, alpha, kappa, tau, rho, lam) of a simulated point: the curve's parameters at x, the markers' λ."""
    params = {**curve.params, panel.xparam: x, "lam": markers.lam}
    return (markers.estimator, *(float(params[name]) for name in ("alpha", "kappa", "tau", "rho", "lam")))


def _simulated(data: FigureData):
    """Every (panel, curve, markers, x) a figure simulates, in drawing order."""
    for panel in data.panels:
        for curve in panel.curves:
            for markers in curve.markers:
                for x in markers.x:
                    yield panel, curve, markers, x


def _feasible(estimator: str, d: int, alpha: float, kappa: float, tau: float) -> bool:
    """Whether the point exists at dimension d; small d cannot host every point (Γ* needs k = round(κd) ≤ n)."""
    from icl_sym.sim.sampling import pool_sizes

    if estimator == "dmmse":
        return round(alpha * d) >= 1 and round(kappa * d) >= 1
    try:
        pool_sizes(d, kappa, tau, ASSIGNMENT)
    except ParameterError:
        return False
    return round(alpha * d) >= 2


def simulation_tasks(data: FigureData, options: SimOptions) -> list[SimTask]:
    """The tasks simulating every marker of ``data``: one per draw of each distinct point and d (points
    infeasible at a d skipped), ordered by d, then point, then draw, so points complete one after another.

    A point shown in several panels (Fig. 1 A and B show ICL and IDG of the same Γ*) is simulated once.
    """
    points: dict[tuple, tuple[float, list[str]]] = {}
    for panel, curve, markers, x in _simulated(data):
        _, panels = points.setdefault(_point(panel, curve, markers, x), (float(curve.params["lam"]), []))
        if panel.key not in panels:
            panels.append(panel.key)
    return [SimTask(data.name, estimator, d, alpha, kappa, tau, rho, lam, theory_lam, "".join(panels),
                    ASSIGNMENT if estimator == "gamma" else "none", draw, options.seed, options.device,
                    options.contexts if estimator == "dmmse" else 0)
            for d in options.dims
            for (estimator, alpha, kappa, tau, rho, lam), (theory_lam, panels) in points.items()
            if _feasible(estimator, d, alpha, kappa, tau)
            for draw in range(options.draws)]


def run_task(task: SimTask) -> list[dict]:
    """Simulate one draw of one point: Γ* by ``simulate_errors`` (draw j from the generator of (seed, j)), or
    dMMSE by ``simulate_baselines`` with one fresh task pool and ``contexts`` test contexts. Returns its one row."""
    from icl_sym.sim.baselines import simulate_baselines
    from icl_sym.sim.lu2024 import simulate_errors
    from icl_sym.sim.sampling import draw_generator

    start = time.perf_counter()
    if task.estimator == "gamma":
        result = simulate_errors(task.d, task.alpha, task.kappa, task.tau, task.rho, task.lam, 1, task.seed,
                                 device=task.device, assignment=task.assignment, first_draw=task.draw)
        icl, idg = result["icl_mean"], result["idg_mean"]
        sizes = dict(ell=result["ell"], k=result["k"], n=result["n"])
    else:
        ell, k = round(task.alpha * task.d), round(task.kappa * task.d)
        # The draw's seed is the one its Γ* draw would use, derived from (seed, draw).
        result = simulate_baselines(task.d, task.alpha, task.kappa, task.rho, task.contexts,
                                    draw_generator(task.seed, task.draw).initial_seed(), device=task.device)
        icl, idg = result["dmmse_icl_mean"], result["dmmse_idg_mean"]
        sizes = dict(ell=ell, k=k, n=0)
    theory = {f"theory_{name}": float(fn(task.tau, task.alpha, task.kappa, task.rho, task.theory_lam))
              for name, fn in THEORY.items()}
    return [{**task.keys()[0], "panels": task.panels, "theory_lam": task.theory_lam, "icl": icl, "idg": idg,
             "g_task": icl - idg, **theory, **sizes, "device": task.device, "seconds": time.perf_counter() - start}]


# --- From stored rows to markers and convergence numbers ------------------------------------------------------------

@dataclass(frozen=True)
class Marker:
    """One simulated point as a panel shows it: mean ± std over draws of the panel's quantity, and its theory value."""

    panel: str
    curve: str
    estimator: str
    d: int
    x: float
    mean: float
    std: float
    draws: int
    theory: float


def markers_of(data: FigureData, rows: list[dict]) -> list[Marker]:
    """The markers of ``data`` from stored simulation rows (every d present, draws pooled)."""
    grouped: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[(row["estimator"], *(float(row[n]) for n in ("alpha", "kappa", "tau", "rho", "lam")))].append(row)
    out = []
    for panel, curve, markers, x in _simulated(data):
        by_d: dict[int, list[float]] = defaultdict(list)
        theory = {}
        for row in grouped.get(_point(panel, curve, markers, x), []):
            by_d[int(row["d"])].append(float(row[panel.quantity]))
            theory[int(row["d"])] = float(row[f"theory_{panel.quantity}"])
        for d in sorted(by_d):
            values = by_d[d]
            std = statistics.stdev(values) if len(values) > 1 else 0.0
            out.append(Marker(panel.key, curve.label, markers.estimator, d, x, statistics.fmean(values), std,
                              len(values), theory[d]))
    return out


@dataclass(frozen=True)
class Convergence:
    """Finite-size deviation of the Γ* simulations at one d: medians over the points of |sim − theory| and of
    d·|sim − theory|.

    If the deviation is O(1/d), the second column stays flat as d grows while the first falls like 1/d.
    """

    d: int
    points: int
    median_abs: float
    median_abs_times_d: float


def convergence(markers: list[Marker]) -> list[Convergence]:
    """One :class:`Convergence` per d over the Γ* markers with a finite theory value."""
    deviations: dict[int, list[float]] = defaultdict(list)
    for m in markers:
        if m.estimator == "gamma" and math.isfinite(m.theory):
            deviations[m.d].append(abs(m.mean - m.theory))
    return [Convergence(d, len(v), statistics.median(v), d * statistics.median(v))
            for d, v in sorted(deviations.items())]


# --- Files --------------------------------------------------------------------------------------------------------

def _csv(data: FigureData) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("panel", "curve", "x", "y"))
    for p in data.panels:
        if p.image is not None:
            # A phase map is one curve α*(κ) per ρ; NaN marks the monotone region.
            x, y, values = p.image
            for j, yj in enumerate(y):
                writer.writerows((p.title, f"rho={float(yj)!r}", repr(float(xi)), repr(float(values[i, j])))
                                 for i, xi in enumerate(x))
            continue
        for c in p.curves:
            writer.writerows((p.title, c.label, repr(float(xi)), repr(float(yi))) for xi, yi in zip(c.x, c.y))
    return out.getvalue()


def _draw_markers(ax, panel: Panel, markers: list[Marker]) -> None:
    """Mean ± std markers of the largest simulated d on the panel, coloured like their theory curve."""
    mine = [m for m in markers if m.panel == panel.key]
    if not mine:
        return
    d = max(m.d for m in mine)
    colour = {c.label: f"C{i}" for i, c in enumerate(panel.curves)}
    style = {"gamma": ("o", f"Γ* simulation, d = {d}"), "dmmse": ("x", f"dMMSE, d = {d}")}
    for estimator, (shape, label) in style.items():
        shown = [m for m in mine if m.d == d and m.estimator == estimator]
        for m in shown:
            ax.errorbar(m.x, m.mean, yerr=m.std, fmt=shape, color=colour[m.curve], ms=4, capsize=2, lw=0.8)
        if shown:
            ax.plot([], [], shape, color="black", ms=4, label=f"{label} (mean ± std)")


def _draw_residuals(ax, data: FigureData, markers: list[Marker]) -> None:
    """(sim − theory)·d of every Γ* point, one colour per d: points of different d coincide if the error is O(1/d)."""
    order = {}
    for panel, curve, markers_, x in _simulated(data):
        if markers_.estimator == "gamma":
            order.setdefault((panel.key, curve.label, x), len(order))
    summary = {c.d: c for c in convergence(markers)}
    dims = sorted(summary)
    for i, d in enumerate(dims):
        shown = [m for m in markers if m.estimator == "gamma" and m.d == d and math.isfinite(m.theory)]
        c = summary[d]
        ax.plot([order[(m.panel, m.curve, m.x)] for m in shown], [(m.mean - m.theory) * d for m in shown], "o",
                ms=3, color=f"C{i}", alpha=0.8,
                label=f"d = {d}: median |Δ| = {c.median_abs:.3g}, ×d = {c.median_abs_times_d:.3g}")
    # Separate and name the panels (solid lines) and their curves (dotted) along the point axis.
    panels: dict[str, int] = {}
    curves: dict[tuple[str, str], int] = {}
    for (key, label, _), position in order.items():
        panels.setdefault(key, position)
        curves.setdefault((key, label), position)
    for (key, label), position in curves.items():
        first = panels[key] == position
        ax.axvline(position - 0.5, color="grey", lw=0.6 if first else 0.4, ls="-" if first else ":")
        ax.text(position - 0.4, 1.0, f"{key}: {label}" if first else label, transform=ax.get_xaxis_transform(),
                va="top", fontsize=6)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xticks(list(order.values()), [f"{x:g}" for _, _, x in order], rotation=90, fontsize=6)
    swept = ", ".join(sorted({SYMBOLS[p.xparam] for p in data.panels if p.xparam}))
    ax.set_yscale("symlog", linthresh=0.1)
    ax.margins(y=0.1)
    ax.set(title="convergence: (sim − theory)·d", xlabel=f"simulated {swept}, by panel and curve",
           ylabel="(sim − theory) · d")
    ax.legend(fontsize=6)


def _png(data: FigureData, markers: list[Marker]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    residuals = any(m.estimator == "gamma" for m in markers)
    n = len(data.panels)
    # The residual panel gets its own row across the figure: it holds every simulated point.
    fig = plt.figure(figsize=(max(4.6 * n, 9.0 * residuals), 4.0 + 3.2 * residuals), constrained_layout=True)
    grid = fig.add_gridspec(1 + residuals, n, height_ratios=(4.0, 3.2)[: 1 + residuals])
    for i, p in enumerate(data.panels):
        ax = fig.add_subplot(grid[0, i])
        if p.image is not None:
            x, y, values = p.image
            ax.set_facecolor("#EFEEEA")  # monotone region, as in the paper
            mesh = ax.pcolormesh(x, y, values.T, shading="auto", cmap="GnBu",
                                 norm=matplotlib.colors.LogNorm(vmin=np.nanmin(values), vmax=np.nanmax(values))
                                 if np.any(np.isfinite(values)) else None)
            fig.colorbar(mesh, ax=ax, label="α*")
        for j, c in enumerate(p.curves):
            ax.plot(c.x, np.where(np.isfinite(c.y), c.y, np.nan), label=c.label, color=f"C{j}",
                    ls="--" if c.label.startswith("(") else "-")
        _draw_markers(ax, p, markers)
        for v in p.vlines:
            ax.axvline(v, color="red" if p.image is not None else "grey", lw=0.8, ls=":")
        ax.set(title=p.title, xlabel=p.xlabel, ylabel=p.ylabel)
        if p.xlog:
            ax.set_xscale("log")
        if p.ylog:
            ax.set_yscale("log")
        if p.curves:
            ax.legend(fontsize=7)
    if residuals:
        _draw_residuals(fig.add_subplot(grid[1, :]), data, markers)
    fig.suptitle(data.title)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120)
    plt.close(fig)
    return buffer.getvalue()


@dataclass(frozen=True)
class FigureRun:
    """What :func:`make_figure` wrote and computed: file paths (``simulations`` is None without simulations),
    the markers drawn, and how many of the simulation tasks ran now (the others were in the store)."""

    csv: Path
    png: Path
    simulations: Path | None
    markers: list[Marker]
    tasks_total: int
    tasks_run: int


def make_figure(
    name: str,
    mode: str,
    output: Path,
    *,
    simulation: SimOptions | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FigureRun:
    """Compute figure ``name`` in ``mode`` and write its CSV(s) and PNG into ``output`` (see :func:`draw_figure`)."""
    check_choice("figure", name, RECIPES)
    check_choice("--mode", mode, MODES)
    return draw_figure(RECIPES[name](mode), output, simulation=simulation, executor=executor, progress=progress)


def draw_figure(
    data: FigureData,
    output: Path,
    *,
    simulation: SimOptions | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FigureRun:
    """Write the theory CSV of ``data``, simulate its markers if asked, and draw its PNG, into ``output``.

    Files are named after ``data.name`` with dots as underscores. With ``simulation`` the markers are
    simulated through ``executor`` (``None``: in this process; see :mod:`icl_sym.experiments.sweep`)
    into ``<name>_sim.csv``, skipping rows already stored there; the PNG shows exactly this run's
    points (its dimensions, seed and draws). ``progress(done, total)`` reports finished simulation tasks.
    """
    stem = Path(output) / data.name.replace(".", "_")
    csv_path, png_path = stem.with_suffix(".csv"), stem.with_suffix(".png")
    write_atomically(csv_path, _csv(data))
    markers, sim_path, tasks_run = [], None, 0
    tasks = simulation_tasks(data, simulation) if simulation is not None else []
    if tasks:
        sim_path = stem.with_name(stem.name + "_sim.csv")
        store = ResultStore(sim_path, KEY_FIELDS, FIELDS)
        tasks_run = run_sweep(tasks, run_task, store, executor, progress)
        wanted = {store.key(key) for task in tasks for key in task.keys()}
        markers = markers_of(data, [row for row in store.rows() if store.key(row) in wanted])
    write_atomically(png_path, _png(data, markers))
    return FigureRun(csv_path, png_path, sim_path, markers, len(tasks), tasks_run)
