"""Figures of any theory: theory curves, finite-size simulations on them, CSV and PNG, resumable.

A theory declares :class:`FigureRecipe` objects (``build(mode)`` returns the :class:`FigureData`
of a figure: panels of theory curves, computed before anything is drawn). A curve may carry
:class:`Markers`: the values of its swept parameter at which an :class:`Estimator` is simulated.
The figure's :class:`SimulationLayout` says which parameters identify a simulated point, which
quantities a row holds (each with the theory function giving its d → ∞ value) and which
estimators exist. Nothing here knows a paper.

:func:`make_figure` (or :func:`draw_figure` for any :class:`FigureData`) writes into the output
folder, ``<name>`` being the figure's name with underscores for dots,

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
from typing import Any, Callable, Mapping

import numpy as np

from icl_sym.core.validation import ParameterError, check_choice, check_int
from icl_sym.files import write_atomically

from .store import ResultStore
from .sweep import run_sweep

__all__ = [
    "Estimator", "SimulationLayout", "Markers", "Curve", "Panel", "FigureData", "FigureRecipe", "MODES",
    "SimOptions", "SimTask", "simulation_tasks", "run_task",
    "Marker", "markers_of", "Convergence", "convergence",
    "FigureRun", "make_figure", "draw_figure",
]

MODES = ("quick", "full")


@dataclass(frozen=True)
class Estimator:
    """A simulated estimator that markers can show.

    ``run(task)`` computes one draw at one point (a module-level function: it is pickled for
    worker processes) and returns the layout's quantities and extra columns; ``settings(options)``
    gives the values of the layout's setting columns for this estimator; ``feasible(point, d)``
    says whether the point exists at dimension d. ``tracks_theory``: its d → ∞ limit is the
    theory curve (it enters the convergence panel); a baseline that is not is drawn but not compared.
    """

    name: str
    label: str
    run: Callable[["SimTask"], Mapping[str, Any]]
    settings: Callable[["SimOptions"], Mapping[str, Any]] = lambda options: {}
    feasible: Callable[[Mapping[str, float], int], bool] = lambda point, d: True
    marker: str = "o"
    tracks_theory: bool = True


@dataclass(frozen=True)
class SimulationLayout:
    """What identifies a simulated row and what it holds.

    ``parameters`` are the point's coordinates; ``quantities`` map each simulated quantity to the
    theory function of those parameters (keywords) that gives its d → ∞ value; ``settings`` are
    estimator settings that change results (part of the key); ``theory_parameters`` are the
    parameters markers may simulate at another value than the theory curve's (e.g. a small ridge
    for a ridgeless theory): each row stores the theory's value as ``theory_<name>``; ``extras``
    are further result columns an estimator returns (e.g. derived sizes); ``symbols`` name the
    parameters on axes.
    """

    parameters: tuple[str, ...]
    quantities: Mapping[str, Callable[..., Any]]
    estimators: Mapping[str, Estimator]
    settings: tuple[str, ...] = ()
    theory_parameters: tuple[str, ...] = ()
    extras: tuple[str, ...] = ()
    symbols: Mapping[str, str] = field(default_factory=dict)

    @property
    def key_fields(self) -> tuple[str, ...]:
        """Columns identifying a stored row."""
        return ("figure", "estimator", "d", *self.parameters, *self.settings, "seed", "draw")

    @property
    def fields(self) -> tuple[str, ...]:
        """All columns of the simulation CSV (``seconds``: the wall time of the row's draw)."""
        return (*self.key_fields, "panels", *(f"theory_{p}" for p in self.theory_parameters), *self.quantities,
                *(f"theory_{q}" for q in self.quantities), *self.extras, "device", "seconds")


@dataclass(frozen=True)
class Markers:
    """Simulated points on one theory curve: which estimator, at which values of the swept parameter.

    ``overrides`` are parameters simulated at another value than the curve's (keys among the
    layout's ``theory_parameters``), e.g. ``{"lam": 1e-5}`` for a ridgeless curve.
    ``trajectory``: one simulation yields every x (a learning curve read at the times x), so a draw
    is one task; its estimator finds the x in :attr:`SimTask.sweep` and returns each quantity as a
    sequence aligned with them (one stored row per x). ``quantity``: the layout quantity these markers
    show instead of the panel's (e.g. one eigenvalue of a matrix per curve, all from one simulation).
    """

    estimator: str
    x: tuple[float, ...]
    overrides: Mapping[str, float] = field(default_factory=dict)
    trajectory: bool = False
    quantity: str | None = None


@dataclass
class Curve:
    """One theory line ``y(x)`` with a label.

    ``params`` are the curve's fixed theory parameters (all but the swept one), ``None`` for a
    reference line that is no point of the theory.
    """

    label: str
    x: np.ndarray
    y: np.ndarray
    params: dict[str, float] | None = None
    markers: tuple[Markers, ...] = ()


@dataclass
class Panel:
    """One subplot: curves (or an image for phase maps) and axis settings.

    ``key`` names the panel as the paper does (A, B, ...); ``quantity`` (a layout quantity) and
    ``xparam`` (a layout parameter) say what the curves plot, so simulations can be placed on them;
    ``theory`` is the function :meth:`curve` evaluates.
    """

    title: str
    xlabel: str
    ylabel: str
    curves: list[Curve] = field(default_factory=list)
    xlog: bool = True
    ylog: bool = False
    vlines: tuple[float, ...] = ()
    image: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # (x, y, values) for maps
    key: str = ""
    quantity: str | None = None
    xparam: str | None = None
    theory: Callable[..., Any] | None = None
    every_d: bool = False  # draw the markers of every simulated d (coloured by d), not only the largest
    legend: str = "best"  # matplotlib legend location, or "below" the axes for panels whose data fill every corner

    def curve(self, label: str, x: np.ndarray, params: dict[str, float], markers: tuple[Markers, ...] = ()) -> None:
        """Add the theory curve of this panel's quantity along ``x`` at the fixed ``params``."""
        y = self.theory(**{self.xparam: x}, **params)
        self.curves.append(Curve(label, x, y, params, markers))


@dataclass
class FigureData:
    """Everything a figure shows, computed before anything is drawn; ``layout`` if it has markers.

    ``summary(rows)``, if given, turns the figure's stored simulation rows into a Markdown report
    (quantities derived across points, such as fits over d), written beside the PNG.
    """

    name: str
    title: str
    panels: list[Panel]
    layout: SimulationLayout | None = None
    summary: Callable[[list[dict]], str] | None = None


#: Per-mode simulation defaults: dimensions, draws per point and Monte-Carlo test contexts per draw.
MODE_SIMULATION = {
    "quick": dict(dims=(8, 16, 32), draws=4, contexts=200),
    "full": dict(dims=(100,), draws=10, contexts=1000),
}


@dataclass(frozen=True)
class FigureRecipe:
    """A theory's figure: ``build(mode)`` gives its data for ``mode`` (quick or full).

    ``simulation`` overrides :data:`MODE_SIMULATION` per mode; ``resources(options)`` may return a
    line on what a simulation needs (memory per worker, say), printed before a sweep.
    """

    name: str
    build: Callable[[str], FigureData]
    description: str
    simulation: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MODE_SIMULATION)
    resources: Callable[["SimOptions"], str] | None = None


