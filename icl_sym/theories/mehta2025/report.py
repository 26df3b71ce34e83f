"""The figures of the Mehta and Gupta claims report (``icl-sym claims mehta2025 --report DIR``), as PNG.

- ``allocation.png``: the simulated error along each budget N = L d and the fit of L* ∝ N^ν (claim
  ``mehta2025.allocation_simulated``), against the claimed ν = 2/3;
- ``hierarchy.png``: the simulated error against depth for each hierarchy depth h and the fitted exponents with
  their intervals, against α(h) = 1/(2(h+1)) (claim ``mehta2025.exponent_alpha_compositional``);
- ``ansatz.png``: the additive loss A L^{-a} + B d^{-b} along the budget with its optimum, and the depth exponent
  b/(a+b) against b/a, which is 2/3 only at b = 2a (claims ``mehta2025.allocation``, ``allocation_simulated``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from icl_sym.core.fits import fit_power_law
from icl_sym.extras import require

from . import simulations as sims
from .allocation import additive_exponents
from .symbols import a, b

__all__ = ["draw_figures"]


def _pyplot():
    matplotlib = require("matplotlib", "figures", "Drawing the claims report's figures")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _interval(fit) -> tuple[float, float]:
    return fit.slope, sims.SIGMAS * fit.error


def _allocation(plt, path: Path) -> None:
    _, rows = sims.load_results("allocation")
    budgets, optimal = sims.allocation_points()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for budget in sorted(set(budgets)):
        curves = [sims.budget_curve(rows, budget, r) for r in sorted({row["replicate"] for row in rows})]
        depths = curves[0][0]
        mean = np.mean([c[1] for c in curves], axis=0)
        left.plot(depths, mean, "o-", ms=3, label=f"N = {budget:g}")
    left.set(xscale="log", xlabel="depth L (width d = N/L)", ylabel="ICL error (mean over replicates)",
             title="Error along each budget N = L d")
    left.legend(fontsize=8)
    fit = fit_power_law(budgets, optimal)
    slope, half = _interval(fit)
    grid = np.geomspace(budgets.min(), budgets.max(), 50)
    right.plot(budgets, optimal, "o", label="L* (parabola in log L), each replicate")
    right.plot(grid, np.exp(fit.intercept) * grid**slope, "-", label=f"fit: ν = {slope:.3f} ± {half:.3f}")
    anchor = np.exp(np.mean(np.log(optimal)))
    right.plot(grid, anchor * (grid / np.exp(np.mean(np.log(budgets)))) ** (2 / 3), "--",
               label="claimed ν = 2/3 (through the mean)")
    right.set(xscale="log", yscale="log", xlabel="budget N = L d", ylabel="optimal depth L*",
              title="Optimal depth against the budget")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _hierarchy(plt, path: Path) -> None:
    _, rows = sims.load_results("hierarchy")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    levels = sorted({int(r["hierarchy"]) for r in rows})
    for h in levels:
        depths = sorted({r["depth"] for r in rows if r["hierarchy"] == h})
        mean = [np.mean([r["error"] for r in rows if r["hierarchy"] == h and r["depth"] == L]) for L in depths]
        left.plot(depths, mean, "o-", ms=3, label=f"h = {h}")
    left.axvline(sims.FIT_MIN_DEPTH, color="grey", lw=0.8, ls=":")
    left.set(xscale="log", yscale="log", xlabel="depth L", ylabel="ICL error", ylim=(1e-4, 1.5),
             title="Compositional linear tasks of depth h")
    left.legend(fontsize=8)
    fitted = sims.hierarchies()
    slopes = [_interval(fit_power_law(*sims.hierarchy_points(h))) for h in fitted]
    right.errorbar(fitted, [-s for s, _ in slopes], yerr=[e for _, e in slopes], fmt="o", capsize=4,
                   label=f"fitted exponent (L ≥ {sims.FIT_MIN_DEPTH}), {sims.SIGMAS:g} fit errors")
    grid = np.linspace(min(fitted) - 0.2, max(fitted) + 0.2, 50)
    right.plot(grid, 1 / (2 * (grid + 1)), "--", label="claimed α(h) = 1/(2(h+1))")
    right.plot(grid, 1 / (grid + 1), ":", label="1/(h+1) (hard-edge density, docs)")
    right.set(xlabel="hierarchy depth h", ylabel="exponent of the error in L", xticks=fitted,
              title="Error exponent against h")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _ansatz(plt, path: Path) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    depth_a, width_b = 0.5, 1.0  # b = 2a: the 2/3 law
    for budget in (1e2, 1e3, 1e4, 1e5):
        depths = np.geomspace(1, budget, 400)
        error = depths**-depth_a + (budget / depths) ** -width_b
        best = np.argmin(error)
        left.plot(depths, error, label=f"N = {budget:.0e}")
        left.plot(depths[best], error[best], "k.")
    left.set(xscale="log", yscale="log", xlabel="depth L (d = N/L)", ylabel="E = L^{-a} + d^{-b}",
             title=f"Additive ansatz on L d = N (a = {depth_a}, b = {width_b}): optimum ∝ N^(2/3)")
    left.legend(fontsize=8)
    _, depth_exponent = additive_exponents()
    ratio = np.geomspace(0.1, 10, 200)
    right.plot(ratio, [float(depth_exponent.subs({a: 1, b: r})) for r in ratio], label="ν = b/(a+b)")
    right.axhline(2 / 3, color="grey", ls="--", label="claimed 2/3 (b = 2a)")
    budgets, optimal = sims.allocation_points()
    slope, half = _interval(fit_power_law(budgets, optimal))
    right.axhspan(slope - half, slope + half, color="C1", alpha=0.3, label=f"simulated ν = {slope:.3f} ± {half:.3f}")
    right.set(xscale="log", xlabel="b/a (width exponent over depth exponent)", ylabel="depth exponent ν",
              title="Allocation exponent of the additive ansatz")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def draw_figures(folder: Path | str) -> list[tuple[tuple[str, ...], str, str]]:
    """Draw the report's figures into ``folder``; (claim names, caption, file name) of each."""
    plt = _pyplot()
    folder = Path(folder)
    _allocation(plt, folder / "allocation.png")
    _hierarchy(plt, folder / "hierarchy.png")
    _ansatz(plt, folder / "ansatz.png")
    return [
        (("mehta2025.allocation_simulated",), "Simulated deep linear attention: error along each budget N = L d, "
         "and the fit of the optimal depth L* ∝ N^ν against the claimed 2/3.", "allocation.png"),
        (("mehta2025.exponent_alpha_compositional", "mehta2025.exponent_alpha"),
         "Compositional linear tasks: error against depth for each hierarchy depth h, and the fitted exponents "
         "against α(h) = 1/(2(h+1)).", "hierarchy.png"),
        (("mehta2025.allocation", "mehta2025.allocation_simulated"),
         "The additive loss ansatz along the budget and its optimum; the depth exponent b/(a+b) is 2/3 only at "
         "b = 2a.", "ansatz.png"),
    ]
