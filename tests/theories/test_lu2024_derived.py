"""Optimal context length, interpolation peak and phase maps against the numbers of docs/theory/lu2024.md §6.7."""

import numpy as np
import pytest

from icl_sym.core.validation import ParameterError
from icl_sym.theories.lu2024.asymptotics import e_icl
from icl_sym.theories.lu2024.derived import alpha_star_map, interpolation_peak, optimal_alpha

# docs/theory/lu2024.md §6.7 and the authors' Fig. 2 simulation grids (alpha* to three significant figures).
ALPHA_STAR = [
    ((0.5, 0.3, 0.5), "idg", 6.15), ((0.5, 0.5, 0.5), "idg", 5.62), ((0.5, 0.7, 0.5), "idg", 7.41),
    ((0.5, 0.2, 0.1), "icl", 2.31), ((0.5, 0.4, 0.1), "icl", 5.46), ((0.5, 0.5, 0.1), "icl", 9.61),
    ((0.5, 0.6, 0.1), "icl", 22.6), ((20, 0.25, 0.5), "icl", 4.68), ((20, 0.75, 0.5), "icl", 16.7),
    ((20, 1.0, 0.5), "icl", 45.1), ((20, 1.1, 0.5), "icl", 79.0),
]


@pytest.mark.parametrize("args, which, expected", ALPHA_STAR)
def test_optimal_alpha_matches_note(args, which, expected):
    assert optimal_alpha(*args, which=which) == pytest.approx(expected, rel=4e-3)


@pytest.mark.parametrize("args, which", [((0.5, 2.0, 0.5), "idg"), ((20, 2.0, 0.5), "icl"), ((0.5, 1.5, 0.1), "icl")])
def test_monotone_curves_have_no_optimum(args, which):
    assert np.isnan(optimal_alpha(*args, which=which))


def test_optimum_is_a_minimum():
    a = optimal_alpha(20, 0.75, 0.5)
    assert e_icl(20, a, 0.75, 0.5, 0) < min(e_icl(20, a * 0.99, 0.75, 0.5, 0), e_icl(20, a * 1.01, 0.75, 0.5, 0))


def test_phase_map_matches_pointwise_optimum():
    kappas, rhos = np.array([0.2, 0.6, 2.0]), np.array([0.1, 0.5])
    grid = np.logspace(-2, 3, 300)
    m = alpha_star_map(0.5, kappas, rhos, alphas=grid)
    assert m.shape == (3, 2) and np.isnan(m[2]).all()
    for i, k in enumerate(kappas[:2]):
        for j, r in enumerate(rhos):
            refined = optimal_alpha(0.5, k, r, alphas=grid)
            assert m[i, j] == pytest.approx(refined, rel=0.05)  # the map is on the grid (spacing 4%)


def test_interpolation_peak():
    assert interpolation_peak(10, 0.5, 0.01, 0.0) == 1.0  # the ridgeless pole
    peak = interpolation_peak(10, np.inf, 0.01, 1e-4)
    assert abs(peak - 1) < 0.01
    assert np.isnan(interpolation_peak(10, np.inf, 0.01, 1.0))  # a large ridge removes the peak


def test_bad_grid():
    with pytest.raises(ParameterError, match="alphas must be an increasing 1-d grid"):
        optimal_alpha(0.5, 0.5, 0.1, alphas=np.array([3.0, 2.0, 1.0]))
    with pytest.raises(ParameterError, match="which must be one of icl, idg"):
        optimal_alpha(0.5, 0.5, 0.1, which="foo")
