"""Compute-optimal shape (Result 8 of Bordelon, Letey, Pehlevan 2025, Sec. 4, App. F).

The separable ("Chinchilla") law of Result 8,

    𝓛(t, N, L, P) = c_t t^{−β/(2+β)} + c_N N^{−νβ} + c_L L^{−β} + c_P P^{−νβ},

minimised at fixed compute C = t P² N² L (P fixed). In log variables the law is a
sum of exponentials of affine functions, hence convex, and its stationary point
is the global minimum. Writing T = c_t t^{−β/(2+β)} for the time term, the
optimum balances the terms as c_N N^{−νβ} = 2T/(ν(2+β)) and c_L L^{−β} = T/(2+β),
which gives, in closed form,

    T ∝ C^{−νβ/((3+β)ν+2)},  N ∝ C^{1/((3+β)ν+2)},  L ∝ C^{ν/((3+β)ν+2)} ∝ N^ν,  t ∝ C^{ν(2+β)/((3+β)ν+2)}.

At N = ∞ with compute C = t·L the loss falls as C^{−β/(3+β)}. See
docs/theory/bordelon2025.md, "Compute-optimal shape".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy as sp

from icl_sym.core.checks import Exact
from icl_sym.core.derivation import Derivation, Step
from icl_sym.core.formula import Formula, Param
from icl_sym.core.limits import InequalityCheck
from icl_sym.core.validation import Range, check_array

from .source_capacity import CAPACITY, SOURCE, beta, check_exponents, cite, collapse_check, nu
from .theory import THEORY

__all__ = [
    "ComputeOptimalShape", "compute_optimal_shape", "separable_loss", "separable_law_formula",
    "compute_optimal_loss_formula", "compute_optimal",
]

C = sp.Symbol("C", positive=True)
t, N, L, P = sp.symbols("t N L P", positive=True)
c_t, c_N, c_L, c_P = sp.symbols("c_t c_N c_L c_P", positive=True)
T = sp.Symbol("T", positive=True)  # the time term c_t t^{-β/(2+β)} at the optimum

LAW = c_t * t ** (-beta / (2 + beta)) + c_N * N ** (-nu * beta) + c_L * L ** (-beta) + c_P * P ** (-nu * beta)
DENOMINATOR = (3 + beta) * nu + 2
#: The optimal shape in terms of the time term T (from the balance conditions).
N_OF_T = (c_N * nu * (2 + beta) / (2 * T)) ** (1 / (nu * beta))
L_OF_T = (c_L * (2 + beta) / T) ** (1 / beta)
TIME_OF_T = (c_t / T) ** ((2 + beta) / beta)
#: T at budget C (P fixed): the constraint t N² L P² = C solved for T.
T_OF_C = ((c_t ** ((2 + beta) / beta) * (c_N * nu * (2 + beta) / 2) ** (2 / (nu * beta))
           * (c_L * (2 + beta)) ** (1 / beta) * P**2 / C) ** (nu * beta / DENOMINATOR))
LOSS_OF_C = T_OF_C * (1 + 2 / (nu * (2 + beta)) + 1 / (2 + beta)) + c_P * P ** (-nu * beta)
FRONTIER_EXPONENT = -nu * beta / DENOMINATOR
INFINITE_WIDTH_EXPONENT = -beta / (3 + beta)

_POS = Range(0, low_open=True)


def _params(*pairs):
    return tuple(Param(s, d, text) for s, d, text in pairs)


_CONSTANTS = ((c_t, _POS, "prefactor of the time term"), (c_N, _POS, "prefactor of the width term"),
              (c_L, _POS, "prefactor of the depth term"), (c_P, _POS, "prefactor of the context term"))


@THEORY.formula("separable_law")
def separable_law_formula() -> Formula:
    return Formula("bordelon2025.separable_law", LAW,
                   _params((t, _POS, "training time"), (N, _POS, "width"), (L, _POS, "depth"), (P, _POS, "context"),
                           (nu, CAPACITY, "capacity exponent"), (beta, SOURCE, "source exponent"), *_CONSTANTS),
                   cite("Result 8", "separable power law in t, N, L, P"),
                   "separable scaling law of the loss", sp.Function("Loss")(t, N, L, P))


@THEORY.formula("compute_optimal_loss")
def compute_optimal_loss_formula() -> Formula:
    return Formula("bordelon2025.compute_optimal_loss", LOSS_OF_C,
                   _params((C, _POS, "compute C = t P^2 N^2 L"), (P, _POS, "context (fixed)"),
                           (nu, CAPACITY, "capacity exponent"), (beta, SOURCE, "source exponent"), *_CONSTANTS),
                   cite("Result 8", "minimum of the separable law at fixed compute (derived)"),
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


def separable_loss(time, width, depth, context, nu_, beta_, c_t_=1.0, c_width=1.0, c_depth=1.0, c_context=1.0):
    """Result 8's law c_t t^{−β/(2+β)} + c_N N^{−νβ} + c_L L^{−β} + c_P P^{−νβ} (numpy; inf allowed for resources)."""
    n, b = check_exponents(nu_, beta_)
    resource = Range(0, math.inf, low_open=True, allow_inf=True)
    values = [check_array(name, v, resource) for name, v in
              (("time", time), ("width", width), ("depth", depth), ("context", context))]
    consts = [float(check_array(name, v, _POS)) for name, v in
              (("c_t", c_t_), ("c_width", c_width), ("c_depth", c_depth), ("c_context", c_context))]
    powers = (b / (2 + b), n * b, b, n * b)
    return sum(c * v ** (-p) for c, v, p in zip(consts, values, powers))


