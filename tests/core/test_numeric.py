"""numpy, torch and mpmath functions generated from one expression agree."""

import mpmath
import numpy as np
import pytest
import sympy as sp
import torch

from icl_sym.core.numeric import lambdify_expr, printer_for

x, y = sp.symbols("x y", positive=True)
EXPR = sp.exp(-x) * sp.sqrt(1 + y**2) / (x + y) + sp.atan(x * y)


def test_scalar_backends_agree():
    rng = np.random.default_rng(1)
    xs, ys = rng.uniform(0.1, 5, 50), rng.uniform(0.1, 5, 50)
    ref = lambdify_expr((x, y), EXPR, "numpy")(xs, ys)
    t = lambdify_expr((x, y), EXPR, "torch")(torch.tensor(xs), torch.tensor(ys))
    assert t.dtype == torch.float64
    np.testing.assert_allclose(t.numpy(), ref, rtol=1e-13)
    f = lambdify_expr((x, y), EXPR, "mpmath")
    with mpmath.workdps(50):
        for xi, yi, r in zip(xs[:5], ys[:5], ref[:5]):
            value = f(mpmath.mpf(xi), mpmath.mpf(yi))
            assert isinstance(value, mpmath.mpf)
            assert float(value) == pytest.approx(r, rel=1e-14)


def test_matrix_backends_agree():
    n = sp.Symbol("n", positive=True, integer=True)
    A = sp.MatrixSymbol("A", n, n + 1)
    expr = sp.Trace(A * A.T) / n + sp.Trace(A * sp.BlockMatrix([[sp.Identity(n)], [sp.ZeroMatrix(1, n)]]))
    a = np.random.default_rng(2).normal(size=(4, 5))
    ref = np.sum(a * a) / 4 + np.trace(a[:, :4])
    assert lambdify_expr((A, n), expr, "numpy")(a, 4) == pytest.approx(ref, rel=1e-14)
    assert float(lambdify_expr((A, n), expr, "torch")(torch.tensor(a), 4)) == pytest.approx(ref, rel=1e-14)
    with mpmath.workdps(40):
        value = lambdify_expr((A, n), expr, "mpmath")(a, 4)
    assert float(value) == pytest.approx(ref, rel=1e-14)


def test_unknown_backend():
    with pytest.raises(ValueError, match="backend must be one of numpy, torch, mpmath"):
        printer_for("jax", EXPR)


def _partial_exp():
    """sum_{n=0}^{N} x^n / n!: a sum whose number of terms is a parameter (as the ISO L-step loss)."""
    x, n = sp.Symbol("x", positive=True), sp.Symbol("n", integer=True, nonnegative=True)
    big_n = sp.Symbol("N", integer=True, nonnegative=True)
    return (x, big_n), sp.Sum(x**n / sp.factorial(n), (n, 0, big_n))


def test_sum_with_a_parameter_bound_runs_elementwise_on_every_backend():
    args, expr = _partial_exp()
    exact = [sp.Rational(8, 3), sp.Integer(1), sp.Rational(1) + 2 + 2]  # (x, N) = (1, 3), (5, 0), (2, 2)
    x, big_n = np.array([1.0, 5.0, 2.0]), np.array([3, 0, 2])
    np.testing.assert_allclose(lambdify_expr(args, expr, "numpy")(x, big_n), [float(e) for e in exact], rtol=1e-15)
    # Float bounds (as parsed from a command line) and mpf bounds are whole numbers too.
    assert lambdify_expr(args, expr, "numpy")(1.0, 3.0) == pytest.approx(8 / 3, rel=1e-15)
    with mpmath.workdps(40):
        value = lambdify_expr(args, expr, "mpmath")(mpmath.mpf(1), mpmath.mpf(3))
        assert abs(value - mpmath.mpf(8) / 3) < mpmath.mpf(10) ** -38
    out = lambdify_expr(args, expr, "torch")(torch.tensor(x), torch.tensor(big_n))
    assert out.dtype == torch.float64
    np.testing.assert_allclose(out.numpy(), [float(e) for e in exact], rtol=1e-15)
