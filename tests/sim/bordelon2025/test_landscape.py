"""The Monte Carlo Γ = γI landscape: exact against Result 6 at α = ∞, its untied form and gradients."""

import math

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

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


def test_minimum_is_found_beyond_the_step_that_contracts_every_context():
    """At D = 16, L = 2, P = 6 the minimum of the mean lies past 2L/max s: the search must not stop there."""
    landscape = IsotropicLandscape(make_spec("rrs", 16, 6 / 16, nu=1.5, beta=1.0), 2, contexts=2000, seed=0)
    contracting = 2 * landscape.depth / landscape.top
    loss, gamma = landscape.minimum()
    assert gamma > 1.3 * contracting
    # an independent dense scan over twice the search bound finds nothing lower
    dense = np.linspace(0.0, 2 * landscape.search_bound(), 3001)
    values = np.array([landscape.loss(g) for g in dense])
    assert loss <= values.min() * (1 + 1e-12)
    assert loss == pytest.approx(values.min(), rel=1e-4) and gamma == pytest.approx(dense[values.argmin()], abs=1e-3)
    assert landscape.slope(gamma) == pytest.approx(0.0, abs=1e-8)
    # mutation: the old search, bounded by the contracting step, stops well above the minimum
    stopped = minimize_scalar(landscape.loss, bounds=(0.0, contracting), method="bounded").fun
    assert stopped > 1.1 * loss
    # the untied search starts from the tied minimiser and can only improve on it
    assert landscape.untied_minimum()[0] < loss


def test_search_bound_holds_every_minimiser():
    """Past the bound the landscape never falls below ℓ(0), and the minimiser lies inside it."""
    for spec, depth in ((make_spec("rrs", 16, 6 / 16, nu=1.5, beta=1.0), 2), (make_spec("rrs", 10, 2.0), 3),
                        (make_spec("iso", 8, 1.5), 1)):
        landscape = IsotropicLandscape(spec, depth, contexts=300, seed=1)
        upper = landscape.search_bound()
        beyond = upper * np.geomspace(1.0, 1e3, 200)
        assert min(landscape.loss(g) for g in beyond) >= landscape.loss(0.0)
        assert 0 < landscape.minimum()[1] < upper
        assert landscape._envelope(upper)[0] <= landscape.loss(upper)  # the envelope is a lower bound
