"""What every benchmark shares: timers that respect asynchronous devices, a machine description, the results file."""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, TypeVar

T = TypeVar("T")

RESULTS = Path(__file__).parent / "results"


def _synchronize(device: str | None) -> None:
    if device is not None and device.startswith("cuda"):
        import torch

        torch.cuda.synchronize(device)


def timed(fn: Callable[[], T], device: str | None = None) -> tuple[T, float]:
    """``fn()`` and its wall time in seconds (waiting for ``device``'s queued kernels, if it is a GPU)."""
    _synchronize(device)
    start = time.perf_counter()
    value = fn()
    _synchronize(device)
    return value, time.perf_counter() - start


@dataclass(frozen=True)
class Timing:
    """Wall times of repeated runs of one thing (seconds), summarised by the median and the spread."""

    seconds: tuple[float, ...]
    warmup: int

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def low(self) -> float:
        return min(self.seconds)

    @property
    def high(self) -> float:
        return max(self.seconds)

    @property
    def spread(self) -> float:
        """(max − min) / median: how much the runs disagree."""
        return (self.high - self.low) / self.median

    def __str__(self) -> str:
        """``median [min–max]`` with 3 decimals, the table-cell form."""
        return f"{self.median:.3f} [{self.low:.3f}–{self.high:.3f}]"

    def __float__(self) -> float:
        return self.median


def repeat_timed(fn: Callable[[], T], repeats: int = 7, warmup: int = 1,
                 device: str | None = None) -> tuple[T, Timing]:
    """The last value of ``fn()`` and the times of ``repeats`` runs after ``warmup`` untimed ones.

    The warm-up absorbs first-call costs (thread-pool start, allocator growth, lazy imports) that
    would otherwise make one run of a repeated measurement several times slower than the others.
    """
    if repeats < 1 or warmup < 0:
        raise ValueError("repeats must be >= 1 and warmup >= 0")
    for _ in range(warmup):
        timed(fn, device)
    runs = [timed(fn, device) for _ in range(repeats)]
    return runs[-1][0], Timing(tuple(seconds for _, seconds in runs), warmup)


def best_of(fn: Callable[[], T], repeats: int = 3, device: str | None = None) -> tuple[T, float]:
    """The last value of ``repeats`` runs of ``fn`` and the fastest of their times."""
    value, timing = repeat_timed(fn, repeats, warmup=0, device=device)
    return value, timing.low


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            return next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown CPU"


def machine(device: str = "cpu") -> str:
    """The processor (and GPU, for a CUDA ``device``), core count and Python, one line."""
    text = f"{platform.machine()}, {os.cpu_count()} cores, {cpu_name()}; Python {platform.python_version()}"
    if "torch" in sys.modules or device != "cpu":
        import torch

        text += f", torch {torch.__version__} ({torch.get_num_threads()} threads)"
        if device.startswith("cuda"):
            text += f"; GPU {torch.cuda.get_device_name(device)}, CUDA {torch.version.cuda}"
    return text


def write_results(name: str, title: str, facts: Iterable[str], body: str, device: str = "cpu",
                  path: Path | None = None) -> Path:
    """Write ``results/<name>.md`` (or ``path``): the title, date, machine, the command that ran, ``facts`` (one
    bullet each), ``body``."""
    path = RESULTS / f"{name}.md" if path is None else Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"# {title}", "", f"- date: {datetime.date.today().isoformat()}", f"- machine: {machine(device)}",
             f"- command: `{' '.join(['python', *sys.argv])}`", *(f"- {fact}" for fact in facts), "", body]
    path.write_text("\n".join(lines).rstrip() + "\n")
    return path
