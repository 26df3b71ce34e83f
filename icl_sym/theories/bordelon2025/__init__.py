"""Bordelon, Letey, Pehlevan (2026): scaling laws for in-context regression with deep linear attention.

Derivations (registered under ``bordelon2025.*``): ``bordelon2025.iso`` (the optimal step and loss of
L-step in-context GD on isotropic data, Results 1 and 2). Numeric entry points: :func:`iso_optimal_loss`,
:func:`iso_optimal_step`.
"""

from . import iso  # noqa: F401  (registers the derivations)
from .iso import iso_optimal_gamma, iso_optimal_loss, iso_optimal_loss_mp, iso_optimal_step

__all__ = ["iso_optimal_loss", "iso_optimal_loss_mp", "iso_optimal_step", "iso_optimal_gamma"]
