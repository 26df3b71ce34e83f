"""Proposition 1 of Lu et al. (2025), derived from Lemma 1: the exact test error of any Γ.

Three averages, each checked: over the query (Isserlis, symbolic d), over the
context given the task (Lemma 1 moments, linearity checked at explicit sizes),
and over the task (first and second moments μ, R).
"""

from __future__ import annotations

import sympy as sp

from icl_sym.core.checks import AverageOverVector, Derived, ExactAtSizes
from icl_sym.core.derivation import Derivation, Step
from icl_sym.core.formula import Formula
from icl_sym.core.gaussian import as_scalar

from .error_of_gamma import error_of_gamma_formula, proposition1_expr
from .lemma1 import conditional_mean_h, conditional_second_moment_h, example_family, sigma2
from .symbols import Gamma, R, alpha, cite, d, mu, rho, w
from .theory import THEORY

__all__ = ["proposition1", "error_of_gamma_icl"]

#: The context features h = [s; q] of one context, fixed while the query is averaged.
h = sp.MatrixSymbol("h", d + 1, 1)


def _explicit(name: str, rows: int, cols: int, symmetric: bool = False) -> sp.Matrix:
    def entry(i, j):
        i, j = (min(i, j), max(i, j)) if symmetric else (i, j)
        return sp.Symbol(f"{name}[{i},{j}]")

    return sp.Matrix(rows, cols, entry)


def _explicit_sizes(n: int) -> dict:
    """d = n with Γ, w, μ and a symmetric R made of independent scalar symbols."""
    return {d: n, Gamma: _explicit("Gamma", n, n + 1), w: _explicit("w", n, 1),
            mu: _explicit("mu", n, 1), R: _explicit("R", n, n, symmetric=True)}


def _query_error_derived() -> sp.Basic:
    """E[(y − xᵀΓh)² | w, h] with the residual r = y − (Γh)ᵀx declared as a linear Gaussian form."""
    g, x, y = example_family()
    residual = g.linear("r", {y: 1, x: -(Gamma * h)})
    return g.expect(residual**2)


def _icl_expr() -> sp.Expr:
    """Proposition 1 with μ = 0 and R = I substituted (fresh isotropic tasks)."""
    return proposition1_expr().subs({mu: sp.ZeroMatrix(d, 1), R: sp.Identity(d)})


def icl_block_form() -> sp.Expr:
    """The ICL case simplified: e = 1 + ρ − (2/d) tr Γ₁ + ((1+ρ)/d) tr(Γ diag(c I, (1+ρ)(1+2/ℓ)) Γᵀ)."""
    diagonal = sp.BlockMatrix([
        [(1 / alpha + (1 + 1 / (alpha * d)) / (1 + rho)) * sp.Identity(d), sp.ZeroMatrix(d, 1)],
        [sp.ZeroMatrix(1, d), (1 + rho) * (1 + 2 / (alpha * d)) * sp.Identity(1)],
    ])
    first_block = sp.BlockMatrix([[sp.Identity(d)], [sp.ZeroMatrix(1, d)]])
    return 1 + rho - 2 * sp.Trace(Gamma * first_block) / d + (1 + rho) * sp.Trace(Gamma * diagonal * Gamma.T) / d


@THEORY.formula("error_of_gamma_icl")
def error_of_gamma_icl() -> Formula:
    """Proposition 1, ICL case: test tasks fresh and isotropic (μ = 0, R = I)."""
    base = error_of_gamma_formula()
    params = tuple(p for p in base.params if p.symbol not in (mu, R))
    return Formula("lu2024.error_of_gamma_icl", icl_block_form(), params,
                   cite("Proposition 1", "ICL: mu = 0, R = I"),
                   "ICL test error of a fixed Gamma (fresh tasks on the sphere)", sp.Function("e_ICL")(Gamma))


@THEORY.derivation("proposition1")
def proposition1() -> Derivation:
    query_error = sigma2 - 2 * as_scalar(w.T * Gamma * h) / d + as_scalar(h.T * Gamma.T * Gamma * h) / d
    given_task = 1 + rho - 2 * sp.Trace(w.T * Gamma * conditional_mean_h()) / d \
        + sp.Trace(Gamma * conditional_second_moment_h() * Gamma.T) / d
    steps = (
        Step("average over the query",
             sp.Symbol(r"\mathbb{E}\left[(y_{\ell+1} - x_{\ell+1}^T \Gamma h)^2 \mid w, h\right]"),
             query_error,
             "The query $(x_{\\ell+1}, y_{\\ell+1})$ is independent of the context features $h$ given $w$; "
             "the residual $y_{\\ell+1} - (\\Gamma h)^T x_{\\ell+1}$ is Gaussian with variance "
             "$\\sigma_w^2 - 2 w^T \\Gamma h/d + \\|\\Gamma h\\|^2/d$.",
             Derived(_query_error_derived, "Isserlis' theorem (Gaussian moments)")),
        Step("average over the context (Lemma 1)",
             query_error, given_task,
             "The error is affine in $h$ and $h h^T$; replace them by Lemma 1's $\\mathbb{E}[h \\mid w] = [w; 1+\\rho]$ "
             "and $\\mathbb{E}[h h^T \\mid w] = (1+\\rho) B(w)$, for tasks on the sphere ($\\sigma_w^2 = 1 + \\rho$).",
             AverageOverVector(h, conditional_mean_h(), conditional_second_moment_h(), _explicit_sizes, (1, 2),
                               given={as_scalar(w.T * w): d}),
             lhs_operator=r"\mathbb{E}_{h \mid w}"),
        Step("average over the task",
             given_task, proposition1_expr(),
             "The conditional error is affine in $w$ and $w w^T$: replace them by $\\mu = \\mathbb{E}[w]$ and "
             "$R = \\mathbb{E}[w w^T]$. This gives $e(\\Gamma) = 1 + \\rho - \\frac{2}{d}\\mathrm{tr}(\\Gamma A) "
             "+ \\frac{1+\\rho}{d}\\mathrm{tr}(\\Gamma B \\Gamma^T)$.",
             AverageOverVector(w, mu, R, _explicit_sizes, (1, 2)),
             lhs_operator=r"\mathbb{E}_{w}"),
        Step("ICL case", _icl_expr(), icl_block_form(),
             "Fresh isotropic tasks: $\\mu = 0$, $R = I_d$ (IDG uses the empirical moments of the pretraining tasks).",
             ExactAtSizes(_explicit_sizes, (1, 2, 3))),
    )
    return Derivation(
        "lu2024.proposition1",
        "Proposition 1: the test error of any Γ",
        cite("Proposition 1"),
        "Tasks on the sphere $\\|w\\|^2 = d$ with mean $\\mu$ and second moment $R$; a context of $\\ell = \\alpha d$ "
        "examples as in Lemma 1 and an independent query; predictor $\\hat y = x_{\\ell+1}^T \\Gamma h$ with a "
        "fixed $\\Gamma \\in \\mathbb{R}^{d \\times (d+1)}$; error $e(\\Gamma) = \\mathbb{E}[(y_{\\ell+1} - \\hat y)^2]$.",
        steps,
        (error_of_gamma_formula(), error_of_gamma_icl()),
    )

