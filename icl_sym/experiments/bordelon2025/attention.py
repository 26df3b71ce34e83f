"""Attention-model figures of Bordelon, Letey, Pehlevan (2026): Fig. 6, full linear attention (Result 9) and
softmax attention.
"""

from __future__ import annotations

import numpy as np

from ..figure import Curve, FigureData, Panel
from .iso import iso_loss

__all__ = ["FIG6", "fig6"]


#: Fig. 6(b): full linear attention on RRS power-law data, the paper's D = 80, ν = 1.25, β = 1.2 and init w = 0.45.
FIG6 = dict(dim=80, nu=1.25, beta=1.2, depths=(1, 2, 4, 8, 16), init=0.45)


def fig6(mode: str) -> FigureData:
    """Full linear attention and softmax (Fig. 6, panels b and c; panel a, the four-scalar ISO flow, is not drawn):
    (b) balanced full linear attention under RRS (Result 9): the loss of Result 6 at γ = 2w⁵ against the time the
    balanced flow takes from w = 0.45, with the reference t^{−5β/(5β+2)}; each curve stops at 0.1 % below the minimiser of its
    landscape, which the flow reaches only as t → ∞; (c) the authors' stored final losses of
    the softmax runs of Figs. 6(c) and 9 against depth, beside linear attention's optimal ℓ⋆(α = 2, L) (Result 2)
    as a dashed reference: the workbench has no theory of softmax attention."""
    from icl_sym.theories.bordelon2025.bottlenecks import full_attention_time_of_gamma
    from icl_sym.theories.bordelon2025.rotated_structure import rrs_depth_floor, rrs_loss
    from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum

    from .authors import SOFTMAX_ALPHA, authors_values

    f = FIG6
    n = 40 if mode == "quick" else 200
    s = power_law_spectrum(f["dim"], f["nu"], f["beta"])
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
    panel_c = Panel("(c) softmax: authors' stored final losses", "depth L", "final loss", ylog=True, key="c")
    stored = authors_values()
    for key, label in (("fig6c", "authors: softmax (Fig. 6c)"), ("fig9", "authors: softmax + MLP (Fig. 9)")):
        rows = [v for v in stored if v.figure == key]
        panel_c.curves.append(Curve(label, np.array([v.depth for v in rows], dtype=float),
                                    np.array([v.final_loss for v in rows])))
    depths = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    reference = np.array([float(iso_loss(SOFTMAX_ALPHA, int(d))) for d in depths])
    panel_c.curves.append(Curve("(ref) linear attention ℓ⋆(α = 2, L)", depths, reference))
    return FigureData("bordelon2025.fig6", "Bordelon et al. Fig. 6: full linear attention and softmax",
                      [panel_b, panel_c])
