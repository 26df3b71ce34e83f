"""Figure recipes of Bordelon, Letey, Pehlevan (2026), one module per family of figures: :mod:`.iso` (Figs. 1, 2),
:mod:`.structured` (Figs. 3, 4, 8), :mod:`.compute` (Fig. 5), :mod:`.attention` (Figs. 6, 9), :mod:`.shallow`
(Fig. 7); :mod:`.authors` compares with the authors' stored final losses and :mod:`.exponents` fits the RRS
exponents from trained models. Drawing, storing and resuming are generic (:mod:`icl_sym.experiments.figure`).
"""

from __future__ import annotations

from ..figure import FigureRecipe
from .attention import FIG6, SIMULATION as ATTENTION_SIMULATION, fig6, fig9
from .compute import FIG5, FIG5_RECIPE, fig5
from .iso import LAYOUT, SIMULATION, TRAINING, fig1, fig2
from .shallow import FIG7_SIMULATION, fig7
from .structured import FIG3, FIG3_SIMULATION, FIG4, FIG4_SIMULATION, FIG8_SIMULATION, fig3, fig4, fig8

__all__ = ["LAYOUT", "FIGURES", "fig1", "fig2", "fig3", "fig4", "fig5", "fig6", "fig7", "fig8", "fig9", "TRAINING",
           "FIG3", "FIG4", "FIG5", "FIG6"]

#: The figures this theory declares (``icl-sym figure bordelon2025.figN``).
FIGURES: dict[str, FigureRecipe] = {
    r.name: r for r in (
        FigureRecipe("bordelon2025.fig1", fig1, "ISO learning curves by α and depth, final loss against α; trained "
                     "reduced-Γ markers",
                     simulation=SIMULATION),
        FigureRecipe("bordelon2025.fig2", fig2, "ISO loss landscape in γ/L (theory only)"),
        FigureRecipe("bordelon2025.fig3", fig3, "FS: eigen-dynamics, learning curves by depth, brittleness to a "
                     "shifted covariance; trained reduced-Γ trajectories", simulation=FIG3_SIMULATION),
        FigureRecipe("bordelon2025.fig4", fig4, "RRS power law: learning curves by β and depth (untied, finite P), "
                     "landscape; trained reduced-Γ trajectories", simulation=FIG4_SIMULATION),
        FIG5_RECIPE,
        FigureRecipe("bordelon2025.fig6", fig6, "full linear attention, ISO and RRS (Result 9), with trained linear "
                     "transformers; softmax final losses, the authors' and ours", simulation=ATTENTION_SIMULATION),
        FigureRecipe("bordelon2025.fig7", fig7, "one-layer online SGD against Result 10, varying τ, α, κ, with "
                     "simulated learning curves", simulation=FIG7_SIMULATION),
        FigureRecipe("bordelon2025.fig8", fig8, "untied layers: learning curves, balanced γ^ℓ", simulation=FIG8_SIMULATION),
        FigureRecipe("bordelon2025.fig9", fig9, "softmax + GELU MLP: final loss against depth, the authors' and ours",
                     simulation=ATTENTION_SIMULATION),
    )
}
