"""Trained attention models of Lu et al. (2025), Figs. 5 and 6, in PyTorch.

A context enters as its token rows z_i = [x_i; y_i] (i ≤ ℓ) and the query row [x_{ℓ+1}; 0], shape
(batch, ℓ+1, d+1); every model returns one prediction of y_{ℓ+1} per context, read out at the query.

Architectures (:data:`ARCHITECTURES`), each in two variants (:data:`VARIANTS`):

- ``"linear"``: one layer of linear attention.
  - ``"paper"``: the linear attention whose reduction to Γ is docs/theory/lu2024.md §3.2,
    ŷ = A_{d+1,ℓ+1} with A = Z + (1/ℓ) V Z M Zᵀ Kᵀ Q Z, the query excluded from the sum (M),
    the value's label row [0, v₂] (v₁ = 0, the reduction's choice). The prediction is then exactly
    ⟨Γ, H_Z⟩ with Γ = [v₂ W₁₁ᵀ/d, v₂ w₂₁], W = KᵀQ; :meth:`LinearAttention.gamma` reads it off.
  - ``"authors"``: the authors' Fig. 5A code: Q, K, V dense maps d+1 → h = d with bias, no mask, no
    1/ℓ, out = (QKᵀ/√h) V and a dense read-out h → 1 at the query. Not of the form ⟨Γ, H_Z⟩.
- ``"softmax1"``, ``"softmax2_mlp"``, ``"softmax3_mlp"``: 1, 2 or 3 blocks of single-head causal
  softmax attention (dense embedding d+1 → h = d with bias, Q/K/V h → h without bias, scores /√h),
  post-LayerNorm residual sublayers, a dense read-out h → 1 at the query; the 2- and 3-block models
  add an MLP sublayer to each block.
  - ``"paper"``: each sublayer is LN(x + f(x)); the MLP is dense h → h, GELU, dense h → h.
  - ``"authors"``: the two oddities of the authors' code (docs/theory/lu2024.md §10): the "MLP"
    is a single dense h → h with no nonlinearity, and each sublayer normalises twice,
    r = x + f(x), out = LN₂(r + LN₁(r)).

Parameters are drawn from an explicit generator (weights N(0, 1/fan_in), biases 0, LayerNorm 1 and 0),
with explicit dtype and device.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from icl_sym.core.validation import ParameterError, check_choice, check_int
from icl_sym.sim.devices import check_device

__all__ = ["ARCHITECTURES", "VARIANTS", "LinearAttention", "AuthorsLinearAttention", "SoftmaxTransformer",
           "build_model", "check_dtype"]

#: Architectures by name: blocks of softmax attention, and whether each block has an MLP.
ARCHITECTURES = {"linear": (0, False), "softmax1": (1, False), "softmax2_mlp": (2, True), "softmax3_mlp": (3, True)}
#: The paper's model, or the authors' code with its oddities (see the module docstring).
VARIANTS = ("paper", "authors")
#: Floating-point types a model may use.
DTYPES = {"float32": torch.float32, "float64": torch.float64}


def check_dtype(dtype: str | torch.dtype) -> torch.dtype:
    """``dtype`` as a torch floating type among :data:`DTYPES` (a name or the type itself)."""
    if isinstance(dtype, torch.dtype) and dtype in DTYPES.values():
        return dtype
    return DTYPES[check_choice("dtype", dtype, DTYPES)]


def _weight(rows: int, cols: int, generator: torch.Generator, dtype: torch.dtype) -> nn.Parameter:
    """A rows × cols weight with N(0, 1/cols) entries (cols = fan-in), drawn on the CPU from ``generator``."""
    return nn.Parameter(torch.randn(rows, cols, generator=generator, dtype=torch.float64).to(dtype) / math.sqrt(cols))


class _Dense(nn.Module):
    """x ↦ x Wᵀ + b (b optional, zero at initialisation)."""

    def __init__(self, fan_in: int, fan_out: int, bias: bool, generator: torch.Generator, dtype: torch.dtype):
        super().__init__()
        self.weight = _weight(fan_out, fan_in, generator, dtype)
        self.bias = nn.Parameter(torch.zeros(fan_out, dtype=dtype)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x @ self.weight.T
        return out if self.bias is None else out + self.bias


class LinearAttention(nn.Module):
    """The paper's linear attention (docs/theory/lu2024.md §3.2), exactly ŷ = ⟨Γ, H_Z⟩.

    ``key`` and ``query`` are h × (d+1) (h = d+1: W = KᵀQ is any (d+1) × (d+1) matrix);
    ``value_label`` is v₂, the weight of the labels in the value's label row.
    """

    def __init__(self, d: int, generator: torch.Generator, dtype: torch.dtype):
        super().__init__()
        self.d = d
        self.key = _weight(d + 1, d + 1, generator, dtype)
        self.query = _weight(d + 1, d + 1, generator, dtype)
        self.value_label = nn.Parameter(torch.ones((), dtype=dtype))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        ell = tokens.shape[1] - 1
        context, query = tokens[:, :ell], tokens[:, ell]
        keys = context @ self.key.T  # (b, ℓ, h)
        scores = keys @ (query @ self.query.T)[:, :, None]  # (b, ℓ, 1): (K z_i)·(Q z_q)
        return self.value_label * (context[:, :, -1:] * scores).sum(dim=(1, 2)) / ell

    def gamma(self) -> torch.Tensor:
        """The reduced Γ (d × (d+1)) with ŷ = xᵀ Γ [s; q]: Γ = [v₂ W₁₁ᵀ/d, v₂ w₂₁], W = KᵀQ."""
        d = self.d
        W = self.key.T @ self.query
        return self.value_label * torch.cat([W[:d, :d].T / d, W[d, :d, None]], dim=1)


class AuthorsLinearAttention(nn.Module):
    """The authors' Fig. 5A linear attention: dense Q, K, V (d+1 → d, bias), no mask, (QKᵀ/√h)V, dense read-out."""

    def __init__(self, d: int, generator: torch.Generator, dtype: torch.dtype):
        super().__init__()
        self.width = d
        self.query, self.key, self.value = (_Dense(d + 1, d, True, generator, dtype) for _ in range(3))
        self.readout = _Dense(d, 1, True, generator, dtype)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        q = self.query(tokens[:, -1])  # only the query's output is read
        scores = self.key(tokens) @ q[:, :, None] / math.sqrt(self.width)  # (b, ℓ+1, 1), every token
        return self.readout((scores * self.value(tokens)).sum(dim=1))[:, 0]


