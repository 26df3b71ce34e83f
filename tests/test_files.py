"""Atomic file output: unwritable paths are one clear error, and nothing is ever left half-written."""

import os
import pickle
import stat

import pytest

from icl_sym.files import OutputPathError, write_atomically


def _leftovers(folder):
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_writes_and_replaces_in_one_step(tmp_path):
    path = tmp_path / "new" / "out.txt"
    write_atomically(path, "one")
    write_atomically(path, b"two")
    assert path.read_bytes() == b"two" and _leftovers(path.parent) == []


def test_a_folder_as_path_is_refused(tmp_path):
    (tmp_path / "out.csv").mkdir()
    with pytest.raises(OutputPathError, match=r"cannot write .*out\.csv: it is a folder, not a file$"):
        write_atomically(tmp_path / "out.csv", "x")
    assert _leftovers(tmp_path) == [] and list((tmp_path / "out.csv").iterdir()) == []


@pytest.mark.parametrize("depth", [1, 3])
def test_a_path_under_a_regular_file_is_refused(tmp_path, depth):
    (tmp_path / "plain").write_text("keep")
    path = tmp_path.joinpath("plain", *["sub"] * (depth - 1), "out.csv")
    with pytest.raises(OutputPathError, match="plain is a file, not a folder"):
        write_atomically(path, "x")
    assert (tmp_path / "plain").read_text() == "keep" and _leftovers(tmp_path) == []


def test_a_read_only_folder_is_refused(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        probe = folder / "probe"
        try:  # root (as in CI containers) ignores the mode: then this case cannot be produced with chmod
            probe.write_text("")
            probe.unlink()
            pytest.skip("running with a user that may write into read-only folders (root)")
        except PermissionError:
            pass
        with pytest.raises(OutputPathError, match="locked.out.csv: not writable"):
            write_atomically(folder / "out.csv", "x")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(stat.S_IRWXU)


def test_a_folder_the_system_refuses_is_a_one_line_error():
    """sysfs refuses new files to every user, root included: the not-writable case under root."""
    if not os.path.isdir("/sys/kernel"):
        pytest.skip("no sysfs here")
    with pytest.raises(OutputPathError, match="cannot write /sys/icl_sym_out.csv: ") as info:
        write_atomically("/sys/icl_sym_out.csv", "x")
    assert "\n" not in str(info.value) and not os.path.exists("/sys/icl_sym_out.csv")


def test_the_error_is_a_value_error_that_pickles(tmp_path):
    err = OutputPathError(tmp_path / "a.csv", "it is a folder, not a file")
    again = pickle.loads(pickle.dumps(err))
    assert isinstance(again, ValueError) and str(again) == str(err) and again.path == err.path
