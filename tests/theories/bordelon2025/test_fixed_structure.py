"""FS (Results 3-5): closed-form mode dynamics against the ODE, the corrected time exponent, OOD loss."""

import math

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

import icl_sym.theories  # noqa: F401
from icl_sym.core.registry import REGISTRY
from icl_sym.core.validation import ParameterError
from icl_sym.theories.bordelon2025 import fixed_structure as fs
from icl_sym.theories.bordelon2025.source_capacity import beta, nu, power_law_spectrum

LAM = np.array([1.0, 0.5, 0.2])
OMEGA = np.array([0.3, 1.0, 2.0])


@pytest.fixture(scope="module")
def derivation():
    return REGISTRY.get_derivation("bordelon2025.fixed_structure")


@pytest.mark.parametrize("step, corrupt", [
    ("Result 4: decoupled mode flow", lambda r: r * 2),
    ("mode flow solved at finite depth", lambda r: r.subs(fs.depth, fs.depth + 1)),
    ("collapse of the mode sum (L = ∞)", lambda r: r.subs(fs.TIME_EXPONENT, fs.PRINTED_TIME_EXPONENT)),
    ("fit: L = ∞, (ν, β) = (1.25, 1.25)", lambda r: fs.PRINTED_TIME_EXPONENT),
    ("fit: L = 4, (ν, β) = (2, 0.5)", lambda r: fs.PRINTED_TIME_EXPONENT),
    ("Result 4: L → ∞ loss", lambda r: r * 2),
    ("the collapsed integral converges", lambda r: r * (1 + nu / 100)),
])
def test_corrupted_step_fails(derivation, step, corrupt):
    corrupted = derivation.with_step(step, rhs=corrupt(derivation.step(step).rhs))
    assert not corrupted.step(step).verify().passed


def _ode_loss(t_end, depth):
    def rhs(_, g):
        return 2 * OMEGA * LAM**2 * (1 - LAM * g / depth) ** (2 * depth - 1)

    sol = solve_ivp(rhs, (0, t_end), np.zeros(3), rtol=1e-11, atol=1e-13, method="DOP853")
    g = sol.y[:, -1]
    return g, float(np.sum(OMEGA * LAM * (1 - LAM * g / depth) ** (2 * depth)))


@pytest.mark.parametrize("depth", [1, 2, 3, 8])
@pytest.mark.parametrize("t_end", [0.3, 5.0, 40.0])
def test_closed_form_solves_the_mode_flow(depth, t_end):
    g, loss = _ode_loss(t_end, depth)
    np.testing.assert_allclose(fs.fs_gamma(t_end, depth, LAM, OMEGA), g, rtol=1e-8)
    assert fs.fs_loss(t_end, depth, LAM, OMEGA) == pytest.approx(loss, rel=1e-8)


def test_limits_in_depth_and_time():
    t = np.array([0.0, 1.0, 10.0, 1e3])
    np.testing.assert_allclose(fs.fs_loss(0.0, 3, LAM, OMEGA), np.sum(LAM * OMEGA), rtol=1e-15)
    np.testing.assert_allclose(fs.fs_loss(t, 10**6, LAM, OMEGA), fs.fs_loss(t, math.inf, LAM, OMEGA), rtol=1e-5)
    np.testing.assert_allclose(fs.fs_gamma(1e12, 2, LAM, OMEGA), 2 / LAM, rtol=1e-5)
    assert fs.fs_loss(t, 2, LAM, OMEGA).shape == (4,)
    assert fs.fs_gamma(t, 2, LAM, OMEGA).shape == (4, 3)


def test_formulas_equal_the_numerics():
    f = REGISTRY.get_formula("bordelon2025.fs_mode_loss").numeric()
    finf = REGISTRY.get_formula("bordelon2025.fs_mode_loss_infinite_depth").numeric()
    g = REGISTRY.get_formula("bordelon2025.fs_mode_gamma").numeric()
    for depth in (2, 5):
        assert np.sum(f(3.0, depth, LAM, OMEGA)) == pytest.approx(fs.fs_loss(3.0, depth, LAM, OMEGA), rel=1e-12)
        np.testing.assert_allclose(g(3.0, depth, LAM, OMEGA), fs.fs_gamma(3.0, depth, LAM, OMEGA), rtol=1e-12)
    assert np.sum(finf(3.0, LAM, OMEGA)) == pytest.approx(fs.fs_loss(3.0, math.inf, LAM, OMEGA), rel=1e-12)


