"""Symbols of Lu et al. (2025) shared by the lemmas and results.

Names follow the paper: token dimension ``d``, context length ``ell`` (ℓ),
label-noise variance ``rho``, context-length ratio ``alpha = ell/d``.
"""

import sympy as sp

from .theory import THEORY

PAPER = THEORY.citation
#: Provenance pointing into Lu et al. (2025): ``cite(where, note="")``.
cite = THEORY.cite


d = sp.Symbol("d", positive=True, integer=True)
ell = sp.Symbol("ell", positive=True, integer=True)
rho = sp.Symbol("rho", nonnegative=True)
alpha = sp.Symbol("alpha", positive=True)

#: A task vector (conditioned on in the lemmas).
w = sp.MatrixSymbol("w", d, 1)
#: The attention parameters collapsed into one matrix, Γ ∈ R^{d×(d+1)}.
Gamma = sp.MatrixSymbol("Gamma", d, d + 1)
#: Test-task moments: mean μ = E[w] and second moment R = E[w wᵀ].
mu = sp.MatrixSymbol("mu", d, 1)
R = sp.MatrixSymbol("R", d, d)