@dataclass(frozen=True)
class SimOptions:
    """How a figure's markers are simulated: dimensions, draws per point, seed, device, test contexts.

    Every point uses the same ``seed`` (draw j of every point from the generator of (seed, j)):
    a point's result does not depend on which other points a sweep contains.
    """

    dims: tuple[int, ...]
    draws: int
    seed: int = 0
    device: str = "cpu"
    contexts: int = 1000

    def __post_init__(self) -> None:
        from icl_sym.sim.devices import check_device

        if not self.dims:
            raise ParameterError("dims", "at least one dimension", self.dims)
        object.__setattr__(self, "dims", tuple(check_int("d", d, 2) for d in self.dims))
        check_int("draws", self.draws, 1)
        check_int("seed", self.seed, 0)
        check_device(self.device)
        check_int("contexts", self.contexts, 2)

    @classmethod
    def for_mode(cls, mode: str, *, draws: int | None = None, seed: int = 0, device: str = "cpu",
                 dims: tuple[int, ...] | None = None, defaults: Mapping[str, Mapping[str, Any]] = MODE_SIMULATION,
                 ) -> SimOptions:
        """The options of ``mode`` in ``defaults`` (dims, draws, contexts), dims and draws overridable."""
        mode_defaults = defaults[check_choice("--mode", mode, MODES)]
        return cls(mode_defaults["dims"] if dims is None else tuple(dims),
                   mode_defaults["draws"] if draws is None else draws, seed, device, mode_defaults["contexts"])


