"""File output that never leaves a half-written file behind, and fails with one clear line when it cannot write."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

__all__ = ["OutputPathError", "check_output_path", "output_errors", "write_atomically"]


class OutputPathError(ValueError):
    """An output path cannot be written: it is a folder, lies under a regular file, or is not writable."""

    def __init__(self, path: Path | str, problem: str):
        self.path, self.problem = Path(path), problem
        super().__init__(f"cannot write {self.path}: {problem}")

    def __reduce__(self):  # picklable across process pools, with its two arguments
        return type(self), (self.path, self.problem)


def check_output_path(path: Path | str) -> Path:
    """``path`` as a Path if a file can be created or replaced there; else :class:`OutputPathError`.

    Checks what can be known without writing: ``path`` is not a folder and no existing
    ancestor is anything but a folder. Permissions are found out by writing (:func:`output_errors`).
    """
    path = Path(path)
    if path.is_dir():
        raise OutputPathError(path, "it is a folder, not a file")
    for ancestor in path.parents:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise OutputPathError(path, f"{ancestor} is a file, not a folder")
            break
    return path


@contextmanager
def output_errors(path: Path) -> Iterator[None]:
    """Turn an operating-system error while writing ``path`` into :class:`OutputPathError`."""
    try:
        yield
    except OutputPathError:
        raise
    except (IsADirectoryError, NotADirectoryError, FileExistsError) as exc:
        raise OutputPathError(path, f"a folder or file is in the way ({exc.strerror or exc})") from None
    except PermissionError as exc:
        raise OutputPathError(path, f"not writable ({exc.strerror or exc})") from None
    except OSError as exc:
        raise OutputPathError(path, exc.strerror or str(exc)) from None


def write_atomically(path: Path | str, text: str | bytes) -> None:
    """Write ``path`` in one step (temporary file + rename): never a half-written file.

    Raises :class:`OutputPathError` (one line naming the path and the problem) when ``path``
    is a folder, lies under a regular file, or cannot be written; nothing is left behind then.
    """
    path = check_output_path(path)
    mode = "wb" if isinstance(text, bytes) else "w"
    with output_errors(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, mode) as fh:
                fh.write(text)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual permissions
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
