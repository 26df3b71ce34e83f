"""What users call, checked: the stable forms the numerics use, and the public learning curves themselves.

``lu2024.numerics`` is the derivation ``icl-sym check`` runs for the numeric layer: one step per
rewrite of :func:`.forms.identities` (each proved exactly on the curve or root where it holds),
and one step per public function (:func:`~.asymptotics.e_icl`, ``e_idg``, ``g_task``,
``epsilon``) evaluated at seeded random points of the whole parameter box and compared with the
independent high-precision evaluator :func:`.reference.reference`. A change to a stable form, a
generated kernel or the solver therefore fails ``icl-sym check``, not only the test suite.
"""

from __future__ import annotations

import math
import random
from functools import lru_cache

import sympy as sp

from icl_sym.core.checks import Exact, NumericAgreement
from icl_sym.core.derivation import Derivation, Step

from . import asymptotics
from .forms import identities, zero
from .reference import reference
from .symbols import cite
from .theory import THEORY

__all__ = ["numerics", "identity_steps", "callable_steps", "random_point"]

#: Relative agreement required between the public functions and the 50-digit reference.
RTOL = 1e-12


def random_point(rng: random.Random) -> dict:
    """A point of the box τ ∈ [1e-3, 1e3], α ∈ [1e-2, 1e4], κ ∈ [1e-3, 1e3] ∪ {∞}, ρ ∈ [1e-4, 10], λ ∈ {0} ∪ [1e-10, 100]."""
    point = {"tau": 10 ** rng.uniform(-3, 3), "alpha": 10 ** rng.uniform(-2, 4),
             "kappa": math.inf if rng.random() < 0.1 else 10 ** rng.uniform(-3, 3),
             "rho": 10 ** rng.uniform(-4, 1), "lam": 0.0 if rng.random() < 0.3 else 10 ** rng.uniform(-10, 2)}
    if point["lam"] == 0 and abs(point["tau"] - 1) < 1e-6:
        point["tau"] = 2.0  # the ridgeless pole, where both sides are inf anyway
    return point


@lru_cache(maxsize=1024)
def _reference(tau, alpha, kappa, rho, lam):
    return reference(tau, alpha, kappa, rho, lam, dps=30)


def _icl_scale(**p):
    """g_task = e_ICL − e_IDG is accurate relative to e_ICL, not to itself (it can cancel)."""
    return _reference(*(p[k] for k in ("tau", "alpha", "kappa", "rho", "lam"))).e_icl


def identity_steps() -> tuple[Step, ...]:
    """One exact step per rewrite the numerics rely on (built from the current stable forms)."""
    return tuple(
        Step(f"identity {i.name}", i.lhs, i.rhs,
             f"The numerics evaluate the left side; it equals the paper's form {i.holds}.",
             Exact(simplifier=lambda expr, reduce=i.reduce: zero(reduce(expr))))
        for i in identities())


def callable_steps(points: int = 40) -> tuple[Step, ...]:
    """One step per public learning-curve function, against the independent reference at random points."""
    args = sp.symbols("tau alpha kappa rho lambda")
    steps = []
    for name, field in (("e_icl", "e_icl"), ("e_idg", "e_idg"), ("g_task", "g_task"), ("epsilon", "epsilon")):
        def public(name=name, **p):
            return getattr(asymptotics, name)(**p)  # looked up at call time: the function users call now

        def independent(field=field, **p):
            return getattr(_reference(*(p[k] for k in ("tau", "alpha", "kappa", "rho", "lam"))), field)

        steps.append(Step(
            f"public {name} equals the reference",
            sp.Function(f"{name}_numeric")(*args), sp.Function(f"{name}_reference")(*args),
            f"`icl_sym.theories.lu2024.{name}` (stable forms, generated kernels, bracketed Newton) against the "
            "paper's forms evaluated by mpmath at 30 digits with their own root finder, over the whole box.",
            NumericAgreement(public, independent, random_point, points=points, rtol=RTOL,
                             scale=_icl_scale if name == "g_task" else None)))
    return tuple(steps)


@THEORY.derivation("numerics")
def numerics() -> Derivation:
    return Derivation(
        "lu2024.numerics",
        "The numeric forms users call",
        cite("Section 5 (Results ICL and IDG)"),
        "The fast learning curves are generated from stable rewrites of the paper's forms, in which no "
        "terms cancel. Each rewrite is proved equal to the paper's form where it is used; then the public "
        "functions are compared with an independent 30-digit evaluation of the paper's forms.",
        identity_steps() + callable_steps(),
    )