# --- Simulation tasks ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SimTask:
    """One draw of one simulated point at one d: one store row, so sweeps store and resume draw by draw.

    ``point`` holds the simulated parameter values, ``theory_point`` the theory's values of the
    layout's ``theory_parameters``; ``run`` is the estimator's and ``quantities`` the layout's
    (column, theory function) pairs. ``sweep`` = (parameter, values) for trajectory markers: the
    task yields one row per value (``point`` then leaves that parameter out).
    """

    figure: str
    estimator: str
    d: int
    point: tuple[tuple[str, float], ...]
    theory_point: tuple[tuple[str, float], ...]
    settings: tuple[tuple[str, Any], ...]
    panels: str
    draw: int
    seed: int
    device: str
    contexts: int
    run: Callable[["SimTask"], Mapping[str, Any]] = field(compare=False, repr=False)
    quantities: tuple[tuple[str, Callable[..., Any]], ...] = field(compare=False, repr=False)
    sweep: tuple[str, tuple[float, ...]] | None = None

    @property
    def params(self) -> dict[str, Any]:
        """The simulated parameter values and the estimator settings, by name."""
        return {**dict(self.point), **dict(self.settings)}

    def keys(self) -> list[dict]:
        """The key fields of the rows :func:`run_task` returns (one per value of ``sweep``, else one)."""
        base = {"figure": self.figure, "estimator": self.estimator, "d": self.d}
        tail = {**dict(self.settings), "seed": self.seed, "draw": self.draw}
        if self.sweep is None:
            return [{**base, **dict(self.point), **tail}]
        name, values = self.sweep
        return [{**base, **dict(self.point), name: x, **tail} for x in values]


def _point(layout: SimulationLayout, panel: Panel, curve: Curve, markers: Markers, x: float) -> tuple:
    """(estimator, *parameters) of a simulated point: the curve's parameters at x, with the markers' overrides."""
    params = {**curve.params, panel.xparam: x, **markers.overrides}
    return (markers.estimator, *(float(params[name]) for name in layout.parameters))


def _task_point(layout: SimulationLayout, panel: Panel, curve: Curve, markers: Markers, x: float) -> tuple:
    """What identifies the task simulating a marker: its estimator, the sweep of a trajectory (parameter name, or
    None) and the (name, value) of every other parameter."""
    params = {**curve.params, panel.xparam: x, **markers.overrides}
    sweep = panel.xparam if markers.trajectory else None
    return (markers.estimator, sweep, *((n, float(params[n])) for n in layout.parameters if n != sweep))


def _simulated(data: FigureData):
    """Every (panel, curve, markers, x) a figure simulates, in drawing order."""
    for panel in data.panels:
        for curve in panel.curves:
            for markers in curve.markers:
                for x in markers.x:
                    yield panel, curve, markers, x


def simulation_tasks(data: FigureData, options: SimOptions) -> list[SimTask]:
    """The tasks simulating every marker of ``data``: one per draw of each distinct point and d (points
    infeasible at a d skipped), ordered by d, then point, then draw, so points complete one after another.

    A point shown in several panels (e.g. two quantities of the same simulation) is simulated once.
    """
    layout = data.layout
    if layout is None:
        return []
    points: dict[tuple, tuple[tuple, list[str], set[float]]] = {}
    for panel, curve, markers, x in _simulated(data):
        theory = tuple((p, float(curve.params[p])) for p in layout.theory_parameters)
        _, panels, xs = points.setdefault(_task_point(layout, panel, curve, markers, x), (theory, [], set()))
        xs.add(float(x))
        if panel.key not in panels:
            panels.append(panel.key)
    quantities = tuple(layout.quantities.items())
    tasks = []
    for d in options.dims:
        for (estimator_name, sweep_name, *point), (theory, panels, xs) in points.items():
            estimator = layout.estimators[estimator_name]
            sweep = None if sweep_name is None else (sweep_name, tuple(sorted(xs)))
            if not estimator.feasible(dict(point) if sweep is None else {**dict(point), sweep_name: sweep[1][-1]}, d):
                continue
            settings = estimator.settings(options)
            tasks += [SimTask(data.name, estimator_name, d, tuple(point), theory,
                              tuple((s, settings[s]) for s in layout.settings), "".join(panels), draw,
                              options.seed, options.device, options.contexts, estimator.run, quantities, sweep)
                      for draw in range(options.draws)]
    return tasks