@pytest.mark.parametrize("nu_, beta_, expected", [(1.25, 1.25, 0.3086), (1.5, 0.8, 0.2308), (2.0, 0.5, 0.1667)])
def test_time_exponent_values(nu_, beta_, expected):
    assert fs.fs_time_exponent(nu_, beta_) == pytest.approx(expected, abs=1e-4)
    assert float(-fs.TIME_EXPONENT.subs({nu: nu_, beta: beta_})) == pytest.approx(fs.fs_time_exponent(nu_, beta_))


def test_prefactor_of_the_collapse():
    """The exact sum approaches (4t)^{-νβ/b} π/(b sin(π(2ν+1)/b)) (normalisation Σλω = 1 removed)."""
    nu_, beta_ = 1.5, 1.0
    spec = power_law_spectrum(400_000, nu_, beta_)
    norm = np.sum(np.arange(1, 400_001, dtype=float) ** (-nu_ * beta_ - 1))
    a, b = nu_ * beta_ + 1, nu_ * beta_ + 2 * nu_ + 1
    t = 1e10 * norm  # ω_k λ_k^3 = k^{-b}/norm: rescale t so that x_k = 4 k^{-b} 1e10
    value = fs.fs_loss(t, math.inf, spec.eigenvalues, spec.weights) * norm
    predicted = (4e10) ** ((1 - a) / b) * np.pi / (b * np.sin(np.pi * (2 * nu_ + 1) / b))
    assert value == pytest.approx(predicted, rel=2e-3)


def test_ood_loss():
    sigma = np.diag([1.0, 0.5])
    omega = np.diag([1.0, 2.0])
    assert fs.fs_ood_loss(sigma, sigma, omega, 4) == 0.0
    shifted = np.diag([0.7, 0.5])  # one mode shrinks by ε = 0.3: ω'λ'ε^{2L}/D
    assert fs.fs_ood_loss(sigma, shifted, omega, 3) == pytest.approx(1.0 * 0.7 * 0.3**6 / 2, rel=1e-12)
    skew = np.array([[0.0, 1.0], [-1.0, 0.0]])
    rotated = fs.rotated_covariance(sigma, skew, 0.2)
    assert np.allclose(np.linalg.eigvalsh(rotated), [0.5, 1.0])
    assert fs.fs_ood_loss(sigma, rotated, omega, 2) > fs.fs_ood_loss(sigma, fs.rotated_covariance(sigma, skew, 0.1),
                                                                      omega, 2)


@pytest.mark.parametrize("call, name", [
    (lambda: fs.fs_loss(1.0, 0, LAM, OMEGA), "depth"),
    (lambda: fs.fs_loss(1.0, 2.5, LAM, OMEGA), "depth"),
    (lambda: fs.fs_loss(-1.0, 2, LAM, OMEGA), "t"),
    (lambda: fs.fs_loss(1.0, 2, -LAM, OMEGA), "eigenvalues"),
    (lambda: fs.fs_loss(1.0, 2, LAM, OMEGA[:2]), "eigenvalues, weights"),
    (lambda: fs.fs_gamma(1.0, 2, LAM, np.zeros(3)), "weights"),
    (lambda: fs.fs_time_exponent(1.0, 1.0), "nu"),
    (lambda: fs.fs_time_exponent(2.0, 0.0), "beta"),
    (lambda: fs.fs_ood_loss(-np.eye(2), np.eye(2), np.eye(2), 1), "sigma_train"),
    (lambda: fs.fs_ood_loss(np.eye(2), np.eye(3), np.eye(2), 1), "sigma_test"),
    (lambda: fs.fs_ood_loss(np.eye(2), np.eye(2), -np.eye(2), 1), "omega_test"),
    (lambda: fs.rotated_covariance(np.eye(2), np.eye(2), 0.1), "skew"),
    (lambda: power_law_spectrum(0, 1.5, 1.0), "dim"),
])
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ParameterError) as err:
        call()
    assert err.value.name == name


def test_export_python_runs():
    source = REGISTRY.get_formula("bordelon2025.fs_mode_loss").export("python")
    namespace = {}
    exec(compile(source, "<export>", "exec"), namespace)
    fn = namespace["bordelon2025_fs_mode_loss"]
    assert fn(2.0, 3, 0.5, 1.5) == pytest.approx(fs.fs_loss(2.0, 3, [0.5], [1.5]), rel=1e-13)
    assert sp.simplify(REGISTRY.get_formula("bordelon2025.fs_mode_loss").expr.subs(fs.t, 0) - fs.omega * fs.lam) == 0
