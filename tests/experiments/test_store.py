"""Result files are written row by row and resume without recomputing or losing points."""

import pytest

from icl_sym.experiments.store import CorruptStoreError, IncompatibleStoreError, ResultStore, TornRowWarning
from icl_sym.files import OutputPathError

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


KEYS = ("tau", "draw")


def _three_rows(path):
    store = ResultStore(path, KEYS, FIELDS)
    for draw, error in enumerate((1.25, 1.5, 1.75)):
        store.append({"tau": 0.5, "draw": draw, "error": error})
    return path.read_bytes()


@pytest.mark.parametrize("cut", [1, 5, 9])
def test_torn_last_row_is_cut_off_and_recomputed(tmp_path, cut):
    """A crash mid-append leaves a prefix of the last row without its line end: it is removed on opening."""
    path = tmp_path / "sweep.csv"
    full = _three_rows(path)
    path.write_bytes(full[:-cut])  # the last row torn `cut` bytes before its end
    with pytest.warns(TornRowWarning, match="torn last row"):
        store = ResultStore(path, KEYS, FIELDS)
    assert len(store) == 2 and {"tau": 0.5, "draw": 2, "error": 0} not in store
    assert path.read_bytes() == full[: full.rstrip(b"\r\n").rfind(b"\n") + 1]  # back to the last complete row
    store.append({"tau": 0.5, "draw": 2, "error": 1.75})  # recomputed, on a line of its own
    assert path.read_bytes() == full
    assert sorted(r["error"] for r in ResultStore(path, KEYS, FIELDS).rows()) == [1.25, 1.5, 1.75]


def test_last_line_of_the_wrong_width_is_cut_off(tmp_path):
    path = tmp_path / "sweep.csv"
    full = _three_rows(path)
    path.write_bytes(full + b"0.5,3,1.5,0.5,4\r\n")  # two rows glued by an older writer, ended by a newline
    with pytest.warns(TornRowWarning):
        assert len(ResultStore(path, KEYS, FIELDS)) == 3
    assert path.read_bytes() == full


def test_torn_header_is_cut_off(tmp_path):
    path = tmp_path / "sweep.csv"
    path.write_bytes(b"tau,dr")
    with pytest.warns(TornRowWarning):
        store = ResultStore(path, KEYS, FIELDS)
    store.append({"tau": 0.5, "draw": 0, "error": 1.0})
    assert path.read_text().splitlines() == ["tau,draw,error", "0.5,0,1.0"]


def test_damage_before_the_last_row_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "sweep.csv"
    full = _three_rows(path)
    lines = full.splitlines(keepends=True)
    damaged = lines[0] + lines[1][:-4] + lines[2] + lines[3]  # row 2 lost its line end: glued to row 3
    path.write_bytes(damaged)
    with pytest.raises(CorruptStoreError, match="line 2 has 5 fields, expected 3"):
        ResultStore(path, KEYS, FIELDS)
    assert path.read_bytes() == damaged
    assert issubclass(CorruptStoreError, IncompatibleStoreError)


def test_other_files_are_never_truncated(tmp_path):
    path = tmp_path / "other.csv"
    for text in (b"a,b\n1,2", b"a,b"):
        path.write_bytes(text)
        with pytest.raises(IncompatibleStoreError):
            ResultStore(path, KEYS, FIELDS)
        assert path.read_bytes() == text


def test_unwritable_store_paths_are_one_line_errors(tmp_path):
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(OutputPathError, match="folder.csv: it is a folder"):
        ResultStore(tmp_path / "folder.csv", KEYS, FIELDS)
    (tmp_path / "plain").write_text("x")
    store_under_file = tmp_path / "plain" / "sweep.csv"
    with pytest.raises(OutputPathError, match="plain is a file, not a folder"):
        ResultStore(store_under_file, KEYS, FIELDS)
    store = ResultStore(tmp_path / "late.csv", KEYS, FIELDS)
    (tmp_path / "late.csv").mkdir()  # the path became a folder after opening
    with pytest.raises(OutputPathError, match="late.csv: it is a folder"):
        store.append({"tau": 0.5, "draw": 0, "error": 1.0})