def run_task(task: SimTask) -> list[dict]:
    """Simulate one draw of one point (or one trajectory) with its estimator; returns its rows, theory values
    alongside. A trajectory's sequences are split over its rows (scalars repeat); ``seconds`` is the whole draw's."""
    start = time.perf_counter()
    values = task.run(task)
    seconds = time.perf_counter() - start
    rows = []
    xs = (None,) if task.sweep is None else task.sweep[1]
    for i, (key, x) in enumerate(zip(task.keys(), xs)):
        own = values if x is None else {k: _item(k, v, i, len(xs)) for k, v in values.items()}
        theory_args = {**dict(task.point), **({} if x is None else {task.sweep[0]: x}), **dict(task.theory_point)}
        theory = {f"theory_{name}": float(fn(**theory_args)) for name, fn in task.quantities}
        rows.append({**key, "panels": task.panels, **{f"theory_{p}": v for p, v in task.theory_point},
                     **own, **theory, "device": task.device, "seconds": seconds})
    return rows


def _item(name: str, value: Any, i: int, n: int) -> Any:
    """Entry ``i`` of a trajectory's column ``name`` (a sequence of length ``n``, or a scalar shared by all)."""
    if isinstance(value, (str, bytes)) or np.ndim(value) == 0:
        return value
    if len(value) != n:
        raise ValueError(f"trajectory column {name!r} has {len(value)} values for {n} sweep points")
    return value[i].item() if isinstance(value[i], np.generic) else value[i]


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
    tracks_theory: bool = True


def markers_of(data: FigureData, rows: list[dict]) -> list[Marker]:
    """The markers of ``data`` from stored simulation rows (every d present, draws pooled)."""
    layout = data.layout
    grouped: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[(row["estimator"], *(float(row[n]) for n in layout.parameters))].append(row)
    out = []
    for panel, curve, markers, x in _simulated(data):
        by_d: dict[int, list[float]] = defaultdict(list)
        theory = {}
        quantity = markers.quantity or panel.quantity
        for row in grouped.get(_point(layout, panel, curve, markers, x), []):
            by_d[int(row["d"])].append(float(row[quantity]))
            theory[int(row["d"])] = float(row[f"theory_{quantity}"])
        for d in sorted(by_d):
            values = by_d[d]
            std = statistics.stdev(values) if len(values) > 1 else 0.0
            out.append(Marker(panel.key, curve.label, markers.estimator, d, x, statistics.fmean(values), std,
                              len(values), theory[d], layout.estimators[markers.estimator].tracks_theory))
    return out


@dataclass(frozen=True)
class Convergence:
    """Finite-size deviation of the simulations that track the theory, at one d: medians over the points of |sim − theory| and of
    d·|sim − theory|.

    If the deviation is O(1/d), the second column stays flat as d grows while the first falls like 1/d.
    """

    d: int
    points: int
    median_abs: float
    median_abs_times_d: float


def convergence(markers: list[Marker]) -> list[Convergence]:
    """One :class:`Convergence` per d over the markers that track the theory and have a finite theory value."""
    deviations: dict[int, list[float]] = defaultdict(list)
    for m in markers:
        if m.tracks_theory and math.isfinite(m.theory):
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


def _draw_markers(ax, panel: Panel, markers: list[Marker], estimators: Mapping[str, Estimator]) -> None:
    """Mean ± std markers of the largest simulated d on the panel, coloured like their theory curve."""
    mine = [m for m in markers if m.panel == panel.key]
    if not mine:
        return
    if panel.every_d:
        _draw_markers_every_d(ax, mine, estimators)
        return
    d = max(m.d for m in mine)
    colour = {c.label: f"C{i}" for i, c in enumerate(panel.curves)}
    for estimator in estimators.values():
        shown = [m for m in mine if m.d == d and m.estimator == estimator.name]
        for m in shown:
            ax.errorbar(m.x, m.mean, yerr=m.std, fmt=estimator.marker, color=colour[m.curve], ms=4, capsize=2, lw=0.8)
        if shown:
            ax.plot([], [], estimator.marker, color="black", ms=4, label=f"{estimator.label}, d = {d} (mean ± std)")