class _Sublayer(nn.Module):
    """A residual sublayer with post-LayerNorm: LN(x + f(x)), or the authors' LN₂(r + LN₁(r)), r = x + f(x)."""

    def __init__(self, inner: nn.Module, width: int, twice: bool, dtype: torch.dtype):
        super().__init__()
        self.inner = inner
        self.norms = nn.ModuleList(nn.LayerNorm(width, dtype=dtype) for _ in range(1 + twice))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r = x + self.inner(x)
        if len(self.norms) == 1:
            return self.norms[0](r)
        return self.norms[1](r + self.norms[0](r))


class _CausalSelfAttention(nn.Module):
    """Single-head causal softmax attention, Q/K/V h → h without bias, scores scaled by 1/√h."""

    def __init__(self, width: int, generator: torch.Generator, dtype: torch.dtype):
        super().__init__()
        self.width = width
        self.query, self.key, self.value = (_Dense(width, width, False, generator, dtype) for _ in range(3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.scaled_dot_product_attention(self.query(x), self.key(x), self.value(x), is_causal=True)


class _MLP(nn.Module):
    """The paper's MLP (dense, GELU, dense) or the authors' single dense map."""

    def __init__(self, width: int, linear: bool, generator: torch.Generator, dtype: torch.dtype):
        super().__init__()
        self.first = _Dense(width, width, True, generator, dtype)
        self.second = None if linear else _Dense(width, width, True, generator, dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.first(x)
        return x if self.second is None else self.second(nn.functional.gelu(x))


class SoftmaxTransformer(nn.Module):
    """Blocks of causal softmax attention (with an MLP sublayer each if ``mlp``), read out at the query."""

    def __init__(self, d: int, blocks: int, mlp: bool, variant: str, generator: torch.Generator, dtype: torch.dtype):
        super().__init__()
        width, authors = d, variant == "authors"
        self.embed = _Dense(d + 1, width, True, generator, dtype)
        layers = []
        for _ in range(blocks):
            layers.append(_Sublayer(_CausalSelfAttention(width, generator, dtype), width, authors, dtype))
            if mlp:
                layers.append(_Sublayer(_MLP(width, authors, generator, dtype), width, authors, dtype))
        self.layers = nn.Sequential(*layers)
        self.readout = _Dense(width, 1, True, generator, dtype)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.readout(self.layers(self.embed(tokens))[:, -1])[:, 0]


def build_model(architecture: str, d: int, *, generator: torch.Generator, variant: str = "paper",
                dtype: str | torch.dtype = torch.float32, device: str = "cpu") -> nn.Module:
    """The model ``architecture`` (:data:`ARCHITECTURES`) for token dimension d ≥ 2, in ``variant`` (:data:`VARIANTS`).

    Initial parameters are drawn on the CPU from ``generator`` (the same model on every device), then moved to
    ``device``.
    """
    blocks, mlp = ARCHITECTURES[check_choice("architecture", architecture, ARCHITECTURES)]
    d = check_int("d", d, 2)
    variant = check_choice("variant", variant, VARIANTS)
    dtype = check_dtype(dtype)
    dev = check_device(device)
    if generator.device.type != "cpu":
        raise ParameterError("generator", "a CPU generator (initial parameters are drawn on the CPU)",
                             generator.device)
    if blocks == 0:
        model = (LinearAttention if variant == "paper" else AuthorsLinearAttention)(d, generator, dtype)
    else:
        model = SoftmaxTransformer(d, blocks, mlp, variant, generator, dtype)
    return model.to(dev)
