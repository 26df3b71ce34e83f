"""Samplers for in-context linear regression (Lu et al. 2025, §"Setup"), in PyTorch.

Device, dtype and the random generator are explicit arguments: nothing global,
every draw reproducible from its seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from icl_sym.core.validation import ParameterError, Range, check_array, check_int

__all__ = ["Contexts", "sphere_tasks", "sample_contexts", "make_generator"]


def make_generator(seed: int, device: str | torch.device = "cpu") -> torch.Generator:
    """A torch generator on ``device`` seeded with ``seed``."""
    gen = torch.Generator(device=device)
    gen.manual_seed(check_int("seed", seed, 0))
    return gen


def sphere_tasks(k: int, d: int, *, generator: torch.Generator, dtype=torch.float64) -> torch.Tensor:
    """``k`` task vectors drawn uniformly on the sphere of radius √d, shape ``(k, d)``."""
    check_int("k", k, 1)
    check_int("d", d, 1)
    g = torch.randn(k, d, generator=generator, dtype=dtype, device=generator.device)
    return g * (d**0.5 / g.norm(dim=1, keepdim=True))


@dataclass(frozen=True)
class Contexts:
    """A batch of contexts reduced to what the linear model sees.

    ``s = (d/ℓ) Σ y_i x_i`` and ``q = (1/ℓ) Σ y_i²`` (the features h = [s; q]),
    the query input ``x`` and its noisy label ``y``; ``w`` are the tasks used.
    """

    s: torch.Tensor  # (n, d)
    q: torch.Tensor  # (n,)
    x: torch.Tensor  # (n, d)
    y: torch.Tensor  # (n,)
    w: torch.Tensor  # (n, d)

    @property
    def h(self) -> torch.Tensor:
        """The features h = [s; q], shape (n, d + 1)."""
        return torch.cat([self.s, self.q[:, None]], dim=1)


def sample_contexts(
    tasks: torch.Tensor, ell: int, rho: float, *, generator: torch.Generator, chunk: int = 4096
) -> Contexts:
    """One context per row of ``tasks`` (shape (n, d)): ℓ examples and a query, inputs N(0, I/d), label noise N(0, ρ).

    Samples every token (the direct sampler); memory is bounded by ``chunk`` contexts at a time.
    """
    if tasks.ndim != 2:
        raise ParameterError("tasks", "a 2-d tensor of shape (n, d)", tuple(tasks.shape))
    n, d = tasks.shape
    ell = check_int("ell", ell, 1)
    rho = float(check_array("rho", rho, Range(0)))
    opts = dict(generator=generator, dtype=tasks.dtype, device=tasks.device)
    parts = []
    for start in range(0, n, chunk):
        w = tasks[start : start + chunk]
        m = w.shape[0]
        X = torch.randn(m, ell + 1, d, **opts) / d**0.5
        y = torch.einsum("mid,md->mi", X, w) + rho**0.5 * torch.randn(m, ell + 1, **opts)
        s = (d / ell) * torch.einsum("mi,mid->md", y[:, :ell], X[:, :ell])
        q = (y[:, :ell] ** 2).mean(dim=1)
        parts.append((s, q, X[:, ell], y[:, ell], w))
    return Contexts(*(torch.cat(p) for p in zip(*parts)))
