"""The Mehta and Gupta claims ledger as a workbench plugin: the object the ``icl_sym.theories`` entry point names.

The paper states results without derivations available to the workbench, so this theory holds
derivations that test its claims (``@THEORY.derivation``) and the claims ledger itself
(:mod:`.ledger`, loaded on first use). See ``docs/theory/mehta2025.md``.
"""

from icl_sym.core.theory import Theory

__all__ = ["THEORY"]

THEORY = Theory(
    "mehta2025",
    "Scaling laws and in-context learning: a unified theoretical framework (claims ledger)",
    "Mehta, Gupta, Scaling laws and in-context learning: a unified theoretical framework, "
    "PriGM workshop @ EurIPS 2025 (arXiv 2511.06232)",
    claims="icl_sym.theories.mehta2025.ledger:CLAIMS",
    claim_figures="icl_sym.theories.mehta2025.report:draw_figures",
)
