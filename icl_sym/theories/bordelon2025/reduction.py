"""Deep residual linear attention is L steps of preconditioned in-context gradient descent.

Bordelon, Letey, Pehlevan (2026), Sec. 2.1-2.2 and App. B; docs/theory/bordelon2025.md, section
"Model and reduction". Tokens x_1..x_{P+K} (columns of X_all ∈ R^{D×(P+K)}), labels y ∈ R^P for the first P;
the residual stream h ∈ R^{D+1} holds [x; Δ]. Each layer adds (1/(LP)) Σ_{ν≤P} M_{μν} (k_ν·q_μ) v_ν with the
mask M_{μν} = −1 for training tokens μ ≤ P and +1 for query tokens. With the alignment of App. B.2 (queries and
keys read x, values write the label slot) the label slot follows the reduced-Γ recursion with
Γ^ℓ = v_ℓ K_ℓᵀ Q_ℓ, and with tied weights it is exactly L steps of GD with preconditioner Γ and step 1/L.

The forward passes below are written once for every element type: float arrays (numerics), object arrays of
mpmath numbers (high precision) and object arrays of SymPy symbols (the exact checks).
"""

from __future__ import annotations

import random
from typing import Sequence

import mpmath
import numpy as np
import sympy as sp

# _average is the moment-replacement rule of AverageOverVector, reused for the averaged GD error.
from icl_sym.core.checks import Exact, ExactAtSizes, NumericIdentity, _average, expanded_numerator
from icl_sym.core.derivation import Derivation, Step
from icl_sym.core.formula import Formula, Param

from .symbols import D, L, P, cite, sigma2
from .theory import THEORY

__all__ = [
    "mask",
    "attention_forward",
    "reduced_gamma_forward",
    "gradient_descent_forward",
    "linear_teacher_error",
    "reduction",
]

Layer = tuple  # (Q, K, v): query and key matrices (D×D) acting on x, value scale v on the label slot


def mask(context: int, queries: int) -> np.ndarray:
    """M ∈ R^{(P+K)×P}: −1 on rows of training tokens, +1 on rows of query tokens (App. B.1)."""
    return np.vstack([-np.ones((context, context), dtype=int), np.ones((queries, context), dtype=int)])


def _zeros(shape, like: np.ndarray) -> np.ndarray:
    return np.zeros(shape, dtype=like.dtype) if like.dtype != object else np.full(shape, 0, dtype=object)


def attention_forward(tokens: np.ndarray, labels: np.ndarray, layers: Sequence[Layer]) -> np.ndarray:
    """Readouts w_o·h^{L+1} at the K query tokens of depth-L residual linear attention (Sec. 2.1, App. B.1).

    The residual stream is h = [x; label slot] ∈ R^{D+1} (W_x = [I; 0], w_y = w_o = e_{D+1}); layer ℓ has
    W_q = diag(Q_ℓ, 0), W_k = diag(K_ℓ, 0), W_v = diag(0, v_ℓ), and adds (1/(LP)) Σ_ν M_{μν} (k_ν·q_μ) v_ν.
    """
    dim, total = tokens.shape
    context = labels.shape[0]
    depth = len(layers)
    h = _zeros((dim + 1, total), tokens)
    h[:dim, :] = tokens
    h[dim, :context] = labels
    signs = mask(context, total - context)
    for Q, K, v in layers:
        W_q, W_k, W_v = (_zeros((dim + 1, dim + 1), tokens) for _ in range(3))
        W_q[:dim, :dim], W_k[:dim, :dim], W_v[dim, dim] = Q, K, v
        queries, keys, values = W_q @ h, W_k @ h, W_v @ h
        scores = keys[:, :context].T @ queries  # scores[ν, μ] = k_ν · q_μ
        h = h + values[:, :context] @ (scores * signs.T) / (depth * context)
    return h[dim, context:]


