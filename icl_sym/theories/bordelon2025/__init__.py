"""Bordelon, Letey, Pehlevan (2025): scaling laws for in-context regression with deep linear attention.

Derivations registered under ``bordelon2025.*``: the fixed-structure setting
(Results 3-5), the rotated-structure setting and its bottlenecks (Results 6, 7, 9,
App. F), the compute-optimal shape (Result 8) and the errata ledger.
"""

# importing the modules registers their derivations and formulas
from . import bottlenecks, compute_optimal, errata, fixed_structure, rotated_structure  # noqa: F401
from .bottlenecks import context_floor, f4_solve, scaling_exponents, width_floor
from .compute_optimal import ComputeOptimalShape, compute_optimal_shape
from .errata import LEDGER
from .fixed_structure import fs_gamma, fs_loss, fs_ood_loss, fs_time_exponent
from .rotated_structure import rrs_depth_floor, rrs_gamma, rrs_loss, rrs_time_of_gamma
from .theory import THEORY

__all__ = ["THEORY", "fs_gamma", "fs_loss", "fs_ood_loss", "fs_time_exponent", "rrs_loss", "rrs_gamma", "rrs_time_of_gamma",
           "rrs_depth_floor", "f4_solve", "width_floor", "context_floor", "scaling_exponents",
           "ComputeOptimalShape", "compute_optimal_shape", "LEDGER"]
