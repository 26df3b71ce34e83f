"""Result 8: the compute-optimal shape in closed form against a numerical minimisation of the same law.

The law has App. F.4's width exponent ν·min(β, 1) and context exponent ν·min(β, 2) (ERR-13, ERR-14); for
β <= 1 it is Result 8 as printed.
"""

import dataclasses
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
from icl_sym.theories.bordelon2025.bottlenecks import scaling_exponents
from icl_sym.theories.bordelon2025.source_capacity import beta, nu


@pytest.fixture(scope="module")
def derivation():
    return REGISTRY.get_derivation("bordelon2025.compute_optimal")


@pytest.mark.parametrize("step", [
    "stationary in the width", "stationary in the depth", "the budget fixes the time term", "loss frontier exponent",
    "optimal width exponent", "optimal depth exponent", "optimal time exponent", "L ∝ N^{a_N/β}",
    "Result 8 as printed: frontier exponent", "Result 8 as printed: optimal width exponent",
    "Result 8 as printed: optimal depth exponent", "Result 8 as printed: optimal time exponent",
    "Result 8: L ∝ N^ν", "β > 1: frontier exponent", "β > 1: L ∝ N^{ν/β}",
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


def _corrected_law(time, width, depth, context, nu_, beta_, consts):
    """The law written out here, independently of the module: width ν·min(β, 1), context ν·min(β, 2) (ERR-13)."""
    c_t, c_n, c_l, c_p = consts
    return (c_t * time ** (-beta_ / (2 + beta_)) + c_n * width ** (-nu_ * min(beta_, 1.0))
            + c_l * depth ** (-beta_) + c_p * context ** (-nu_ * min(beta_, 2.0)))


def _numeric_optimum(compute, nu_, beta_, context, consts, law=None):
    """Nelder-Mead over (log N, log L) of ``law`` (default: the package's separable_loss) at fixed compute."""
    def loss(v):
        width, depth = math.exp(v[0]), math.exp(v[1])
        time = compute / (context**2 * width**2 * depth)
        if law is not None:
            return law(time, width, depth, context, nu_, beta_, consts)
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


def _printed_closed_form(compute, nu_, beta_, context, consts):
    """Result 8 as printed (width and context N^{-νβ}, P^{-νβ}), written out independently: (N, L, t, loss)."""
    c_t, c_n, c_l, c_p = consts
    denominator = (3 + beta_) * nu_ + 2
    term = (c_t ** ((2 + beta_) / beta_) * (c_n * nu_ * (2 + beta_) / 2) ** (2 / (nu_ * beta_))
            * (c_l * (2 + beta_)) ** (1 / beta_) * context**2 / compute) ** (nu_ * beta_ / denominator)
    width = (c_n * nu_ * (2 + beta_) / (2 * term)) ** (1 / (nu_ * beta_))
    depth = (c_l * (2 + beta_) / term) ** (1 / beta_)
    time = (c_t / term) ** ((2 + beta_) / beta_)
    loss = term * (1 + 2 / (nu_ * (2 + beta_)) + 1 / (2 + beta_)) + c_p * context ** (-nu_ * beta_)
    return width, depth, time, loss


_BELOW_ONE = [  # β <= 1: Result 8 as printed
    (1e10, 1.25, 1.0, 1.0, (1.0, 1.0, 1.0, 1.0)),
    (1e14, 2.0, 0.5, 3.0, (0.3, 2.0, 5.0, 0.1)),
    (1e6, 1.1, 0.2, 1.5, (2.0, 0.7, 1.3, 0.4)),
    (1e20, 2.8, 0.95, 0.5, (1.0, 3.0, 0.5, 2.0)),
]


@pytest.mark.parametrize("compute, nu_, beta_, context, consts", _BELOW_ONE)
def test_below_one_is_result_8_as_printed(compute, nu_, beta_, context, consts):
    shape = co.compute_optimal_shape(compute, nu_, beta_, context=context, c_t_=consts[0], c_width=consts[1],
                                     c_depth=consts[2], c_context=consts[3])
    width, depth, time, loss = _printed_closed_form(compute, nu_, beta_, context, consts)
    assert (shape.width, shape.depth, shape.time, shape.loss) == pytest.approx((width, depth, time, loss), rel=1e-12)
    printed = co.compute_optimal_shape(compute, nu_, beta_, context=context, c_t_=consts[0], c_width=consts[1],
                                       c_depth=consts[2], c_context=consts[3], printed=True)
    assert printed == shape
    assert co.separable_loss(time, width, depth, context, nu_, beta_, *consts) == pytest.approx(loss, rel=1e-12)
    assert co.frontier_exponent(nu_, beta_) == pytest.approx(-nu_ * beta_ / ((3 + beta_) * nu_ + 2), rel=1e-14)


_ABOVE_ONE = [  # β in (1, 3): the width term saturates at N^{-ν}, the context term at P^{-2ν} beyond β = 2
    (1e9, 1.5, 1.3, 1.0, (1.0, 1.0, 1.0, 1.0)),
    (1e12, 2.0, 1.8, 2.0, (0.5, 2.0, 3.0, 0.7)),
    (1e8, 1.25, 2.4, 3.0, (4.0, 0.5, 0.2, 1.0)),
    (1e15, 2.5, 2.9, 1.5, (1.0, 0.3, 2.0, 2.0)),
]


def _matches_brute_force(shape, compute, nu_, beta_, context, consts) -> bool:
    best, _ = _numeric_optimum(compute, nu_, beta_, context, consts, law=_corrected_law)
    return (shape.loss == pytest.approx(best.fun, rel=1e-9)
            and shape.width == pytest.approx(math.exp(best.x[0]), rel=1e-4)
            and shape.depth == pytest.approx(math.exp(best.x[1]), rel=1e-4))


def _shape(compute, nu_, beta_, context, consts, **kwargs):
    return co.compute_optimal_shape(compute, nu_, beta_, context=context, c_t_=consts[0], c_width=consts[1],
                                    c_depth=consts[2], c_context=consts[3], **kwargs)


@pytest.mark.parametrize("compute, nu_, beta_, context, consts", _ABOVE_ONE)
def test_above_one_closed_form_equals_brute_force(compute, nu_, beta_, context, consts):
    shape = _shape(compute, nu_, beta_, context, consts)
    assert _matches_brute_force(shape, compute, nu_, beta_, context, consts)
    assert shape.time * context**2 * shape.width**2 * shape.depth == pytest.approx(compute, rel=1e-12)
    law = _corrected_law(shape.time, shape.width, shape.depth, context, nu_, beta_, consts)
    assert float(co.separable_loss(shape.time, shape.width, shape.depth, context, nu_, beta_, *consts)) == \
        pytest.approx(law, rel=1e-14)
    # Result 8 as printed optimises another law: its optimum is not this one
    assert not _matches_brute_force(_shape(compute, nu_, beta_, context, consts, printed=True),
                                    compute, nu_, beta_, context, consts)


@pytest.mark.parametrize("compute, nu_, beta_, context, consts", _ABOVE_ONE[:2])
def test_mutation_width_exponent_nu_beta_above_one_fails(monkeypatch, compute, nu_, beta_, context, consts):
    """Using νβ for the width exponent beyond β = 1 (the printed law) breaks the agreement with brute force."""
    real = co.scaling_exponents

    def printed_width(n, b):
        return dataclasses.replace(real(n, b), width=n * b)

    monkeypatch.setattr(co, "scaling_exponents", printed_width)
    assert not _matches_brute_force(_shape(compute, nu_, beta_, context, consts), compute, nu_, beta_, context, consts)


def test_above_one_frontier_exponents_by_fit():
    nu_, beta_ = 1.5, 2.5
    budgets = np.logspace(8, 20, 13)
    shapes = [co.compute_optimal_shape(c, nu_, beta_, c_context=1e-30) for c in budgets]
    loss_slope = fit_power_law(budgets, [s.loss for s in shapes]).slope
    corrected = -nu_ * beta_ / ((3 + beta_) * nu_ + 2 * beta_)
    assert loss_slope == pytest.approx(corrected, abs=1e-9)
    assert co.frontier_exponent(nu_, beta_) == pytest.approx(corrected, rel=1e-14)
    printed = -nu_ * beta_ / ((3 + beta_) * nu_ + 2)
    assert co.frontier_exponent(nu_, beta_, printed=True) == pytest.approx(printed, rel=1e-14)
    assert abs(loss_slope - printed) > 0.05
    width_slope = fit_power_law(budgets, [s.width for s in shapes]).slope
    depth_slope = fit_power_law(budgets, [s.depth for s in shapes]).slope
    assert depth_slope == pytest.approx(nu_ / beta_ * width_slope, abs=1e-9)  # L ∝ N^{ν/β}, not N^ν
    assert abs(depth_slope - nu_ * width_slope) > 0.1


def test_symbolic_law_reduces_to_result_8():
    """The general closed forms at a_N = νβ are Result 8 as printed; at a_N = ν the ERR-14 forms."""
    assert sp.simplify(co.FRONTIER_EXPONENT.subs(co.a_N, nu * beta) + nu * beta / ((3 + beta) * nu + 2)) == 0
    assert sp.simplify(co.DEPTH_EXPONENT / co.WIDTH_EXPONENT - co.a_N / beta) == 0  # L ∝ N^{a_N/β}
    assert sp.simplify((co.DEPTH_EXPONENT / co.WIDTH_EXPONENT).subs(co.PRINTED) - nu) == 0
    assert sp.simplify(co.FRONTIER_EXPONENT.subs(co.a_N, nu) + nu * beta / ((3 + beta) * nu + 2 * beta)) == 0
    assert sp.simplify(co.PRINTED_FRONTIER_EXPONENT.subs(beta, 2) - co.FRONTIER_EXPONENT.subs(
        {co.a_N: nu, beta: 2})) != 0


@pytest.mark.parametrize("nu_, beta_", [(1.5, 0.5), (2.0, 1.0), (1.25, 1.5), (2.0, 2.0), (3.0, 3.5)])
def test_law_exponents_from_scaling_exponents(nu_, beta_):
    laws = scaling_exponents(nu_, beta_)
    assert co.law_exponents(nu_, beta_) == (laws.width, laws.context)
    assert co.law_exponents(nu_, beta_, printed=True) == (nu_ * beta_, nu_ * beta_)


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
    for beta_ in (1.5, 2.5):  # the registered formulas carry the corrected exponents beyond β = 1 and β = 2
        above = co.compute_optimal_shape(1e12, 1.5, beta_, context=2.0, c_t_=1.5, c_width=0.7, c_depth=2.0,
                                         c_context=0.3)
        assert f.numeric()(1e12, 2.0, 1.5, beta_, 1.5, 0.7, 2.0, 0.3) == pytest.approx(above.loss, rel=1e-12)
        assert law(above.time, above.width, above.depth, 2.0, 1.5, beta_, 1.5, 0.7, 2.0, 0.3) == pytest.approx(
            above.loss, rel=1e-12)


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
