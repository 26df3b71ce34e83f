"""Incremental, resumable result files: one CSV row per finished result, flushed as it is written.

A sweep opens a :class:`ResultStore`, skips the keys it already holds, and
appends each new result as soon as it exists, so an interrupted run loses at
most the results in flight and a rerun continues where it stopped.

A crash in the middle of an append leaves a torn last line (no line end, or the
wrong number of fields); opening the store cuts the file back to its last
complete row, so that result is recomputed instead of being glued to the next
one. A malformed row anywhere else is corruption the store refuses to guess about.
"""

from __future__ import annotations

import csv
import io
import math
import os
import warnings
from pathlib import Path
from typing import Iterable, Mapping

from icl_sym.files import check_output_path, output_errors

__all__ = ["ResultStore", "IncompatibleStoreError", "CorruptStoreError", "TornRowWarning"]


def _key_text(value) -> str:
    return repr(float(value)) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


class IncompatibleStoreError(ValueError):
    """The file exists with other columns (another kind of result, or an older layout)."""


class CorruptStoreError(IncompatibleStoreError):
    """A row before the last has the wrong number of fields: the file was damaged, not just interrupted."""


class TornRowWarning(UserWarning):
    """The last row of a result file was torn by an interrupted write and has been removed."""


class ResultStore:
    """Rows keyed by ``key_fields``; ``fields`` fixes the CSV columns (keys first)."""

    def __init__(self, path: Path | str, key_fields: Iterable[str], fields: Iterable[str]):
        self.path = Path(path)
        self.key_fields = tuple(key_fields)
        self.fields = tuple(fields)
        missing = set(self.key_fields) - set(self.fields)
        if missing:
            raise ValueError(f"key_fields {sorted(missing)} must be among the fields")
        self._rows: dict[tuple, dict] = {}
        check_output_path(self.path)
        if self.path.exists():
            with output_errors(self.path):
                self._load()

    def _load(self) -> None:
        data = self.path.read_bytes()
        header_end = data.find(b"\n") + 1
        if header_end:  # a complete header must be ours before anything in the file is touched
            header = next(csv.reader(io.StringIO(data[:header_end].decode())), [])
            if tuple(header) != self.fields:
                raise IncompatibleStoreError(f"{self.path} has columns {header}, expected {list(self.fields)}: "
                                             "use another output folder or remove the file")
        elif data and not ",".join(self.fields).startswith(data.decode(errors="replace")):
            raise IncompatibleStoreError(f"{self.path} is not a result file with columns {list(self.fields)} "
                                         "(one line, no line end): use another output folder or remove the file")
        complete = self._repair_torn_end(data)
        lines = data[header_end:complete].decode().splitlines(keepends=True)
        for number, values in enumerate(csv.reader(lines), start=2):
            if len(values) != len(self.fields):
                raise CorruptStoreError(f"{self.path} line {number} has {len(values)} fields, expected "
                                        f"{len(self.fields)}: the file is damaged before its last row; "
                                        "repair or remove it")
            row = dict(zip(self.fields, values))
            self._rows[self.key(row)] = row

    def _repair_torn_end(self, data: bytes) -> int:
        """Cut a torn last line (no line end, or a data line of the wrong width) off the file; its new length."""
        end = data.rfind(b"\n") + 1  # everything after the last line end is an unfinished write
        if end:
            last_start = data.rfind(b"\n", 0, end - 1) + 1
            last = next(csv.reader(io.StringIO(data[last_start:end].decode())), [])
            if last_start and len(last) != len(self.fields):
                end = last_start
        if end < len(data):
            with self.path.open("r+b") as fh:
                fh.truncate(end)
                fh.flush()
                os.fsync(fh.fileno())
            warnings.warn(f"{self.path}: removed a torn last row left by an interrupted write "
                          f"({len(data) - end} bytes); that result will be recomputed", TornRowWarning, stacklevel=4)
        return end

    def key(self, row: Mapping) -> tuple:
        """The identity of a row: its key fields as canonical text."""
        return tuple(_key_text(_parse(row[k])) for k in self.key_fields)

    def __contains__(self, row: Mapping) -> bool:
        return self.key(row) in self._rows

    def __len__(self) -> int:
        return len(self._rows)

    def rows(self) -> list[dict]:
        """Every stored row, values parsed back to numbers where they are numbers."""
        return [{k: _parse(v) for k, v in row.items()} for row in self._rows.values()]

    def append(self, row: Mapping) -> None:
        """Write one row now (flushed and synced), unless its key is already stored."""
        if row in self:
            return
        check_output_path(self.path)
        with output_errors(self.path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            new_file = not self.path.exists() or self.path.stat().st_size == 0
            text = io.StringIO()
            writer = csv.DictWriter(text, fieldnames=self.fields)
            if new_file:
                writer.writeheader()
            writer.writerow({k: row[k] for k in self.fields})
            with self.path.open("a", newline="") as fh:
                fh.write(text.getvalue())  # one write: a crash tears at most this row, repaired on reopening
                fh.flush()
                os.fsync(fh.fileno())
        self._rows[self.key(row)] = {k: str(row[k]) for k in self.fields}


def _parse(value):
    if not isinstance(value, str):
        return value
    try:
        number = float(value)
    except ValueError:
        return value
    return number if not math.isnan(number) or value.lower() == "nan" else value
