"""Figure recipes for Lu et al. (2025), Figs. 1-4: parameters, theory curves, CSV and PNG.

Parameters follow the paper's figure sheets (theory note §8). ``quick`` mode
uses coarser grids; ``full`` the paper's. Each recipe writes ``<name>.csv``
(long format: panel, curve, x, y) and ``<name>.png`` into the output folder.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from icl_sym.files import write_atomically
from icl_sym.theories.lu2024.asymptotics import e_icl, e_idg, g_task
from icl_sym.theories.lu2024.derived import alpha_star_map

__all__ = ["Curve", "Panel", "FigureData", "RECIPES", "make_figure"]

MODES = ("quick", "full")


@dataclass
class Curve:
    """One theory line: ``y(x)`` with a label."""

    label: str
    x: np.ndarray
    y: np.ndarray


@dataclass
class Panel:
    """One subplot: curves (or an image for phase maps) and axis settings."""

    title: str
    xlabel: str
    ylabel: str
    curves: list[Curve] = field(default_factory=list)
    xlog: bool = True
    ylog: bool = False
    vlines: tuple[float, ...] = ()
    image: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # (x, y, values) for phase maps


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


def fig1(mode: str) -> FigureData:
    """Sample-wise double descent in τ (Lu et al. Fig. 1): κ = 0.5, ρ = 0.01, ridgeless; panel C with ridge at κ = ∞."""
    tau = _tau_grid(mode)
    panels = []
    for key, fn, label in (("A", e_icl, "ICL"), ("B", e_idg, "IDG")):
        panel = Panel(f"{key}: {label} error, κ = 0.5, ρ = 0.01, λ → 0", "τ = n/d²", f"e_{label}", ylog=True,
                      vlines=(1.0,))
        for alpha in (1, 10, 100):
            panel.curves.append(Curve(f"α = {alpha}", tau, fn(tau, alpha, 0.5, 0.01, 0.0)))
        panels.append(panel)
    panel = Panel("C: ICL error with ridge, α = 10, κ = ∞, ρ = 0.01", "τ = n/d²", "e_ICL", ylog=True, vlines=(1.0,))
    for lam in (1e-5, 0.1, 1.0):
        panel.curves.append(Curve(f"λ = {lam:g}", tau, e_icl(tau, 10, np.inf, 0.01, lam)))
    panels.append(panel)
    return FigureData("lu2024.fig1", "Lu et al. Fig. 1: sample-wise double descent", panels)


FIG2_SETTINGS = (
    ("A", "IDG", e_idg, 0.5, 0.5, (0.1, 0.3, 0.5, 0.7, 2.0)),
    ("B", "ICL", e_icl, 0.5, 0.1, (0.2, 0.4, 0.5, 0.6, 1.5)),
    ("C", "ICL", e_icl, 20.0, 0.5, (0.25, 0.75, 1.0, 1.1, 2.0)),
)


def fig2(mode: str) -> FigureData:
    """Non-monotone dependence on context length α (Lu et al. Fig. 2), ridgeless."""
    alpha = np.logspace(-1, 3, 80 if mode == "quick" else 400)
    panels = []
    for key, label, fn, tau, rho, kappas in FIG2_SETTINGS:
        panel = Panel(f"{key}: {label}, τ = {tau:g}, ρ = {rho:g}", "α = ℓ/d", f"e_{label}", ylog=True)
        for kappa in kappas:
            panel.curves.append(Curve(f"κ = {kappa:g}", alpha, fn(tau, alpha, kappa, rho, 0.0)))
        panels.append(panel)
    return FigureData("lu2024.fig2", "Lu et al. Fig. 2: context length", panels)


FIG3_SETTINGS = (("i", "icl", 0.5), ("ii", "idg", 0.5), ("iii", "icl", 20.0))


def fig3(mode: str) -> FigureData:
    """Phase maps of the optimal context length α*(κ, ρ) (Lu et al. Fig. 3); blank where monotone."""
    shape = (101, 75, 200) if mode == "quick" else (401, 300, 500)
    kappas, rhos = np.linspace(0.1, 2.1, shape[0]), np.linspace(0.01, 1, shape[1])
    alphas = np.logspace(-2, 3, shape[2])
    panels = []
    for key, which, tau in FIG3_SETTINGS:
        values = alpha_star_map(tau, kappas, rhos, which=which, alphas=alphas)
        panels.append(Panel(f"({key}) {which.upper()}, τ = {tau:g}: α*", "κ = k/d", "ρ", xlog=False,
                            vlines=(min(tau, 1.0),), image=(kappas, rhos, values)))
    return FigureData("lu2024.fig3", "Lu et al. Fig. 3: where the error is non-monotone in α", panels)


FIG4_SETTINGS = ((6, 1.2), (10, 2.0), (20, 4.0), (40, 8.0))


def fig4(mode: str) -> FigureData:
    """Memorisation → ICL transition in task diversity: g_task vs κ (Lu et al. Fig. 4), τ = 0.2α, ρ = 0.01."""
    kappa = np.logspace(np.log10(0.08), 2, 60 if mode == "quick" else 300)
    panel = Panel("g_task = e_ICL − e_IDG, ρ = 0.01, λ → 0", "κ = k/d", "g_task", vlines=(1.0,))
    for alpha, tau in FIG4_SETTINGS:
        panel.curves.append(Curve(f"α = {alpha}, τ = {tau:g}", kappa, g_task(tau, alpha, kappa, 0.01, 0.0)))
    panel.curves.append(Curve("(1 − κ)₊ (τ, α → ∞)", kappa, np.clip(1 - kappa, 0, None)))
    return FigureData("lu2024.fig4", "Lu et al. Fig. 4: task-diversity transition", [panel])


RECIPES: dict[str, Callable[[str], FigureData]] = {
    "lu2024.fig1": fig1, "lu2024.fig2": fig2, "lu2024.fig3": fig3, "lu2024.fig4": fig4,
}


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


def _png(data: FigureData) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(data.panels)
    fig, axes = plt.subplots(1, n, figsize=(4.6 * n, 4.0), constrained_layout=True, squeeze=False)
    for ax, p in zip(axes[0], data.panels):
        if p.image is not None:
            x, y, values = p.image
            ax.set_facecolor("#EFEEEA")  # monotone region, as in the paper
            mesh = ax.pcolormesh(x, y, values.T, shading="auto", cmap="GnBu",
                                 norm=matplotlib.colors.LogNorm(vmin=np.nanmin(values), vmax=np.nanmax(values))
                                 if np.any(np.isfinite(values)) else None)
            fig.colorbar(mesh, ax=ax, label="α*")
        for c in p.curves:
            ax.plot(c.x, np.where(np.isfinite(c.y), c.y, np.nan), label=c.label,
                    ls="--" if c.label.startswith("(") else "-")
        for v in p.vlines:
            ax.axvline(v, color="red" if p.image is not None else "grey", lw=0.8, ls=":")
        ax.set(title=p.title, xlabel=p.xlabel, ylabel=p.ylabel)
        if p.xlog:
            ax.set_xscale("log")
        if p.ylog:
            ax.set_yscale("log")
        if p.curves:
            ax.legend(fontsize=7)
    fig.suptitle(data.title)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120)
    plt.close(fig)
    return buffer.getvalue()


def make_figure(name: str, mode: str, output: Path) -> tuple[Path, Path]:
    """Compute figure ``name`` in ``mode`` and write its CSV and PNG into ``output``."""
    from icl_sym.core.validation import check_choice

    check_choice("figure", name, RECIPES)
    check_choice("--mode", mode, MODES)
    data = RECIPES[name](mode)
    stem = Path(output) / name.replace(".", "_")
    csv_path, png_path = stem.with_suffix(".csv"), stem.with_suffix(".png")
    write_atomically(csv_path, _csv(data))
    write_atomically(png_path, _png(data))
    return csv_path, png_path
