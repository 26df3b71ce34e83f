"""Models of Bordelon, Letey, Pehlevan (2026): the reduced-Γ model (Sec. 2.2, App. B.2) and the authors'
deep linear transformers with tied weights (Sec. 2.1; decoupled x/y streams and the coupled variant).

Reduced-Γ model. Depth L is L steps of in-context preconditioned gradient descent from w⁰ = 0,
w^{ℓ+1} = w^ℓ + L⁻¹ Γ_ℓ X (y − Xᵀ w^ℓ)/P, so the error e^ℓ = w − w^ℓ obeys

    e^{ℓ+1} = e^ℓ − L⁻¹ Γ_ℓ (Σ̂ e^ℓ + σ X ε / P),     e⁰ = w,

and the test error of the context is e^{Lᵀ} Σ_c e^L (docs/theory/bordelon2025.md, "Simulation").
With a width N ≤ D the trainable matrix Γ ∈ R^{N×N} acts through the frozen projection
A = √N [I_N 0] ∈ R^{N×D}: Γ_eff = Aᵀ Γ A / N (Sec. 4). Tied layers share Γ; untied layers have one Γ_ℓ each.
For a batch, every layer is one batched product with Σ̂ (through X) and one matrix product with Γ_effᵀ.

Training gradient (:func:`reduced_adjoint`, written by hand rather than by autograd). With drives
d^ℓ = Σ̂ e^ℓ + σXε/P and adjoints a^ℓ = ∂f/∂e^ℓ of the context's loss f = e^{Lᵀ} Σ_c e^L,

    a^L = 2 Σ_c e^L,     a^ℓ = a^{ℓ+1} − L⁻¹ Σ̂ Γ_ℓᵀ a^{ℓ+1},     ∂f/∂Γ_ℓ = −L⁻¹ a^{ℓ+1} d^{ℓᵀ}

(Σ̂ is symmetric). Σ̂ is formed once per context (one batched matrix product), so each layer costs one
product with Σ̂ forward and one backward, and the layer gradients of the whole batch are one matrix
product of the stacked adjoints with the stacked drives (all L layers at once when they are tied). On the CPU
with numba, the two recursions run instead context by context in compiled code (:mod:`.compiled`), the
context's factor F in cache through all 2L layers, and only the gradient product stays in torch.

Linear transformers (Sec. 2.1, authors' parameterisation). Inputs are fed as x/√D (the authors' data
have x ~ N(0, I/D)); widths scale as in mean-field / μP: q = W_q h/√N, k = W_k h/√N, v = W_v h/√N,
attention A_{νμ} = k_ν·q_μ / N over the P labelled keys, update h_μ ← h_μ − (1/L) Σ_ν A_{νμ} v_ν / P with
the same sign for every token and the prediction −w_yᵀ h/N (the sign-flipped equivalent of the paper's
mask, App. B.1). Initialisation σ = 0.4: W_x = √2 √N σ I_{N×D}, W_q = W_k = W_v = σ √N I_N,
w_y = w_o = 1_N frozen. In the decoupled model the x-stream h^x = W_x x/√D is never updated and only
the y-stream h^y (started at y_μ 1_N on labelled tokens, 0 on queries) is; its gradients keep
W_v 1_N ∝ 1_N, so the model *is* a reduced-Γ model with Γ_eff = s Mᵀ, s = 1ᵀ W_v 1/(N√N),
M = W_xᵀ W_kᵀ W_q W_x/(N² D) (:meth:`LinearTransformer.effective_gamma`).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from icl_sym.core.compiled import numba_available
from icl_sym.core.validation import ParameterError, check_int

from .compiled import run_recursions, stream_recursions
from .data import ContextBatch
from .streams import StreamBatch

__all__ = ["ReducedGamma", "LinearTransformer", "SoftmaxTransformer", "reduced_errors", "reduced_adjoint",
           "INIT_SCALE"]

#: The authors' initialisation scale σ of the linear transformers (Sec. 2.1 runs).
INIT_SCALE = 0.4


def _check_shape(dim: int, depth: int, width: int | None) -> tuple[int, int, int]:
    """Validated (dim ≥ 2, depth ≥ 1, width ≥ 1) of a model; width ``None`` means dim."""
    dim = check_int("dim", dim, 2)
    return dim, check_int("depth", depth, 1), dim if width is None else check_int("width", width, 1)


def reduced_errors(gammas: torch.Tensor, batch: ContextBatch) -> torch.Tensor:
    """e^L (B, D) of L in-context GD steps with preconditioners ``gammas`` (L, D, D), one per layer."""
    depth = gammas.shape[0]
    e = batch.w
    for layer in range(depth):
        drive = batch.cov_times(e)
        if batch.noise_drive is not None:
            drive = drive + batch.noise_drive
        e = e - drive @ gammas[layer].mT / depth
    return e


@torch.no_grad()
def reduced_adjoint(gammas: torch.Tensor, batch: ContextBatch | StreamBatch, *, tied: bool = False
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """The test errors f (B,) of :func:`reduced_errors` and the gradient of their mean, mean_b f_b, with respect
    to each layer's preconditioner ``gammas`` (L, D, D): shape (L, D, D), or (D, D) summed over the layers when
    ``tied`` (the gradient of a Γ shared by every layer). The adjoint recursion of the module docstring; compiled
    per context (:mod:`.compiled`, on as many threads as torch's) when numba is available for float64 sampled
    contexts on the CPU, in batched torch otherwise. A :class:`.streams.StreamBatch` is drawn inside the compiled
    kernel, chunk by chunk on as many threads or ``batch.threads`` (:func:`.compiled.stream_recursions`), or without numba (or for
    non-float64 Γ) drawn with numpy and run as a :class:`ContextBatch`."""
    depth, size = gammas.shape[0], batch.size
    if isinstance(batch, StreamBatch):
        if _stream_compiled_applies(gammas):
            threads = torch.get_num_threads() if batch.threads is None else batch.threads
            losses, drives, adjoints = (torch.from_numpy(a) for a in stream_recursions(
                batch, gammas.numpy(), 2 / size, threads))
            return losses, _layer_gradients(adjoints, drives, tied)
        batch = batch.contexts()
    if _compiled_applies(gammas, batch):
        losses, drives, adjoints = (torch.from_numpy(a) for a in run_recursions(
            batch.X.numpy(), 1 / batch.context, batch.w.numpy(), _numpy(batch.noise_drive), gammas.numpy(),
            batch.eigenvalues.numpy(), _numpy(batch.rotation), 2 / size, torch.get_num_threads()))
        return losses, _layer_gradients(adjoints, drives, tied)
    cov = batch.covariance()
    times = (lambda v: v @ cov) if cov.dim() == 2 else (lambda v: torch.bmm(cov, v[:, :, None])[:, :, 0])
    e = batch.w
    drives = torch.empty(depth, size, e.shape[1], dtype=e.dtype, device=e.device)
    for layer in range(depth):
        drive = times(e)
        if batch.noise_drive is not None:
            drive += batch.noise_drive
        drives[layer] = drive
        e = e - drive @ gammas[layer].mT / depth
    weighted = batch.cov_c_times(e)  # Σ_c e^L
    losses = (e * weighted).sum(-1)
    adjoints = torch.empty_like(drives)  # a^{ℓ+1} for ℓ = 0..L-1
    a = weighted * (2 / size)  # the adjoint of the mean loss
    for layer in range(depth - 1, -1, -1):
        adjoints[layer] = a
        if layer:
            a = a - times(a @ gammas[layer]) / depth
    return losses, _layer_gradients(adjoints, drives, tied)


def _layer_gradients(adjoints: torch.Tensor, drives: torch.Tensor, tied: bool) -> torch.Tensor:
    """−L⁻¹ Σ_b a^{ℓ+1}_b d^{ℓᵀ}_b per layer (L, D, D), or summed over the layers (D, D): one matrix product."""
    depth, dim = drives.shape[0], drives.shape[-1]
    if tied:
        grad = adjoints.reshape(-1, dim).mT @ drives.reshape(-1, dim)
    else:
        grad = torch.bmm(adjoints.mT, drives)
    return grad.mul_(-1 / depth)


def _numpy(t: torch.Tensor | None):
    return None if t is None else t.numpy()


def _stream_compiled_applies(gammas: torch.Tensor) -> bool:
    """Whether a :class:`.streams.StreamBatch` is drawn and run in compiled code: numba is there, Γ float64 on the
    CPU."""
    return numba_available() and gammas.dtype == torch.float64 and gammas.device.type == "cpu"


def _compiled_applies(gammas: torch.Tensor, batch: ContextBatch) -> bool:
    """Whether :mod:`.compiled` runs the recursions: numba is there, the contexts are sampled (F or X), float64 on
    the CPU."""
    return (numba_available() and batch.X is not None and batch.X.device.type == "cpu"
            and batch.X.dtype == torch.float64 and gammas.dtype == torch.float64)


class ReducedGamma(nn.Module):
    """The reduced-Γ model at dimension ``dim``, depth ``depth``, width ``width`` (≤ dim; default dim), from Γ = 0."""

    def __init__(self, dim: int, depth: int, width: int | None = None, *, tied: bool = True,
                 dtype: torch.dtype = torch.float64, device: str | torch.device = "cpu"):
        super().__init__()
        self.dim, self.depth, self.width = _check_shape(dim, depth, width)
        if self.width > self.dim:
            raise ParameterError("width", f"at most dim = {self.dim} (the projection A has rank width)", width)
        self.tied = bool(tied)
        projection = torch.zeros(self.width, self.dim, dtype=dtype, device=device)
        projection[:, : self.width] = math.sqrt(self.width) * torch.eye(self.width, dtype=dtype, device=device)
        self.register_buffer("projection", projection)
        shape = (self.width, self.width) if self.tied else (self.depth, self.width, self.width)
        self.gamma = nn.Parameter(torch.zeros(shape, dtype=dtype, device=device))

    def effective_gammas(self) -> torch.Tensor:
        """Γ_eff,ℓ = Aᵀ Γ_ℓ A / N for every layer, shape (L, D, D)."""
        A = self.projection
        g = A.mT @ self.gamma @ A / self.width
        return g.expand(self.depth, self.dim, self.dim) if self.tied else g

    def losses(self, batch: ContextBatch | StreamBatch) -> torch.Tensor:
        """Test error e^{Lᵀ} Σ_c e^L of every context of ``batch`` (B,)."""
        if isinstance(batch, StreamBatch):
            batch = batch.contexts()
        return batch.test_error(reduced_errors(self.effective_gammas(), batch))

    def mean_loss_backward(self, batch: ContextBatch | StreamBatch, weight_decay: float = 0.0) -> torch.Tensor:
        """The mean test error over ``batch``; adds to Γ's gradient that of the mean plus ``weight_decay`` × mean(Γ²)
        (what ``backward()`` of that objective would add), through :func:`reduced_adjoint`."""
        effective = self.effective_gammas()
        losses, grad = reduced_adjoint(effective.detach(), batch, tied=self.tied)
        # Γ → Γ_eff is linear and cheap: autograd carries the layer gradients back through it (tied: every
        # layer holds the same Γ_eff, so the summed gradient pairs with one of them).
        surrogate = ((effective[0] if self.tied else effective) * grad).sum()
        if weight_decay:
            surrogate = surrogate + weight_decay * (self.gamma * self.gamma).mean()
        surrogate.backward()
        return losses.mean()

    def objective_scale(self) -> float:
        return 1.0

    def lr_scales(self) -> list[tuple[list[nn.Parameter], float]]:
        """Parameter groups and their learning-rate factors: ηL per layer for untied layers (App. G.1)."""
        return [([self.gamma], 1.0 if self.tied else float(self.depth))]


class LinearTransformer(nn.Module):
    """The authors' deep linear transformer with tied weights, decoupled (x/y streams) or coupled (one stream)."""

    def __init__(self, dim: int, depth: int, width: int | None = None, *, coupled: bool = False,
                 init_scale: float = INIT_SCALE, dtype: torch.dtype = torch.float64,
                 device: str | torch.device = "cpu"):
        super().__init__()
        self.dim, self.depth, self.width = _check_shape(dim, depth, width)
        self.coupled = bool(coupled)
        N, s = self.width, init_scale
        eye_nd = torch.eye(N, self.dim, dtype=dtype, device=device)
        eye_n = torch.eye(N, dtype=dtype, device=device)
        self.W_x = nn.Parameter(math.sqrt(2 * N) * s * eye_nd)
        self.W_q = nn.Parameter(math.sqrt(N) * s * eye_n)
        self.W_k = nn.Parameter(math.sqrt(N) * s * eye_n)
        self.W_v = nn.Parameter(math.sqrt(N) * s * eye_n)
        self.register_buffer("w_y", torch.ones(N, dtype=dtype, device=device))

    def predict(self, X: torch.Tensor, y: torch.Tensor, queries: torch.Tensor) -> torch.Tensor:
        """Predictions (B, K) at ``queries`` (B, D, K) from the labelled context ``X`` (B, D, P), ``y`` (B, P)."""
        N, P, L = self.width, X.shape[-1], self.depth
        root_n = math.sqrt(N)
        hx = self.W_x @ torch.cat([X, queries], dim=-1) / math.sqrt(self.dim)  # (B, N, P + K)
        hy = torch.zeros_like(hx)
        hy[..., :P] = self.w_y[:, None] * y[:, None, :]
        if self.coupled:
            h = hx + hy
            for _ in range(L):
                q, k, v = (W @ h / root_n for W in (self.W_q, self.W_k, self.W_v))
                scores = k[..., :P].mT @ q / N  # (B, P, P + K): keys are the labelled tokens
                h = h - v[..., :P] @ scores / (L * P)
            out = h
        else:
            q, k = self.W_q @ hx / root_n, self.W_k @ hx[..., :P] / root_n
            scores = k.mT @ q / N  # fixed across layers: the x-stream is never updated
            for _ in range(L):
                v = self.W_v @ hy[..., :P] / root_n
                hy = hy - v @ scores / (L * P)
            out = hy
        return -(self.w_y @ out[..., P:]) / N

    def losses(self, batch: ContextBatch) -> torch.Tensor:
        """Mean squared error over the noise-free queries of every context (B,)."""
        if batch.X is None or batch.queries is None:
            raise ParameterError("alpha", "finite (the transformer needs sampled tokens and queries)", "inf")
        y_query = torch.einsum("bdk,bd->bk", batch.queries, batch.w)
        return ((self.predict(batch.X, batch.labels(), batch.queries) - y_query) ** 2).mean(-1)

    def objective_scale(self) -> float:
        """The authors train N · loss (mean-field scaling of the learning rate)."""
        return float(self.width)

    def lr_scales(self) -> list[tuple[list[nn.Parameter], float]]:
        return [([self.W_x, self.W_q, self.W_k, self.W_v], 1.0)]

    def effective_gamma(self) -> torch.Tensor:
        """Γ_eff = s Mᵀ of the decoupled model (exact while W_v 1 ∝ 1, which its training preserves)."""
        if self.coupled:
            raise ParameterError("model", "the decoupled transformer (the coupled one has no fixed Γ_eff)", "coupled")
        N = self.width
        s = self.w_y @ self.W_v @ self.w_y / (N * math.sqrt(N))
        M = self.W_x.mT @ self.W_k.mT @ self.W_q @ self.W_x / (N * N * self.dim)
        return s * M.mT


class SoftmaxTransformer(nn.Module):
    """Untied softmax-attention layers of App. G.3: per layer ℓ its own x-stream h^x = W_x^ℓ x/√D, queries and keys
    from it, values from the y-stream, softmax over the P labelled keys, hy ← hy − (1/L) Σ_ν A_{νμ} v_ν (no 1/P).

    ``heads`` = H > 1 splits q, k, v into H blocks of N/H with logits q_h·k_h/√(N/H) and an output map W_o^ℓ;
    one head uses logits k·q/N. ``mlp`` adds after each attention update hy ← hy − (1/L) W_2 gelu(W_1 hy/√N)/√N,
    with W_1 = W_2 = σI at initialisation (Fig. 9). Other weights start as in :class:`LinearTransformer`.
    """

    def __init__(self, dim: int, depth: int, width: int | None = None, *, heads: int = 1, mlp: bool = False,
                 init_scale: float = INIT_SCALE, dtype: torch.dtype = torch.float64,
                 device: str | torch.device = "cpu"):
        super().__init__()
        self.dim, self.depth, self.width = _check_shape(dim, depth, width)
        self.heads = check_int("heads", heads, 1)
        if self.width % self.heads:
            raise ParameterError("heads", f"a divisor of the width N = {self.width}", heads)
        self.mlp = bool(mlp)
        N, L, s = self.width, self.depth, init_scale
        opts = dict(dtype=dtype, device=device)
        eye = torch.eye(N, **opts).expand(L, N, N)
        self.W_x = nn.Parameter(math.sqrt(2 * N) * s * torch.eye(N, self.dim, **opts).expand(L, N, self.dim).clone())
        self.W_q = nn.Parameter(math.sqrt(N) * s * eye.clone())
        self.W_k = nn.Parameter(math.sqrt(N) * s * eye.clone())
        self.W_v = nn.Parameter(math.sqrt(N) * s * eye.clone())
        self.W_o = nn.Parameter(eye.clone()) if self.heads > 1 else None
        self.W_1 = nn.Parameter(s * eye.clone()) if self.mlp else None
        self.W_2 = nn.Parameter(s * eye.clone()) if self.mlp else None
        self.register_buffer("w_y", torch.ones(N, **opts))

    def predict(self, X: torch.Tensor, y: torch.Tensor, queries: torch.Tensor) -> torch.Tensor:
        """Predictions (B, K) at ``queries`` (B, D, K) from the labelled context ``X`` (B, D, P), ``y`` (B, P)."""
        N, P, L, H = self.width, X.shape[-1], self.depth, self.heads
        root_n = math.sqrt(N)
        tokens = torch.cat([X, queries], dim=-1) / math.sqrt(self.dim)  # (B, D, P + K)
        hy = torch.zeros(X.shape[0], N, tokens.shape[-1], dtype=X.dtype, device=X.device)
        hy[..., :P] = self.w_y[:, None] * y[:, None, :]
        for layer in range(L):
            hx = self.W_x[layer] @ tokens
            q = self.W_q[layer] @ hx / root_n
            k = self.W_k[layer] @ hx[..., :P] / root_n
            v = self.W_v[layer] @ hy[..., :P] / root_n
            if H == 1:
                attention = torch.softmax(k.mT @ q / N, dim=-2)  # (B, P, P + K): over the labelled keys
                update = v @ attention
            else:
                split = lambda t: t.reshape(t.shape[0], H, N // H, t.shape[-1])  # noqa: E731
                attention = torch.softmax(split(k).mT @ split(q) / math.sqrt(N // H), dim=-2)
                update = self.W_o[layer] @ (split(v) @ attention).reshape(hy.shape)
            hy = hy - update / L
            if self.mlp:
                hidden = torch.nn.functional.gelu(self.W_1[layer] @ hy / root_n)
                hy = hy - self.W_2[layer] @ hidden / (root_n * L)
        return -(self.w_y @ hy[..., P:]) / N

    losses = LinearTransformer.losses

    def objective_scale(self) -> float:
        return 1.0

    def lr_scales(self) -> list[tuple[list[nn.Parameter], float]]:
        """One group; with H > 1 heads the attention weights get lr/H (the authors' multi-head runs)."""
        attention = [self.W_q, self.W_k, self.W_v]
        rest = [p for p in (self.W_x, self.W_o, self.W_1, self.W_2) if p is not None]
        if self.heads == 1:
            return [(attention + rest, 1.0)]
        return [(attention, 1.0 / self.heads), (rest, 1.0)]