def reduced_gamma_forward(tokens: np.ndarray, labels: np.ndarray, gammas: Sequence[np.ndarray]) -> np.ndarray:
    """Query readouts of the reduced-Γ recursion Δ^{ℓ+1}_μ = Δ^ℓ_μ + (1/(LP)) Σ_ν M_{μν} x_νᵀ Γ^ℓ x_μ Δ^ℓ_ν
    (Sec. 2.2), from Δ¹ = [y; 0]."""
    context = labels.shape[0]
    depth = len(gammas)
    delta = _zeros(tokens.shape[1], tokens)
    delta[:context] = labels
    signs = mask(context, tokens.shape[1] - context)
    for gamma in gammas:
        kernel = tokens[:, :context].T @ gamma @ tokens  # kernel[ν, μ] = x_νᵀ Γ x_μ
        delta = delta + (kernel * signs.T).T @ delta[:context] / (depth * context)
    return delta[context:]


def gradient_descent_forward(tokens: np.ndarray, labels: np.ndarray, gamma: np.ndarray, depth: int,
                             root_dim) -> tuple[np.ndarray, np.ndarray]:
    """(β^L, D^{-1/2} β^L·x_⋆ at the query tokens): L steps of preconditioned GD on
    (1/(2P))‖D^{-1/2} Xᵀβ − y‖², step D/L, preconditioner Γ, from β⁰ = 0 (App. B.2). ``root_dim`` is √D in
    the element type of the arrays."""
    context = labels.shape[0]
    X = tokens[:, :context]
    beta = _zeros(tokens.shape[0], tokens)
    for _ in range(depth):
        beta = beta - root_dim * (gamma @ X @ (X.T @ beta / root_dim - labels)) / (depth * context)
    return beta, tokens[:, context:].T @ beta / root_dim


def linear_teacher_error(gamma: np.ndarray, tokens: np.ndarray, Sigma: np.ndarray, Omega: np.ndarray,
                         sigma2_value: float, depth: int) -> float:
    """ℓ − σ² of L-step GD for the linear teacher y = D^{-1/2}β⋆·x + σε, averaged over β⋆ (⟨β⋆β⋆ᵀ⟩ = Ω) and ε,
    at a fixed context X (columns of ``tokens``) (Sec. 2.2, corrected noise term):

        tr[Ω Aᵀ Σ A] + σ²/(α L²) tr[Σ Γ S Σ̂ Sᵀ Γᵀ],   A = (I − ΓΣ̂/L)^L,  S = Σ_{ℓ<L} (I − Σ̂Γ/L)^ℓ,

    with the normalised trace tr = Tr/D and α = P/D.
    """
    A, S, sigma_hat = _propagators(gamma, tokens, depth)
    dim, context = tokens.shape
    alpha_value = context / dim
    bias = np.trace(Omega @ A.T @ Sigma @ A) / dim
    noise = sigma2_value / (alpha_value * depth**2) * np.trace(Sigma @ gamma @ S @ sigma_hat @ S.T @ gamma.T) / dim
    return bias + noise


def _propagators(gamma: np.ndarray, tokens: np.ndarray, depth: int):
    """A = (I − ΓΣ̂/L)^L, S = Σ_{ℓ<L} (I − Σ̂Γ/L)^ℓ and Σ̂ = XXᵀ/P, for any element type."""
    dim, context = tokens.shape
    sigma_hat = tokens @ tokens.T / context
    identity = _zeros((dim, dim), tokens)
    for i in range(dim):
        identity[i, i] = 1
    step_right = identity - gamma @ sigma_hat / depth
    step_left = identity - sigma_hat @ gamma / depth
    A, S, power = identity, _zeros((dim, dim), tokens), identity
    for _ in range(depth):
        A = A @ step_right
        S = S + power
        power = power @ step_left
    return A, S, sigma_hat


# --------------------------------------------------------------------------------------------------
# Exact instances (SymPy entries) and random instances (mpmath entries)
# --------------------------------------------------------------------------------------------------

def _symbols(name: str, shape: tuple) -> np.ndarray:
    return np.array(sp.symbols(f"{name}_0:{int(np.prod(shape))}"), dtype=object).reshape(shape)


def _symbolic_context(dim: int, context: int, queries: int) -> tuple[np.ndarray, np.ndarray]:
    return _symbols("x", (dim, context + queries)), _symbols("y", (context,))


