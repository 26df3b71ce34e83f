"""Devices: a requested torch device, checked to exist here."""

from __future__ import annotations

import torch

from icl_sym.core.validation import ParameterError

__all__ = ["check_device"]


def check_device(device: str) -> torch.device:
    """``device`` as a torch device, if it exists and is available here."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ParameterError("device", "a torch device such as cpu or cuda", device) from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ParameterError("device", "an available device (cuda is not available here; use cpu)", device)
    if dev.type not in ("cpu", "cuda"):
        raise ParameterError("device", "cpu or cuda", device)
    return dev
