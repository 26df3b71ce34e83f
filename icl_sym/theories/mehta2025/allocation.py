"""Optimal depth-width allocation at a fixed budget under each natural loss ansatz.

The abstract of Mehta and Gupta states ``L* ∝ N^{2/3}``, ``d* ∝ N^{1/3}`` at the budget ``N = L d``
without giving the loss law. Each derivation here solves the allocation problem for one ansatz
and derives the condition under which the 2/3 law holds (docs/theory/mehta2025.md, "Allocation"):

- ``mehta2025.allocation``: additive ``A L^{-a} + B d^{-b}`` on ``L d = N``: ``L* ∝ N^{b/(a+b)}``, 2/3 iff ``b = 2a``;
- ``mehta2025.allocation_params``: the same on the parameter count ``L d² = N``: 2/3 iff ``b = 4a``;
- ``mehta2025.allocation_product``: ``C L^{-a} d^{-b}``: no interior optimum;
- ``mehta2025.allocation_gd_time``: ``A T^{-β} + B d^{-b}`` with ``T = L η_eff``, ``η_eff = c/√(L d)``: 2/3 iff ``β = 2b``.
"""

from __future__ import annotations

import sympy as sp

from icl_sym.core.checks import Derived, Exact
from icl_sym.core.derivation import Derivation, Step
from icl_sym.core.formula import Formula, Param
from icl_sym.core.validation import Range

from .symbols import TWO_THIRDS, A, B, C, L, N, a, b, beta, c, d
from .theory import THEORY

__all__ = ["ADDITIVE", "additive_exponents", "params_exponents", "gd_time_exponents"]

#: The additive ansatz E(L, d) = A L^{-a} + B d^{-b} (terms in k, D that do not depend on L, d dropped).
ADDITIVE = A * L ** (-a) + B * d ** (-b)


def _simplify(expr: sp.Basic) -> sp.Basic:
    """Simplification that combines powers of positive symbols (all symbols here are positive)."""
    return sp.simplify(sp.powsimp(sp.expand_power_base(sp.powdenest(expr, force=True), force=True), force=True))


EXACT = Exact(simplifier=_simplify)


def _log_slope(expr: sp.Basic, x: sp.Symbol) -> sp.Basic:
    """d log(expr) / d log x."""
    return sp.simplify(x * sp.diff(sp.expand_log(sp.log(expr), force=True), x))


def _solve_for(equation: sp.Eq, unknown: sp.Symbol) -> sp.Basic:
    solutions = sp.solve(equation, unknown)
    if len(solutions) != 1:
        raise ValueError(f"expected one solution for {unknown}, got {solutions}")
    return solutions[0]


def _param(symbol, description):
    return Param(symbol, Range(0, low_open=True), description)


# --- additive ansatz on L d = N --------------------------------------------------------------------------------
D_STAR = (b * B * N**a / (a * A)) ** (1 / (a + b))  # the optimal width on L d = N


def additive_exponents() -> tuple[sp.Basic, sp.Basic]:
    """(exponent of d*, exponent of L*) in N for the additive ansatz on L d = N."""
    return a / (a + b), b / (a + b)