#: Display names for quantities computed by the checks at each explicit or random instance.
f_attention = sp.Symbol(r"f^{\mathrm{attn}}_\star")
f_reduced = sp.Symbol(r"f^{\Gamma}_\star")
f_gd = sp.Symbol(r"D^{-1/2}\beta^L \cdot x_\star")


def _attention_vs_reduced(dim: int, context: int, queries: int, depth: int) -> dict:
    """Untied layers with symbolic Q_ℓ, K_ℓ, v_ℓ: the architecture and the reduced-Γ recursion."""
    tokens, labels = _symbolic_context(dim, context, queries)
    layers = [(_symbols(f"Q{i}", (dim, dim)), _symbols(f"K{i}", (dim, dim)), sp.Symbol(f"v{i}")) for i in range(depth)]
    gammas = [v * K.T @ Q for Q, K, v in layers]
    return {f_attention: sp.Matrix(attention_forward(tokens, labels, layers)),
            f_reduced: sp.Matrix(reduced_gamma_forward(tokens, labels, gammas))}


def _reduced_vs_gd(dim: int, context: int, queries: int, depth: int) -> dict:
    """Tied Γ with symbolic entries: the reduced-Γ recursion and L steps of preconditioned GD."""
    tokens, labels = _symbolic_context(dim, context, queries)
    gamma = _symbols("g", (dim, dim))
    # k_ν·q_μ = x_νᵀ Γ x_μ makes the GD preconditioner Γᵀ (the paper writes Γ; equal for symmetric Γ).
    _, prediction = gradient_descent_forward(tokens, labels, gamma.T, depth, sp.sqrt(dim))
    return {f_reduced: sp.Matrix(reduced_gamma_forward(tokens, labels, [gamma] * depth)),
            f_gd: sp.Matrix(prediction)}


def _random_instance(seed) -> tuple:
    """Sizes D ∈ 1..5, P ∈ 1..6, K ∈ 1..3, L ∈ 1..4 and Gaussian entries (mpmath), all from ``seed``."""
    rng = random.Random(int(seed))
    dim, context, queries, depth = rng.randint(1, 5), rng.randint(1, 6), rng.randint(1, 3), rng.randint(1, 4)

    def draw(shape):
        return np.array([mpmath.mpf(rng.gauss(0, 1)) for _ in range(int(np.prod(shape)))], dtype=object).reshape(shape)

    layers = [(draw((dim, dim)), draw((dim, dim)), mpmath.mpf(rng.gauss(0, 1))) for _ in range(depth)]
    return draw((dim, context + queries)), draw((context,)), layers, dim


class RandomAttentionMinusGD(sp.Function):
    """max |attention readout − GD readout| at the random instance of seed s, with one Γ for all layers
    (Q_ℓ, K_ℓ, v_ℓ random, then tied to layer 1's): evaluates numerically only."""

    @classmethod
    def eval(cls, seed):  # stays unevaluated symbolically
        return None

    def _eval_evalf(self, prec):
        with mpmath.workprec(prec + 20):
            tokens, labels, layers, dim = _random_instance(float(self.args[0]))
            Q, K, v = layers[0]
            tied = [(Q, K, v)] * len(layers)
            attention = attention_forward(tokens, labels, tied)
            _, gd = gradient_descent_forward(tokens, labels, (v * K.T @ Q).T, len(layers), mpmath.sqrt(dim))
            scale = max(mpmath.mpf(1), *(abs(a) for a in attention))
            return sp.Float(max(abs(a - b) for a, b in zip(attention, gd)) / scale, _prec_to_dps(prec))


class RandomAttentionMinusReduced(sp.Function):
    """max |attention readout − reduced-Γ readout| at the random instance of seed s (untied layers)."""

    @classmethod
    def eval(cls, seed):
        return None

    def _eval_evalf(self, prec):
        with mpmath.workprec(prec + 20):
            tokens, labels, layers, _ = _random_instance(float(self.args[0]))
            attention = attention_forward(tokens, labels, layers)
            reduced = reduced_gamma_forward(tokens, labels, [v * K.T @ Q for Q, K, v in layers])
            scale = max(mpmath.mpf(1), *(abs(a) for a in attention))
            return sp.Float(max(abs(a - b) for a, b in zip(attention, reduced)) / scale, _prec_to_dps(prec))


