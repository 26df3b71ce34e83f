"""Lu, Letey, Zavatone-Veth, Maiti, Pehlevan (2025): asymptotic theory of ICL by linear attention.

Derivations (registered under ``lu2024.*``): the reduction of linear attention
to ŷ = ⟨Γ, H_Z⟩, Lemma 1 (conditional moments) and Proposition 1 (the exact
error of any Γ). Numeric entry points: :func:`error_of_gamma` (finite d) and the
asymptotic learning curves :func:`e_icl`, :func:`e_idg`, :func:`g_task`,
:func:`epsilon` with signature ``(tau, alpha, kappa, rho, lam)``.
"""

from . import curves, lemma1, limits, proposition1, reduction  # noqa: F401  (register the derivations)
from .asymptotics import e_icl, e_idg, epsilon, g_task
from .error_of_gamma import error_of_gamma

__all__ = ["error_of_gamma", "e_icl", "e_idg", "g_task", "epsilon"]
