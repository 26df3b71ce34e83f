"""A toy theory in a few lines: the error of the sample mean, declared as an icl-sym plugin.

Estimating a mean vector in dimension d from n Gaussian samples of variance sigma^2 per
coordinate has squared error per coordinate ``sigma^2 / n`` exactly. The theory declares one
formula, one derivation, one curve, one simulation and one figure recipe; nothing in ``icl_sym``
knows it. ``tests/test_plugins.py`` registers it in-process and through an entry point.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from icl_sym.core.checks import Exact
from icl_sym.core.derivation import Derivation, Step
from icl_sym.core.formula import Formula, Param
from icl_sym.core.theory import Parameter, Simulation, Theory
from icl_sym.core.validation import Range, check_array, check_int
from icl_sym.experiments.figure import Estimator, FigureData, FigureRecipe, Markers, Panel, SimulationLayout

n, sigma = sp.symbols("n sigma", positive=True)

THEORY = Theory("toy", "Error of the sample mean", "Nobody, A toy paper (2025)",
                simulation="tests.plugins.toy_theory:SIMULATION", figures="tests.plugins.toy_theory:FIGURES")


@THEORY.formula("mean_error")
def mean_error_formula() -> Formula:
    return Formula("toy.mean_error", sigma**2 / n,
                   (Param(n, Range(1), "samples"), Param(sigma, Range(0, low_open=True), "noise scale")),
                   THEORY.cite("Eq. 1"), "squared error per coordinate of the sample mean")


@THEORY.derivation("variance_of_mean")
def variance_of_mean() -> Derivation:
    # Var(mean of n i.i.d.) = n sigma^2 / n^2: the one step, checked exactly.
    step = Step("variance of a sum over n squared", n * sigma**2 / n**2, sigma**2 / n,
                "The n samples are independent, so their variances add.", Exact())
    return Derivation("toy.variance_of_mean", "The error of the sample mean", THEORY.cite("Eq. 1"),
                      "n i.i.d. samples of variance sigma^2.", (step,), (mean_error_formula(),))


N = Parameter("n", "samples", Range(1))
SIGMA = Parameter("sigma", "noise scale", Range(0, low_open=True))


@THEORY.curve("error", (N, SIGMA), "squared error per coordinate, sigma^2/n", "Eq. 1")
def error(n, sigma):
    return check_array("sigma", sigma, SIGMA.domain) ** 2 / check_array("n", n, N.domain)


def simulate(d: int, n: int, sigma: float, draws: int = 1, seed: int = 0) -> dict:
    """Monte-Carlo squared error per coordinate of the sample mean, over ``draws`` independent draws."""
    d, n, draws = check_int("d", d, 1), check_int("n", n, 1), check_int("draws", draws, 1)
    errors = []
    for draw in range(draws):
        rng = np.random.default_rng([seed, draw])
        samples = rng.normal(0.0, sigma, size=(n, d))
        errors.append(float(np.mean(samples.mean(axis=0) ** 2)))
    return dict(error_mean=float(np.mean(errors)), error_std=float(np.std(errors, ddof=1)) if draws > 1 else None,
                error=errors, d=d, n=n, sigma=sigma, draws=draws, seed=seed)


SIMULATION = Simulation(
    run=simulate,
    params=(Parameter("d", "dimension", integer=True, minimum=1), Parameter("n", "samples", integer=True, minimum=1),
            SIGMA, Parameter("draws", "draws", integer=True, minimum=1, default=1),
            Parameter("seed", "seed", integer=True, minimum=0, default=0)),
    quantities=("error",),
    description="Monte-Carlo error of the sample mean",
    describe=lambda r: f"toy: d={r['d']}, n={r['n']}, sigma={r['sigma']:g}, {r['draws']} draw(s)",
)


def simulate_mean(task) -> dict:
    p = task.params
    result = simulate(task.d, round(p["n"]), p["sigma"], 1, task.seed * 1000 + task.draw)
    return {"error": result["error_mean"]}


LAYOUT = SimulationLayout(parameters=("n", "sigma"), quantities={"error": error},
                          estimators={"mean": Estimator("mean", "sample mean", simulate_mean)})


def figure(mode: str) -> FigureData:
    panel = Panel("error of the sample mean", "n", "error", ylog=True, key="A", quantity="error", xparam="n",
                  theory=error)
    panel.curve("σ = 1", np.geomspace(1, 100, 20 if mode == "quick" else 200), {"sigma": 1.0},
                (Markers("mean", (2.0, 10.0)),))
    return FigureData("toy.fig", "Toy: sample-mean error", [panel], LAYOUT)


FIGURES = {"toy.fig": FigureRecipe("toy.fig", figure, "error against n",
                                   simulation={"quick": dict(dims=(4, 8), draws=2, contexts=2),
                                               "full": dict(dims=(64,), draws=10, contexts=2)})}
