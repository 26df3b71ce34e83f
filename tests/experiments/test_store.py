"""Result files are written row by row and resume without recomputing or losing points."""

import pytest

from icl_sym.experiments.store import ResultStore

FIELDS = ("tau", "draw", "error")


def test_append_resume_and_skip(tmp_path):
    path = tmp_path / "sweep.csv"
    store = ResultStore(path, ("tau", "draw"), FIELDS)
    store.append({"tau": 0.5, "draw": 0, "error": 1.25})
    store.append({"tau": 0.5, "draw": 1, "error": 1.5})
    # An interrupted run leaves complete rows on disk; a new store sees them.
    again = ResultStore(path, ("tau", "draw"), FIELDS)
    assert len(again) == 2 and {"tau": 0.5, "draw": 1, "error": 0} in again
    again.append({"tau": 0.5, "draw": 1, "error": 99.0})  # already done: not written twice
    assert path.read_text().count("\n") == 3
    assert sorted(r["error"] for r in again.rows()) == [1.25, 1.5]


def test_mismatched_columns_refused(tmp_path):
    path = tmp_path / "sweep.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="has columns"):
        ResultStore(path, ("tau",), FIELDS)
