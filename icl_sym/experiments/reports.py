"""Result tables written as Markdown files with the command that regenerates them (``python -m <module>``)."""

from __future__ import annotations

import argparse
import datetime
from pathlib import Path
from typing import Callable

from icl_sym.files import write_atomically

__all__ = ["write_report"]


def write_report(module: str, filename: str, build: Callable[[str, str], str], *, default_out: str,
                 description: str, argv: list[str] | None = None) -> Path:
    """Parse ``[--out DIR]`` from ``argv`` and write ``build(command, date)`` to ``DIR/filename``.

    ``command`` is the command line that regenerates the file (``--out`` only when not ``default_out``), ``date``
    today's ISO date; the file is replaced atomically. Returns its path.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", default=default_out)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    command = f"python -m {module}" + ("" if args.out == default_out else f" --out {args.out}")
    path = out / filename
    write_atomically(path, build(command, datetime.date.today().isoformat()))
    return path
