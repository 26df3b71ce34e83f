"""Figure recipes of Bordelon, Letey, Pehlevan (2026), one module per family of figures: :mod:`.iso` (Figs. 1, 2),
:mod:`.structured` (Figs. 3, 4), :mod:`.attention` (Fig. 6); :mod:`.authors` compares with the authors' stored
final losses. Drawing, storing and resuming are generic (:mod:`icl_sym.experiments.figure`).
"""

from __future__ import annotations

from ..figure import FigureRecipe
from .attention import FIG6, fig6
from .iso import LAYOUT, SIMULATION, TRAINING, fig1, fig2
from .shallow import FIG7_SIMULATION, fig7
from .structured import FIG3, FIG4, fig3, fig4

__all__ = ["LAYOUT", "FIGURES", "fig1", "fig2", "fig3", "fig4", "fig6", "TRAINING", "FIG3", "FIG4", "FIG6", "fig7"]

#: The figures this theory declares (``icl-sym figure bordelon2025.figN``).
FIGURES: dict[str, FigureRecipe] = {
    r.name: r for r in (
        FigureRecipe("bordelon2025.fig1", fig1, "ISO final loss against α by depth, trained reduced-Γ markers",
                     simulation=SIMULATION),
        FigureRecipe("bordelon2025.fig2", fig2, "ISO loss landscape in γ/L (theory only)"),
        FigureRecipe("bordelon2025.fig3", fig3, "FS: eigen-dynamics, learning curves by depth, brittleness to a "
                     "shifted covariance (theory only)"),
        FigureRecipe("bordelon2025.fig6", fig6, "full linear attention under RRS (Result 9) and the authors' softmax "
                     "final losses (theory and stored values)"),
        FigureRecipe("bordelon2025.fig4", fig4, "RRS power law: learning curves by β and depth, landscape "
                     "(theory only)"),
        FigureRecipe("bordelon2025.fig7", fig7, "one-layer online SGD against Result 10, varying τ, α, κ, with "
                     "simulated learning curves", simulation=FIG7_SIMULATION),
    )
}
