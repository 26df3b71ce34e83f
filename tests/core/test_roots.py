"""Vectorised bracketed Newton and the certified mpmath root finder."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from scipy.special import lambertw

from icl_sym.core.roots import RootFindingError, find_root_mp, newton_bracketed


def lambert_log_residual(s, log_y):
    """log(x e^x) - log y with x = e^s: increasing in s, root s = log W(y)."""
    x = np.exp(s) if isinstance(s, np.ndarray) else s.exp()
    return s + x - log_y, 1 + x


def test_newton_solves_lambert_w_over_twenty_decades():
    y = np.logspace(-10, 10, 2001)
    result = newton_bracketed(lambert_log_residual, np.zeros_like(y), -60.0, 30.0, args=(np.log(y),))
    assert result.converged.all()
    np.testing.assert_allclose(np.exp(result.x), lambertw(y).real, rtol=4e-15)
    assert result.iterations.max() <= 60


def test_bisection_rescues_a_diverging_newton_step():
    """arctan: Newton from far away overshoots further each step; the bracket forces progress."""
    roots = np.array([-3.0, 0.5, 7.0, 40.0])

    def residual(x, r):
        return np.arctan(x - r), 1 / (1 + (x - r) ** 2)

    result = newton_bracketed(residual, np.full(4, -90.0), -100.0, 100.0, args=(roots,), xtol=1e-14)
    assert result.converged.all()
    np.testing.assert_allclose(result.x, roots, rtol=0, atol=1e-13)


def test_zero_slope_falls_back_to_bisection():
    result = newton_bracketed(lambda x, _: (x**3 - 1.0, 3 * x**2), np.array([0.0, 4.0]), -1.0, 5.0, args=(0.0,))
    assert result.converged.all()
    np.testing.assert_allclose(result.x, 1.0, rtol=1e-12)


def test_nan_residual_gives_no_information_and_ends_in_an_error():
    """A NaN moves neither bracket end, so bisection cannot proceed: an error, never a NaN root."""

    def residual(x, _):
        return np.where(x > 2.0, np.nan, x - 3.0), np.ones_like(x)

    with pytest.raises(RootFindingError):
        newton_bracketed(residual, np.array([2.5]), 0.0, 5.0, args=(0.0,), max_iter=30)


def test_scalar_args_broadcast_and_exact_root_stops():
    result = newton_bracketed(lambda x, c: (x - c, np.ones_like(x)), np.array([0.0, 2.0]), -5.0, 5.0, args=(2.0,))
    assert result.converged.all() and np.all(result.x == 2.0)


def test_root_outside_the_bracket_is_an_error_not_a_silent_endpoint():
    with pytest.raises(RootFindingError, match="1 of 2"):
        newton_bracketed(
            lambda x, c: (x - c, np.ones_like(x)), np.zeros(2), 0.0, 1.0, args=(np.array([0.5, 5.0]),), max_iter=80
        )
    result = newton_bracketed(
        lambda x, c: (x - c, np.ones_like(x)),
        np.zeros(2),
        0.0,
        1.0,
        args=(np.array([0.5, 5.0]),),
        max_iter=80,
        raise_on_failure=False,
    )
    assert result.converged.tolist() == [True, False]


def test_too_few_iterations_raise_with_a_count():
    y = np.logspace(-10, 10, 50)
    with pytest.raises(RootFindingError, match="did not converge within 1 iterations"):
        newton_bracketed(lambert_log_residual, np.zeros_like(y), -60.0, 30.0, args=(np.log(y),), max_iter=1)


def test_torch_tensors_give_the_numpy_answer():
    torch = pytest.importorskip("torch")
    y = np.logspace(-8, 8, 101)
    ref = newton_bracketed(lambert_log_residual, np.zeros_like(y), -60.0, 30.0, args=(np.log(y),))
    out = newton_bracketed(
        lambert_log_residual, torch.zeros(101, dtype=torch.float64), -60.0, 30.0, args=(torch.tensor(np.log(y)),)
    )
    assert isinstance(out.x, torch.Tensor) and out.x.dtype == torch.float64
    np.testing.assert_allclose(out.x.numpy(), ref.x, rtol=0, atol=1e-14)


@pytest.mark.gpu
def test_torch_cuda():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    log_y = torch.linspace(-20, 20, 1001, dtype=torch.float64, device="cuda")
    out = newton_bracketed(lambert_log_residual, torch.zeros_like(log_y), -60.0, 30.0, args=(log_y,))
    assert out.x.device.type == "cuda" and bool(out.converged.all())
    np.testing.assert_allclose(out.x.exp().cpu().numpy(), lambertw(np.exp(log_y.cpu().numpy())).real, rtol=4e-15)


# ----------------------------------------------------------------- mpmath
def test_find_root_mp_log_variable_to_fifty_digits():
    with mpmath.workdps(50):
        root = find_root_mp(lambda x: x * mpmath.exp(x) - 1, mpmath.mpf("1e-10"), 1e10, log=True)
        assert abs(root - mpmath.lambertw(1)) < mpmath.mpf(10) ** -49
    assert mpmath.mp.dps == 15  # precision restored


def test_find_root_mp_dps_argument_and_rounding():
    root = find_root_mp(lambda x: x**2 - 2, 1, 2, dps=40)
    with mpmath.workdps(40):
        assert abs(root - mpmath.sqrt(2)) < mpmath.mpf(10) ** -39


def test_stalling_solver_falls_back_to_bisection():
    """Anderson-Bjoerck stalls on an exponential in log x (a residual of the eps equation's shape)."""
    with mpmath.workdps(30):
        root = find_root_mp(lambda x: 100 * x - mpmath.mpf("1e-9"), mpmath.mpf("1e-20"), 1, log=True, solver="anderson")
        assert abs(root / mpmath.mpf("1e-11") - 1) < mpmath.mpf(10) ** -29


def test_find_root_mp_errors():
    with pytest.raises(RootFindingError, match="no sign change"):
        find_root_mp(lambda x: x**2 + 1, -1, 1)
    with pytest.raises(ValueError, match="lo < hi"):
        find_root_mp(lambda x: x, 1, 1)
    with pytest.raises(ValueError, match="0 < lo"):
        find_root_mp(lambda x: x, -1, 1, log=True)
    # A sign change without a root (a pole) is not certified as a root.
    with pytest.raises(RootFindingError, match="no sign change within"):
        find_root_mp(lambda x: 1 / x, -1, 2)
