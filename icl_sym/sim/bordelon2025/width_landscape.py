"""The loss of the width-N reduced-Γ model at α = ∞ on the line Γ = γ I_N, averaged over a fixed Monte Carlo sample
of Haar rotations, and the gradient flow of γ on it (Bordelon, Letey, Pehlevan 2026, Sec. 4, Result 7, App. F.4).

The model reads x through the frozen projection A = √N [I_N 0]: Γ_eff = AᵀΓA/N = [Γ 0; 0 0] in the data frame.
Under RRS the Haar rotation of each context makes the expected gradient at Γ = γ I_N a multiple of I_N (it is
invariant under the rotations diag(R_N, R_{D−N}), which fix the projection), so gradient flow from Γ = 0 stays on
that line. In the eigenframe of Λ, with Q_N the first N columns of a Haar matrix Q = Oᵀ, a context's error is
(I − γ Q_N Q_Nᵀ Λ / L)^L w̄, and with S = Λ^{1/2} Q_N Q_Nᵀ Λ^{1/2} = Σ_i s_i u_i u_iᵀ its test error averaged over
the task signs is

    Σ_k ω_k λ_k [(I − γS/L)^{2L}]_kk = Σ_{i ≤ N} a_i (1 − γ s_i/L)^{2L} + (1 − Σ_{i ≤ N} a_i),   a_i = Σ_k ω_k λ_k u_ik²

(Σ_k λ_k ω_k = 1; the D − N null directions of S are never learned). This is Result 7's loss, the Haar average
evaluated by Monte Carlo rather than by the deterministic equivalent, which the paper gives only in the limits
t, L → ∞ (App. F.4). There the Monte Carlo floor approaches
:func:`icl_sym.theories.bordelon2025.bottlenecks.width_floor`, z Σ_k λ_k ω_k/(z + λ_k), as D grows at fixed N/D
(App. F.4 prints z² Σ_k λ_k ω_k/(z + λ_k)², erratum ERR-13). The average over K draws is
Result 6's landscape on the pooled spectrum {s_i} with weights a_i/(K s_i), plus the constant
1 − mean Σ_i a_i, so Result 6's solvers (:mod:`icl_sym.theories.bordelon2025.rotated_structure`) give the flow,
the depth floor and the loss; as t, L → ∞ the loss tends to that constant, the finite-D width floor.
At N = D, S = Λ and the landscape is Result 6's exactly, for every draw.

Time: SGD moves every diagonal entry of the N × N matrix Γ by −η (dℓ/dγ)/N, so t = Σ_s η_s / N
(:func:`icl_sym.sim.bordelon2025.training.flow_time`).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from icl_sym.core.validation import ParameterError, Range, check_array, check_int
from icl_sym.sim.sampling import draw_generator, haar_orthogonal
from icl_sym.theories.bordelon2025.rotated_structure import rrs_flow_rate, rrs_gamma, rrs_loss
from icl_sym.theories.bordelon2025.source_capacity import check_depth, power_law_spectrum

__all__ = ["ProjectedLandscape"]


class ProjectedLandscape:
    """ℓ_N(γ, L) of the tied width-``width`` reduced-Γ model at Γ = γ I_N on RRS power-law data (α = ∞), averaged
    over ``draws`` Haar rotations from the stream (``seed``, 0): its loss, gradient flow, depth and width floors."""

    def __init__(self, dim: int, width: int, nu: float, beta: float, draws: int = 64, seed: int = 0):
        self.dim = check_int("dim", dim, 2)
        self.width = check_int("width", width, 1)
        if self.width > self.dim:
            raise ParameterError("width", f"at most dim = {self.dim}", width)
        self.draws = check_int("draws", draws, 1)
        spectrum = power_law_spectrum(self.dim, nu, beta)
        lam, omega = spectrum.eigenvalues, spectrum.weights
        frames = haar_orthogonal(self.draws, self.dim, generator=draw_generator(check_int("seed", seed, 0), 0))
        factor = np.sqrt(lam)[:, None] * frames[..., : self.width].numpy()  # F = Λ^{1/2} Q_N, (K, D, N)
        s, v = np.linalg.eigh(factor.transpose(0, 2, 1) @ factor)  # S = FFᵀ and FᵀF share their nonzero spectrum
        if s.min() <= 0:
            raise ParameterError("draws", "Haar frames of full rank (a degenerate draw has probability 0)", s.min())
        u2 = (factor @ v) ** 2 / s[:, None, :]  # u_ik² with u_i = F v_i / √s_i
        a = np.einsum("k,bki->bi", omega * lam, u2)
        #: Pooled nonzero eigenvalues s_i of S over the draws, and Result 6's weights a_i/(K s_i) on them.
        self.eigenvalues = s.ravel()
        self.weights = a.ravel() / (self.draws * self.eigenvalues)
        #: The loss left in the null space of S (mean over draws): the t, L → ∞ floor at this D and N.
        self.offset = max(float(1 - a.sum(axis=1).mean()), 0.0)  # 0 up to round-off at N = D

    def loss(self, gamma, depth) -> np.ndarray:
        """ℓ_N(γ, L) at Γ = γ I_N, vectorised over γ ≥ 0."""
        return rrs_loss(gamma, depth, self.eigenvalues, self.weights) + self.offset

    def flow_gamma(self, times, depth) -> np.ndarray:
        """γ(t) of gradient flow dγ/dt = −∂ℓ_N/∂γ from γ = 0 at the times ``times`` (≥ 0)."""
        return rrs_gamma(times, depth, self.eigenvalues, self.weights)

    def flow_loss(self, times, depth) -> np.ndarray:
        """ℓ_N(γ(t), L) along the flow from Γ = 0 at the times ``times``."""
        times = check_array("times", times, Range(0))
        return self.loss(self.flow_gamma(times, depth), depth)

    def depth_floor(self, depth) -> float:
        """min_γ ℓ_N(γ, L): the limit of the flow as t → ∞ at this width and depth.

        ℓ_N is convex in γ, so its minimiser is the root of the decreasing rate −∂ℓ_N/∂γ. Unlike a power-law
        spectrum (:func:`~icl_sym.theories.bordelon2025.rotated_structure.rrs_depth_floor`), the pooled one has
        rare large s_i of small weight, and the minimiser may lie beyond 2L/max s_i: it is bracketed by doubling.
        """
        L = check_depth(depth, allow_inf=False)
        hi = 2 * L / float(self.eigenvalues.max())
        while rrs_flow_rate(hi, L, self.eigenvalues, self.weights) > 0:
            hi *= 2
        root = brentq(lambda g: float(rrs_flow_rate(g, L, self.eigenvalues, self.weights)), 0.0, hi, xtol=1e-14,
                      rtol=1e-13, maxiter=500)
        return float(self.loss(root, L))

    def width_floor(self) -> float:
        """lim_{t, L → ∞} ℓ_N: the task power outside the learnable span, averaged over the draws."""
        return self.offset
