"""The Monte Carlo Γ = γI landscape: exact against Result 6 at α = ∞, its untied form and gradients."""

import math

import numpy as np
import pytest

from icl_sym.sim.bordelon2025.data import make_spec
from icl_sym.sim.bordelon2025.landscape import IsotropicLandscape
from icl_sym.theories.bordelon2025.rotated_structure import rrs_depth_floor, rrs_gamma, rrs_loss
from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum


def test_population_landscape_is_result_6_exactly():
    spectrum = power_law_spectrum(12, 1.5, 0.8)
    landscape = IsotropicLandscape(make_spec("rrs", 12, math.inf, nu=1.5, beta=0.8), depth=3, contexts=20)
    for gamma in (0.0, 0.7, 2.5):
        want = rrs_loss(np.array([gamma]), 3, spectrum.eigenvalues, spectrum.weights)[0]
        assert landscape.loss(gamma) == pytest.approx(want, rel=1e-12)
    assert landscape.loss_se(1.0) < 1e-12  # every rotated context gives the same loss
    times = np.array([0.5, 5.0, 50.0])
    np.testing.assert_allclose(landscape.flow(times), rrs_gamma(times, 3, spectrum.eigenvalues, spectrum.weights),
                               rtol=1e-6)
    floor = rrs_depth_floor(3, spectrum.eigenvalues, spectrum.weights)
    loss, gamma = landscape.minimum()
    assert loss == pytest.approx(floor.loss, rel=1e-9) and gamma == pytest.approx(floor.gamma, rel=1e-4)


def test_untied_landscape_gradient_and_symmetric_line():
    landscape = IsotropicLandscape(make_spec("rrs", 10, 3.0, nu=1.5, beta=1.0), depth=3, contexts=200, seed=4)
    steps = np.array([0.8, 1.9, 3.1])
    eps = 1e-6
    numeric = [(landscape.untied_loss(steps + eps * e) - landscape.untied_loss(steps - eps * e)) / (2 * eps)
               for e in np.eye(3)]
    np.testing.assert_allclose(landscape._untied_gradient(steps), numeric, rtol=1e-6)
    assert landscape.untied_loss([1.3] * 3) == pytest.approx(landscape.loss(1.3), rel=1e-13)
    # the symmetric derivative is L times each untied one: untied layers at rate η follow the tied flow at η/L
    assert landscape.slope(1.3) == pytest.approx(landscape._untied_gradient(np.full(3, 1.3)).sum(), rel=1e-10)
    # untied steps can only do better than the best tied step
    assert landscape.untied_minimum()[0] < landscape.minimum()[0]
    with pytest.raises(ValueError, match="depth = 3"):
        landscape.untied_loss([1.0, 2.0])


def test_flow_reaches_a_last_time_where_math_and_numpy_log1p_differ():
    t = np.array([1.0, 140.62500000000006])  # math.log1p exceeds np.log1p here by one ulp
    landscape = IsotropicLandscape(make_spec("rrs", 6, 4.0, nu=1.75, beta=0.5), 2, contexts=20, seed=0)
    gamma = landscape.flow(t)
    assert np.all(np.isfinite(gamma)) and gamma[1] > gamma[0] > 0
