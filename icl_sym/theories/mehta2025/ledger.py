"""The claims ledger of Mehta and Gupta: every claim of the abstract and of the summary, with its evidence.

Sources: "abstract" is the arXiv abstract of 2511.06232v1; "summary" is a third-party summary (the
formulas for α(h) and N_c appear only there). Verdicts are computed by
:class:`icl_sym.core.claims.Claim` from the evidence; see docs/theory/mehta2025.md for the reading
of each claim. The claims marked "simulated" carry power-law fits of the committed simulation results
(:mod:`.simulations`), whose confidence intervals decide them.
"""

from __future__ import annotations

import sympy as sp

from icl_sym.core.claims import Assumption, Claim, Evidence
from icl_sym.core.validation import Range
from icl_sym.theories import bordelon2025


from . import simulations as sims
from .comparisons import DATA_POINT, DEPTH_ALPHA, data_curve, depth_local_slope, nu
from .symbols import TWO_THIRDS, L, a, b, beta, d, h, k
from .theory import THEORY
from .transition import ALPHA

__all__ = ["CLAIMS", "simulated_allocation", "simulated_hierarchy"]

_POSITIVE = Range(0, low_open=True)
_DEPTH_EXPONENT = Assumption(a, "depth exponent of the loss ansatz", _POSITIVE)
_WIDTH_EXPONENT = Assumption(b, "width exponent of the loss ansatz", _POSITIVE)
_POWER_LAW_L = sp.Eq(sp.Symbol("E"), sp.Symbol("A") * L ** (-a))


def _derivation(name: str):
    return THEORY.get_derivation(name)


def _power_laws() -> tuple[Claim, ...]:
    statement = ("ICL performance follows power-law relationships with model depth L, width d, context length k, "
                 "and training data D, with exponents determined by task structure")
    s64, s256 = depth_local_slope(64), depth_local_slope(256)
    e = {tau: data_curve(tau) for tau in (0.5, 0.9, 4.0)}
    return (
        Claim("mehta2025.power_law_depth", statement + " [depth L]", "abstract", _POWER_LAW_L, (), (
            Evidence.from_derivation(
                "contradicts", "in the ISO setting the optimal deep-linear-attention loss falls geometrically in L",
                _derivation("mehta2025.depth_law"),
                claimed="constant local log-log slope -a",
                theory=f"local slope {s64:.2f} at L = 64, {s256:.2f} at L = 256 (Bordelon et al. Result 1, "
                       f"α = {DEPTH_ALPHA}); a power law L^(-1/2) only at α = 1"),)),
        Claim("mehta2025.power_law_width", statement + " [width d]", "abstract", None, (), (),
              note="the width d is not related to the data dimension or the residual width in the available text"),
        Claim("mehta2025.power_law_context", statement + " [context length k]", "abstract", None, (), (),
              note="the error law in k and its exponent are not given in the available text"),
        Claim("mehta2025.power_law_data", statement + " [training data D]", "abstract", None, (), (
            Evidence.from_derivation(
                "contradicts", "Lu et al.'s ICL error shows sample-wise double descent in τ = n/d²",
                _derivation("mehta2025.data_law"),
                claimed="E decreasing in D (a power law D^{-c})",
                theory=f"e_ICL = {e[0.5]:.3f}, {e[0.9]:.3f}, {e[4.0]:.3f} at τ = 0.5, 0.9, 4 "
                       f"(α = {DATA_POINT['alpha']}, κ = ∞, ρ = {DATA_POINT['rho']}, λ = {DATA_POINT['lam']})"),)),
    )


