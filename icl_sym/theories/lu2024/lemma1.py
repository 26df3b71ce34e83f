"""Lemma 1 of Lu et al. (2025): conditional moments of the context features h = [s; q] given the task.

Every moment is derived by the Gaussian calculus of :mod:`icl_sym.core.gaussian`
(Isserlis' theorem for one example, the partition rule for sums over ℓ i.i.d.
examples) with symbolic d and ℓ; the stated forms are the paper's and are
checked against the derived ones.
"""

from __future__ import annotations

import sympy as sp

from icl_sym.core.checks import Derived, ExactAtSizes
from icl_sym.core.derivation import Derivation, Step
from icl_sym.core.formula import Formula, Param
from icl_sym.core.gaussian import JointGaussian, as_scalar
from icl_sym.core.notation import Expectation, Notated
from icl_sym.core.validation import Range

from .symbols import alpha, cite, d, ell, rho, w
from .theory import THEORY

__all__ = ["example_family", "sigma2", "conditional_mean_h", "conditional_second_moment_h", "lemma1"]

#: σ_w² = ‖w‖²/d + ρ, the variance of one label given the task.
sigma2 = as_scalar(w.T * w) / d + rho


def example_family():
    """The law of one example given w: x ~ N(0, I/d), ε ~ N(0, ρ), y = wᵀx + ε."""
    g = JointGaussian()
    x = g.vector("x", d, cov=sp.Identity(d) / d)
    eps = g.scalar("epsilon", var=rho)
    y = g.linear("y", {x: w, eps: 1})
    return g, x, y


def _moment(label: str, shape: tuple = (1, 1)) -> sp.Basic:
    """A display name for a conditional moment: a symbol, or a matrix symbol of the given shape."""
    return sp.Symbol(label) if shape == (1, 1) else sp.MatrixSymbol(label, *shape)


def conditional_mean_h() -> sp.BlockMatrix:
    """E[h | w] = [w; 1 + ρ] for tasks on the sphere ‖w‖² = d."""
    return sp.BlockMatrix([[w], [(1 + rho) * sp.Identity(1)]])


def conditional_second_moment_h() -> sp.BlockMatrix:
    """E[h hᵀ | w] = (1+ρ) B(w) for tasks on the sphere ‖w‖² = d (Lemma 1)."""
    from .error_of_gamma import B_matrix

    return (1 + rho) * B_matrix(w * w.T, w)


def _explicit_w(d_value: int) -> dict:
    return {d: d_value, w: sp.Matrix(d_value, 1, sp.symbols(f"w0:{d_value}"))}


