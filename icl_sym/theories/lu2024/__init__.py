"""Lu, Letey, Zavatone-Veth, Maiti, Pehlevan (2025): asymptotic theory of ICL by linear attention.

The theory's plugin object is :data:`THEORY` (derivations ``lu2024.*``: the reduction of linear
attention to ŷ = ⟨Γ, H_Z⟩, Lemma 1, Proposition 1, the asymptotic curves and their limits).
Numeric entry points: :func:`error_of_gamma` (finite d) and the asymptotic learning curves
:func:`e_icl`, :func:`e_idg`, :func:`g_task`, :func:`epsilon` with signature
``(tau, alpha, kappa, rho, lam)``.
"""

from . import curves, lemma1, limits, numerics, proposition1, reduction  # noqa: F401  (attach the derivations)
from .asymptotics import e_icl, e_idg, epsilon, g_task
from .derived import bayes_icl_error
from .error_of_gamma import error_of_gamma
from .theory import THEORY

__all__ = ["THEORY", "error_of_gamma", "e_icl", "e_idg", "g_task", "epsilon", "bayes_icl_error"]
