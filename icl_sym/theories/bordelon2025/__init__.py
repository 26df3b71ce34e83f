"""Bordelon, Letey, Pehlevan (2026): scaling laws for in-context regression with deep linear attention.

Derivations (registered under ``bordelon2025.*``): ``bordelon2025.iso`` (the optimal step and loss of
L-step in-context GD on isotropic data, Results 1 and 2). Numeric entry points: :func:`iso_optimal_loss`,
:func:`iso_optimal_step`, the gradient
flow of Result 1 (:func:`iso_gradient_flow`) and the Result-10 online-SGD curve (:func:`online_sgd_loss`).
"""

from . import iso, online_sgd, reduction  # noqa: F401  (register the derivations and formulas)
from .iso import (
    iso_flow_fixed_point,
    iso_gradient_flow,
    iso_optimal_gamma,
    iso_optimal_loss,
    iso_optimal_loss_mp,
    iso_optimal_step,
)
from .online_sgd import online_sgd_floor, online_sgd_loss

__all__ = [
    "iso_optimal_loss",
    "iso_optimal_loss_mp",
    "iso_optimal_step",
    "iso_optimal_gamma",
    "iso_gradient_flow",
    "iso_flow_fixed_point",
    "online_sgd_loss",
    "online_sgd_floor",
]
