"""Incremental, resumable result files: one CSV row per finished result, flushed as it is written.

A sweep opens a :class:`ResultStore`, skips the keys it already holds, and
appends each new result as soon as it exists, so an interrupted run loses at
most the results in flight and a rerun continues where it stopped.
"""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path
from typing import Iterable, Mapping

__all__ = ["ResultStore", "IncompatibleStoreError"]


def _key_text(value) -> str:
    return repr(float(value)) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


class IncompatibleStoreError(ValueError):
    """The file exists with other columns (another kind of result, or an older layout)."""


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
        if self.path.exists():
            self._load()

    def _load(self) -> None:
        with self.path.open(newline="") as fh:
            reader = csv.DictReader(fh)
            if tuple(reader.fieldnames or ()) != self.fields:
                raise IncompatibleStoreError(f"{self.path} has columns {reader.fieldnames}, expected {list(self.fields)}: "
                                 "use another output folder or remove the file")
            for row in reader:
                self._rows[self.key(row)] = row

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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new_file = not self.path.exists() or self.path.stat().st_size == 0
        with self.path.open("a", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=self.fields)
            if new_file:
                writer.writeheader()
            writer.writerow({k: row[k] for k in self.fields})
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