@THEORY.derivation("allocation")
def allocation() -> Derivation:
    on_budget = ADDITIVE.subs(d, N / L)
    stationarity = L * sp.diff(on_budget, L)
    width_exp, depth_exp = additive_exponents()
    error_at_optimum = on_budget.subs(L, N / D_STAR)
    steps = (
        Step("stationarity on the budget", stationarity, -a * A * L ** (-a) + b * B * (N / L) ** (-b),
             "Eliminate $d = N/L$; $L\\,\\partial_L \\mathcal{E}$ vanishes where $aAL^{-a} = bBd^{-b}$: at the "
             "optimum the two error terms are in the ratio $b : a$.", EXACT),
        Step("convex in log L", L * sp.diff(stationarity, L), a**2 * A * L ** (-a) + b**2 * B * (N / L) ** (-b),
             "The second log-derivative is a sum of positive terms, so the stationary point is the unique global "
             "minimum on the budget (the error diverges at both ends).", EXACT),
        Step("optimal width", stationarity.subs(L, N / D_STAR), sp.S.Zero,
             "$d^* = (bBN^a/(aA))^{1/(a+b)}$ makes the derivative vanish.", EXACT),
        Step("width exponent", _log_slope(D_STAR, N), width_exp, "$d^* \\propto N^{a/(a+b)}$.", EXACT),
        Step("depth exponent", _log_slope(N / D_STAR, N), depth_exp, "$L^* = N/d^* \\propto N^{b/(a+b)}$.", EXACT),
        Step("error exponent", _log_slope(error_at_optimum, N), -a * b / (a + b),
             "$\\mathcal{E}^* \\propto N^{-ab/(a+b)}$.", EXACT),
        Step("2/3 law condition", b, 2 * a,
             "$b/(a+b) = 2/3$ has the single solution $b = 2a$: the width exponent must be twice the depth exponent "
             "(one exponent for both, $a = b$, gives $L^* \\propto N^{1/2}$).",
             Derived(lambda: _solve_for(sp.Eq(depth_exp, TWO_THIRDS), b), "solve b/(a+b) = 2/3 for b")),
        Step("one shared exponent", depth_exp.subs(b, a), sp.Rational(1, 2),
             "With $a = b$ the optimal depth grows as $N^{1/2}$, not $N^{2/3}$.", EXACT),
    )
    results = (Formula("mehta2025.allocation_depth_exponent", depth_exp,
                       (_param(a, "depth exponent of the loss"), _param(b, "width exponent of the loss")),
                       THEORY.cite("abstract", "derived: additive ansatz on L d = N"),
                       "exponent of the optimal depth in the budget N = L d", sp.Symbol("nu_L")),)
    return Derivation("mehta2025.allocation", "Allocation at L d = N: additive ansatz",
                      THEORY.cite("abstract", "L* ∝ N^{2/3}, d* ∝ N^{1/3} at N = L d; derived here"),
                      "Minimise $\\mathcal{E} = AL^{-a} + Bd^{-b}$ subject to $Ld = N$ ($A, B, a, b > 0$).",
                      steps, results)


# --- additive ansatz on the parameter count L d² = N -----------------------------------------------------------
def params_exponents() -> tuple[sp.Basic, sp.Basic]:
    """(exponent of d*, exponent of L*) in N for the additive ansatz on L d² = N."""
    return a / (2 * a + b), b / (2 * a + b)


@THEORY.derivation("allocation_params")
def allocation_params() -> Derivation:
    on_budget = ADDITIVE.subs(L, N / d**2)
    stationarity = d * sp.diff(on_budget, d)
    d_star = (b * B * N**a / (2 * a * A)) ** (1 / (2 * a + b))
    width_exp, depth_exp = params_exponents()
    steps = (
        Step("stationarity on the budget", stationarity, 2 * a * A * (N / d**2) ** (-a) - b * B * d ** (-b),
             "Eliminate $L = N/d^2$ (a transformer layer has $\\Theta(d^2)$ weights); the factor 2 comes from "
             "$\\partial_d(Ld^2)$.", EXACT),
        Step("convex in log d", d * sp.diff(stationarity, d), 4 * a**2 * A * (N / d**2) ** (-a) + b**2 * B * d ** (-b),
             "A sum of positive terms: the stationary point is the unique minimum.", EXACT),
        Step("optimal width", stationarity.subs(d, d_star), sp.S.Zero,
             "$d^* = (bBN^a/(2aA))^{1/(2a+b)}$.", EXACT),
        Step("width exponent", _log_slope(d_star, N), width_exp, "$d^* \\propto N^{a/(2a+b)}$.", EXACT),
        Step("depth exponent", _log_slope(N / d_star**2, N), depth_exp, "$L^* = N/d^{*2} \\propto N^{b/(2a+b)}$.",
             EXACT),
        Step("2/3 law condition", b, 4 * a, "$b/(2a+b) = 2/3$ iff $b = 4a$.",
             Derived(lambda: _solve_for(sp.Eq(depth_exp, TWO_THIRDS), b), "solve b/(2a+b) = 2/3 for b")),
    )
    return Derivation("mehta2025.allocation_params", "Allocation at the parameter count L d² = N: additive ansatz",
                      THEORY.cite("abstract", "the budget N = L d read as a parameter count; derived here"),
                      "Minimise $AL^{-a} + Bd^{-b}$ subject to $Ld^2 = N$.", steps)


