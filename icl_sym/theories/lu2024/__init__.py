"""Lu, Letey, Zavatone-Veth, Maiti, Pehlevan (2025): asymptotic theory of ICL by linear attention.

Derivations (registered under ``lu2024.*``): the reduction of linear attention
to ŷ = ⟨Γ, H_Z⟩, Lemma 1 (conditional moments) and Proposition 1 (the exact
error of any Γ). Numeric entry point: :func:`error_of_gamma`.
"""

from . import lemma1, proposition1, reduction  # noqa: F401  (register the derivations)
from .error_of_gamma import error_of_gamma

__all__ = ["error_of_gamma"]