def _hierarchy() -> tuple[Claim, ...]:
    transition = _derivation("mehta2025.transition")
    n_c = (k * h) ** (2 * (h + 1))
    return (
        Claim("mehta2025.exponent_alpha", "the ICL performance exponent is α = 1/(2(h+1)) for hierarchy depth h",
              "summary", sp.Eq(sp.Symbol("alpha"), ALPHA), (), (
                  Evidence.from_derivation("informs", "α(h) is a pure power law with |slope| ≤ 1/4 for h ≥ 1",
                                           transition, "log-slope of the error"),),
              note="the hierarchy depth h and the task family are not defined in the available text"),
        Claim("mehta2025.critical_scale", "the critical scale is N_c ∝ (k h)^{2(h+1)}", "summary",
              sp.Eq(sp.Symbol("N_c"), n_c), (), (
                  Evidence.from_derivation(
                      "supports", "N_c is the threshold crossing of an error bound C k h N^{-α(h)}, consistent "
                      "with α(h)", transition, "critical scale is a threshold crossing", "N_c grows as (k h)^{2(h+1)}"),)),
        Claim("mehta2025.sharp_transition", "sharp phase transitions at critical scales", "abstract", None, (), (
            Evidence.from_derivation(
                "informs", "under α(h) and N_c the crossover is a smooth power law whose width in N is 16^{h+1}, "
                "widening with h", transition, "log-slope of the error", "crossover width",
                "the crossover widens with h"),),
              note="the error metric and the meaning of 'sharp' are not given in the available text"),
    )


def simulated_hierarchy(points=sims.hierarchy_points, levels=sims.hierarchies) -> Claim:
    """The claim α(h) on the compositional tasks, with one fit per hierarchy depth h of ``points(h)`` = (L, E)."""
    evidence = tuple(
        Evidence.from_fit(
            f"h = {h}: ICL error of the compositional linear task against depth L", f"slope_h{h}",
            lambda h=h: points(h), -sp.Rational(1, 2 * (h + 1)), sigmas=sims.SIGMAS,
            source=f"simulation: {sims.command('hierarchy')}")
        for h in levels())
    return Claim("mehta2025.exponent_alpha_compositional",
                 "the ICL performance exponent is α = 1/(2(h+1)) for hierarchy depth h [compositional linear tasks "
                 "of depth h, error against the depth L of linear attention; simulated]", "summary",
                 sp.Eq(sp.Symbol("alpha"), ALPHA), (), evidence)


ALLOCATION_STATEMENT = ("optimal depth-width allocations favoring L* ∝ N^{2/3}, d* ∝ N^{1/3} for the fixed parameter "
                        "budget N = L d")


def _allocation() -> tuple[Claim, ...]:
    statement = ALLOCATION_STATEMENT
    claimed = sp.Eq(sp.Symbol("nu_L"), TWO_THIRDS)
    gd_beta = Assumption(beta, "exponent of the optimisation-time error A T^{-β}", _POSITIVE)
    return (
        Claim("mehta2025.allocation", statement + " [additive loss A L^{-a} + B d^{-b}]", "abstract", claimed,
              (_DEPTH_EXPONENT, _WIDTH_EXPONENT), (
                  Evidence.from_derivation("condition", "L* ∝ N^{b/(a+b)} on L d = N",
                                           _derivation("mehta2025.allocation"), condition=sp.Eq(b, 2 * a),
                                           claimed="2/3", theory="b/(a+b)"),)),
        Claim("mehta2025.allocation_params", statement + " [additive loss, budget read as the parameter count L d²]",
              "abstract", claimed, (_DEPTH_EXPONENT, _WIDTH_EXPONENT), (
                  Evidence.from_derivation("condition", "L* ∝ N^{b/(2a+b)} on L d² = N",
                                           _derivation("mehta2025.allocation_params"), condition=sp.Eq(b, 4 * a),
                                           claimed="2/3", theory="b/(2a+b)"),)),
        Claim("mehta2025.allocation_product", statement + " [product loss C L^{-a} d^{-b}]", "abstract", claimed,
              (_DEPTH_EXPONENT, _WIDTH_EXPONENT), (
                  Evidence.from_derivation("condition", "the error is monotone along L d = N: no interior optimum",
                                           _derivation("mehta2025.allocation_product"), condition=sp.false,
                                           claimed="L* ∝ N^{2/3}", theory="L* = N (a > b), 1 (a < b), any (a = b)"),)),
        Claim("mehta2025.allocation_gd_time", statement + " [GD-time loss A (L η_eff)^{-β} + B d^{-b}]", "abstract",
              claimed, (gd_beta, _WIDTH_EXPONENT), (
                  Evidence.from_derivation("condition", "L* ∝ N^{1-β/(2(β+b))} on L d = N",
                                           _derivation("mehta2025.allocation_gd_time"), condition=sp.Eq(beta, 2 * b),
                                           claimed="2/3", theory="1 - β/(2(β+b))"),)),
        Claim("mehta2025.allocation_bordelon", statement + " [deep linear attention at optimal compute]", "abstract",
              claimed, (Assumption(nu, "capacity exponent of the task (Bordelon et al.)", Range(1, low_open=True)),), (
                  Evidence.from_derivation("condition", "Bordelon et al.'s optimal shape gives L* ∝ (L* N*)^{ν/(ν+1)}",
                                           _derivation("mehta2025.shape"), condition=sp.Eq(nu, 2),
                                           claimed="2/3", theory="ν/(ν+1) (5/9 at ν = 1.25)"),)),
        simulated_allocation(),
    )


