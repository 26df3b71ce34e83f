"""One-layer (L = 1) online SGD on ISO data exactly as Result 10 of Bordelon, Letey, Pehlevan (2026) states it
(App. C.1): Γ(t+1) = Γ(t) + η G(t) from Γ(0) = 0 with

    G(t) = (1/B) Σ_n Σ̂⋆_n [(I − Γ Σ̂_n) β_n − Γ ξ_n] [Σ̂_n β_n + ξ_n]ᵀ,

B = τD fresh contexts per step, Σ̂_n = X_n X_nᵀ/P from P = αD labelled points, Σ̂⋆_n = X⋆ X⋆ᵀ/K from K = κD
query points (κ = ∞: Σ̂⋆ = I, the query error averaged exactly) and the label-noise drive ξ_n = σ√D X_n ε_n/P.
The recorded quantity is Result 10's "ICL loss" |Γ(t) − I|²/D after every step.

Contexts come from :func:`icl_sym.sim.bordelon2025.data.sample_contexts` (in its units w = β/√D and the drive
σXε/P = ξ/√D, so G = (D/B) Σ_n Σ̂⋆_n (w_n − Γ v_n) v_nᵀ with v = Σ̂w + σXε/P); Σ̂ and Σ̂⋆ are drawn from
Bartlett factors (exact in law). Unlike :func:`icl_sym.sim.bordelon2025.training.train`, whose reduced model scores
the exact query average, the gradient here carries the finite-K query covariance that κ measures.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from icl_sym.core.validation import ParameterError, Range, check_array, check_int
from icl_sym.sim.sampling import draw_generator, wishart_factor

from .data import make_spec, sample_contexts

__all__ = ["online_sgd_curve"]

_POSITIVE = Range(0, low_open=True)


def online_sgd_curve(dim: int, steps: int, eta: float, alpha: float, kappa: float, tau: float,
                     sigma2: float = 0.0, seed: int = 0) -> np.ndarray:
    """|Γ(t) − I|²/D for t = 0, 1, …, ``steps`` of Result 10's online SGD at dimension ``dim`` (seeded by
    (``seed``, 0)); B = round(τD), P = round(αD), K = round(κD) (κ = inf: exact query average), each >= 1."""
    dim = check_int("dim", dim, 2)
    steps = check_int("steps", steps, 0)
    eta = float(check_array("eta", eta, _POSITIVE))
    tau = float(check_array("tau", tau, _POSITIVE))
    kappa = float(check_array("kappa", kappa, Range(0, math.inf, low_open=True, allow_inf=True)))
    sigma2 = float(check_array("sigma2", sigma2, Range(0)))
    batch = round(tau * dim)
    if batch < 1:
        raise ParameterError("tau", f"large enough for B = round(tau*dim) >= 1 (dim = {dim})", tau)
    queries = None if math.isinf(kappa) else round(kappa * dim)
    if queries is not None and queries < 1:
        raise ParameterError("kappa", f"large enough for K = round(kappa*dim) >= 1 (dim = {dim})", kappa)
    spec = make_spec("iso", dim, alpha, noise=math.sqrt(sigma2))  # validates alpha (finite: sampled contexts)
    if spec.population:
        raise ParameterError("alpha", "finite (Result 10 samples P = alpha*D points per context)", alpha)
    generator = draw_generator(seed, 0)
    eye = torch.eye(dim, dtype=torch.float64)
    gamma = torch.zeros(dim, dim, dtype=torch.float64)
    curve = [1.0]
    for _ in range(steps):
        contexts = sample_contexts(spec, batch, generator=generator)
        v = contexts.cov_times(contexts.w)
        if contexts.noise_drive is not None:
            v = v + contexts.noise_drive
        e = contexts.w - v @ gamma.mT
        if queries is not None:  # Σ̂⋆ e with Σ̂⋆ = F Fᵀ/K
            factor = wishart_factor(batch, dim, queries, generator=generator)
            e = torch.einsum("bdr,br->bd", factor, torch.einsum("bdr,bd->br", factor, e)) / queries
        gamma = gamma + eta * dim / batch * (e.mT @ v)
        curve.append(float(((gamma - eye) ** 2).sum()) / dim)
    return np.array(curve)