def _prec_to_dps(prec: int) -> int:
    return mpmath.libmp.prec_to_dps(prec)


# --------------------------------------------------------------------------------------------------
# Test error for a linear teacher (exact expectation over β⋆ and ε at explicit sizes)
# --------------------------------------------------------------------------------------------------

#: Matrix symbols of the stated error formula (sizes D, P).
X = sp.MatrixSymbol("X", D, P)
Gamma = sp.MatrixSymbol("Gamma", D, D)
Sigma = sp.MatrixSymbol("Sigma", D, D)
Omega = sp.MatrixSymbol("Omega", D, D)
Sigma_hat = sp.MatrixSymbol(r"\hat{\Sigma}", D, D)
A_prop = sp.MatrixSymbol("A", D, D)
S_prop = sp.MatrixSymbol("S", D, D)
averaged_error = sp.Symbol(r"\mathbb{E}_{\beta_\star,\epsilon}\,\frac{1}{D}(\beta^L-\beta_\star)^T\Sigma(\beta^L-\beta_\star)")

stated_error = (sp.Trace(Omega * A_prop.T * Sigma * A_prop) / D
                + sigma2 / ((P / D) * L**2) * sp.Trace(Sigma * Gamma * S_prop * Sigma_hat * S_prop.T * Gamma.T) / D)


def _error_instance(dim: int, context: int, depth: int) -> dict:
    """Explicit symbolic X, Γ, Σ (symmetric), Ω (symmetric) and the exactly averaged GD error."""
    tokens = _symbols("x", (dim, context))
    gamma = _symbols("g", (dim, dim))
    sym = lambda name: (lambda M: np.triu(M) + np.triu(M, 1).T)(_symbols(name, (dim, dim)))  # noqa: E731
    Sig, Om = sym("s"), sym("o")
    beta_star, eps = _symbols("b", (dim,)), _symbols("e", (context,))
    labels = tokens.T @ beta_star / sp.sqrt(dim) + sp.sqrt(sigma2) * eps
    beta, _ = gradient_descent_forward(tokens, labels, gamma, depth, sp.sqrt(dim))
    diff = beta - beta_star
    error = sp.expand(diff @ Sig @ diff / dim)
    entries = tuple(beta_star) + tuple(eps)
    second = sp.diag(sp.Matrix(Om), sp.eye(context))
    averaged = _average(error, entries, sp.zeros(len(entries), 1), second)
    A, S, sigma_hat = _propagators(gamma, tokens, depth)
    return {averaged_error: averaged, D: dim, P: context, L: depth, Gamma: sp.Matrix(gamma),
            Sigma: sp.Matrix(Sig), Omega: sp.Matrix(Om), Sigma_hat: sp.Matrix(sigma_hat),
            A_prop: sp.Matrix(A), S_prop: sp.Matrix(S), X: sp.Matrix(tokens)}


# --------------------------------------------------------------------------------------------------
# The derivation
# --------------------------------------------------------------------------------------------------

