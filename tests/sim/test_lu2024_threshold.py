"""The interpolation-threshold rules on synthetic training-loss curves with a known threshold."""

import numpy as np
import pytest

from icl_sym.core.validation import ParameterError
from icl_sym.sim.lu2024.trained.threshold import interpolation_threshold, peak_location

TAUS = np.round(np.arange(0.5, 3.01, 0.05), 10)


def synthetic_losses(threshold, noise_floor=0.5, residual=1e-8, seed=0):
    """≈ residual (scattered by a factor 2) up to the threshold, least squares' σ²(1 − τ*/τ) above it."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    below = residual * np.exp(0.7 * rng.standard_normal(TAUS.size) / 2)
    return np.where(TAUS <= threshold, below, noise_floor * (1 - threshold / TAUS) + residual)


@pytest.mark.parametrize("threshold", [1.0, 1.3, 1.65, 2.5])
@pytest.mark.parametrize("rule", ["level", "cumulative"])
def test_rules_find_a_known_threshold(threshold, rule):
    assert interpolation_threshold(TAUS, synthetic_losses(threshold), rule=rule) == pytest.approx(threshold)


def test_rules_between_grid_points_return_the_last_interpolating_tau():
    for rule in ("level", "cumulative"):
        assert interpolation_threshold(TAUS, synthetic_losses(1.32), rule=rule) == pytest.approx(1.3)


def test_cumulative_rule_is_fragile_where_the_level_rule_is_not():
    losses = synthetic_losses(1.5)
    losses[10] = 1e-14  # one interpolating τ fitted to round-off
    assert interpolation_threshold(TAUS, losses, rule="level") == pytest.approx(1.5)
    assert interpolation_threshold(TAUS, losses, rule="cumulative") == pytest.approx(TAUS[10])


def test_edge_cases():
    flat = np.full(TAUS.size, 1e-9)  # never stops interpolating
    assert interpolation_threshold(TAUS, flat, rule="cumulative") == TAUS[-1]
    # The level rule is relative to the largest loss: a flat curve shows no threshold, it reports the first τ.
    assert interpolation_threshold(TAUS, flat, rule="level") == TAUS[0]
    assert interpolation_threshold(TAUS, 1 - 0.1 / TAUS) == TAUS[0]  # never interpolates


def test_floor_refuses_a_grid_that_never_rises():
    losses = synthetic_losses(5.0)  # the threshold lies beyond the grid
    assert interpolation_threshold(TAUS, losses) == pytest.approx(TAUS[0])  # the level rule alone is fooled
    with pytest.raises(ParameterError, match="^train_losses must be above floor = 0.001"):
        interpolation_threshold(TAUS, losses, floor=1e-3)
    assert interpolation_threshold(TAUS, synthetic_losses(1.3), floor=1e-3) == pytest.approx(1.3)


def test_peak_location():
    errors = 1 / np.abs(TAUS - 1.2 + 1e-3)
    assert peak_location(TAUS, errors) == pytest.approx(1.2)


@pytest.mark.parametrize("kwargs, name", [
    (dict(taus=[1.0, 0.5], train_losses=[0, 1]), "taus"),
    (dict(taus=[0.0, 0.5], train_losses=[0, 1]), "taus"),
    (dict(taus=[0.5, 1.0], train_losses=[0, -1]), "train_losses"),
    (dict(taus=[0.5, 1.0], train_losses=[0, 1], rule="median"), "rule"),
    (dict(taus=[0.5, 1.0], train_losses=[0, 1], level=1.0), "level"),
    (dict(taus=[0.5, 1.0], train_losses=[0, 1], rule="cumulative"), "train_losses"),
])
def test_bad_input(kwargs, name):
    with pytest.raises(ParameterError, match=f"^{name} must be"):
        interpolation_threshold(**kwargs)
