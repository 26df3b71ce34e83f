"""Symbols of Bordelon, Letey, Pehlevan (2026) shared by the modules of this package.

Names follow the paper: token dimension ``D``, context length ``P``, depth ``L``
(the number of attention layers, equal to the number of in-context gradient
steps), context ratio ``alpha = P/D`` and label-noise variance ``sigma2`` (σ²).
The loss is never called ``L`` in code: ``L`` is always the depth.
"""

import sympy as sp

from .theory import THEORY

PAPER = THEORY.citation
#: Provenance pointing into Bordelon, Letey, Pehlevan: ``cite(where, note="")``.
cite = THEORY.cite


#: Token dimension, context length and depth.
D = sp.Symbol("D", positive=True, integer=True)
P = sp.Symbol("P", positive=True, integer=True)
L = sp.Symbol("L", positive=True, integer=True)
#: Context ratio α = P/D and label-noise variance σ².
alpha = sp.Symbol("alpha", positive=True)
sigma2 = sp.Symbol("sigma2", nonnegative=True)
#: An eigenvalue of the empirical covariance Σ̂ = X Xᵀ/P.
lam = sp.Symbol("lambda", positive=True)
