"""Shared pieces of the Bordelon-Letey-Pehlevan scaling-law modules: the paper, source/capacity spectra,
input validation and the scaling-collapse step used to derive every exponent.

Source/capacity conditions (Bordelon, Letey, Pehlevan 2025, Result 8): covariance
eigenvalues ``λ_k = k^{-ν}`` (capacity ν) and task power with
``λ_k ω_k ∝ k^{-νβ-1}`` (source β), so that ``Σ_{ℓ>k} λ_ℓ ω_ℓ ∝ k^{-νβ}``.
See docs/theory/bordelon2025.md for the conventions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from icl_sym.core.checks import Exact
from icl_sym.core.validation import ParameterError, Range, check_array, check_int

from .symbols import PAPER, cite

__all__ = [
    "PAPER", "cite", "Spectrum", "power_law_spectrum", "check_spectrum", "check_depth", "check_exponents",
    "CAPACITY", "SOURCE", "collapse_check", "nu", "beta", "k", "u",
]



#: Capacity ν > 1: the spectrum is summable (trace class) as D → ∞, which every continuum argument needs.
CAPACITY = Range(1, math.inf, low_open=True)
#: Source β > 0: the task power Σ_{ℓ>k} λ_ℓ ω_ℓ decays.
SOURCE = Range(0, math.inf, low_open=True)

nu = sp.Symbol("nu", positive=True)
beta = sp.Symbol("beta", positive=True)
k = sp.Symbol("k", positive=True)  # mode index, continued to a real variable
u = sp.Symbol("u", positive=True)  # the scaled mode index of a collapse


@dataclass(frozen=True)
class Spectrum:
    """Covariance eigenvalues ``eigenvalues`` (λ_k) and task weights ``weights`` (ω_k), both positive, float64."""

    eigenvalues: np.ndarray
    weights: np.ndarray

    @property
    def dim(self) -> int:
        return len(self.eigenvalues)


def check_exponents(nu_: float, beta_: float) -> tuple[float, float]:
    """Validated (ν, β): ν in (1, inf), β in (0, inf)."""
    n = float(check_array("nu", nu_, CAPACITY))
    b = float(check_array("beta", beta_, SOURCE))
    return n, b


def power_law_spectrum(dim: int, nu_: float, beta_: float) -> Spectrum:
    """λ_k = k^{-ν}, ω_k ∝ k^{-νβ-1}/λ_k for k = 1..dim, normalised so that Σ_k λ_k ω_k = 1 (loss 1 at Γ = 0)."""
    dim = check_int("dim", dim, 1)
    n, b = check_exponents(nu_, beta_)
    index = np.arange(1, dim + 1, dtype=np.float64)
    lam = index**-n
    power = index ** (-n * b - 1)
    return Spectrum(lam, power / lam / power.sum())


def check_spectrum(eigenvalues, weights) -> Spectrum:
    """A validated spectrum: two one-dimensional arrays of the same length, positive and finite."""
    positive = Range(0, math.inf, low_open=True)
    lam = np.atleast_1d(check_array("eigenvalues", eigenvalues, positive))
    omega = np.atleast_1d(check_array("weights", weights, positive))
    if lam.ndim != 1 or lam.shape != omega.shape:
        raise ParameterError("eigenvalues, weights", "one-dimensional arrays of the same length",
                             (lam.shape, omega.shape))
    return Spectrum(lam, omega)


def check_depth(depth, allow_inf: bool = True) -> float:
    """Depth L: an integer >= 1 (or inf when the L → ∞ limit is meant)."""
    if allow_inf and isinstance(depth, (float, np.floating)) and np.isposinf(depth):
        return math.inf
    return float(check_int("depth", depth, 1))


def _collapse_simplify(expr: sp.Expr) -> sp.Expr:
    """Simplifier for power-law collapses: split and merge powers of positive symbols."""
    expr = sp.powdenest(expr, force=True)
    return sp.simplify(sp.powsimp(sp.expand_power_base(expr, force=True), force=True))


#: Exact check of a scaling collapse: both sides products of powers of positive symbols.
collapse_check = Exact(simplifier=_collapse_simplify)


def collapse(summand: sp.Expr, scale: sp.Expr) -> sp.Expr:
    """``summand(k) dk`` under ``k = scale · u``: the integrand in ``u`` (the left side of a collapse step)."""
    return summand.subs(k, scale * u) * scale