def _draw_markers_every_d(ax, mine: list[Marker], estimators: Mapping[str, Estimator]) -> None:
    """Mean ± std markers of every simulated d, coloured by d (after the theory curves' colours)."""
    dims = sorted({m.d for m in mine})
    for estimator in estimators.values():
        for i, d in enumerate(dims):
            shown = [m for m in mine if m.d == d and m.estimator == estimator.name]
            colour = f"C{(i + 3) % 10}"
            for m in shown:
                ax.errorbar(m.x, m.mean, yerr=m.std, fmt=estimator.marker, color=colour, ms=4, capsize=2, lw=0.8)
            if shown:
                ax.plot([], [], estimator.marker, color=colour, ms=4, label=f"{estimator.label}, d = {d}")


def _draw_residuals(ax, data: FigureData, markers: list[Marker]) -> None:
    """(sim − theory)·d of every point that tracks the theory, one colour per d: points of different d coincide
    if the error is O(1/d)."""
    order = {}
    for panel, curve, markers_, x in _simulated(data):
        if data.layout.estimators[markers_.estimator].tracks_theory:
            order.setdefault((panel.key, curve.label, x), len(order))
    summary = {c.d: c for c in convergence(markers)}
    dims = sorted(summary)
    for i, d in enumerate(dims):
        shown = [m for m in markers if m.tracks_theory and m.d == d and math.isfinite(m.theory)]
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
    swept = ", ".join(sorted({data.layout.symbols.get(p.xparam, p.xparam) for p in data.panels if p.xparam}))
    ax.set_yscale("symlog", linthresh=0.1)
    ax.margins(y=0.1)
    ax.set(title="convergence: (sim − theory)·d", xlabel=f"simulated {swept}, by panel and curve",
           ylabel="(sim − theory) · d")
    ax.legend(fontsize=6)


def _figure(data: FigureData, markers: list[Marker]):
    """The matplotlib figure of ``data`` with ``markers``, laid out and ready to save (close it after use)."""
    from icl_sym.extras import require

    matplotlib = require("matplotlib", "figures", "Drawing a figure")

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .tick_labels import thin_log_tick_labels, label_log_axis

    residuals = any(m.tracks_theory for m in markers)
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
        if markers:
            _draw_markers(ax, p, markers, data.layout.estimators)
        for v in p.vlines:
            ax.axvline(v, color="red" if p.image is not None else "grey", lw=0.8, ls=":")
        ax.set(title=p.title, xlabel=p.xlabel, ylabel=p.ylabel)
        if p.xlog:
            ax.set_xscale("log")
        if p.ylog:
            ax.set_yscale("log")
        for axis in (ax.xaxis, ax.yaxis):
            label_log_axis(axis)
        if p.curves and p.legend == "below":
            ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
        elif p.curves:
            ax.legend(fontsize=7, loc=p.legend)
    if residuals:
        _draw_residuals(fig.add_subplot(grid[1, :]), data, markers)
    fig.suptitle(data.title)
    thin_log_tick_labels(fig)
    return fig


def _png(data: FigureData, markers: list[Marker]) -> bytes:
    fig = _figure(data, markers)  # first: it names the missing extra if matplotlib is not installed
    import matplotlib.pyplot as plt

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
    summary: Path | None = None


def make_figure(
    name: str,
    mode: str,
    output: Path,
    *,
    simulation: SimOptions | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FigureRun:
    """Compute the registered figure ``name`` in ``mode`` and write its CSV(s) and PNG into ``output``
    (see :func:`draw_figure`)."""
    from icl_sym.core.registry import REGISTRY

    check_choice("figure", name, REGISTRY.figure_names())
    check_choice("--mode", mode, MODES)
    return draw_figure(REGISTRY.get_figure(name).build(mode), output, simulation=simulation, executor=executor, progress=progress)


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
    markers, sim_path, tasks_run, summary_path = [], None, 0, None
    tasks = simulation_tasks(data, simulation) if simulation is not None else []
    if tasks:
        sim_path = stem.with_name(stem.name + "_sim.csv")
        store = ResultStore(sim_path, data.layout.key_fields, data.layout.fields)
        tasks_run = run_sweep(tasks, run_task, store, executor, progress)
        wanted = {store.key(key) for task in tasks for key in task.keys()}
        rows = [row for row in store.rows() if store.key(row) in wanted]
        markers = markers_of(data, rows)
        if data.summary is not None:
            summary_path = stem.with_name(stem.name + "_summary.md")
            write_atomically(summary_path, data.summary(rows))
    write_atomically(png_path, _png(data, markers))
    return FigureRun(csv_path, png_path, sim_path, markers, len(tasks), tasks_run, summary_path)
