"""Devices: a requested torch device, checked to exist here; the number of CPU threads a block uses."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

from icl_sym.core.validation import ParameterError, check_int

__all__ = ["check_device", "torch_threads"]


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


@contextlib.contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Run the block on ``threads`` torch intra-op threads, restoring the previous count after.

    Small models train faster on one thread each (threads contend on a shared machine); parallelism
    then comes from running points side by side in processes.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(check_int("threads", threads, 1))
    try:
        yield
    finally:
        torch.set_num_threads(previous)
