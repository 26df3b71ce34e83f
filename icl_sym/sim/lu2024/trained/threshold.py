"""The interpolation threshold τ* of a trained model, read off its final training losses over a grid of τ.

Below the threshold a model with enough parameters fits its n = τd² pretraining contexts exactly (training
loss ≈ 0); above it the training loss rises towards the noise floor (Lu et al. 2025, Fig. 5D; for the
reduced linear model τ* = 1, docs/theory/lu2024.md §6.3). Two stated rules, both returning the last
τ of the grid that is still "interpolating":

- ``"level"`` (default): τ* is the grid point just before the first τ whose final training loss exceeds
  ``level`` × the largest final training loss on the grid (≈ the noise floor reached at the largest τ).
  For least squares above the threshold the loss is σ²(1 − τ*/τ), so ``level`` = 0.01 resolves τ* to 1 %.
- ``"cumulative"``: the authors' development code's rule. With r_i = L(τ₀)/L(τ_i) (τ₀ the smallest τ),
  τ* is the first τ_i at which Σ_{j≤i} r_j reaches ``fraction`` (0.9995) of Σ_j r_j. When the losses below
  the threshold are all ≈ L(τ₀) and those above are ≫ L(τ₀), r ≈ 1 below and ≈ 0 above, so the sum
  saturates at the last interpolating τ. It assumes L(τ₀) is among the smallest losses: a later
  interpolating loss orders of magnitude below L(τ₀) (round-off) dominates the sum.

:func:`peak_location` gives the other reading of Fig. 5: the τ of the largest test error.
"""

from __future__ import annotations

import numpy as np

from icl_sym.core.validation import ParameterError, Range, check_array, check_choice

__all__ = ["THRESHOLD_RULES", "interpolation_threshold", "peak_location"]

THRESHOLD_RULES = ("level", "cumulative")


def _grid(taus, values, name: str) -> tuple[np.ndarray, np.ndarray]:
    taus = check_array("taus", taus, Range(0, low_open=True))
    values = check_array(name, values, Range(0))
    if taus.ndim != 1 or taus.shape != values.shape or taus.size < 2:
        raise ParameterError(f"taus, {name}", "one-dimensional arrays of the same length >= 2",
                             (taus.shape, values.shape))
    if np.any(np.diff(taus) <= 0):
        raise ParameterError("taus", "strictly increasing", taus[:5])
    return taus, values


def interpolation_threshold(taus, train_losses, *, rule: str = "level", level: float = 0.01,
                            fraction: float = 0.9995, floor: float = 0.0) -> float:
    """τ* from the final training losses at increasing ``taus`` by ``rule`` (:data:`THRESHOLD_RULES`).

    ``floor``: the largest loss on the grid must exceed it, else no threshold is visible on the grid (a
    model that still interpolates at the largest τ) and a :class:`ParameterError` says so. Above its
    threshold a model's training loss approaches the label-noise variance ρ, so a floor of ρ/10 separates
    "rose to the noise" from "still fitting to round-off".

    Returns the last interpolating grid τ. Rule "level" returns the smallest τ when even it is above the
    level, which includes a flat curve (no threshold visible: the grid must reach the noise floor); rule
    "cumulative" returns the largest τ when no loss rises.
    """
    taus, losses = _grid(taus, train_losses, "train_losses")
    check_choice("rule", rule, THRESHOLD_RULES)
    floor = float(check_array("floor", floor, Range(0)))
    if losses.max() <= floor:
        raise ParameterError("train_losses", f"above floor = {floor:g} somewhere on the grid (else no interpolation "
                             "threshold is visible: the model still interpolates at the largest tau)", losses.max())
    if rule == "level":
        level = float(check_array("level", level, Range(0, 1, low_open=True, high_open=True)))
        above = np.flatnonzero(losses > level * losses.max())
        return float(taus[max(above[0] - 1, 0)]) if above.size else float(taus[-1])
    fraction = float(check_array("fraction", fraction, Range(0, 1, low_open=True)))
    if losses[0] == 0 or np.any(losses == 0):
        raise ParameterError("train_losses", "positive for the cumulative rule (it divides by them)", losses.min())
    share = np.cumsum(losses[0] / losses)
    return float(taus[np.argmax(share >= fraction * share[-1])])


def peak_location(taus, test_errors) -> float:
    """The τ of the largest test error on the grid."""
    taus, errors = _grid(taus, test_errors, "test_errors")
    return float(taus[np.argmax(errors)])