@cache
def _log_time_term():
    """log T(C) as a numpy function of (C, P, ν, β, c_t, c_N, c_L), generated from the closed form."""
    from icl_sym.core.numeric import lambdify_expr

    return lambdify_expr((C, P, nu, beta, c_t, c_N, c_L), sp.expand_log(sp.log(T_OF_C), force=True), "numpy")


def compute_optimal_shape(compute, nu_, beta_, *, context=1.0, c_t_=1.0, c_width=1.0, c_depth=1.0,
                          c_context=1.0, infinite_width: bool = False) -> ComputeOptimalShape:
    """The (N, L, t) minimising Result 8's law at compute C = t P² N² L with P = ``context`` fixed.

    With ``infinite_width`` the width term is absent and the budget is C = t·L
    (the rebuttal's frontier C^{−β/(3+β)}); ``width`` is then ``inf``.
    The optimum is the closed form of the module docstring (unique: the law is
    convex in log N, log L).
    """
    n, b = check_exponents(nu_, beta_)
    budget = float(check_array("compute", compute, _POS))
    p = float(check_array("context", context, _POS))
    ct, cn, cl, cp = (float(check_array(name, v, _POS)) for name, v in
                      (("c_t", c_t_), ("c_width", c_width), ("c_depth", c_depth), ("c_context", c_context)))
    context_term = cp * p ** (-n * b)
    if infinite_width:
        # c_L L^{-β} = T/(2+β), t L = C:  log T = (β/(3+β)) [((2+β)/β) log c_t + (1/β) log(c_L (2+β)) − log C]
        log_t_term = b / (3 + b) * ((2 + b) / b * math.log(ct) + math.log(cl * (2 + b)) / b - math.log(budget))
        term = math.exp(log_t_term)
        depth_ = (cl * (2 + b) / term) ** (1 / b)
        return ComputeOptimalShape(budget, math.inf, depth_, budget / depth_, p,
                                   term * (1 + 1 / (2 + b)) + context_term)
    term = math.exp(_log_time_term()(budget, p, n, b, ct, cn, cl))  # in logs: budgets span many decades
    width_ = (cn * n * (2 + b) / (2 * term)) ** (1 / (n * b))
    depth_ = (cl * (2 + b) / term) ** (1 / b)
    time_ = budget / (p**2 * width_**2 * depth_)
    loss = term * (1 + 2 / (n * (2 + b)) + 1 / (2 + b)) + context_term
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
    return {"x": rng.uniform(-5, 10), "y": rng.uniform(-5, 10), "nu_": rng.uniform(1.05, 3),
            "beta_": rng.uniform(0.2, 3),
            "log_c": rng.uniform(0, 30)}


