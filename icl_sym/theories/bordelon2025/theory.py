"""The Bordelon, Letey, Pehlevan theory as a workbench plugin: the object the ``icl_sym.theories`` entry point names.

Derivations and formulas are attached by the modules of this package as they are imported
(``@THEORY.derivation``, ``@THEORY.formula``); the errata ledger is data in :mod:`.errata`.
"""

from icl_sym.core.theory import Theory

__all__ = ["THEORY"]

THEORY = Theory(
    "bordelon2025",
    "Theory of scaling laws for in-context regression: depth, width, context and time",
    "Bordelon, Letey, Pehlevan, Theory of scaling laws for in-context regression: depth, width, context and time, "
    "ICLR 2026 (arXiv 2510.01098)",
    simulation="icl_sym.sim.bordelon2025:SIMULATION",
    figures="icl_sym.experiments.bordelon2025:FIGURES",
    errata="icl_sym.theories.bordelon2025.errata:LEDGER",
)
