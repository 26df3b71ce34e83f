"""In-context regression data of Bordelon, Letey, Pehlevan (2026), Sec. 3: the ISO, FS and RRS settings.

Conventions (docs/theory/bordelon2025.md, "Simulation"): one context has P labelled inputs x_μ ∈ R^D,
stored as the columns of X ∈ R^{D×P}, labels y_μ = x_μ·w + σ ε_μ, and the test error of a predictor
ŵ is (ŵ − w)ᵀ Σ_c (ŵ − w), the squared error on a fresh noise-free query averaged exactly over the
query. The task w is scaled so that E wᵀ Σ_c w = 1: the zero predictor scores 1 in every setting.

- ISO (Sec. 3.1): x ~ N(0, I), w = β/√D with β ~ N(0, I).
- FS (Sec. 3.2): x ~ N(0, Λ) with λ_k = k^{-ν}; w = √ω ⊙ s with Rademacher signs s, so ⟨wwᵀ⟩ = Ω = diag(ω)
  and Σ_k λ_k ω_k = 1 (source β: λ_k ω_k ∝ k^{-νβ-1}).
- RRS (Sec. 3.3): as FS, rotated by a fresh Haar O per context: x = O Λ^{1/2} z, w = O(√ω ⊙ s).

The context covariance the model sees is the sampled Σ̂ = X Xᵀ/P, or the population covariance
Σ_c (the P → ∞ limit, ``alpha = inf``).

Training the reduced model on the CPU in float64 (ISO, FS at finite α) draws the law of the sufficient sampler
from chunked numpy streams instead (:mod:`.streams`: the same F, w and noise drive, in law, drawn inside the
compiled recursions); every other case, and evaluation, uses :func:`sample_contexts`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from icl_sym.core.validation import ParameterError, Range, check_array, check_choice, check_int
from icl_sym.sim.sampling import haar_orthogonal, wishart_factor
from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum

__all__ = ["SETTINGS", "CONTEXT_RATIO", "SAMPLERS", "DataSpec", "ContextBatch", "make_spec", "sample_contexts"]

#: The three data settings of Sec. 3.
SETTINGS = ("iso", "fs", "rrs")
#: How sampled contexts are drawn: every token, or a Bartlett factor of Σ̂ (:func:`sample_contexts`).
SAMPLERS = ("tokens", "sufficient")
#: Context ratio α = P/D > 0, or inf for the population covariance.
CONTEXT_RATIO = Range(0, math.inf, low_open=True, allow_inf=True)


@dataclass(frozen=True)
class DataSpec:
    """One data setting at dimension ``dim``: context length ``context`` (``None``: population covariance),
    covariance eigenvalues λ_k, task amplitudes √ω_k (ISO: unused) and the label-noise level σ."""

    setting: str
    dim: int
    context: int | None
    eigenvalues: torch.Tensor
    amplitudes: torch.Tensor
    noise: float

    @property
    def population(self) -> bool:
        return self.context is None


def make_spec(setting: str, dim: int, alpha: float, *, nu: float = 1.25, beta: float = 1.25, noise: float = 0.0,
              dtype: torch.dtype = torch.float64, device: str | torch.device = "cpu") -> DataSpec:
    """A validated :class:`DataSpec`: P = round(αD) ≥ 1 labelled points, or the population covariance at α = ∞.

    ``nu`` (capacity, > 1) and ``beta`` (source, > 0) shape the FS/RRS power law; ISO ignores them.
    """
    check_choice("setting", setting, SETTINGS)
    dim = check_int("dim", dim, 2)
    alpha = float(check_array("alpha", alpha, CONTEXT_RATIO))
    noise = float(check_array("noise", noise, Range(0)))
    if math.isinf(alpha):
        context = None
    else:
        context = round(alpha * dim)
        if context < 1:
            raise ParameterError("alpha", f"large enough for P = round(alpha*dim) >= 1 (dim = {dim})", alpha)
    if setting == "iso":
        lam = torch.ones(dim, dtype=dtype, device=device)
        amp = torch.full((dim,), dim**-0.5, dtype=dtype, device=device)
    else:
        spectrum = power_law_spectrum(dim, nu, beta)  # validates nu > 1, beta > 0
        lam = torch.as_tensor(spectrum.eigenvalues, dtype=dtype, device=device)
        amp = torch.as_tensor(spectrum.weights, dtype=dtype, device=device).sqrt()
    return DataSpec(setting, dim, context, lam, amp, noise)


@dataclass(frozen=True)
class ContextBatch:
    """B contexts: inputs ``X`` (B, D, P) — or, when ``tokens`` is false, a factor F (B, D, r) with Σ̂ = FFᵀ/P —
    or the population covariances ``cov`` (B, D, D) [or (D, D) shared],
    tasks ``w`` (B, D), the noise drive σ X ε / P (B, D) (``None`` without noise), the rotations ``rotation``
    (B, D, D) of RRS (``None`` otherwise) and the eigenvalues λ (D,) of the population covariance in the
    unrotated frame. Optional queries ``queries`` (B, D, K) for models that predict token by token, and the
    label noise σε (B, P) itself (``noise_eps``)."""

    X: torch.Tensor | None
    cov: torch.Tensor | None
    w: torch.Tensor
    noise_drive: torch.Tensor | None
    rotation: torch.Tensor | None
    eigenvalues: torch.Tensor
    queries: torch.Tensor | None = None
    noise_eps: torch.Tensor | None = None
    context: int | None = None
    tokens: bool = True

    @property
    def size(self) -> int:
        return self.w.shape[0]

    def cov_times(self, v: torch.Tensor) -> torch.Tensor:
        """Σ̂ v per context for ``v`` of shape (B, D) (through X: 2DP operations instead of D²P to form Σ̂)."""
        if self.X is not None:
            return torch.einsum("bdp,bp->bd", self.X, torch.einsum("bdp,bd->bp", self.X, v)) / self.context
        if self.cov.dim() == 2:
            return v @ self.cov  # symmetric, shared by every context
        return torch.einsum("bde,be->bd", self.cov, v)

    def covariance(self) -> torch.Tensor:
        """Σ̂ per context (B, D, D), formed once (one batched product), or the population covariance (D, D)
        shared by every context, or (B, D, D)."""
        if self.X is not None:
            return torch.bmm(self.X, self.X.mT).div_(self.context)
        return self.cov

    def cov_c_times(self, e: torch.Tensor) -> torch.Tensor:
        """Σ_c e per context for ``e`` (B, D): the population covariance of the test error."""
        if self.rotation is None:
            return e * self.eigenvalues
        u = torch.einsum("bdk,bd->bk", self.rotation, e) * self.eigenvalues  # Λ Oᵀ e
        return torch.einsum("bdk,bk->bd", self.rotation, u)

    def test_error(self, e: torch.Tensor) -> torch.Tensor:
        """eᵀ Σ_c e per context: the query-averaged squared error of a predictor off by ``e`` (B, D)."""
        if self.rotation is not None:
            e = torch.einsum("bdk,bd->bk", self.rotation, e)  # Oᵀ e
        return (e * e) @ self.eigenvalues

    def labels(self) -> torch.Tensor:
        """y (B, P) for the labelled inputs, noise included (needs sampled tokens)."""
        if self.X is None or not self.tokens:
            raise ValueError("labels need contexts sampled token by token (sampler='tokens', finite alpha)")
        y = torch.einsum("bdp,bd->bp", self.X, self.w)
        return y if self.noise_eps is None else y + self.noise_eps


def sample_contexts(spec: DataSpec, batch: int, *, generator: torch.Generator, noise: bool = True,
                    queries: int = 0, sampler: str = "sufficient") -> ContextBatch:
    """``batch`` fresh contexts of ``spec`` (label noise only if ``noise``), from ``generator``, on its device.

    ``sampler = "tokens"`` draws the P inputs; ``"sufficient"`` draws only what the reduced-Γ model reads, exactly
    in law: Σ̂ = FFᵀ/P with F = O Λ^{1/2} T and T a Bartlett factor (:func:`wishart_factor`; D(D+1)/2 Gaussians
    and D chi-square draws instead of DP Gaussians), and the noise drive σXε/P as σFξ/P, ξ ~ N(0, I).
    ``queries`` > 0 also draws that many noise-free query inputs per context (token-level models; needs tokens).
    """
    batch = check_int("batch", batch, 1)
    queries = check_int("queries", queries, 0)
    check_choice("sampler", sampler, SAMPLERS)
    if queries and sampler != "tokens":
        raise ParameterError("sampler", "tokens when queries are drawn", sampler)
    D, dtype, dev = spec.dim, spec.eigenvalues.dtype, generator.device
    lam_sqrt = spec.eigenvalues.sqrt()
    rotation = haar_orthogonal(batch, D, generator=generator, dtype=dtype) if spec.setting == "rrs" else None
    if spec.setting == "iso":
        w = torch.randn(batch, D, generator=generator, dtype=dtype, device=dev) * spec.amplitudes
    else:
        signs = torch.randint(0, 2, (batch, D), generator=generator, device=dev).to(dtype) * 2 - 1
        w = signs * spec.amplitudes
    if rotation is not None:
        w = torch.einsum("bdk,bk->bd", rotation, w)

    def inputs(count: int) -> torch.Tensor:
        z = torch.randn(batch, D, count, generator=generator, dtype=dtype, device=dev) * lam_sqrt[:, None]
        return z if rotation is None else rotation @ z

    X = cov = drive = eps = None
    if spec.population:
        cov = torch.diag(spec.eigenvalues) if rotation is None else (rotation * spec.eigenvalues) @ rotation.mT
    elif sampler == "tokens":
        X = inputs(spec.context)
        if noise and spec.noise > 0:
            eps = spec.noise * torch.randn(batch, spec.context, generator=generator, dtype=dtype, device=dev)
            drive = torch.einsum("bdp,bp->bd", X, eps) / spec.context
    else:
        X = wishart_factor(batch, D, spec.context, generator=generator, dtype=dtype)
        if spec.setting != "iso":  # ISO: Λ = I, and multiplying by 1 changes nothing
            X.mul_(lam_sqrt[:, None])
        if rotation is not None:
            X = rotation @ X
        if noise and spec.noise > 0:
            xi = torch.randn(batch, X.shape[-1], generator=generator, dtype=dtype, device=dev)
            drive = spec.noise * torch.einsum("bdr,br->bd", X, xi) / spec.context
    q = inputs(queries) if queries else None
    return ContextBatch(X, cov, w, drive, rotation, spec.eigenvalues, q, eps, spec.context, sampler == "tokens")
