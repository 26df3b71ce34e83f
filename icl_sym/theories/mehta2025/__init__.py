"""Mehta and Gupta (2025): a claims ledger for "Scaling laws and in-context learning: a unified theoretical framework".

Only the abstract and a summary of the paper are available, so this theory holds no paper results of
its own: it holds derivations that test each claim (``mehta2025.*``) and the ledger of claims with
verdicts computed from them (``THEORY.claims``), including fits of committed simulation results
(:mod:`.simulations`, produced by :mod:`icl_sym.sim.mehta2025`). See ``docs/theory/mehta2025.md``.
"""

# Importing the modules attaches their derivations to THEORY.
from . import allocation, comparisons, transition  # noqa: F401
from .theory import THEORY

__all__ = ["THEORY"]
