"""Simulations behind the Mehta and Gupta claims ledger (docs/theory/mehta2025.md, "Simulations").

- :mod:`.allocation`: the optimal depth L* at a fixed budget N = L d for deep linear attention on isotropic
  in-context regression (context length tied to the width);
- :mod:`.hierarchy`: the ICL error against depth on compositional linear tasks of hierarchy depth h.

Both write one CSV row per finished cell (resumable) next to a JSON file with their configuration and the
command that produced them; ``python -m icl_sym.sim.mehta2025 --out DIR`` runs them.
"""

from .allocation import AllocationConfig, run_allocation
from .hierarchy import HierarchyConfig, run_hierarchy

__all__ = ["AllocationConfig", "run_allocation", "HierarchyConfig", "run_hierarchy"]
