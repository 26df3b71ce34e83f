"""Lu et al. (2025)'s simulation protocol: task pools, ridge pretraining of Γ*, Proposition-1 scoring, baselines.

:data:`SIMULATION` is the entry point the theory plugin declares (``icl-sym simulate lu2024``).
"""

from __future__ import annotations

import statistics
from typing import Any, Mapping

from icl_sym.core.theory import Parameter, Simulation
from icl_sym.theories.lu2024.asymptotics import PARAMETERS

from .protocol import GammaErrors, simulate_errors

__all__ = ["GammaErrors", "simulate_errors", "SIMULATION"]


def _describe(result: Mapping[str, Any]) -> str:
    r = result
    return (f"lu2024: d={r['d']}, ell={r['ell']}, k={r['k']}, n={r['n']}, kappa={r['kappa']:g}, tau={r['tau']:g}, "
            f"rho={r['rho']:g}, lam={r['lam']:g}, {r['draws']} draw(s), {r['seconds']:.2f} s on {r['device']}")


_THEORY_PARAMETERS = {p.name: p for p in PARAMETERS}


def _run(**params: Any) -> dict:
    """The errors as a JSON-able dict, with the task-generalisation gap ICL - IDG of each draw summarised too."""
    result = simulate_errors(**params).as_dict()
    gaps = [icl - idg for icl, idg in zip(result["icl"], result["idg"])]
    result.update(gap_mean=statistics.fmean(gaps), gap_std=statistics.stdev(gaps) if len(gaps) > 1 else None)
    return result

#: ``icl-sym simulate lu2024``: ICL and IDG errors of Γ* at finite d, mean and spread over draws.
SIMULATION = Simulation(
    run=_run,  # JSON-able for the command line
    params=(
        Parameter("d", "token dimension", integer=True, minimum=2),
        Parameter("alpha", "context length over d (ell = round(alpha d) >= 2)", _THEORY_PARAMETERS["alpha"].domain),
        Parameter("kappa", "task diversity k/d (> 0, or inf)", _THEORY_PARAMETERS["kappa"].domain),
        Parameter("tau", "pretraining contexts over d^2", _THEORY_PARAMETERS["tau"].domain),
        Parameter("rho", "label-noise variance", _THEORY_PARAMETERS["rho"].domain),
        Parameter("lam", "ridge, (n/d) lam convention", _THEORY_PARAMETERS["lam"].domain),
        Parameter("draws", "independent draws", integer=True, minimum=1, default=1),
        Parameter("seed", "seed; draw j uses (seed, j)", integer=True, minimum=0, default=0),
        Parameter("device", "torch device: cpu or cuda", text=True, default="cpu"),
        Parameter("sampler", "context sampler", choices=("direct", "sufficient"), default="sufficient"),
    ),
    quantities=("icl", "idg", "gap"),  # gap: e_ICL - e_IDG per draw (the curve lu2024.g_task)
    description="Finite-d simulation of the pretrained linear attention: ICL and IDG errors of Gamma*",
    describe=_describe,
)
