"""Full linear attention as gradient flow on four scalars (Result 9, Sec. 5.2, App. G.2), ISO and RRS.

Bordelon, Letey, Pehlevan (2026), Sec. 5.2 and App. G.2: with w_y = w_o = 1 fixed and isotropic updates the
trained weights are W_i = w_i × (a fixed direction), and the loss depends on them only through the product

    γ = w_x² w_q w_k w_v,

the step Γ = γI of the reduced model. Gradient flow on the four scalars is dw_i/dt = −∂_i 𝓛 = −𝓛'(γ) ∂_iγ. The
landscape 𝓛(γ) is the reduced model's: ISO, the Marchenko–Pastur average ∫ρ(λ)(1 − γλ/L)^{2L} including its atom
(1 − α)₊ (Result 1; Fig. 6(a) at α = 1); RRS at α = ∞, Σ_k ω_kλ_k(1 − γλ_k/L)^{2L} (Result 6; Fig. 6(b)).

Result 9 is the balanced case ½w_x² = w_q² = w_k² = w_v² (conserved: d(½w_x²)/dt = d(w_i²)/dt for every i), where
γ = 2w⁵ obeys the one-dimensional flow dγ/dt = 20(γ/2)^{8/5}(−𝓛'(γ)) (:func:`.bottlenecks.full_attention_time_of_gamma`
for RRS). The functions here integrate the four scalars from any start: a trained transformer in the authors'
mean-field parameterisation starts *unbalanced* in these units (docs/theory/bordelon2025.md, "Full linear
attention"). The time convention is plain gradient flow on the scalars (no ½), for ISO as for RRS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.integrate import solve_ivp

from icl_sym.core.validation import ParameterError, Range, check_array

from .iso import _check_flow_args, iso_flow_rate, iso_reducible_loss
from .rotated_structure import _rate, rrs_loss
from .source_capacity import check_depth, check_spectrum

__all__ = ["FourScalarFlow", "balanced_start", "four_scalar_flow", "iso_full_attention_flow",
           "rrs_full_attention_flow"]

#: Index of each scalar in a start or a trajectory: (w_x, w_q, w_k, w_v).
SCALARS = ("w_x", "w_q", "w_k", "w_v")


@dataclass(frozen=True)
class FourScalarFlow:
    """The flow at the requested ``times``: the scalars (T, 4) in the order (w_x, w_q, w_k, w_v), γ and the loss."""

    times: np.ndarray
    scalars: np.ndarray
    gamma: np.ndarray
    loss: np.ndarray


def balanced_start(sigma: float) -> tuple[float, float, float, float]:
    """(√2σ, σ, σ, σ): the small balanced start of Result 9 (½w_x² = w_q² = w_k² = w_v² = σ²), γ₀ = 2σ⁵."""
    s = float(check_array("sigma", sigma, Range(0, low_open=True)))
    return (math.sqrt(2) * s, s, s, s)


def _product(w: np.ndarray) -> float:
    return float(w[0] ** 2 * w[1] * w[2] * w[3])


def _gradient_of_product(w: np.ndarray) -> np.ndarray:
    """∂γ/∂w_i of γ = w_x² w_q w_k w_v."""
    wx, wq, wk, wv = w
    return np.array([2 * wx * wq * wk * wv, wx**2 * wk * wv, wx**2 * wq * wv, wx**2 * wq * wk])


def _check_start(start) -> np.ndarray:
    w = np.asarray(check_array("start", start, Range(0, low_open=True)), dtype=np.float64)
    if w.shape != (4,):
        raise ParameterError("start", "four positive scalars (w_x, w_q, w_k, w_v)", start)
    return w


def _check_times(times) -> np.ndarray:
    t = np.atleast_1d(check_array("times", times, Range(0)))
    if t.ndim != 1 or np.any(np.diff(t) < 0):
        raise ParameterError("times", "a one-dimensional, non-decreasing array of times >= 0", times)
    return t


def four_scalar_flow(times, start, slope: Callable[[float], float], loss: Callable[[float], float],
                     rtol: float = 1e-10) -> FourScalarFlow:
    """Gradient flow dw_i/dt = −𝓛'(γ) ∂γ/∂w_i of (w_x, w_q, w_k, w_v) from ``start``, on a landscape given by its
    slope 𝓛'(γ) and value 𝓛(γ), read at the non-decreasing ``times``.

    Integrated in s = log(1 + t) with LSODA: the scalars escape a small start after a long plateau and then settle,
    both smooth in log time; near the minimum the flow is stiff (an explicit method needs 10⁵ steps to reach t = 10⁴).
    """
    t = _check_times(times)
    w0 = _check_start(start)

    def rhs(s_: float, w: np.ndarray) -> np.ndarray:
        return -slope(_product(w)) * _gradient_of_product(w) * math.exp(s_)

    log_times = np.log1p(t)  # one evaluation for span and output points: math.log1p may differ in the last bit
    solution = solve_ivp(rhs, (0.0, float(log_times[-1])), w0, t_eval=log_times, rtol=rtol, atol=1e-14,
                         method="LSODA")
    if not solution.success:
        raise RuntimeError(f"the four-scalar flow did not integrate: {solution.message}")
    scalars = solution.y.T
    gamma = np.array([_product(w) for w in scalars])
    return FourScalarFlow(t, scalars, gamma, np.array([loss(g) for g in gamma]))


def iso_full_attention_flow(times, alpha_value: float, depth: int, start) -> FourScalarFlow:
    """Fig. 6(a): the four-scalar flow on the ISO landscape ∫ρ_MP(λ)(1 − γλ/L)^{2L} + (1 − α)₊ (Results 1, 9).

    𝓛'(γ) = −2 × :func:`.iso.iso_flow_rate` (Result 1's rate is −½𝓛'), exact Gauss–Chebyshev quadrature.
    """
    a, L, _ = _check_flow_args(alpha_value, depth, 0.0)
    return four_scalar_flow(times, start, lambda g: -2 * iso_flow_rate(g, a, L), lambda g: iso_reducible_loss(g, a, L))


def rrs_full_attention_flow(times, depth_, eigenvalues, weights, start) -> FourScalarFlow:
    """Fig. 6(b): the four-scalar flow on the RRS landscape Σ_k ω_kλ_k(1 − γλ_k/L)^{2L} at α = ∞ (Results 6, 9)."""
    s = check_spectrum(eigenvalues, weights)
    L = check_depth(depth_)
    return four_scalar_flow(times, start, lambda g: -float(_rate(np.array(g), L, s)),
                            lambda g: float(rrs_loss(g, L, s.eigenvalues, s.weights)))