def simulated_allocation(points=sims.allocation_points) -> Claim:
    """The 2/3 law for simulated deep linear attention, with the fit of ``points()`` = (N, L*)."""
    return Claim(
        "mehta2025.allocation_simulated", f"{ALLOCATION_STATEMENT} [L-layer linear attention as L in-context GD "
        "steps, width = token dimension, context 2d; simulated]", "abstract", sp.Eq(sp.Symbol("nu_L"), TWO_THIRDS), (), (
            Evidence.from_fit("optimal depth L* at the budget N = L d, simulated", "nu_L", points, TWO_THIRDS,
                              sigmas=sims.SIGMAS, source=f"simulation: {sims.command('allocation')}"),))


def _mechanism() -> tuple[Claim, ...]:
    alpha_ctx = 1.0
    theory_step = float(bordelon2025.iso_optimal_step(alpha_ctx, 1))
    return (
        Claim("mehta2025.gd_forward_pass",
              "under specific conditions, transformers implement gradient-based meta-learning in their forward pass",
              "abstract", None, (), (
                  Evidence.from_derivation(
                      "supports", "deep linear attention on in-context regression is L steps of preconditioned GD "
                      "(Bordelon et al.)", bordelon2025.THEORY.get_derivation("bordelon2025.reduction"),
                      # The random-size forms of the two exact-at-sizes steps: the exact forms take seconds and
                      # are verified by `icl-sym check bordelon2025`.
                      "architecture to reduced Gamma, random sizes", "residual of one GD step",
                      "prediction of one GD step", "push-through", "deep attention is L steps of GD, random sizes"),)),
        Claim("mehta2025.step_size", "an effective learning rate η_eff = Θ(1/√(L d))", "abstract",
              sp.Eq(sp.Symbol("eta_eff"), 1 / sp.sqrt(L * d)), (), (
                  Evidence.from_derivation(
                      "contradicts", "the optimal per-layer step of L-layer linear attention is α/(1+α), flat in L "
                      "and in the dimension", _derivation("mehta2025.step_size"),
                      claimed="slope -1/2 in L and in d",
                      theory=f"slope 0 in L and in d; c* = α/(1+α) = {theory_step:g} at α = {alpha_ctx:g} "
                             "(Bordelon et al. Result 1)"),)),
        Claim("mehta2025.experiments",
              "systematic experiments on synthetic tasks validate the predictions, with measured scaling exponents "
              "closely matching theory (summary: within a few percent)", "abstract; summary", None, (), (),
              note="no experimental setup, table or fitted exponent is available"),
        Claim("mehta2025.necessary_sufficient",
              "both necessary and sufficient conditions for the emergence of ICL, and fundamental computational "
              "limits on what transformers can learn in-context", "abstract", None, (), (),
              note="the conditions and limits are not stated in the available text"),
    )


#: Every claim of the abstract and the summary, in the order they appear there.
CLAIMS: tuple[Claim, ...] = _power_laws() + _hierarchy() + (simulated_hierarchy(),) + _allocation() + _mechanism()