@THEORY.derivation("reduction")
def reduction() -> Derivation:
    y = sp.MatrixSymbol("y", P, 1)
    beta = sp.MatrixSymbol("beta", D, 1)
    x_star = sp.MatrixSymbol("x_star", D, 1)
    I_P, I_D = sp.Identity(P), sp.Identity(D)
    scale = 1 / (L * P)
    residual = y - X.T * beta / sp.sqrt(D)
    beta_next = beta + sp.sqrt(D) * scale * Gamma.T * X * residual
    seed = sp.Symbol("s", positive=True)
    sizes = ((1, 2, 1, 1), (2, 2, 1, 2), (1, 3, 2, 3), (2, 2, 1, 3))
    steps = (
        Step("architecture to reduced Gamma",
             f_attention, f_reduced,
             "With $h = [x; \\Delta]$, $W_q = \\mathrm{diag}(Q_\\ell, 0)$, $W_k = \\mathrm{diag}(K_\\ell, 0)$, "
             "$W_v = \\mathrm{diag}(0, v_\\ell)$ the keys and queries see only $x$ and the values write only the "
             "label slot, so $k_\\nu \\cdot q_\\mu = x_\\nu^T K_\\ell^T Q_\\ell x_\\mu$ and the label slot follows "
             "$\\Delta^{\\ell+1}_\\mu = \\Delta^\\ell_\\mu + \\frac{1}{LP}\\sum_\\nu M_{\\mu\\nu} x_\\nu^T \\Gamma^\\ell "
             "x_\\mu \\Delta^\\ell_\\nu$ with $\\Gamma^\\ell = v_\\ell K_\\ell^T Q_\\ell$. Checked exactly with "
             "symbolic entries at $(D, P, K, L)$ = " + ", ".join(map(str, sizes)) + " (untied layers).",
             ExactAtSizes(_attention_vs_reduced, sizes, simplifier=sp.expand)),
        Step("architecture to reduced Gamma, random sizes",
             RandomAttentionMinusReduced(seed), sp.Integer(0),
             "The same identity at random sizes ($D \\le 5$, $P \\le 6$, $K \\le 3$, $L \\le 4$) and random "
             "Gaussian weights, in 30-digit arithmetic; $s$ seeds the instance.",
             NumericIdentity({seed: (1, 10**6)}, points=6)),
        Step("residual of one GD step",
             y - X.T * beta_next / sp.sqrt(D), (I_P - scale * X.T * Gamma.T * X) * residual,
             "Preconditioned GD on $\\frac{1}{2P}\\|D^{-1/2}X^T\\beta - y\\|^2$ with step $D/L$ and preconditioner "
             "$\\Gamma^T$: $\\beta^{\\ell+1} = \\beta^\\ell + \\frac{\\sqrt{D}}{LP}\\Gamma^T X h^\\ell$ with residual "
             "$h^\\ell = y - D^{-1/2}X^T\\beta^\\ell$. The residual obeys the training-token recursion of "
             "$\\Delta$ (mask $-1$, kernel $x_\\nu^T\\Gamma x_\\mu$): $h^{\\ell} = \\Delta^{\\ell}$ for all $\\ell$ since "
             "$h^0 = y = \\Delta^0$. The preconditioner is $\\Gamma^T$ because $k_\\nu\\cdot q_\\mu = x_\\nu^T\\Gamma "
             "x_\\mu$; the paper writes $\\Gamma$, the same for the symmetric $\\Gamma$ of every setting it studies.",
             Exact()),
        Step("prediction of one GD step",
             x_star.T * (beta_next - beta) / sp.sqrt(D), scale * x_star.T * Gamma.T * X * residual,
             "The query's readout grows by $\\frac{1}{LP}x_\\star^T\\Gamma^T X\\Delta^\\ell$ per layer (mask $+1$), "
             "and so does $D^{-1/2}x_\\star\\cdot\\beta^\\ell$; both start at 0, so after $L$ layers "
             "$f_\\star = D^{-1/2}\\beta^L\\cdot x_\\star$.",
             Exact()),
        Step("push-through",
             Gamma.T * X * (I_P - scale * X.T * Gamma.T * X), (I_D - scale * Gamma.T * X * X.T) * Gamma.T * X,
             "Moving $\\Gamma^T X$ through each factor turns the $P\\times P$ recursion into the $D\\times D$ form "
             "$\\beta^L = \\frac{\\sqrt D}{LP}\\Gamma^T\\sum_{\\ell<L}(I - L^{-1}\\hat\\Sigma\\Gamma^T)^\\ell X y$, "
             "$\\hat\\Sigma = XX^T/P$ ($X \\in \\mathbb{R}^{D\\times P}$: the paper's $X^T y$ is $X y$ here).",
             Exact()),
        Step("deep attention is L steps of GD",
             f_reduced, f_gd,
             "Together: with tied weights $\\Gamma^\\ell = \\Gamma$ the reduced recursion's query readout is "
             "$D^{-1/2}\\beta^L\\cdot x_\\star$. Checked exactly with symbolic entries at $(D, P, K, L)$ = "
             + ", ".join(map(str, sizes)) + ".",
             ExactAtSizes(_reduced_vs_gd, sizes, simplifier=sp.expand)),
        Step("deep attention is L steps of GD, random sizes",
             RandomAttentionMinusGD(seed), sp.Integer(0),
             "The architecture against GD at random sizes and weights (30 digits).",
             NumericIdentity({seed: (1, 10**6)}, points=6)),
        Step("test error for a linear teacher",
             averaged_error, stated_error,
             "For GD with preconditioner $\\Gamma$ (the transpose of the attention's, as above) and "
             "$y = D^{-1/2}X^T\\beta_\\star + \\sigma\\epsilon$, $\\langle\\beta_\\star\\beta_\\star^T\\rangle = \\Omega$, "
             "$\\epsilon \\sim \\mathcal{N}(0, I_P)$: $\\beta^L - \\beta_\\star = -A\\beta_\\star + "
             "\\frac{\\sigma\\sqrt D}{LP}\\Gamma S X\\epsilon$ with $A = (I - L^{-1}\\Gamma\\hat\\Sigma)^L$ and "
             "$S = \\sum_{\\ell<L}(I - L^{-1}\\hat\\Sigma\\Gamma)^\\ell$; the population loss is this plus $\\sigma^2$. "
             "The noise term is $\\frac{\\sigma^2}{\\alpha L^2}\\,\\mathrm{tr}[\\Sigma\\Gamma S\\hat\\Sigma S^T\\Gamma^T]$ "
             "with the normalised trace and $\\Sigma$ inside (the paper's printed term omits $\\Sigma$). The left side "
             "is averaged exactly (moments of $\\beta_\\star$ and $\\epsilon$) after running the GD iteration with "
             "symbolic entries; checked at $(D, P, L)$ = (1, 1, 1), (1, 2, 2), (2, 1, 1), (2, 2, 1), (1, 1, 3).",
             ExactAtSizes(_error_instance, ((1, 1, 1), (1, 2, 2), (2, 1, 1), (2, 2, 1), (1, 1, 3)),
                          simplifier=expanded_numerator)),
    )
    error_formula = Formula(
        "bordelon2025.linear_teacher_error", stated_error,
        (Param(Omega, description="task covariance"), Param(A_prop, description="(I - Gamma Sigma_hat/L)^L"),
         Param(Sigma, description="input covariance"), Param(Gamma, description="preconditioner"),
         Param(S_prop, description="sum_{l<L} (I - Sigma_hat Gamma/L)^l"),
         Param(Sigma_hat, description="context covariance X X^T/P"), Param(sigma2, description="label-noise variance"),
         Param(D, description="dimension"), Param(P, description="context length"), Param(L, description="depth")),
        cite("Sec. 2.2 (test error of L-step GD)", "noise term corrected: Sigma inside, normalised trace"),
        "reducible test error of L-step preconditioned GD at a fixed context", sp.Symbol(r"\ell - \sigma^2"))
    return Derivation(
        "bordelon2025.reduction",
        "Deep linear attention is L steps of preconditioned in-context GD",
        cite("Sec. 2.1-2.2, App. B"),
        "Tokens $x_1..x_{P+K} \\in \\mathbb{R}^D$, labels $y_1..y_P$ (query labels masked to 0). Depth-$L$ residual "
        "linear attention $h^{\\ell+1}_\\mu = h^\\ell_\\mu + \\frac{1}{LP}\\sum_{\\nu \\le P} M_{\\mu\\nu}(k^\\ell_\\nu\\cdot "
        "q^\\ell_\\mu)v^\\ell_\\nu$ with $M_{\\mu\\nu} = -1$ for training rows and $+1$ for query rows; the prediction is "
        "the label slot of the query tokens after $L$ layers.",
        steps,
        (error_formula,),
    )
