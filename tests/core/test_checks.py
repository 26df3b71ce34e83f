"""Each check accepts true identities and rejects false ones."""

import sympy as sp

from icl_sym.core.checks import AverageOverVector, Derived, Exact, ExactAtSizes, NumericIdentity, is_zero

x, y = sp.symbols("x y", positive=True)
n = sp.Symbol("n", positive=True, integer=True)
A = sp.MatrixSymbol("A", n, n)
v = sp.MatrixSymbol("v", n, 1)


def test_exact_scalar():
    assert Exact().run(sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.Integer(1)).passed
    result = Exact().run(sp.sin(x) ** 2, sp.Integer(1))
    assert not result.passed and result.method == "exact"


def test_exact_matrix_expression_symbolic_size():
    assert Exact().run(2 * A + A.T, A.T + A + A).passed
    assert not Exact().run(2 * A, A.T + A).passed


def test_is_zero_explicit_matrix():
    assert is_zero(sp.Matrix([[x - x, 0]]))
    assert not is_zero(sp.Matrix([[x, 0]]))


def _explicit(size):
    return {n: size, A: sp.Matrix(size, size, lambda i, j: sp.Symbol(f"a{i}{j}"))}


def test_exact_at_sizes_trace_cyclic():
    B = sp.MatrixSymbol("B", n, n)

    def inst(size):
        m = _explicit(size)
        m[B] = sp.Matrix(size, size, lambda i, j: sp.Symbol(f"b{i}{j}"))
        return m

    check = ExactAtSizes(inst, (1, 2, 3))
    assert check.run(sp.Trace(A * B), sp.Trace(B * A)).passed
    failed = check.run(sp.Trace(A * B), sp.Trace(A * B.T))
    assert not failed.passed and "size 2" in failed.detail


def test_derived_compares_with_rule():
    assert Derived(lambda: (x + y) ** 2, "square").run(sp.Symbol("s"), sp.expand((x + y) ** 2)).passed
    result = Derived(lambda: (x + y) ** 2, "square").run(sp.Symbol("s"), x**2 + y**2)
    assert not result.passed and result.method == "square"


def test_numeric_identity():
    check = NumericIdentity({x: (0.1, 3.0)}, points=4, dps=40)
    assert check.run(sp.gamma(x + 1), x * sp.gamma(x)).passed
    assert not check.run(sp.gamma(x + 1), x * sp.gamma(x) * (1 + sp.Rational(1, 10**20))).passed
    assert not NumericIdentity({}).run(x, x).passed  # no sampling range: reported, not crashed


def test_average_over_vector():
    mean = sp.MatrixSymbol("m", n, 1)
    second = sp.MatrixSymbol("S", n, n)

    def inst(size):
        return {n: size,
                mean: sp.Matrix(size, 1, lambda i, j: sp.Symbol(f"m{i}")),
                second: sp.Matrix(size, size, lambda i, j: sp.Symbol(f"S{min(i, j)}{max(i, j)}")),
                A: sp.Matrix(size, size, lambda i, j: sp.Symbol(f"a{i}{j}"))}

    check = AverageOverVector(v, mean, second, inst, (1, 2))
    quadratic = sp.Trace(v.T * A * v)
    assert check.run(quadratic, sp.Trace(A * second)).passed
    assert not check.run(quadratic, sp.Trace(A * second.T) + 1).passed
    cubic = check.run(sp.Trace(v.T * v) ** 2, sp.Integer(0))
    assert not cubic.passed and "degree" in cubic.detail


def test_crashing_check_is_a_failure():
    result = Derived(lambda: 1 / 0, "broken").run(x, x)
    assert not result.passed and "ZeroDivisionError" in result.detail
