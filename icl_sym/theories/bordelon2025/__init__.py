"""Bordelon, Letey, Pehlevan (2025): scaling laws for in-context regression with deep linear attention.

The theory's plugin object is :data:`THEORY` (derivations ``bordelon2025.*``): the reduction of deep
linear attention to L steps of preconditioned in-context gradient descent; the isotropic setting
(Results 1, 2, 10); the fixed-structure setting (Results 3-5); the rotated-structure setting and its
bottlenecks (Results 6, 7, 9, App. F); the compute-optimal shape (Result 8); the errata ledger.
See ``docs/theory/bordelon2025.md``.
"""

# Importing the modules attaches their derivations and formulas to THEORY.
from . import bottlenecks, compute_optimal, errata, fixed_structure, iso, online_sgd, reduction  # noqa: F401
from . import rotated_structure  # noqa: F401
from .bottlenecks import context_floor, f4_solve, scaling_exponents, width_floor
from .compute_optimal import ComputeOptimalShape, compute_optimal_shape
from .errata import LEDGER
from .fixed_structure import fs_gamma, fs_loss, fs_ood_loss, fs_time_exponent
from .iso import (
    iso_flow_fixed_point,
    iso_gradient_flow,
    iso_optimal_gamma,
    iso_optimal_loss,
    iso_optimal_loss_mp,
    iso_optimal_step,
)
from .online_sgd import online_sgd_floor, online_sgd_loss
from .rotated_structure import rrs_depth_floor, rrs_gamma, rrs_loss, rrs_time_of_gamma
from .theory import THEORY

__all__ = [
    "THEORY",
    "iso_optimal_loss", "iso_optimal_loss_mp", "iso_optimal_step", "iso_optimal_gamma", "iso_gradient_flow",
    "iso_flow_fixed_point", "online_sgd_loss", "online_sgd_floor",
    "fs_gamma", "fs_loss", "fs_ood_loss", "fs_time_exponent",
    "rrs_loss", "rrs_gamma", "rrs_time_of_gamma", "rrs_depth_floor",
    "f4_solve", "width_floor", "context_floor", "scaling_exponents",
    "ComputeOptimalShape", "compute_optimal_shape", "LEDGER",
]
