"""Compute-optimal shape (Result 8 of Bordelon, Letey, Pehlevan 2025, Sec. 4, App. F), for every source β > 0.

Result 8 prints the separable ("Chinchilla") law

    𝓛(t, N, L, P) = c_t t^{−β/(2+β)} + c_N N^{−νβ} + c_L L^{−β} + c_P P^{−νβ}

and its optimum at fixed compute C = t P² N² L (P fixed). The width and context terms are
App. F.4's floors, and their exponents are νβ only for small β (erratum ERR-13,
docs/theory/bordelon2025.md, "RRS and bottlenecks"): the width floor is a projection
error with exponent a_N = ν·min(β, 1), the context floor a ridgeless bias with exponent
a_P = ν·min(β, 2) (a logarithm multiplies the power law at β = 1, resp. β = 2, and is
left out here). This module therefore derives the optimum of the law with a general width
exponent a_N and context exponent a_P,

    𝓛 = c_t t^{−β/(2+β)} + c_N N^{−a_N} + c_L L^{−β} + c_P P^{−a_P},

and evaluates it with a_N, a_P from :func:`~icl_sym.theories.bordelon2025.bottlenecks.scaling_exponents`.
For β ≤ 1 (a_N = a_P = νβ) it is Result 8 as printed. In log variables the law is a sum
of exponentials of affine functions, hence convex, and its stationary point is the global
minimum. Writing T for the time term at the optimum, stationarity balances the terms as
c_N N^{−a_N} = 2βT/(a_N(2+β)) and c_L L^{−β} = T/(2+β); with D_a = (3+β)a_N + 2β,

    T ∝ C^{−a_N β/D_a},  N ∝ C^{β/D_a},  L ∝ C^{a_N/D_a} ∝ N^{a_N/β},  t ∝ C^{a_N(2+β)/D_a}.

At a_N = νβ these are Result 8's C^{−νβ/((3+β)ν+2)} and L ∝ N^ν; for β > 1 (a_N = ν) the frontier
is C^{−νβ/((3+β)ν+2β)} and L ∝ N^{ν/β} (erratum ERR-14). At N = ∞ with compute C = t·L the
loss falls as C^{−β/(3+β)} for every β. See docs/theory/bordelon2025.md, "Compute-optimal shape".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy as sp

from icl_sym.core.checks import NumericAgreement
from icl_sym.core.derivation import Derivation, Step
from icl_sym.core.formula import Formula, Param
from icl_sym.core.limits import InequalityCheck
from icl_sym.core.validation import Range, check_array

from .bottlenecks import scaling_exponents
from .source_capacity import CAPACITY, SOURCE, beta, check_exponents, cite, collapse_check, nu
from .theory import THEORY

__all__ = [
    "ComputeOptimalShape", "compute_optimal_shape", "separable_loss", "separable_law_formula",
    "compute_optimal_loss_formula", "compute_optimal", "frontier_exponent", "law_exponents",
]

C = sp.Symbol("C", positive=True)
t, N, L, P = sp.symbols("t N L P", positive=True)
c_t, c_N, c_L, c_P = sp.symbols("c_t c_N c_L c_P", positive=True)
T = sp.Symbol("T", positive=True)  # the time term c_t t^{-β/(2+β)} at the optimum
#: Exponents of the width and context terms (App. F.4's floors): N^{-a_N}, P^{-a_P}.
a_N, a_P = sp.symbols("a_N a_P", positive=True)
#: Result 8 as printed: both exponents νβ.
PRINTED = {a_N: nu * beta, a_P: nu * beta}
#: App. F.4 corrected (erratum ERR-13): ν·min(β, 1) and ν·min(β, 2), symbolically (numerics use scaling_exponents).
#: (Piecewise rather than Min: it lambdifies and exports to every backend and format.)
CORRECTED = {a_N: sp.Piecewise((nu * beta, beta < 1), (nu, True)),
             a_P: sp.Piecewise((nu * beta, beta < 2), (2 * nu, True))}

LAW = c_t * t ** (-beta / (2 + beta)) + c_N * N ** (-a_N) + c_L * L ** (-beta) + c_P * P ** (-a_P)
GENERAL_DENOMINATOR = (3 + beta) * a_N + 2 * beta
#: The optimal shape in terms of the time term T (from the balance conditions).
N_OF_T = (c_N * a_N * (2 + beta) / (2 * beta * T)) ** (1 / a_N)
L_OF_T = (c_L * (2 + beta) / T) ** (1 / beta)
TIME_OF_T = (c_t / T) ** ((2 + beta) / beta)
#: T at budget C (P fixed): the constraint t N² L P² = C solved for T.
T_OF_C = ((c_t ** ((2 + beta) / beta) * (c_N * a_N * (2 + beta) / (2 * beta)) ** (2 / a_N)
           * (c_L * (2 + beta)) ** (1 / beta) * P**2 / C) ** (a_N * beta / GENERAL_DENOMINATOR))
#: The factor by which the optimal reducible loss exceeds the time term: T·(1 + 2β/(a_N(2+β)) + 1/(2+β)).
LOSS_FACTOR = 1 + 2 * beta / (a_N * (2 + beta)) + 1 / (2 + beta)
LOSS_OF_C = T_OF_C * LOSS_FACTOR + c_P * P ** (-a_P)
#: Exponents of the frontier in C for a general width exponent a_N.
FRONTIER_EXPONENT = -a_N * beta / GENERAL_DENOMINATOR
WIDTH_EXPONENT = beta / GENERAL_DENOMINATOR
DEPTH_EXPONENT = a_N / GENERAL_DENOMINATOR
TIME_EXPONENT = a_N * (2 + beta) / GENERAL_DENOMINATOR
#: Result 8 as printed (a_N = νβ): D = (3+β)ν + 2 and the frontier C^{−νβ/D}; valid for β ≤ 1.
DENOMINATOR = (3 + beta) * nu + 2
PRINTED_FRONTIER_EXPONENT = -nu * beta / DENOMINATOR
INFINITE_WIDTH_EXPONENT = -beta / (3 + beta)

_POS = Range(0, low_open=True)


def _params(*pairs):
    return tuple(Param(s, d, text) for s, d, text in pairs)


_CONSTANTS = ((c_t, _POS, "prefactor of the time term"), (c_N, _POS, "prefactor of the width term"),
              (c_L, _POS, "prefactor of the depth term"), (c_P, _POS, "prefactor of the context term"))


@THEORY.formula("separable_law")
def separable_law_formula() -> Formula:
    """Result 8's law with App. F.4's corrected width and context exponents ν·min(β, 1), ν·min(β, 2) (ERR-13)."""
    return Formula("bordelon2025.separable_law", LAW.subs(CORRECTED),
                   _params((t, _POS, "training time"), (N, _POS, "width"), (L, _POS, "depth"), (P, _POS, "context"),
                           (nu, CAPACITY, "capacity exponent"), (beta, SOURCE, "source exponent"), *_CONSTANTS),
                   cite("Result 8", "separable power law in t, N, L, P; width and context exponents from App. F.4 "
                        "(corrected, ERR-13: as printed for β <= 1)"),
                   "separable scaling law of the loss", sp.Function("Loss")(t, N, L, P))


@THEORY.formula("compute_optimal_loss")
def compute_optimal_loss_formula() -> Formula:
    """Minimum of :func:`separable_law_formula` at fixed compute; Result 8 as printed for β <= 1."""
    return Formula("bordelon2025.compute_optimal_loss", LOSS_OF_C.subs(CORRECTED),
                   _params((C, _POS, "compute C = t P^2 N^2 L"), (P, _POS, "context (fixed)"),
                           (nu, CAPACITY, "capacity exponent"), (beta, SOURCE, "source exponent"), *_CONSTANTS),
                   cite("Result 8", "minimum of the separable law at fixed compute (derived; width exponent "
                        "nu min(beta, 1), ERR-13/ERR-14)"),
                   "compute-optimal loss frontier", sp.Function("Loss_star")(C))


# ---------------------------------------------------------------------------------------------------------
# numerics


@dataclass(frozen=True)
class ComputeOptimalShape:
    """The loss-minimising shape at one compute budget (continuous relaxation of N, L, t)."""

    compute: float
    width: float
    depth: float
    time: float
    context: float
    loss: float


def law_exponents(nu_: float, beta_: float, *, printed: bool = False) -> tuple[float, float]:
    """(a_N, a_P): the width and context exponents of the separable law, ν > 1, β > 0.

    App. F.4's floors corrected (ERR-13, :func:`~.bottlenecks.scaling_exponents`): ν·min(β, 1) and ν·min(β, 2).
    With ``printed`` Result 8 as printed, νβ for both, which is right only for β <= 1.
    """
    n, b = check_exponents(nu_, beta_)
    if printed:
        return n * b, n * b
    laws = scaling_exponents(n, b)
    return laws.width, laws.context


def frontier_exponent(nu_: float, beta_: float, *, printed: bool = False) -> float:
    """d log(𝓛* − c_P P^{−a_P}) / d log C along the compute-optimal frontier (negative), ν > 1, β > 0.

    −a_Nβ/((3+β)a_N + 2β) with a_N from :func:`law_exponents`: Result 8's −νβ/((3+β)ν+2) for β <= 1,
    −νβ/((3+β)ν+2β) beyond (ERR-14).
    """
    width, _ = law_exponents(nu_, beta_, printed=printed)
    # evaluated from the symbolic closed form (as Fig. 5 always did: the same float at β = 1)
    return float(FRONTIER_EXPONENT.subs({a_N: width, beta: float(beta_)}))


def separable_loss(time, width, depth, context, nu_, beta_, c_t_=1.0, c_width=1.0, c_depth=1.0, c_context=1.0, *,
                   printed: bool = False):
    """The separable law c_t t^{−β/(2+β)} + c_N N^{−a_N} + c_L L^{−β} + c_P P^{−a_P} (numpy; inf allowed).

    Result 8 (Sec. 4) with App. F.4's width and context exponents a_N = ν·min(β, 1), a_P = ν·min(β, 2)
    (erratum ERR-13, :func:`law_exponents`); for β <= 1 it is Result 8 as printed. ν > 1, β > 0, resources
    in (0, inf], constants positive. ``printed`` uses νβ for both exponents at every β (Result 8 as printed).
    """
    n, b = check_exponents(nu_, beta_)
    resource = Range(0, math.inf, low_open=True, allow_inf=True)
    values = [check_array(name, v, resource) for name, v in
              (("time", time), ("width", width), ("depth", depth), ("context", context))]
    consts = [float(check_array(name, v, _POS)) for name, v in
              (("c_t", c_t_), ("c_width", c_width), ("c_depth", c_depth), ("c_context", c_context))]
    width_exponent, context_exponent = law_exponents(n, b, printed=printed)
    powers = (b / (2 + b), width_exponent, b, context_exponent)
    return sum(c * v ** (-p) for c, v, p in zip(consts, values, powers))


@cache
def _log_time_term():
    """log T(C) as a numpy function of (C, P, a_N, β, c_t, c_N, c_L), generated from the closed form."""
    from icl_sym.core.numeric import lambdify_expr

    return lambdify_expr((C, P, a_N, beta, c_t, c_N, c_L), sp.expand_log(sp.log(T_OF_C), force=True), "numpy")


def compute_optimal_shape(compute, nu_, beta_, *, context=1.0, c_t_=1.0, c_width=1.0, c_depth=1.0,
                          c_context=1.0, infinite_width: bool = False, printed: bool = False) -> ComputeOptimalShape:
    """The (N, L, t) minimising :func:`separable_loss` at compute C = t P² N² L with P = ``context`` fixed.

    Result 8 (Sec. 4), derived here for the width exponent a_N = ν·min(β, 1) and context exponent
    a_P = ν·min(β, 2) of App. F.4 (ERR-13, ERR-14); for β <= 1 it is Result 8 as printed. ν > 1, β > 0,
    compute, context and constants positive. ``printed`` optimises Result 8's law as printed (νβ for both
    exponents at every β). With ``infinite_width`` the width term is absent and the budget is C = t·L
    (the rebuttal's frontier C^{−β/(3+β)}); ``width`` is then ``inf``. The optimum is the closed form of
    the module docstring (unique: the law is convex in log N, log L).
    """
    n, b = check_exponents(nu_, beta_)
    budget = float(check_array("compute", compute, _POS))
    p = float(check_array("context", context, _POS))
    ct, cn, cl, cp = (float(check_array(name, v, _POS)) for name, v in
                      (("c_t", c_t_), ("c_width", c_width), ("c_depth", c_depth), ("c_context", c_context)))
    width_exponent, context_exponent = law_exponents(n, b, printed=printed)
    context_term = cp * p ** (-context_exponent)
    if infinite_width:
        # c_L L^{-β} = T/(2+β), t L = C:  log T = (β/(3+β)) [((2+β)/β) log c_t + (1/β) log(c_L (2+β)) − log C]
        log_t_term = b / (3 + b) * ((2 + b) / b * math.log(ct) + math.log(cl * (2 + b)) / b - math.log(budget))
        term = math.exp(log_t_term)
        depth_ = (cl * (2 + b) / term) ** (1 / b)
        return ComputeOptimalShape(budget, math.inf, depth_, budget / depth_, p,
                                   term * (1 + 1 / (2 + b)) + context_term)
    # in logs: budgets span many decades
    term = math.exp(_log_time_term()(budget, p, width_exponent, b, ct, cn, cl))
    width_ = (cn * width_exponent * (2 + b) / (2 * b * term)) ** (1 / width_exponent)
    depth_ = (cl * (2 + b) / term) ** (1 / b)
    time_ = budget / (p**2 * width_**2 * depth_)
    loss = term * (1 + 2 * b / (width_exponent * (2 + b)) + 1 / (2 + b)) + context_term
    return ComputeOptimalShape(budget, width_, depth_, time_, p, loss)


# ---------------------------------------------------------------------------------------------------------
# the derivation


def _random_shape(rng):
    """A random budget, exponents, constants and a feasible (N, L) split of the budget."""
    return {"compute": 10 ** rng.uniform(4, 14), "nu_": rng.uniform(1.05, 3.0), "beta_": rng.uniform(0.2, 3.0),
            "c": [10 ** rng.uniform(-1, 1) for _ in range(3)], "log_n": rng.uniform(0, 1), "log_l": rng.uniform(0, 1)}


def _random_shape_loss(compute, nu_, beta_, c, log_n, log_l):
    """Loss of a feasible shape: N = C^{a/3}, L = C^{b/3}·..., t the rest of the budget (P = 1)."""
    width_ = compute ** (log_n / 3)
    depth_ = compute ** (log_l / 3)
    time_ = compute / (width_**2 * depth_)
    return float(separable_loss(time_, width_, depth_, 1.0, nu_, beta_, c[0], c[1], c[2], 1.0))


def _optimum_loss(compute, nu_, beta_, c, log_n, log_l):
    return compute_optimal_shape(compute, nu_, beta_, c_t_=c[0], c_width=c[1], c_depth=c[2]).loss


def _relative_min_eigenvalue(matrix) -> float:
    """Smallest eigenvalue over the largest magnitude: scale-free positive semi-definiteness."""
    eig = np.linalg.eigvalsh(np.array(matrix, dtype=float))
    return float(eig.min() / np.abs(eig).max())


def _hessian_sample(rng):
    return {"x": rng.uniform(-5, 10), "y": rng.uniform(-5, 10), "width_exponent": rng.uniform(0.2, 6),
            "beta_": rng.uniform(0.2, 3), "log_c": rng.uniform(0, 30)}


def _exponent_sample(rng):
    """(ν, β) on both sides of the saturation points β = 1 (width) and β = 2 (context)."""
    return {"nu_": rng.uniform(1.05, 3.0), "beta_": rng.uniform(0.1, 4.0)}


@THEORY.derivation("compute_optimal")
def compute_optimal() -> Derivation:
    from icl_sym.core.checks import Exact
    from icl_sym.core.numeric import lambdify_expr

    x, y = sp.symbols("x y", real=True)  # x = log N, y = log L
    time_from_budget = C / (P**2 * sp.exp(2 * x) * sp.exp(y))
    objective = LAW.subs({t: time_from_budget, N: sp.exp(x), L: sp.exp(y)})
    at_optimum = {x: sp.log(N_OF_T), y: sp.log(L_OF_T)}
    budget_at_t = {C: TIME_OF_T * P**2 * N_OF_T**2 * L_OF_T}  # the budget that makes T the time term
    hessian = sp.hessian(objective, (x, y)).subs({c_t: 1, c_N: 1, c_L: 1, P: 1})
    hessian_fn = sp.lambdify((x, y, a_N, beta, C), hessian, "numpy")
    depth_power = a_N / beta  # L ∝ N^{a_N/β}
    log_ratio = sp.log(L_OF_T.subs(T, T_OF_C) / N_OF_T.subs(T, T_OF_C) ** depth_power)
    width_of_nu_beta = lambdify_expr((nu, beta), CORRECTED[a_N], "numpy")
    context_of_nu_beta = lambdify_expr((nu, beta), CORRECTED[a_P], "numpy")

    def log_derivative(expr):
        return sp.diff(sp.log(expr.subs(T, T_OF_C)), C) * C

    # N = ∞, compute t·L: c_t (C/L)^{-β/(2+β)} + c_L L^{-β}
    objective_inf = (c_t * (C / sp.exp(y)) ** (-beta / (2 + beta)) + c_L * sp.exp(-beta * y))
    t_inf = sp.Symbol("T_inf", positive=True)
    l_inf = (c_L * (2 + beta) / t_inf) ** (1 / beta)
    budget_inf = {C: (c_t / t_inf) ** ((2 + beta) / beta) * l_inf}
    saturated = {a_N: nu}  # β >= 1: the width floor falls as N^{-ν}
    steps = (
        Step("stationary in the width",
             sp.diff(objective, x).subs(budget_at_t).subs(at_optimum), sp.S.Zero,
             "Width term $c_N N^{-a_N}$, context term $c_P P^{-a_P}$ (Result 8 prints $a_N = a_P = \\nu\\beta$). "
             "Eliminate $t = C/(P^2N^2L)$ and write $x = \\log N$, $y = \\log L$. At $c_N N^{-a_N} = "
             "2\\beta T/(a_N(2+\\beta))$, $c_L L^{-\\beta} = T/(2+\\beta)$ and $t = (c_t/T)^{(2+\\beta)/\\beta}$ "
             "(so that T is the time term) the derivative in x vanishes.", collapse_check),
        Step("stationary in the depth",
             sp.diff(objective, y).subs(budget_at_t).subs(at_optimum), sp.S.Zero,
             "The derivative in y vanishes at the same point: the time term is split "
             "$2\\beta/(a_N(2+\\beta)) : 1/(2+\\beta)$ onto width and depth.", collapse_check),
        Step("convex in (log N, log L)", sp.Function("lambda_min")(sp.Symbol("H")), sp.S.Zero,
             "Each term is the exponential of an affine function of (x, y), so the objective is convex and the "
             "stationary point is the global minimum: the smallest Hessian eigenvalue is ≥ 0 at random points "
             "(random $a_N \\in (0.2, 6)$, β).",
             InequalityCheck(_hessian_sample,
                             lambda x, y, width_exponent, beta_, log_c: _relative_min_eigenvalue(
                                 hessian_fn(x, y, width_exponent, beta_, math.exp(log_c))),
                             lambda **_: 0.0, points=200, slack=1e-9)),
        Step("the budget fixes the time term",
             (TIME_OF_T * P**2 * N_OF_T**2 * L_OF_T).subs(T, T_OF_C), C,
             "Solving $t N^2 L P^2 = C$ for T gives $T \\propto (P^2/C)^{a_N\\beta/((3+\\beta)a_N+2\\beta)}$.",
             collapse_check),
        Step("loss frontier exponent", log_derivative(T), FRONTIER_EXPONENT,
             "At fixed P the reducible loss is $T(1 + 2\\beta/(a_N(2+\\beta)) + 1/(2+\\beta))$, so "
             "$\\mathcal{L}_* - c_P P^{-a_P} \\propto C^{-a_N\\beta/((3+\\beta)a_N+2\\beta)}$.", collapse_check),
        Step("optimal width exponent", log_derivative(N_OF_T), WIDTH_EXPONENT,
             "$N_* \\propto C^{\\beta/((3+\\beta)a_N+2\\beta)}$.", collapse_check),
        Step("optimal depth exponent", log_derivative(L_OF_T), DEPTH_EXPONENT,
             "$L_* \\propto C^{a_N/((3+\\beta)a_N+2\\beta)}$.", collapse_check),
        Step("optimal time exponent", log_derivative(TIME_OF_T), TIME_EXPONENT,
             "$t_* \\propto C^{a_N(2+\\beta)/((3+\\beta)a_N+2\\beta)}$; the three exponents times (2, 1, 1) sum "
             "to 1, as the budget requires.", collapse_check),
        Step("L ∝ N^{a_N/β}", log_ratio, sp.log((2 * beta * c_L / (a_N * c_N)) ** (1 / beta)),
             "$L_*/N_*^{a_N/\\beta} = (2\\beta c_L/(a_N c_N))^{1/\\beta}$ does not depend on the budget: the optimal "
             "depth grows as the $(a_N/\\beta)$-th power of the optimal width.", collapse_check),
        Step("Result 8 as printed: frontier exponent", FRONTIER_EXPONENT.subs(PRINTED), PRINTED_FRONTIER_EXPONENT,
             "At Result 8's $a_N = \\nu\\beta$ the frontier is $C^{-\\nu\\beta/((3+\\beta)\\nu+2)}$ "
             "(0.179 at ν = 1.25, β = 1), as printed.", Exact()),
        Step("Result 8 as printed: optimal width exponent", WIDTH_EXPONENT.subs(PRINTED), 1 / DENOMINATOR,
             "$N_* \\propto C^{1/((3+\\beta)\\nu+2)}$.", Exact()),
        Step("Result 8 as printed: optimal depth exponent", DEPTH_EXPONENT.subs(PRINTED), nu / DENOMINATOR,
             "$L_* \\propto C^{\\nu/((3+\\beta)\\nu+2)}$.", Exact()),
        Step("Result 8 as printed: optimal time exponent", TIME_EXPONENT.subs(PRINTED),
             nu * (2 + beta) / DENOMINATOR, "$t_* \\propto C^{\\nu(2+\\beta)/((3+\\beta)\\nu+2)}$.", Exact()),
        Step("Result 8: L ∝ N^ν", log_ratio.subs(PRINTED), sp.log((2 * c_L / (nu * c_N)) ** (1 / beta)),
             "At $a_N = \\nu\\beta$: $L_*/N_*^\\nu = (2c_L/(\\nu c_N))^{1/\\beta}$, Result 8's $L \\propto N^\\nu$.",
             collapse_check),
        Step("width exponent of App. F.4", CORRECTED[a_N], sp.Function("a_N")(nu, beta),
             "The width floor is a projection error (erratum ERR-13): $a_N = \\nu\\min(\\beta, 1)$, the exponent "
             "`scaling_exponents` returns (checked in bordelon2025.bottlenecks); νβ as printed only for β ≤ 1.",
             NumericAgreement(lambda nu_, beta_: width_of_nu_beta(nu_, beta_),
                              lambda nu_, beta_: scaling_exponents(nu_, beta_).width,
                              _exponent_sample, points=40, rtol=1e-14)),
        Step("context exponent of App. F.4", CORRECTED[a_P], sp.Function("a_P")(nu, beta),
             "The context floor is a ridgeless bias (ERR-13): $a_P = \\nu\\min(\\beta, 2)$. It only shifts the "
             "frontier by the constant $c_P P^{-a_P}$.",
             NumericAgreement(lambda nu_, beta_: context_of_nu_beta(nu_, beta_),
                              lambda nu_, beta_: scaling_exponents(nu_, beta_).context,
                              _exponent_sample, points=40, rtol=1e-14)),
        Step("β > 1: frontier exponent", FRONTIER_EXPONENT.subs(saturated),
             -nu * beta / ((3 + beta) * nu + 2 * beta),
             "With the saturated $a_N = \\nu$ the frontier is $C^{-\\nu\\beta/((3+\\beta)\\nu+2\\beta)}$, shallower "
             "than the printed $C^{-\\nu\\beta/((3+\\beta)\\nu+2)}$ (erratum ERR-14).", Exact()),
        Step("β > 1: L ∝ N^{ν/β}", DEPTH_EXPONENT.subs(saturated) / WIDTH_EXPONENT.subs(saturated), nu / beta,
             "and the optimal depth grows as $N^{\\nu/\\beta}$, not $N^\\nu$ (erratum ERR-14).", Exact()),
        Step("infinite width: stationary", sp.diff(objective_inf, y).subs(budget_inf).subs(y, sp.log(l_inf)), sp.S.Zero,
             "With N = ∞ and compute t·L, the optimum has $c_L L^{-\\beta} = T/(2+\\beta)$.", collapse_check),
        Step("infinite width: frontier exponent",
             sp.diff(sp.log(t_inf), t_inf) / sp.diff(sp.log(budget_inf[C]), t_inf), INFINITE_WIDTH_EXPONENT,
             "$d\\log T/d\\log C = -\\beta/(3+\\beta)$: the loss falls as $C^{-\\beta/(3+\\beta)}$ for every β.",
             collapse_check),
        Step("no shape beats the closed form", sp.Function("Loss")(t, N, L), sp.Function("Loss_star")(C),
             "Property test: random feasible splits of random budgets $C \\in [10^4, 10^{14}]$ (P = 1, random "
             "ν, β ∈ (0.2, 3) and constants) never have a lower loss than `compute_optimal_shape` under the law "
             "with $a_N = \\nu\\min(\\beta, 1)$ (`separable_loss`).",
             InequalityCheck(_random_shape, _random_shape_loss, _optimum_loss, points=300, slack=1e-12)),
    )
    return Derivation(
        "bordelon2025.compute_optimal",
        "Compute-optimal shape of the separable scaling law",
        cite("Result 8", "optimal shape derived here, for general width and context exponents"),
        "Result 8's separable law $\\mathcal{L} = c_t t^{-\\beta/(2+\\beta)} + c_N N^{-a_N} + c_L L^{-\\beta} + "
        "c_P P^{-a_P}$ minimised over $(t, N, L)$ at fixed compute $C = t P^2 N^2 L$ and fixed P; Result 8 prints "
        "$a_N = a_P = \\nu\\beta$, App. F.4's floors give $\\nu\\min(\\beta, 1)$ and $\\nu\\min(\\beta, 2)$ "
        "(ERR-13).",
        steps,
        (compute_optimal_loss_formula(),),
    )
