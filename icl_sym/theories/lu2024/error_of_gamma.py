"""Proposition 1 of Lu et al. (2025): the exact test error of any Γ, as a formula and a numeric function.

The derivation of the formula from Lemma 1 lives in :mod:`.proposition1`; this
module holds the result and its validated numeric entry point.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from icl_sym.core.formula import Formula, Param
from icl_sym.core.validation import ParameterError, Range, check_array

from .symbols import Gamma, R, alpha, cite, d, mu, rho
from .theory import THEORY

__all__ = ["A_matrix", "B_matrix", "error_of_gamma_formula", "error_of_gamma"]

_ell = alpha * d  # ℓ = αd


def A_matrix(R_: sp.MatrixExpr = R, mu_: sp.MatrixExpr = mu) -> sp.BlockMatrix:
    """A = [R; (1+ρ) μᵀ] ∈ R^{(d+1)×d}."""
    return sp.BlockMatrix([[R_], [(1 + rho) * mu_.T]])


def B_matrix(R_: sp.MatrixExpr = R, mu_: sp.MatrixExpr = mu) -> sp.BlockMatrix:
    """B = [[I/α + (1+1/ℓ) R/(1+ρ), (1+2/ℓ) μ], [(1+2/ℓ) μᵀ, (1+ρ)(1+2/ℓ)]] ∈ R^{(d+1)×(d+1)}."""
    corner = (1 + rho) * (1 + 2 / _ell) * sp.Identity(1)
    return sp.BlockMatrix([
        [sp.Identity(d) / alpha + (1 + 1 / _ell) * R_ / (1 + rho), (1 + 2 / _ell) * mu_],
        [(1 + 2 / _ell) * mu_.T, corner],
    ])


def proposition1_expr() -> sp.Expr:
    """e(Γ) = 1 + ρ − (2/d) tr(Γ A) + ((1+ρ)/d) tr(Γ B Γᵀ)."""
    return 1 + rho - 2 * sp.Trace(Gamma * A_matrix()) / d + (1 + rho) * sp.Trace(Gamma * B_matrix() * Gamma.T) / d


_PARAMS = (
    Param(Gamma, description="reduced attention parameters, d x (d+1)"),
    Param(mu, description="mean of the test tasks"),
    Param(R, description="second moment of the test tasks (tr R = d)"),
    Param(rho, Range(0), "label-noise variance"),
    Param(alpha, Range(0, low_open=True), "context length over dimension, ell/d (ell = alpha d >= 1)"),
    Param(d, Range(1), "token dimension"),
)


@THEORY.formula("error_of_gamma")
def error_of_gamma_formula() -> Formula:
    """Proposition 1 as a registered formula (tasks on the sphere ‖w‖² = d, moments μ, R)."""
    return Formula(
        "lu2024.error_of_gamma",
        proposition1_expr(),
        _PARAMS,
        cite("Proposition 1", "exact at finite d for tasks with |w|^2 = d"),
        "test error of a fixed Gamma for tasks with mean mu and second moment R",
        sp.Function("e")(Gamma),
    )


def error_of_gamma(Gamma, rho, alpha, mu=None, R=None, *, backend: str = "numpy"):
    """Exact test error of ``Gamma`` (d × (d+1)) by Proposition 1.

    ICL error by default (fresh isotropic tasks: μ = 0, R = I); pass the
    empirical task moments ``mu`` (d,) and ``R`` (d, d) for the IDG error.
    ``alpha`` is ℓ/d with ℓ = αd ≥ 1. Backends: numpy (arrays), torch
    (tensors, any device) and mpmath (arrays of numbers, evaluated at mp.dps).
    """
    is_torch = type(Gamma).__module__.startswith("torch")
    shape = tuple(Gamma.shape) if hasattr(Gamma, "shape") else np.shape(Gamma)
    if len(shape) != 2 or shape[1] != shape[0] + 1 or shape[0] < 1:
        raise ParameterError("Gamma", "a matrix of shape (d, d+1) with d >= 1", shape)
    dim = shape[0]
    rho_f = float(check_array("rho", rho, Range(0)))
    alpha_f = float(check_array("alpha", alpha, Range(1 / dim)))
    if not is_torch:
        check_array("Gamma", np.asarray(Gamma, dtype=float), Range(-np.inf, np.inf, low_open=True, high_open=True))
    if (mu is None) != (R is None):
        raise ParameterError("mu, R", "given together (IDG) or both omitted (ICL)", "only one")
    if mu is None:
        mu, R = np.zeros((dim, 1)), np.eye(dim)
    mu = mu.reshape(dim, 1) if tuple(getattr(mu, "shape", ())) in {(dim,), (dim, 1)} else _bad("mu", dim, mu)
    if tuple(getattr(R, "shape", ())) != (dim, dim):
        _bad("R", dim, R, square=True)
    fn = error_of_gamma_formula().numeric(backend)
    if is_torch:
        import torch

        kw = dict(dtype=torch.float64, device=Gamma.device)
        mu, R = torch.as_tensor(mu, **kw), torch.as_tensor(R, **kw)
    return fn(Gamma, mu, R, rho_f, alpha_f, dim)


def _bad(name: str, dim: int, value, square: bool = False):
    want = f"shape ({dim}, {dim})" if square else f"shape ({dim},) or ({dim}, 1)"
    raise ParameterError(name, f"an array of {want} matching Gamma", tuple(getattr(value, "shape", ())))
