"""Distinct degree-2 monomials of feature rows: the building block of Gram matrices computed at half the flops."""

from __future__ import annotations

import torch

__all__ = ["degree2_monomials"]


def degree2_monomials(v: torch.Tensor) -> torch.Tensor:
    """The distinct degree-2 monomials v_i v_j (i ≤ j) of each row of ``v``, ordered like ``torch.triu_indices``."""
    n, m = v.shape
    out = torch.empty(n, m * (m + 1) // 2, dtype=v.dtype, device=v.device)
    start = 0
    for i in range(m):  # contiguous slice products: several times faster than gathering columns
        torch.mul(v[:, i : i + 1], v[:, i:], out=out[:, start : start + m - i])
        start += m - i
    return out
