"""Linear attention with the paper's embedding reduces to a linear model ŷ = ⟨Γ, H_Z⟩.

Lu et al. (2025), §"Linear attention" (docs/theory/lu2024.md §3.2). The identities are
polynomial in every entry, so they are checked exactly at explicit sizes with
fully symbolic entries.
"""

from __future__ import annotations

import sympy as sp

from icl_sym.core.checks import ExactAtSizes
from icl_sym.core.derivation import Derivation, Step
from icl_sym.core.formula import Formula, Param

from .symbols import Gamma, cite, d, ell
from .theory import THEORY

# Context inputs X = [x_1 … x_ℓ], labels y, query input x (its label slot is 0).
X = sp.MatrixSymbol("X", d, ell)
y = sp.MatrixSymbol("y", ell, 1)
x = sp.MatrixSymbol("x", d, 1)
# P = KᵀQ in blocks; V (value matrix) in blocks; its last row is [v_1ᵀ, v_2].
W11 = sp.MatrixSymbol("W_11", d, d)
w12 = sp.MatrixSymbol("w_12", d, 1)
w21 = sp.MatrixSymbol("w_21", d, 1)
w22 = sp.MatrixSymbol("w_22", 1, 1)
V11 = sp.MatrixSymbol("V_11", d, d)
v12 = sp.MatrixSymbol("v_12", d, 1)
v1 = sp.MatrixSymbol("v_1", d, 1)
v2 = sp.Symbol("v_2")

Z = sp.BlockMatrix([[X, x], [y.T, sp.ZeroMatrix(1, 1)]])
P = sp.BlockMatrix([[W11, w12], [w21.T, w22]])
V = sp.BlockMatrix([[V11, v12], [v1.T, v2 * sp.Identity(1)]])
#: M = diag(I_ℓ, 0): the query token is excluded from the attention sum.
M = sp.BlockMatrix([[sp.Identity(ell), sp.ZeroMatrix(ell, 1)], [sp.ZeroMatrix(1, ell), sp.ZeroMatrix(1, 1)]])
#: The query token z_{ℓ+1} = [x; 0] and the last row of V.
z_query = sp.BlockMatrix([[x], [sp.ZeroMatrix(1, 1)]])
v_last = sp.BlockMatrix([[v1], [v2 * sp.Identity(1)]])

#: h = [s; q] with s = (d/ℓ) Σ y_i x_i and q = (1/ℓ) Σ y_i² (the context features).
h = sp.BlockMatrix([[(d / ell) * X * y], [(y.T * y) / ell]])
#: The feature matrix H_Z = x_{ℓ+1} hᵀ ∈ R^{d×(d+1)}.
H_Z = x * h.T
#: Γ collects the attention parameters that reach the output.
Gamma_attention = sp.BlockMatrix([[v2 * W11.T / d, v2 * w21]])

_MATRICES = (X, y, x, W11, w12, w21, w22, V11, v12, v1)


def explicit_sizes(d_value: int, ell_value: int) -> dict:
    """Map d, ℓ to numbers and every matrix symbol to a matrix of fresh scalar symbols."""
    mapping: dict = {d: d_value, ell: ell_value}
    for S in _MATRICES:
        rows, cols = (int(n.subs({d: d_value, ell: ell_value})) for n in S.shape)
        mapping[S] = sp.Matrix(rows, cols, lambda i, j, S=S: sp.Symbol(f"{S.name}[{i},{j}]"))
    return mapping


_SIZES = ((1, 2), (2, 3))
_exact = ExactAtSizes(explicit_sizes, _SIZES)


def _attention_output() -> sp.MatrixExpr:
    """Single-layer linear attention A = Z + (1/ℓ) V Z M (Zᵀ P Z) read at the query label slot."""
    A = Z + V * Z * M * Z.T * P * Z / ell
    return A[d : d + 1, ell : ell + 1]


@THEORY.derivation("reduction")
def reduction() -> Derivation:
    readout = v_last.T * Z * M * Z.T * P * z_query / ell
    v1_zero = readout.subs(v1, sp.ZeroMatrix(d, 1))
    labels_only = v2 * (y.T * X.T * W11 * x + y.T * y * w21.T * x) / ell
    linear = x.T * Gamma_attention * h
    steps = (
        Step(
            "query readout",
            _attention_output(),
            readout,
            "The query's label slot of $Z$ is 0, so only the attention term contributes to the "
            "(d+1, ℓ+1) entry; it is the last row of $V$ times $Z M Z^T P$ applied to the query token.",
            _exact,
        ),
        Step(
            "value reads labels only",
            v1_zero,
            labels_only,
            "Set $v_1 = 0$ (the value row that writes the prediction reads only labels; the $v_1$ "
            "terms carry no label information). Then $Z M Z^T = \\sum_{i \\le \\ell} z_i z_i^T$ "
            "contributes its label row $[y^T X^T, y^T y]$.",
            _exact,
        ),
        Step(
            "linear in the features h",
            labels_only,
            linear,
            "Collect the parameters: $\\hat y = x^T \\Gamma h$ with $h = [s; q]$, "
            "$s = (d/\\ell) \\sum_i y_i x_i$, $q = (1/\\ell) \\sum_i y_i^2$ and "
            "$\\Gamma = [v_2 W_{11}^T / d,\\ v_2 w_{21}]$.",
            _exact,
        ),
        Step(
            "inner product with H_Z",
            sp.Trace(linear),
            sp.Trace(Gamma_attention * H_Z.T),
            "A scalar equals its trace and the trace is cyclic: "
            "$x^T \\Gamma h = \\mathrm{tr}(\\Gamma h x^T) = \\langle \\Gamma, H_Z \\rangle$ with $H_Z = x h^T$.",
            _exact,
        ),
    )
    readout_formula = Formula(
        "lu2024.readout",
        sp.Trace(Gamma * H_Z.T),
        (
            Param(Gamma, description="reduced attention parameters"),
            Param(X, description="context inputs x_1..x_ell as columns"),
            Param(y, description="context labels"),
            Param(x, description="query input"),
            Param(d, description="token dimension"),
            Param(ell, description="context length"),
        ),
        cite("§2 (reduction of linear attention to a linear model in H_Z)"),
        "prediction of single-layer linear attention, <Gamma, H_Z>",
        sp.Symbol("yhat"),  # ŷ in LaTeX and MathML
    )
    return Derivation(
        "lu2024.reduction",
        "Linear attention reduces to a linear model in H_Z",
        cite("§2, reduced linear attention"),
        "Tokens $z_i = [x_i; y_i]$, query $z_{\\ell+1} = [x_{\\ell+1}; 0]$ stacked into "
        "$Z \\in \\mathbb{R}^{(d+1)\\times(\\ell+1)}$; attention $A = Z + \\frac{1}{\\ell} V Z M (Z^T K^T Q Z)$ "
        "with $M = \\mathrm{diag}(I_\\ell, 0)$ and $P = K^T Q$; the prediction is $A_{d+1,\\ell+1}$.",
        steps,
        (readout_formula,),
    )
