"""The Lu et al. (2025) theory as a workbench plugin: the one object the ``icl_sym.theories`` entry point names.

Derivations, formulas and curves are attached by the modules of this package as they are imported
(``@THEORY.derivation``, ``@THEORY.formula``, ``@THEORY.curve``); the simulation and the figure
recipes are referenced by name and imported only when used (they need PyTorch and matplotlib).
"""

from icl_sym.core.theory import Theory

__all__ = ["THEORY"]

THEORY = Theory(
    "lu2024",
    "Asymptotic theory of in-context learning by linear attention",
    "Lu, Letey, Zavatone-Veth, Maiti, Pehlevan, PNAS 122(28) e2502599122 (2025)",
    simulation="icl_sym.sim.lu2024:SIMULATION",
    figures="icl_sym.experiments.lu2024:FIGURES",
    errata="icl_sym.theories.lu2024.errata:ERRATA",
)