# --- product ansatz --------------------------------------------------------------------------------------------
@THEORY.derivation("allocation_product")
def allocation_product() -> Derivation:
    product = C * L ** (-a) * d ** (-b)
    on_budget = product.subs(d, N / L)
    steps = (
        Step("on the budget", on_budget, C * N ** (-b) * L ** (b - a),
             "On $Ld = N$ the product law is a single power of $L$.", EXACT),
        Step("log-slope is constant", _log_slope(on_budget, L), b - a,
             "$d\\log\\mathcal{E}/d\\log L = b - a$ does not depend on $L$: the error is monotone along the budget "
             "(optimum $L = N$ if $a > b$, $L = 1$ if $a < b$, flat if $a = b$), so no interior power-law "
             "allocation exists for any $a, b$.", EXACT),
    )
    return Derivation("mehta2025.allocation_product", "Allocation at L d = N: product ansatz",
                      THEORY.cite("abstract", "derived here"),
                      "Minimise $\\mathcal{E} = CL^{-a}d^{-b}$ subject to $Ld = N$.", steps)


# --- GD-time ansatz ------------------------------------------------------------------------------------------------
def gd_time_exponents() -> tuple[sp.Basic, sp.Basic]:
    """(exponent of d*, exponent of L*) in N for the GD-time ansatz on L d = N."""
    width = beta / (2 * (beta + b))
    return width, 1 - width


@THEORY.derivation("allocation_gd_time")
def allocation_gd_time() -> Derivation:
    time = L * c / sp.sqrt(L * d)  # L steps of size eta_eff = c / sqrt(L d)
    on_budget = A * (c * sp.sqrt(N) / d) ** (-beta) + B * d ** (-b)
    stationarity = d * sp.diff(on_budget, d)
    d_star = (b * B * c**beta * N ** (beta / 2) / (beta * A)) ** (1 / (beta + b))
    width_exp, depth_exp = gd_time_exponents()
    example = A * d / L + B / d
    steps = (
        Step("total in-context time", time.subs(L, N / d), c * sp.sqrt(N) / d,
             "$L$ layers of step $\\eta_{\\rm eff} = c/\\sqrt{Ld}$ give the time $T = c\\sqrt{L/d} = c\\sqrt{N}/d$ "
             "on $Ld = N$.", EXACT),
        Step("optimal width", stationarity.subs(d, d_star), sp.S.Zero,
             "With $\\mathcal{E} = AT^{-\\beta} + Bd^{-b}$ the derivative in $\\log d$ vanishes at "
             "$d^* = (bBc^\\beta N^{\\beta/2}/(\\beta A))^{1/(\\beta+b)}$.", EXACT),
        Step("convex in log d", d * sp.diff(stationarity, d),
             beta**2 * A * (c * sp.sqrt(N) / d) ** (-beta) + b**2 * B * d ** (-b),
             "A sum of positive terms: the unique minimum.", EXACT),
        Step("width exponent", _log_slope(d_star, N), width_exp, "$d^* \\propto N^{\\beta/(2(\\beta+b))}$.", EXACT),
        Step("2/3 law condition", beta, 2 * b, "$1 - \\beta/(2(\\beta+b)) = 2/3$ iff $\\beta = 2b$.",
             Derived(lambda: _solve_for(sp.Eq(depth_exp, TWO_THIRDS), beta), "solve for beta")),
        Step("an example with the 2/3 law", example, (A * c**2 * (c * sp.sqrt(N) / d) ** (-2) + B * d ** (-1)).subs(
            N, L * d), "$\\mathcal{E} = Ad/L + B/d$ is the GD-time ansatz with $\\beta = 2$, $b = 1$ (so $\\beta = 2b$), "
            "prefactor $Ac^2$.", EXACT),
    )
    return Derivation("mehta2025.allocation_gd_time", "Allocation at L d = N: GD-time ansatz",
                      THEORY.cite("abstract", "η_eff = Θ(1/√(L d)) and L* ∝ N^{2/3}; derived here"),
                      "Depth as $L$ in-context GD steps of size $c/\\sqrt{Ld}$; error $AT^{-\\beta} + Bd^{-b}$ "
                      "subject to $Ld = N$.", steps)
