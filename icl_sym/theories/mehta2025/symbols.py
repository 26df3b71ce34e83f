"""Symbols of the Mehta and Gupta claims and of the loss ansätze used to test them (docs/theory/mehta2025.md)."""

import sympy as sp

__all__ = ["L", "d", "N", "A", "B", "a", "b", "beta", "c", "h", "k", "C", "eps0", "TWO_THIRDS"]

L = sp.Symbol("L", positive=True)  # depth (number of layers)
d = sp.Symbol("d", positive=True)  # width
N = sp.Symbol("N", positive=True)  # the budget: L d in the abstract, L d^2 in the parameter-count reading
A, B, C = sp.symbols("A B C", positive=True)  # unknown positive prefactors
a = sp.Symbol("a", positive=True)  # depth exponent of the loss ansatz
b = sp.Symbol("b", positive=True)  # width exponent of the loss ansatz
beta = sp.Symbol("beta", positive=True)  # exponent of the optimisation-time term A T^{-beta}
c = sp.Symbol("c", positive=True)  # prefactor of eta_eff = c / sqrt(L d)
h = sp.Symbol("h", positive=True)  # "hierarchy depth" of the task
k = sp.Symbol("k", positive=True)  # context length
eps0 = sp.Symbol("epsilon_0", positive=True)  # error threshold defining the critical scale

#: The claimed depth share of the budget: L* ∝ N^{2/3} (abstract).
TWO_THIRDS = sp.Rational(2, 3)
