"""What the exponent α = 1/(2(h+1)) and the critical scale N_c ∝ (k h)^{2(h+1)} imply together.

Both are known from a summary of Mehta and Gupta only (docs/theory/mehta2025.md, "Critical scale").
The derivation ``mehta2025.transition`` shows that N_c is the threshold crossing of an error bound
``C k h N^{-α}`` and that such a crossing is a smooth power law whose width in N grows as 16^{h+1}.
"""

from __future__ import annotations

import sympy as sp

from icl_sym.core.checks import Exact
from icl_sym.core.derivation import Derivation, Step

from .allocation import EXACT
from .symbols import C, N, eps0, h, k
from .theory import THEORY

__all__ = ["ALPHA", "CRITICAL_SCALE", "BOUND"]

#: The claimed ICL exponent for hierarchy depth h (summary of the paper).
ALPHA = 1 / (2 * (h + 1))
#: An error bound of the form that makes the two summary formulas consistent.
BOUND = C * k * h * N ** (-ALPHA)
#: N at which BOUND equals the threshold eps0.
CRITICAL_SCALE = (C * k * h / eps0) ** (1 / ALPHA)


def _crossing(level: sp.Basic) -> sp.Basic:
    """N at which BOUND equals ``level``."""
    return (C * k * h / level) ** (1 / ALPHA)


@THEORY.derivation("transition")
def transition() -> Derivation:
    steps = (
        Step("critical scale is a threshold crossing", BOUND.subs(N, CRITICAL_SCALE), eps0,
             "With $\\mathcal{E} \\le Ckh\\,N^{-\\alpha}$ the error reaches $\\varepsilon_0$ at "
             "$N_c = (Ckh/\\varepsilon_0)^{2(h+1)}$.", EXACT),
        Step("N_c grows as (k h)^{2(h+1)}", sp.simplify(k * sp.diff(sp.expand_log(sp.log(CRITICAL_SCALE), force=True), k)),
             2 * (h + 1), "$\\partial\\log N_c/\\partial\\log k = 2(h+1) = 1/\\alpha$: the summary's $N_c$ is exactly "
             "this crossing, so the two summary formulas are consistent.", EXACT),
        Step("log-slope of the error", sp.simplify(N * sp.diff(sp.log(BOUND), N)), -ALPHA,
             "$d\\log\\mathcal{E}/d\\log N = -1/(2(h+1))$ at every N: analytic in $\\log N$, with no point where the "
             "slope jumps or diverges.", Exact()),
        Step("crossover width", sp.simplify(_crossing(eps0 / 2) / _crossing(2 * eps0)), 16 ** (h + 1),
             "Going from $2\\varepsilon_0$ to $\\varepsilon_0/2$ takes a factor $4^{1/\\alpha} = 16^{h+1}$ in N: "
             "256 at h = 1, 4096 at h = 2, 65536 at h = 3.", EXACT),
        Step("the crossover widens with h", sp.diff(sp.log(16 ** (h + 1)), h), sp.log(16),
             "$\\partial_h \\log 16^{h+1} = \\log 16 > 0$: deeper hierarchies make the transition more gradual, "
             "not sharper.", EXACT),
    )
    return Derivation("mehta2025.transition", "The exponent α(h) and the critical scale N_c together",
                      THEORY.cite("summary", "α = 1/(2(h+1)), N_c ∝ (k h)^{2(h+1)}; derived here"),
                      "Error bound $Ckh\\,N^{-1/(2(h+1))}$, threshold $\\varepsilon_0$ ($C, k, h, \\varepsilon_0 > 0$).",
                      steps)