@THEORY.derivation("lemma1")
def lemma1() -> Derivation:
    g, x, y = example_family()
    isserlis = "Isserlis' theorem (Gaussian moments)"
    iid = "partition rule for sums of i.i.d. examples"
    s_scale, q_scale = d / ell, 1 / ell

    E_ssT = (1 + 1 / ell) * w * w.T + ((as_scalar(w.T * w) + d * rho) / ell) * sp.Identity(d)
    E_sq = sigma2 * (1 + 2 / ell) * w
    E_q2 = sigma2**2 * (1 + 2 / ell)
    on_sphere = {as_scalar(w.T * w): d}

    steps = (
        Step("covariance of input and label", _moment(r"\mathrm{Cov}(x, y \mid w)", (d, 1)), w / d,
             "The label $y = w^T x + \\epsilon$ is linear in the Gaussian input, so $(x, y)$ is jointly Gaussian.",
             Derived(lambda: g.cov(x, y), "bilinearity of covariance")),
        Step("variance of a label", _moment(r"\mathrm{Var}(y \mid w)"), sigma2,
             "$\\sigma_w^2 := \\|w\\|^2/d + \\rho$.", Derived(lambda: g.cov(y, y), "bilinearity of covariance")),
        Step("E[y x]", _moment(r"\mathbb{E}[y x \mid w]", (d, 1)), w / d,
             "A single pairing.", Derived(lambda: g.expect(y, x), isserlis)),
        Step("E[y^2 x x^T]", _moment(r"\mathbb{E}[y^2 x x^T \mid w]", (d, d)),
             sigma2 * sp.Identity(d) / d + 2 * w * w.T / d**2,
             "Three pairings of $(y, y, x, x^T)$: $(yy)(xx^T)$ once, $(yx)(yx^T)$ twice.",
             Derived(lambda: g.expect(y**2, x, x), isserlis)),
        Step("E[y^3 x]", _moment(r"\mathbb{E}[y^3 x \mid w]", (d, 1)), 3 * sigma2 * w / d,
             "Three pairings, each $\\sigma_w^2 \\, w/d$.", Derived(lambda: g.expect(y**3, x), isserlis)),
        Step("E[y^4]", _moment(r"\mathbb{E}[y^4 \mid w]"), 3 * sigma2**2,
             "Three pairings of four labels.", Derived(lambda: g.expect(y**4), isserlis)),
        Step("E[s]", _moment(r"\mathbb{E}[s \mid w]", (d, 1)), w,
             "$s = (d/\\ell) \\sum_i y_i x_i$ is an unbiased estimate of the task.",
             Derived(lambda: s_scale * g.iid_sum_moment(y * x, ell=ell), iid)),
        Step("E[s s^T]", _moment(r"\mathbb{E}[s s^T \mid w]", (d, d)), E_ssT,
             "$\\ell$ diagonal terms $\\mathbb{E}[y^2 x x^T]$ and $\\ell(\\ell-1)$ off-diagonal terms "
             "$\\mathbb{E}[y x]\\mathbb{E}[y x]^T$.",
             Derived(lambda: s_scale**2 * g.iid_sum_moment(y * x, y * x, ell=ell), iid)),
        Step("E[q]", _moment(r"\mathbb{E}[q \mid w]"), sigma2,
             "$q = (1/\\ell) \\sum_i y_i^2$.", Derived(lambda: q_scale * g.iid_sum_moment(y**2, ell=ell), iid)),
        Step("E[s q]", _moment(r"\mathbb{E}[s q \mid w]", (d, 1)), E_sq,
             "$\\ell$ terms $\\mathbb{E}[y^3 x]$ and $\\ell(\\ell-1)$ terms $\\mathbb{E}[y x]\\,\\mathbb{E}[y^2]$.",
             Derived(lambda: s_scale * q_scale * g.iid_sum_moment(y * x, y**2, ell=ell), iid)),
        Step("E[q^2]", _moment(r"\mathbb{E}[q^2 \mid w]"), E_q2,
             "$\\ell$ terms $\\mathbb{E}[y^4]$ and $\\ell(\\ell-1)$ terms $\\mathbb{E}[y^2]^2$.",
             Derived(lambda: q_scale**2 * g.iid_sum_moment(y**2, y**2, ell=ell), iid)),
        Step("E[h] on the sphere",
             sp.BlockMatrix([[w], [sigma2 * sp.Identity(1)]]),
             conditional_mean_h(),
             "Stack $\\mathbb{E}[s \\mid w]$ and $\\mathbb{E}[q \\mid w]$; for tasks on the sphere "
             "$\\|w\\|^2 = d$, $\\sigma_w^2 = 1 + \\rho$.",
             ExactAtSizes(_explicit_w, (1, 2, 3), given=on_sphere)),
        Step("E[h h^T] on the sphere",
             sp.BlockMatrix([[E_ssT, E_sq], [E_sq.T, E_q2 * sp.Identity(1)]]),
             conditional_second_moment_h(),
             "Assemble $h = [s; q]$ from the moments above, with $\\|w\\|^2 = d$ and $\\ell = \\alpha d$: "
             "$\\mathbb{E}[h h^T \\mid w] = (1+\\rho) B(w)$.",
             ExactAtSizes(_explicit_w, (1, 2, 3), given={**on_sphere, ell: alpha * d})),
    )
    # σ_w², named by a valid identifier for exported code.
    sigma = Notated("sigma_w2", sp.Symbol("sigma_w") ** 2, positive=True)
    q, h = sp.Symbol("q"), sp.MatrixSymbol("h", d + 1, 1)
    results = (
        Formula("lu2024.lemma1.E_q2", E_q2.subs(sigma2, sigma),
                (Param(sigma, Range(0, low_open=True), "label variance given the task"),
                 Param(ell, Range(1), "context length")),
                cite("Lemma 1"), "second moment of q = (1/ell) sum y_i^2 given the task",
                Expectation(q**2, w)),
        Formula("lu2024.lemma1.E_hhT", conditional_second_moment_h(),
                (Param(w, description="task on the sphere |w|^2 = d"), Param(rho, description="label-noise variance"),
                 Param(alpha, description="ell/d"), Param(d, description="dimension")),
                cite("Lemma 1", "tasks on the sphere |w|^2 = d"), "second moment of h = [s; q] given the task",
                Expectation(h * h.T, w)),
    )
    return Derivation(
        "lu2024.lemma1",
        "Lemma 1: conditional moments of the context features",
        cite("Lemma 1"),
        "Given the task $w$: inputs $x_i \\sim \\mathcal{N}(0, I_d/d)$, noise $\\epsilon_i \\sim \\mathcal{N}(0, \\rho)$, "
        "labels $y_i = w^T x_i + \\epsilon_i$ for $i = 1..\\ell$, i.i.d.; features $s = (d/\\ell) \\sum_i y_i x_i$, "
        "$q = (1/\\ell) \\sum_i y_i^2$, $h = [s; q]$. Exact for every finite $d$ and $\\ell$.",
        steps,
        results,
    )
