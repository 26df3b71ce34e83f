"""Power-law fits: exact slopes, error bars that see curvature, and an exponent check that bites."""

import numpy as np
import pytest
import sympy as sp

from icl_sym.core.fits import ExponentFit, fit_power_law
from icl_sym.core.validation import ParameterError

e = sp.Symbol("e")
X = np.logspace(1, 5, 41)


def test_exact_power_law_has_zero_error():
    fit = fit_power_law(X, 2.5 * X**-0.75)
    assert fit.slope == pytest.approx(-0.75, abs=1e-13)
    assert fit.intercept == pytest.approx(np.log(2.5), abs=1e-12)
    assert fit.error < 1e-12 and fit.points == 41


def test_noisy_power_law_standard_error_is_calibrated():
    rng = np.random.default_rng(np.random.SeedSequence(7))
    pulls = []
    for _ in range(200):
        y = X**0.4 * np.exp(0.05 * rng.standard_normal(X.size))
        fit = fit_power_law(X, y)
        pulls.append((fit.slope - 0.4) / fit.stderr)
    # the OLS standard error is the spread of the slope over noise draws
    assert np.std(pulls) == pytest.approx(1.0, abs=0.15)


def test_drift_sees_a_pre_asymptotic_correction():
    fit = fit_power_law(X, X**-1.0 * (1 + 3 * X**-0.5))
    assert fit.drift > 1e-3
    assert fit.deviation(-1.0) > 0


@pytest.mark.parametrize("x, y, name", [
    (X[:5], X[:5], "x"), (X, -X, "y"), (X, np.where(X > 100, np.nan, X), "y"), (X, X[:-1], "x, y"),
])
def test_bad_input_names_the_argument(x, y, name):
    with pytest.raises(ParameterError) as err:
        fit_power_law(x, y)
    assert err.value.name == name


def test_exponent_check_passes_and_bites():
    data = lambda: (X, X**-0.3 * (1 + X**-2.0))  # noqa: E731
    assert ExponentFit(data, {e: -0.3}).run(sp.Symbol("slope"), e).passed
    assert not ExponentFit(data, {e: -0.31}).run(sp.Symbol("slope"), e).passed
    # reject=True proves a wrong exponent wrong, and refuses to reject the right one
    assert ExponentFit(data, {e: -0.31}, reject=True).run(sp.Symbol("slope"), e).passed
    assert not ExponentFit(data, {e: -0.3}, reject=True).run(sp.Symbol("slope"), e).passed


def test_exponent_check_needs_every_value():
    result = ExponentFit(lambda: (X, X), {}).run(sp.Symbol("slope"), e)
    assert not result.passed and "no value for e" in result.detail


# --- Bootstrap interval for a power-law exponent from repeated draws -------------------------------------------

from icl_sym.core.fits import bootstrap_power_law  # noqa: E402

DIMS = np.repeat([10, 20, 40, 80], 8)


def noisy_law(a, b, noise, seed):
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    return np.exp(b) * DIMS**a * np.exp(noise * rng.standard_normal(DIMS.size))


def test_bootstrap_interval_covers_the_true_exponent_and_rejects_a_wrong_one():
    fit = bootstrap_power_law(DIMS, noisy_law(2.13, 0.3, 0.05, 1), seed=2)
    assert fit.covers(2.13) and not fit.covers(1.87) and not fit.covers(2.0)
    assert fit.low < fit.slope < fit.high and fit.high - fit.low < 0.1
    assert fit.intercept == pytest.approx(0.3, abs=0.15) and fit.points == 32
    exact = bootstrap_power_law(DIMS, np.exp(0.3) * DIMS**2.0)
    assert exact.slope == pytest.approx(2.0, abs=1e-12) and exact.high - exact.low < 1e-12


def test_bootstrap_interval_has_about_its_coverage():
    covered = [bootstrap_power_law(DIMS, noisy_law(2.0, 0.0, 0.2, seed), resamples=400, seed=seed).covers(2.0)
               for seed in range(60)]
    # Nominal 95 %; the percentile bootstrap with 8 draws per x under-covers a little.
    assert 0.8 <= np.mean(covered) <= 1.0
    wide = bootstrap_power_law(DIMS, noisy_law(2.0, 0.0, 0.2, 0), level=0.99)
    narrow = bootstrap_power_law(DIMS, noisy_law(2.0, 0.0, 0.2, 0), level=0.5)
    assert wide.high - wide.low > narrow.high - narrow.low


@pytest.mark.parametrize("x, y, name", [
    ([10, 10, 10], [1, 2, 3], "x"),  # one distinct x
    ([10, 20, 20], [1, 2, 3], "x"),  # one observation at x = 10
    ([10, 10, 20, 20], [1, 2, -3, 4], "y"),
])
def test_bootstrap_bad_input(x, y, name):
    with pytest.raises(ParameterError, match=f"^{name} must be"):
        bootstrap_power_law(x, y)
