"""README's code blocks run: every Python block, and every command of the tour."""

import re
import shlex
from pathlib import Path

import pytest

from icl_sym import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)
TOUR = re.search(r"## A short tour\n\n```bash\n(.*?)```", README, flags=re.S).group(1)
#: Tour commands another test runs as they stand: `check` (all) and `check lu2024.limits` in
#: tests/test_cli.py, `figure` in tests/experiments/test_figure_cli.py.
ELSEWHERE = ("icl-sym check  ", "icl-sym check lu2024.limits", "icl-sym figure ")


@pytest.mark.parametrize("index", range(len(PYTHON_BLOCKS)))
def test_python_block_runs(index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # blocks may write files (figures)
    exec(compile(PYTHON_BLOCKS[index], f"README block {index}", "exec"), {"__name__": "__main__"})


def tour_commands():
    commands = [line.split("#")[0].strip() for line in TOUR.splitlines()]
    return [c for c in commands if c and not (c + "  ").startswith(ELSEWHERE) and not c.startswith(ELSEWHERE)]


@pytest.mark.parametrize("command", tour_commands())
def test_tour_command_runs(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(shlex.split(command)[1:])
    assert exit_info.value.code == 0, capsys.readouterr().err


def test_the_tour_is_all_covered():
    assert len(PYTHON_BLOCKS) == 2 and len(tour_commands()) == 21
