"""What every benchmark shares: timers that respect asynchronous devices, a machine description, the results file."""

from __future__ import annotations

import datetime
import os
import platform
import sys
import time
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


def best_of(fn: Callable[[], T], repeats: int = 3, device: str | None = None) -> tuple[T, float]:
    """The last value of ``repeats`` runs of ``fn`` and the fastest of their times."""
    runs = [timed(fn, device) for _ in range(repeats)]
    return runs[-1][0], min(seconds for _, seconds in runs)


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
