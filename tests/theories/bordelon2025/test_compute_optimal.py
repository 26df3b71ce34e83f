"""Result 8: the compute-optimal shape in closed form against a numerical minimisation of the same law."""

import math

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import minimize

import icl_sym.theories  # noqa: F401
from icl_sym.core.fits import fit_power_law
from icl_sym.core.registry import REGISTRY
from icl_sym.core.validation import ParameterError
from icl_sym.theories.bordelon2025 import compute_optimal as co
from icl_sym.theories.bordelon2025.source_capacity import beta, nu


@pytest.fixture(scope="module")
def derivation():
    return REGISTRY.get_derivation("bordelon2025.compute_optimal")


@pytest.mark.parametrize("step", [
    "stationary in the width", "stationary in the depth", "the budget fixes the time term", "loss frontier exponent",
    "optimal width exponent", "optimal depth exponent", "optimal time exponent", "Result 8: L ∝ N^ν",
    "infinite width: stationary", "infinite width: frontier exponent",
])
def test_corrupted_step_fails(derivation, step):
    rhs = derivation.step(step).rhs
    corrupted = derivation.with_step(step, rhs=rhs + nu / 7 if rhs != 0 else beta / 5)
    assert not corrupted.step(step).verify().passed


def test_corrupted_balance_fails(derivation):
    """Splitting the time term wrongly (factor 2 dropped) breaks stationarity in the width."""
    wrong = co.N_OF_T.subs(co.T, 2 * co.T)
    x, y = sp.symbols("x y", real=True)
    step = derivation.step("stationary in the width")
    objective = co.LAW.subs({co.t: co.C / (co.P**2 * sp.exp(2 * x) * sp.exp(y)), co.N: sp.exp(x), co.L: sp.exp(y)})
    budget = {co.C: co.TIME_OF_T * co.P**2 * wrong**2 * co.L_OF_T}
    lhs = sp.diff(objective, x).subs(budget).subs({x: sp.log(wrong), y: sp.log(co.L_OF_T)})
    assert not step.check.run(lhs, sp.S.Zero).passed


def _numeric_optimum(compute, nu_, beta_, context, consts):
    def loss(v):
        width, depth = math.exp(v[0]), math.exp(v[1])
        time = compute / (context**2 * width**2 * depth)
        return float(co.separable_loss(time, width, depth, context, nu_, beta_, *consts))

    guess = co.compute_optimal_shape(compute, nu_, beta_, context=context, c_t_=consts[0], c_width=consts[1],
                                     c_depth=consts[2], c_context=consts[3])
    # start far from the closed form: the minimiser must find it on its own
    best = minimize(loss, [math.log(guess.width) + 1.5, math.log(guess.depth) - 1.5], method="Nelder-Mead",
                    options={"xatol": 1e-12, "fatol": 1e-15, "maxiter": 20000})
    return best, guess


@pytest.mark.parametrize("compute, nu_, beta_, context, consts", [
    (1e10, 1.25, 1.0, 1.0, (1.0, 1.0, 1.0, 1.0)),
    (1e14, 2.0, 0.5, 3.0, (0.3, 2.0, 5.0, 0.1)),
    (1e8, 1.5, 2.5, 2.0, (4.0, 0.5, 0.2, 1.0)),
])
def test_closed_form_equals_numerical_minimum(compute, nu_, beta_, context, consts):
    best, shape = _numeric_optimum(compute, nu_, beta_, context, consts)
    assert shape.loss == pytest.approx(best.fun, rel=1e-9)
    assert shape.width == pytest.approx(math.exp(best.x[0]), rel=1e-4)
    assert shape.depth == pytest.approx(math.exp(best.x[1]), rel=1e-4)
    assert shape.time * context**2 * shape.width**2 * shape.depth == pytest.approx(compute, rel=1e-12)


def test_frontier_exponents_by_fit():
    budgets = np.logspace(8, 20, 13)
    shapes = [co.compute_optimal_shape(c, 1.25, 1.0, c_context=1e-30) for c in budgets]
    loss_fit = fit_power_law(budgets, [s.loss for s in shapes])
    assert loss_fit.slope == pytest.approx(-1.25 / 7, abs=1e-9)  # 0.179 at ν = 1.25, β = 1
    width_fit = fit_power_law(budgets, [s.width for s in shapes])
    depth_fit = fit_power_law(budgets, [s.depth for s in shapes])
    assert depth_fit.slope == pytest.approx(1.25 * width_fit.slope, abs=1e-9)  # L ∝ N^ν
    inf = [co.compute_optimal_shape(c, 1.25, 1.0, c_context=1e-30, infinite_width=True) for c in budgets]
    assert fit_power_law(budgets, [s.loss for s in inf]).slope == pytest.approx(-1 / 4, abs=1e-9)
    assert all(s.width == math.inf and s.time * s.depth == pytest.approx(s.compute) for s in inf)


def test_infinite_width_against_numerical_minimum():
    compute = 1e9
    shape = co.compute_optimal_shape(compute, 1.5, 0.8, infinite_width=True, c_t_=2.0, c_depth=0.5)

    def loss(v):
        depth = math.exp(v[0])
        return float(co.separable_loss(compute / depth, math.inf, depth, 1.0, 1.5, 0.8, 2.0, 1.0, 0.5, 1.0))

    best = minimize(loss, [0.0], method="Nelder-Mead", options={"xatol": 1e-12, "fatol": 1e-15})
    assert shape.loss == pytest.approx(best.fun, rel=1e-9)
    assert shape.depth == pytest.approx(math.exp(best.x[0]), rel=1e-4)


def test_formula_exports_and_matches():
    f = REGISTRY.get_formula("bordelon2025.compute_optimal_loss")
    shape = co.compute_optimal_shape(1e12, 1.5, 0.7, context=2.0, c_t_=1.5, c_width=0.7, c_depth=2.0, c_context=0.3)
    assert f.numeric()(1e12, 2.0, 1.5, 0.7, 1.5, 0.7, 2.0, 0.3) == pytest.approx(shape.loss, rel=1e-12)
    namespace = {}
    exec(compile(f.export("python"), "<export>", "exec"), namespace)
    assert namespace["bordelon2025_compute_optimal_loss"](1e12, 2.0, 1.5, 0.7, 1.5, 0.7, 2.0, 0.3) == pytest.approx(
        shape.loss, rel=1e-12)
    law = REGISTRY.get_formula("bordelon2025.separable_law").numeric()
    assert law(shape.time, shape.width, shape.depth, 2.0, 1.5, 0.7, 1.5, 0.7, 2.0, 0.3) == pytest.approx(shape.loss)


@pytest.mark.parametrize("kwargs, name", [
    ({"compute": 0.0}, "compute"), ({"nu_": 1.0}, "nu"), ({"beta_": -0.1}, "beta"), ({"context": 0.0}, "context"),
    ({"c_depth": 0.0}, "c_depth"),
])
def test_bad_input_names_the_parameter(kwargs, name):
    args = {"compute": 1e6, "nu_": 1.5, "beta_": 1.0, **kwargs}
    compute, nu_, beta_ = args.pop("compute"), args.pop("nu_"), args.pop("beta_")
    with pytest.raises(ParameterError) as err:
        co.compute_optimal_shape(compute, nu_, beta_, **args)
    assert err.value.name == name
