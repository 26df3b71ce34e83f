"""Theory figure recipes write a PNG and a CSV whose numbers are the theory's."""

import csv

import numpy as np
import pytest

from icl_sym.core.validation import ParameterError
from icl_sym.experiments.lu2024 import RECIPES, make_figure
from icl_sym.theories.lu2024.asymptotics import e_icl


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_quick_figure_files(name, tmp_path):
    csv_path, png_path = make_figure(name, "quick", tmp_path)
    assert png_path.read_bytes()[:4] == b"\x89PNG"
    rows = list(csv.DictReader(csv_path.open()))
    assert len(rows) > 50 and set(rows[0]) == {"panel", "curve", "x", "y"}


def test_fig1_csv_holds_theory_values(tmp_path):
    csv_path, _ = make_figure("lu2024.fig1", "quick", tmp_path)
    rows = [r for r in csv.DictReader(csv_path.open()) if r["panel"].startswith("A") and r["curve"] == "α = 10"]
    tau = np.array([float(r["x"]) for r in rows])
    np.testing.assert_allclose([float(r["y"]) for r in rows], e_icl(tau, 10, 0.5, 0.01, 0.0), rtol=1e-14)


def test_bad_figure_and_mode(tmp_path):
    with pytest.raises(ParameterError, match="figure must be one of lu2024.fig1"):
        make_figure("lu2024.fig9", "quick", tmp_path)
    with pytest.raises(ParameterError, match="--mode must be one of quick, full"):
        make_figure("lu2024.fig1", "fast", tmp_path)
