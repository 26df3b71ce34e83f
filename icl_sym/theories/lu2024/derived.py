"""Quantities derived from the Lu et al. learning curves: optimal context length, interpolation peak, phase maps.

Lu et al. (2025), Figs. 1-3 (docs/theory/lu2024.md §6.3, §6.7, §8): the error is
non-monotone in the context length α for finite task diversity, and peaks at
the interpolation threshold τ = 1 (a pole when λ = 0).
"""

from __future__ import annotations

from typing import Callable, Literal

import numpy as np
from scipy.optimize import minimize_scalar

from icl_sym.core.validation import ParameterError, Range, check_array, check_choice

from .asymptotics import e_icl, e_idg

__all__ = ["ALPHA_GRID", "optimal_alpha", "alpha_star_map", "interpolation_peak", "bayes_icl_error"]

#: The α grid of the paper's Fig. 3 (also the default search grid for α*).
ALPHA_GRID = np.logspace(-2, 3, 500)
#: Relative rise after the minimum that makes a curve non-monotone (the paper's tolerance).
MONOTONE_TOL = 1e-5

Which = Literal["icl", "idg"]


def _error(which: str) -> Callable:
    return {"icl": e_icl, "idg": e_idg}[check_choice("which", which, ("icl", "idg"))]


def _alpha_star_along_last_axis(errors: np.ndarray, alphas: np.ndarray, tol: float) -> np.ndarray:
    """α at the minimum of each curve (last axis), NaN where the curve is monotone within ``tol``."""
    finite = np.where(np.isfinite(errors), errors, np.inf)
    i_min = np.argmin(finite, axis=-1)
    e_min = np.take_along_axis(finite, i_min[..., None], axis=-1)[..., 0]
    # Non-monotone: the minimum is interior and the curve rises again by more than tol after it.
    rises = (finite[..., -1] - e_min) > tol * np.abs(e_min)
    interior = (i_min > 0) & (i_min < errors.shape[-1] - 1)
    return np.where(rises & interior, alphas[i_min], np.nan)


def optimal_alpha(tau, kappa, rho, *, which: Which = "icl", lam=0.0, alphas: np.ndarray = ALPHA_GRID,
                  tol: float = MONOTONE_TOL) -> float:
    """The context length α* minimising e_ICL (or e_IDG); NaN if the curve is monotone on ``alphas``.

    Located on the grid ``alphas``, then refined by a bounded Brent search in log α between
    the grid neighbours of the minimum. Provenance: Lu et al. (2025), §"Dependence on
    context length" (docs/theory/lu2024.md §6.7).
    """
    alphas = check_array("alphas", alphas, Range(0, low_open=True))
    if alphas.ndim != 1 or alphas.size < 3 or np.any(np.diff(alphas) <= 0):
        raise ParameterError("alphas", "an increasing 1-d grid of at least 3 values", alphas.shape)
    fn = _error(which)
    on_grid = float(_alpha_star_along_last_axis(fn(tau, alphas, kappa, rho, lam), alphas, tol))
    if np.isnan(on_grid):
        return on_grid
    i = int(np.searchsorted(alphas, on_grid))
    res = minimize_scalar(lambda u: float(fn(tau, np.exp(u), kappa, rho, lam)), method="bounded",
                          bounds=(np.log(alphas[i - 1]), np.log(alphas[i + 1])), options={"xatol": 1e-10})
    return float(np.exp(res.x))


def alpha_star_map(tau: float, kappas: np.ndarray, rhos: np.ndarray, *, which: Which = "icl",
                   alphas: np.ndarray = ALPHA_GRID, lam: float = 0.0, tol: float = MONOTONE_TOL,
                   chunk: int = 2_000_000) -> np.ndarray:
    """α*(κ, ρ) on a grid (shape (len(kappas), len(rhos))), NaN where monotone: one Fig. 3 panel.

    Evaluated in chunks of about ``chunk`` points to bound memory.
    """
    kappas = np.asarray(kappas, dtype=float)
    rhos = np.asarray(rhos, dtype=float)
    fn = _error(which)
    out = np.empty((kappas.size, rhos.size))
    rows = max(1, chunk // (rhos.size * alphas.size))
    for start in range(0, kappas.size, rows):
        k = kappas[start : start + rows, None, None]
        errors = fn(tau, alphas[None, None, :], k, rhos[None, :, None], lam)
        out[start : start + rows] = _alpha_star_along_last_axis(errors, alphas, tol)
    return out


def interpolation_peak(alpha, kappa, rho, lam, *, which: Which = "icl", bounds=(0.2, 5.0)) -> float:
    """The pretraining ratio τ at which the error peaks (the interpolation peak); NaN if none in ``bounds``.

    With λ = 0 the peak is the pole τ = 1 exactly (Lu et al. 2025, §"Double descent"); a ridge λ > 0
    makes it finite and moves it; a large ridge removes it (docs/theory/lu2024.md §6.3).
    """
    lam = float(check_array("lam", lam, Range(0)))
    if lam == 0:
        return 1.0
    fn = _error(which)
    grid = np.logspace(np.log10(bounds[0]), np.log10(bounds[1]), 200)
    values = fn(grid, alpha, kappa, rho, lam)
    i = int(np.argmax(values))
    if i in (0, grid.size - 1):
        return float("nan")
    res = minimize_scalar(lambda t: -float(fn(t, alpha, kappa, rho, lam)), bracket=(grid[i - 1], grid[i], grid[i + 1]),
                          tol=1e-10)
    return float(res.x)


def bayes_icl_error(rho, alpha):
    """Asymptotic ICL error of the Bayes-optimal estimator for Gaussian tasks (ridge with ridge ρ).

    e = ρ (1 + S_W(ρ, α)), S_W(c, α) = lim (1/d) tr(XXᵀ + cI)^{-1} = 2/(b + sqrt(b² + 4c)), b = c + α − 1
    (Lu et al. 2025 baseline; docs/theory/lu2024.md §6.8). Written without cancellation: for b < 0 the
    equivalent form (sqrt(b² + 4c) − b)/(2c) is used. Broadcasts over numpy arrays.
    """
    rho = check_array("rho", rho, Range(0, low_open=True))
    alpha = check_array("alpha", alpha, Range(0, low_open=True))
    b = rho + alpha - 1
    root = np.sqrt(b * b + 4 * rho)
    s_w = np.where(b >= 0, 2 / (b + root), (root - np.minimum(b, 0)) / (2 * rho))
    return rho * (1 + s_w)
