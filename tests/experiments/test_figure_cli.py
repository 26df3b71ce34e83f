"""``icl-sym figure``: files, resumption, progress, and bad input as one line with exit code 2."""

import contextlib

import pytest

from icl_sym import cli


def run(capsys, *args):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["figure", *args])
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def test_theory_only(capsys, tmp_path):
    code, out, _ = run(capsys, "lu2024.fig4", "--no-sim", "--out", str(tmp_path))
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lu2024_fig4.csv", "lu2024_fig4.png"]


def test_quick_figure_with_simulations_resumes(capsys, tmp_path):
    args = ("lu2024.fig1", "--draws", "1", "--workers", "1", "--seed", "2", "--out", str(tmp_path))
    code, out, _ = run(capsys, *args)
    assert code == 0, out
    # 39 distinct points at d = 8, 16, 32; the table shows one convergence row per d.
    assert "117 of 117 draws simulated now" in out and "0.0089 GB" in out
    assert all(f"│ {d} " in out for d in (8, 16, 32))
    rows = (tmp_path / "lu2024_fig1_sim.csv").read_text().splitlines()
    assert len(rows) == 1 + 117
    code, out, _ = run(capsys, *args)
    assert code == 0 and "0 of 117 draws simulated now" in out
    assert (tmp_path / "lu2024_fig1_sim.csv").read_text().splitlines() == rows


def test_dims_choose_the_simulated_dimensions(capsys, tmp_path):
    code, out, _ = run(capsys, "lu2024.fig1", "--dims", "4,6", "--draws", "1", "--workers", "1", "--out", str(tmp_path))
    assert code == 0, out
    rows = (tmp_path / "lu2024_fig1_sim.csv").read_text().splitlines()
    header = rows[0].split(",")
    assert {float(r.split(",")[header.index("d")]) for r in rows[1:]} == {4.0, 6.0}


def test_incompatible_result_file_is_one_line(capsys, tmp_path):
    (tmp_path / "lu2024_fig1_sim.csv").write_text("a,b\n1,2\n")
    code, _, err = run(capsys, "lu2024.fig1", "--workers", "1", "--out", str(tmp_path))
    assert code == 2 and "has columns ['a', 'b']" in err and "remove the file" in err


@pytest.mark.parametrize("args, message", [
    (("lu2024.fig9",), "figure must be one of bordelon2025.fig1, bordelon2025.fig2"),
    (("lu2024.fig1", "--mode", "fast"), "--mode must be one of quick, full"),
    (("lu2024.fig1", "--device", "tpu"), "device must be"),
    (("lu2024.fig1", "--draws", "0"), "draws must be an integer >= 1"),
    (("lu2024.fig1", "--dims", "50,x"), "--dims must be comma-separated integers"),
    (("lu2024.fig1", "--dims", "1,8"), "d must be an integer >= 2"),
    (("lu2024.fig1", "--seed", "-1"), "seed must be an integer >= 0"),
    (("lu2024.fig1", "--workers", "0"), "--workers must be an integer >= 1"),
    (("lu2024.fig1", "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"), "not both"),
])
def test_bad_input_one_line_exit_2(capsys, tmp_path, args, message):
    code, _, err = run(capsys, *args, "--out", str(tmp_path / "out"))
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()  # rejected before anything is written


def _recorded(monkeypatch):
    """Route the command line's rich output to a recording console (what a terminal would show)."""
    import io

    from rich.console import Console

    console = Console(width=200, record=True, file=io.StringIO())
    monkeypatch.setattr(cli, "out", console)
    return console


def test_simulated_figure_shows_a_progress_bar_fed_to_the_end(capsys, monkeypatch, tmp_path):
    console = _recorded(monkeypatch)
    calls = []
    bar = cli._sweep_progress

    @contextlib.contextmanager
    def spied(name):  # the bar the command opens, with every progress(done, total) it receives recorded
        with bar(name) as report:
            yield lambda done, total: (calls.append((done, total)), report(done, total))

    monkeypatch.setattr(cli, "_sweep_progress", spied)
    code, _, err = run(capsys, "lu2024.fig1", "--dims", "4", "--draws", "1", "--workers", "1", "--out", str(tmp_path))
    assert code == 0, err
    assert calls[0] == (0, 39) and calls[-1] == (39, 39) and [d for d, _ in calls] == list(range(40))
    text = console.export_text()
    assert "39/39 draws" in text and "elapsed" in text and "left" in text


def test_theory_only_figure_announces_no_draws_and_no_workers(capsys, monkeypatch, tmp_path):
    console = _recorded(monkeypatch)
    code, _, err = run(capsys, "lu2024.fig4", "--no-sim", "--out", str(tmp_path))
    assert code == 0, err
    text = console.export_text()
    assert "figure: " in text and "theory: " in text
    assert "draw" not in text and "worker" not in text and "simulations" not in text