@THEORY.derivation("compute_optimal")
def compute_optimal() -> Derivation:
    x, y = sp.symbols("x y", real=True)  # x = log N, y = log L
    time_from_budget = C / (P**2 * sp.exp(2 * x) * sp.exp(y))
    objective = LAW.subs({t: time_from_budget, N: sp.exp(x), L: sp.exp(y)})
    at_optimum = {x: sp.log(N_OF_T), y: sp.log(L_OF_T)}
    budget_at_t = {C: TIME_OF_T * P**2 * N_OF_T**2 * L_OF_T}  # the budget that makes T the time term
    hessian = sp.hessian(objective, (x, y)).subs({c_t: 1, c_N: 1, c_L: 1, P: 1})
    hessian_fn = sp.lambdify((x, y, nu, beta, C), hessian, "numpy")
    log_ratio = sp.log(L_OF_T.subs(T, T_OF_C) / N_OF_T.subs(T, T_OF_C) ** nu)

    def log_derivative(expr):
        return sp.diff(sp.log(expr.subs(T, T_OF_C)), C) * C

    # N = ∞, compute t·L: c_t (C/L)^{-β/(2+β)} + c_L L^{-β}
    objective_inf = (c_t * (C / sp.exp(y)) ** (-beta / (2 + beta)) + c_L * sp.exp(-beta * y))
    t_inf = sp.Symbol("T_inf", positive=True)
    l_inf = (c_L * (2 + beta) / t_inf) ** (1 / beta)
    budget_inf = {C: (c_t / t_inf) ** ((2 + beta) / beta) * l_inf}
    steps = (
        Step("stationary in the width",
             sp.diff(objective, x).subs(budget_at_t).subs(at_optimum), sp.S.Zero,
             "Eliminate $t = C/(P^2N^2L)$ and write $x = \\log N$, $y = \\log L$. At $c_N N^{-\\nu\\beta} = "
             "2T/(\\nu(2+\\beta))$, $c_L L^{-\\beta} = T/(2+\\beta)$ and $t = (c_t/T)^{(2+\\beta)/\\beta}$ "
             "(so that T is the time term) the derivative in x vanishes.", collapse_check),
        Step("stationary in the depth",
             sp.diff(objective, y).subs(budget_at_t).subs(at_optimum), sp.S.Zero,
             "The derivative in y vanishes at the same point: the time term is split 2/(ν(2+β)) : 1/(2+β) onto "
             "width and depth.", collapse_check),
        Step("convex in (log N, log L)", sp.Function("lambda_min")(sp.Symbol("H")), sp.S.Zero,
             "Each term is the exponential of an affine function of (x, y), so the objective is convex and the "
             "stationary point is the global minimum: the smallest Hessian eigenvalue is ≥ 0 at random points.",
             InequalityCheck(_hessian_sample,
                             lambda x, y, nu_, beta_, log_c: _relative_min_eigenvalue(
                                 hessian_fn(x, y, nu_, beta_, math.exp(log_c))),
                             lambda **_: 0.0, points=200, slack=1e-9)),
        Step("the budget fixes the time term",
             (TIME_OF_T * P**2 * N_OF_T**2 * L_OF_T).subs(T, T_OF_C), C,
             "Solving $t N^2 L P^2 = C$ for T gives $T \\propto (P^2/C)^{\\nu\\beta/((3+\\beta)\\nu+2)}$.",
             collapse_check),
        Step("loss frontier exponent", log_derivative(T), FRONTIER_EXPONENT,
             "At fixed P the reducible loss is $T(1 + 2/(\\nu(2+\\beta)) + 1/(2+\\beta))$, so "
             "$\\mathcal{L}_* - c_P P^{-\\nu\\beta} \\propto C^{-\\nu\\beta/((3+\\beta)\\nu+2)}$ "
             "(0.179 at ν = 1.25, β = 1).", collapse_check),
        Step("optimal width exponent", log_derivative(N_OF_T), 1 / DENOMINATOR,
             "$N_* \\propto C^{1/((3+\\beta)\\nu+2)}$.", collapse_check),
        Step("optimal depth exponent", log_derivative(L_OF_T), nu / DENOMINATOR,
             "$L_* \\propto C^{\\nu/((3+\\beta)\\nu+2)}$.", collapse_check),
        Step("optimal time exponent", log_derivative(TIME_OF_T), nu * (2 + beta) / DENOMINATOR,
             "$t_* \\propto C^{\\nu(2+\\beta)/((3+\\beta)\\nu+2)}$; the three exponents times (2, 1, 1) sum to 1, "
             "as the budget requires.", collapse_check),
        Step("Result 8: L ∝ N^ν", log_ratio, sp.log((2 * c_L / (nu * c_N)) ** (1 / beta)),
             "$L_*/N_*^\\nu = (2c_L/(\\nu c_N))^{1/\\beta}$ does not depend on the budget: the optimal depth "
             "grows as the ν-th power of the optimal width.", collapse_check),
        Step("infinite width: stationary", sp.diff(objective_inf, y).subs(budget_inf).subs(y, sp.log(l_inf)), sp.S.Zero,
             "With N = ∞ and compute t·L, the optimum has $c_L L^{-\\beta} = T/(2+\\beta)$.", collapse_check),
        Step("infinite width: frontier exponent",
             sp.diff(sp.log(t_inf), t_inf) / sp.diff(sp.log(budget_inf[C]), t_inf), INFINITE_WIDTH_EXPONENT,
             "$d\\log T/d\\log C = -\\beta/(3+\\beta)$: the loss falls as $C^{-\\beta/(3+\\beta)}$.", collapse_check),
        Step("no shape beats the closed form", sp.Function("Loss")(t, N, L), sp.Function("Loss_star")(C),
             "Property test: random feasible splits of random budgets $C \\in [10^4, 10^{14}]$ (P = 1, random "
             "ν, β and constants) never have a lower loss than the closed-form optimum.",
             InequalityCheck(_random_shape, _random_shape_loss, _optimum_loss, points=300, slack=1e-12)),
    )
    return Derivation(
        "bordelon2025.compute_optimal",
        "Compute-optimal shape of the separable scaling law",
        cite("Result 8", "optimal shape derived here"),
        "Result 8's separable law $\\mathcal{L} = c_t t^{-\\beta/(2+\\beta)} + c_N N^{-\\nu\\beta} + c_L L^{-\\beta} + "
        "c_P P^{-\\nu\\beta}$ minimised over $(t, N, L)$ at fixed compute $C = t P^2 N^2 L$ and fixed P.",
        steps,
        (compute_optimal_loss_formula(),),
    )
