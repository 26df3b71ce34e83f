"""RRS (Result 6): isotropy of the Haar-averaged gradient, the one-dimensional flow and the depth floor."""

import math

import numpy as np
import pytest

import icl_sym.theories  # noqa: F401
from icl_sym.core.registry import REGISTRY
from icl_sym.core.validation import ParameterError
from icl_sym.theories.bordelon2025 import rotated_structure as rrs
from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum

SPEC = power_law_spectrum(50, 1.5, 1.0)
LAM, OMEGA = SPEC.eigenvalues, SPEC.weights


@pytest.fixture(scope="module")
def derivation():
    return REGISTRY.get_derivation("bordelon2025.rotated_structure")


@pytest.mark.parametrize("step, corrupt", [
    ("Haar average of a rotated matrix is isotropic", lambda r: r * 2),
    ("Result 6: the flow of γ", lambda r: r / 2),
    ("the learned algorithm is plain GD", lambda r: r * 0.5),
    ("infinite depth: gradient flow in context", lambda r: r.subs(rrs.gamma, 2 * rrs.gamma)),
])
def test_corrupted_step_fails(derivation, step, corrupt):
    corrupted = derivation.with_step(step, rhs=corrupt(derivation.step(step).rhs))
    assert not corrupted.step(step).verify().passed


def _haar(rng, dim):
    q, r = np.linalg.qr(rng.standard_normal((dim, dim)))
    return q * np.sign(np.diag(r))


def test_haar_averaged_gradient_is_isotropic_at_gamma_identity():
    """Monte Carlo over Haar rotations (D = 3, L = 2): the gradient at Γ = γI is ∝ I."""
    rng = np.random.default_rng(np.random.SeedSequence(11))
    lam = np.array([1.0, 0.4, 0.1])
    b_star = np.array([0.5, 1.0, 2.0])
    depth, gamma, h = 2, 0.8, 1e-6

    def loss(g, o):
        m = np.eye(3) - o.T @ g @ o @ np.diag(lam) / depth
        v = np.linalg.matrix_power(m, depth) @ b_star
        return v @ (lam * v)

    off = np.zeros((3, 3))
    off[0, 1] = off[1, 0] = 1.0
    diag0, diag2 = np.diag([1.0, 0, 0]), np.diag([0, 0, 1.0])
    samples = []
    for _ in range(4000):
        o = _haar(rng, 3)
        base = gamma * np.eye(3)
        samples.append([(loss(base + h * e, o) - loss(base - h * e, o)) / (2 * h) for e in (off, diag0, diag2)])
    samples = np.array(samples)
    mean, se = samples.mean(axis=0), samples.std(axis=0) / math.sqrt(len(samples))
    assert abs(mean[0]) < 4 * se[0]  # no off-diagonal component
    assert abs(mean[1] - mean[2]) < 4 * math.hypot(se[1], se[2])  # equal diagonal components
    # without the rotation the gradient is far from isotropic
    fixed = [(loss(gamma * np.eye(3) + h * e, np.eye(3)) - loss(gamma * np.eye(3) - h * e, np.eye(3))) / (2 * h)
             for e in (diag0, diag2)]
    assert abs(fixed[0] - fixed[1]) > 10 * math.hypot(se[1], se[2])


@pytest.mark.parametrize("depth", [1, 4, math.inf])
def test_rate_is_minus_the_slope_of_the_landscape(depth):
    g = np.array([0.5, 3.0, 10.0])
    h = 1e-6
    slope = (rrs.rrs_loss(g + h, depth, LAM, OMEGA) - rrs.rrs_loss(g - h, depth, LAM, OMEGA)) / (2 * h)
    np.testing.assert_allclose(rrs.rrs_flow_rate(g, depth, LAM, OMEGA), -slope, rtol=1e-7)


@pytest.mark.parametrize("depth, t", [(3, [0.5, 5.0, 20.0]), (math.inf, [0.5, 20.0, 400.0, 1e4])])
def test_flow_and_its_inverse_agree(depth, t):
    # at finite depth γ(t) approaches the minimiser exponentially fast: stay where t(γ) is well conditioned
    t = np.array(t)
    g = rrs.rrs_gamma(t, depth, LAM, OMEGA)
    assert np.all(np.diff(g) > 0)
    np.testing.assert_allclose(rrs.rrs_time_of_gamma(g, depth, LAM, OMEGA), t, rtol=1e-7)


def test_depth_floor():
    floors = [rrs.rrs_depth_floor(L, LAM, OMEGA) for L in (1, 2, 4, 8, 16)]
    losses = [f.loss for f in floors]
    assert all(b < a for a, b in zip(losses, losses[1:]))  # depth keeps helping at infinite context
    for L, f in zip((1, 2, 4, 8, 16), floors):
        assert 1.0 < f.gamma * LAM[0] / L < 2.0  # beyond App. F.2's L/λ1, inside the stability edge
        assert f.loss <= float(rrs.rrs_loss(L / LAM[0], L, LAM, OMEGA))
        grid = np.linspace(0, 2 * L / LAM[0], 2001)
        assert f.loss <= rrs.rrs_loss(grid, L, LAM, OMEGA).min() + 1e-14


@pytest.mark.parametrize("call, name", [
    (lambda: rrs.rrs_loss(-1.0, 2, LAM, OMEGA), "gamma"),
    (lambda: rrs.rrs_loss(1.0, 0, LAM, OMEGA), "depth"),
    (lambda: rrs.rrs_loss(1.0, 1.5, LAM, OMEGA), "depth"),
    (lambda: rrs.rrs_depth_floor(math.inf, LAM, OMEGA), "depth"),
    (lambda: rrs.rrs_gamma(-1.0, 2, LAM, OMEGA), "t"),
    (lambda: rrs.rrs_time_of_gamma([1.0, 1e6], 2, LAM, OMEGA), "gamma"),
    (lambda: rrs.rrs_loss(1.0, 2, LAM, -OMEGA), "weights"),
])
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ParameterError) as err:
        call()
    assert err.value.name == name


def test_flow_reaches_a_last_time_where_math_and_numpy_log1p_differ():
    # math.log1p(t) exceeds np.log1p([t]) by one ulp here: the flow's span must end at its own last point
    t = np.array([1.0, 140.62500000000006])
    assert math.log1p(t[-1]) != np.log1p(t)[-1]
    s = power_law_spectrum(16, 1.75, 0.5)
    gamma = rrs.rrs_gamma(t, 2, s.eigenvalues, s.weights)
    assert np.all(np.isfinite(gamma)) and gamma[1] > gamma[0] > 0
