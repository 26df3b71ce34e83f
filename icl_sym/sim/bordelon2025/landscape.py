"""The reduced-Γ loss restricted to Γ = γI, averaged over a fixed Monte Carlo sample of contexts, and the
gradient flow of γ on it (Bordelon, Letey, Pehlevan 2026, Sec. 3.3 / Result 6 at finite context).

Under RRS the expected gradient at Γ = γI is isotropic (the Haar rotation of each context averages it to a
multiple of I), so mean-field SGD from Γ = 0 stays on the line Γ = γI at every context length, not only at
α = ∞ where Result 6 gives the landscape in closed form. At finite P the landscape

    ℓ(γ) = E (w − ŵ_γ)ᵀ Σ_c (w − ŵ_γ),   w − ŵ_γ = (I − γ Σ̂ / L)^L w,

has no closed form (docs/theory/bordelon2025.md, "Finite context: the Γ = γI flow by Monte Carlo"); this module
estimates it on a fixed sample of contexts drawn by :func:`icl_sym.sim.bordelon2025.data.sample_contexts`.
With Σ̂ = U diag(s) Uᵀ, a = Uᵀw and K = (OᵀU)ᵀ Λ (OᵀU) per context,
ℓ(γ) = mean_b Σ_ij a_i F_i K_ij F_j a_j with F = (1 − γ s/L)^L: after one eigendecomposition per context
every evaluation costs O(B D²). At α = ∞ (Σ̂ = Σ_c) it equals Result 6's Σ_k ω_k λ_k (1 − γλ_k/L)^{2L} exactly.
Time convention as :func:`icl_sym.sim.bordelon2025.training.flow_time` for RRS: dγ/dt = −dℓ/dγ with
t = Σ_s η_s / D for SGD on the D × D matrix Γ.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy.integrate import solve_ivp
from scipy.optimize import minimize, minimize_scalar

from icl_sym.core.validation import Range, check_array, check_int
from icl_sym.sim.sampling import draw_generator

from .data import DataSpec, sample_contexts

__all__ = ["IsotropicLandscape", "scan_minimum"]


def scan_minimum(loss, upper: float, points: int = 80) -> tuple[float, float]:
    """(min, argmin) of a one-dimensional Monte Carlo landscape ``loss(γ)`` on [0, ``upper``]: the smallest value on a
    geometric grid, refined by a bounded search between its neighbours.

    A sample of contexts always holds a few whose largest eigenvalue s makes (1 − γs/L) < −1 well before the
    minimum of the mean: bounding γ by 2L/max s (every context contracted) can cut the search short of the minimum,
    and more contexts make that worse. The grid lets the mean decide; ``upper`` must contain the minimum
    (:meth:`IsotropicLandscape.search_bound` gives one that provably does).
    """
    grid = np.concatenate([[0.0], np.geomspace(upper * 1e-4, upper, points)])
    values = np.array([loss(g) for g in grid])
    best = int(np.argmin(values))
    low, high = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    refined = minimize_scalar(loss, bounds=(low, high), method="bounded", options={"xatol": 1e-10 * max(high, 1)})
    if refined.fun < values[best]:
        return float(refined.fun), float(refined.x)
    return float(values[best]), float(grid[best])


class IsotropicLandscape:
    """ℓ(γ) of the tied reduced-Γ model at Γ = γI, depth ``depth``, on ``contexts`` noise-free contexts of ``spec``
    drawn from the stream (``seed``, 0); its slope, minimum and gradient flow from γ = 0."""

    def __init__(self, spec: DataSpec, depth: int, contexts: int = 2000, seed: int = 0):
        self.depth = check_int("depth", depth, 1)
        contexts = check_int("contexts", contexts, 1)
        batch = sample_contexts(spec, contexts, generator=draw_generator(seed, 0), noise=False)
        cov = batch.cov if spec.population else batch.X @ batch.X.mT / spec.context
        cov = cov.expand(contexts, spec.dim, spec.dim)
        spectrum, basis = torch.linalg.eigh(cov)
        frame = basis if batch.rotation is None else batch.rotation.mT @ basis  # Oᵀ U
        self._s = spectrum.clamp_min(0).numpy()  # Σ̂ is PSD: clip round-off below 0
        self._a = torch.einsum("bdi,bd->bi", basis, batch.w).numpy()
        self._K = (frame.mT @ (batch.eigenvalues[:, None] * frame)).numpy()
        self._lam_min = float(batch.eigenvalues.min())  # the smallest eigenvalue of every K (a rotation of Λ)
        self.top = float(self._s.max())

    def _factors(self, gamma: float) -> tuple[np.ndarray, np.ndarray]:
        step = 1 - gamma * self._s / self.depth
        return step**self.depth, -self._s * step ** (self.depth - 1)

    def errors(self, gamma: float) -> np.ndarray:
        """The test error of every sampled context at Γ = γI."""
        f, _ = self._factors(float(check_array("gamma", gamma, Range(0))))
        v = self._a * f
        return np.einsum("bi,bij,bj->b", v, self._K, v)

    def loss(self, gamma: float) -> float:
        """ℓ(γ): the sample mean of the test error at Γ = γI."""
        return float(self.errors(gamma).mean())

    def loss_se(self, gamma: float) -> float:
        """The Monte Carlo standard error of :meth:`loss` at γ."""
        values = self.errors(gamma)
        return float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else math.inf

    def slope(self, gamma: float) -> float:
        """dℓ/dγ at γ."""
        f, df = self._factors(float(check_array("gamma", gamma, Range(0))))
        return 2 * float(np.einsum("bi,bij,bj->", self._a * df, self._K, self._a * f)) / len(f)

    def untied_loss(self, gammas) -> float:
        """ℓ(γ_1, …, γ_L) of untied layers Γ_ℓ = γ_ℓ I (the L steps (1 − γ_ℓ Σ̂/L) commute: order is irrelevant)."""
        steps = np.atleast_1d(check_array("gammas", gammas, Range(0)))
        if steps.shape != (self.depth,):
            raise ValueError(f"gammas must hold depth = {self.depth} values, got shape {steps.shape}")
        v = self._a * np.prod(1 - steps[:, None, None] * self._s / self.depth, axis=0)
        return float(np.einsum("bi,bij,bj->", v, self._K, v)) / len(v)

    def _untied_gradient(self, steps: np.ndarray) -> np.ndarray:
        factors = 1 - steps[:, None, None] * self._s / self.depth  # (L, B, D)
        v = self._a * np.prod(factors, axis=0)
        kv = np.einsum("bij,bj->bi", self._K, v)
        grad = np.empty(self.depth)
        for layer in range(self.depth):  # ∂v/∂γ_ℓ = −(s/L) a ∏_{m≠ℓ} (1 − γ_m s/L)
            others = np.prod(np.delete(factors, layer, axis=0), axis=0)
            grad[layer] = -2 * float(np.sum(self._a * others * self._s / self.depth * kv)) / len(v)
        return grad

    def untied_minimum(self) -> tuple[float, np.ndarray]:
        """(min ℓ, sorted minimiser) over untied steps γ_1 ≤ … ≤ γ_L, by L-BFGS-B from steps spread around the
        tied minimiser (a local search: the best found, a lower bound only for L ≤ 2 where it is checked)."""
        tied = self.minimum()[1]
        start = tied * np.linspace(0.5, 1.5, self.depth) if self.depth > 1 else np.array([tied])
        best = minimize(lambda g: self.untied_loss(g), start, jac=self._untied_gradient, method="L-BFGS-B",
                        bounds=[(0.0, None)] * self.depth, options=dict(maxiter=5000, ftol=1e-14, gtol=1e-12))
        return float(best.fun), np.sort(best.x)

    def _envelope(self, gamma: float) -> tuple[float, float]:
        """g(γ) = λ_min mean_b Σ_i a_i² F_i² ≤ ℓ(γ) and dg/dγ: a convex lower bound of the landscape."""
        step = 1 - gamma * self._s / self.depth
        weights = self._a**2
        value = float((weights * step ** (2 * self.depth)).sum(axis=1).mean())
        slope = float((weights * (-2 * self._s) * step ** (2 * self.depth - 1)).sum(axis=1).mean())
        return self._lam_min * value, self._lam_min * slope

    def search_bound(self) -> float:
        """An upper end γ⁺ of the search that provably holds every minimiser of ℓ over γ ≥ 0.

        Each sampled error is vᵀKv with v = a ⊙ F and K a rotation of Λ, so vᵀKv ≥ λ_min |v|² and
        ℓ(γ) ≥ g(γ) = λ_min mean_b Σ_i a_i² (1 − γs_i/L)^{2L}, a mean of even powers of affine functions: g is convex.
        Let γ⁺ be the first point with g'(γ⁺) ≥ 0 and g(γ⁺) ≥ ℓ(0). Past it g increases (convexity), so for every
        γ > γ⁺: ℓ(γ) ≥ g(γ) ≥ g(γ⁺) ≥ ℓ(0) ≥ min ℓ, and a minimiser lies in [0, γ⁺]. The test "g' ≥ 0 and g ≥ ℓ(0)"
        is false then true along γ (convexity again), so γ⁺ is found by doubling from L/max s, then bisection.
        """
        if self._lam_min <= 0:
            raise ValueError("the search bound needs a covariance with positive eigenvalues (λ_min > 0)")
        start = self.loss(0.0)

        def beyond(gamma: float) -> bool:
            value, slope = self._envelope(gamma)
            return slope >= 0 and value >= start

        high = self.depth / self.top
        for _ in range(200):  # g grows like γ^{2L} once past the largest s: a few doublings suffice
            if beyond(high):
                break
            high *= 2
        else:
            raise RuntimeError("no search bound found: the landscape's lower envelope does not grow")
        low = high / 2
        while (high - low) > 1e-3 * high:  # only a valid end matters, not its last digits
            middle = (low + high) / 2
            low, high = (low, middle) if beyond(middle) else (middle, high)
        return high

    def minimum(self) -> tuple[float, float]:
        """(min ℓ, argmin γ) over γ ≥ 0: :func:`scan_minimum` on [0, :meth:`search_bound`].

        At small P the minimum of the mean can lie beyond 2L/max s (a few sampled contexts have extreme
        eigenvalues; D = 16, L = 2, P = 6 is such a case), so the search is not cut at that step."""
        return scan_minimum(self.loss, self.search_bound())

    def flow(self, times) -> np.ndarray:
        """γ(t) of dγ/dt = −dℓ/dγ from γ(0) = 0 at the non-negative ``times`` (increasing)."""
        t = np.atleast_1d(check_array("t", times, Range(0)))
        if np.any(np.diff(t) < 0):
            raise ValueError("times must be increasing")
        # in s = log(1 + t): γ moves fast at first, then slowly over decades of time. The span ends at the last
        # evaluation point itself (math.log1p and np.log1p may differ in the last bit, which solve_ivp rejects).
        s_eval = np.log1p(t)
        sol = solve_ivp(lambda s_, g: [-self.slope(max(g[0], 0.0)) * math.exp(s_)], (0.0, float(s_eval[-1])),
                        [0.0], t_eval=s_eval, rtol=1e-9, atol=1e-12, method="LSODA")
        if not sol.success:
            raise RuntimeError(f"the gamma flow did not integrate: {sol.message}")
        return sol.y[0]
