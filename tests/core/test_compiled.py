"""SymPy expressions as scalar code, the one-point Newton templates and the compiled (numba) modules."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from sympy.codegen.cfunctions import log1p

from icl_sym.core import compiled as C
from icl_sym.core.roots import newton_bracketed


def plain(sources, constants=None, parallel=()):
    return C.python_module("test", sources, constants, parallel)


# ----------------------------------------------------------------- scalar_source
def test_scalar_source_computes_its_expressions():
    x, lam = sp.Symbol("x", positive=True), sp.Symbol("lambda", nonnegative=True)  # "lambda": not an identifier
    exprs = [sp.sqrt(x**2 + lam) / (1 + lam), log1p(x) * sp.exp(-x) + sp.Abs(x - 3) * sp.sign(x - 2),
             sp.exp(x + lam) / (x + lam)]
    source = C.scalar_source("f", (x, lam), exprs)
    assert "_t0 = _arg1 + x" in source  # shared: CSE made it a local; "lambda" printed as an argument name
    f = plain([source]).f
    for xv, lv in [(0.5, 0.0), (2.0, 3.5), (7.0, 1e-12), (2.0**-20, 300.0)]:
        got = f(xv, lv)
        want = [float(e.subs({x: xv, lam: lv}).evalf(30)) for e in exprs]
        assert got == pytest.approx(want, rel=1e-15, abs=0)


def test_scalar_source_single_expression_and_free_symbol_error():
    x, y = sp.symbols("x y")
    assert plain([C.scalar_source("g", (x,), x / 4)]).g(2.0) == 0.5
    with pytest.raises(ValueError, match="not arguments"):
        C.scalar_source("g", (x,), x + y)


def test_scalar_source_prints_expressions_unchanged():
    """No substitution re-evaluates the expression: a grouped sum stays grouped in the code."""
    x = sp.Symbol("x", positive=True)
    grouped = x + sp.UnevaluatedExpr(sp.Integer(1) - sp.Symbol("k"))
    source = C.scalar_source("h", (x, sp.Symbol("k")), grouped)
    assert "(1 - k)" in source


# ----------------------------------------------------------------- templates
def test_template_source_renames_and_strips_decorators():
    def decorator(fn):
        return fn

    @decorator
    def outer(a):
        return inner(a) + 1  # noqa: F821

    source = C.template_source(outer, {"outer": "renamed", "inner": "abs"})
    assert source.startswith("def renamed(a):") and "abs(a)" in source and "@" not in source
    assert plain([source]).renamed(-2.0) == 3.0


def _newton_module():
    """The Newton templates with residual(x, y) = log(x e^x) - log(y) in s = log x (root log W(y))."""

    def residual(s, log_y):
        x = math.exp(s)
        return s + x - log_y, 1 + x

    return plain([C.template_source(residual), C.template_source(C.newton_update),
                  C.template_source(C.newton_bracketed_scalar), C.template_source(C.newton_bracketed_pair)])


def lambert_log_residual(s, log_y):
    x = np.array([math.exp(v) for v in s])  # math.exp as in the template, so every step is bitwise the same
    return s + x - log_y, 1 + x


def test_one_point_newton_is_the_array_solver_step_for_step():
    y = np.logspace(-10, 10, 201)
    array = newton_bracketed(lambert_log_residual, np.zeros_like(y), -60.0, 30.0, args=(np.log(y),), fused_iter=3)
    m = _newton_module()
    for i, log_y in enumerate(np.log(y)):
        x, converged, iterations = m.newton_bracketed_scalar(0.0, -60.0, 30.0, 1e-12, 100, (log_y,))
        assert converged and x == array.x[i] and iterations == array.iterations[i]


def test_paired_newton_returns_what_each_one_point_solve_returns():
    m = _newton_module()
    starts = [(0.0, 1.0), (25.0, -3.0), (-59.0, 0.5)]
    for (x1, ly1), (x2, ly2) in zip(starts, starts[1:] + starts[:1]):
        single1 = m.newton_bracketed_scalar(x1, -60.0, 30.0, 1e-12, 100, (ly1,))
        single2 = m.newton_bracketed_scalar(x2, -60.0, 30.0, 1e-12, 100, (ly2,))
        pair = m.newton_bracketed_pair(x1, -60.0, 30.0, (ly1,), True, x2, -60.0, 30.0, (ly2,), True, 1e-12, 100)
        assert pair == (*single1, *single2)
    inactive = m.newton_bracketed_pair(1.0, -60.0, 30.0, (0.0,), False, 0.0, -60.0, 30.0, (2.0,), True, 1e-12, 100)
    assert inactive[:3] == (1.0, True, 0) and inactive[3:] == m.newton_bracketed_scalar(0.0, -60.0, 30.0, 1e-12,
                                                                                          100, (2.0,))


def test_newton_step_bisects_when_newton_leaves_the_bracket_and_reports_failure():
    def residual(x, r):
        return math.atan(x - r), 1 / (1 + (x - r) ** 2)

    def array_residual(x, r):
        return np.array([math.atan(v) for v in x - r]), 1 / (1 + (x - r) ** 2)

    m = plain([C.template_source(residual), C.template_source(C.newton_update),
               C.template_source(C.newton_bracketed_scalar)])
    roots = np.array([-3.0, 0.5, 7.0, 40.0])
    array = newton_bracketed(array_residual, np.full(4, -90.0), -100.0, 100.0, args=(roots,), xtol=1e-14)
    assert array.iterations.max() > 8  # Newton alone diverges from -90: bisection steps were taken
    for i, r in enumerate(roots):
        x, converged, iterations = m.newton_bracketed_scalar(-90.0, -100.0, 100.0, 1e-14, 100, (r,))
        assert converged and x == array.x[i] and iterations == array.iterations[i] and abs(x - r) <= 1e-13
    assert m.newton_bracketed_scalar(-90.0, -100.0, 100.0, 1e-14, 3, (40.0,))[1:] == (False, 3)


def test_log1p_via_log_is_accurate_to_a_few_ulps():
    f = plain([C.template_source(C.log1p_via_log)]).log1p_via_log
    rng = np.random.default_rng(7)
    xs = np.concatenate([-np.exp(rng.uniform(-745, 0, 2000)) * (1 - 2**-53), np.exp(rng.uniform(-745, 709, 2000)),
                         [0.0, 5e-324, -1 + 2**-52, 1e308]])
    worst = 0.0
    with mpmath.workdps(40):
        for x in xs:
            exact = mpmath.log1p(mpmath.mpf(float(x)))
            got = f(float(x))
            if exact == 0:
                assert got == 0
                continue
            worst = max(worst, float(abs((got - exact) / exact)))
    assert worst <= 4 * 2.0**-52
    assert f(math.inf) == math.inf


# ----------------------------------------------------------------- modules
def test_module_text_is_checked():
    with pytest.raises(ValueError, match="parallel"):
        plain(["def f(x):\n    return x\n"], parallel=("g",))
    with pytest.raises(ValueError, match="one function definition"):
        plain(["x = 1\n"])
    with pytest.raises(ValueError, match="constant"):
        plain(["def f(x):\n    return x\n"], {"C": float("nan")})


def test_numba_can_be_switched_off(monkeypatch):
    C.numba_available.cache_clear()
    monkeypatch.setenv("ICL_SYM_COMPILED", "0")
    try:
        assert C.numba_available() is False
    finally:
        C.numba_available.cache_clear()


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ICL_SYM_CACHE_DIR", str(tmp_path / "generated"))
    assert C.cache_dir() == tmp_path / "generated" and C.cache_dir().is_dir()


@pytest.mark.skipif(not C.numba_available(), reason="numba not installed")
def test_compiled_module_equals_the_interpreted_one_and_is_cached(monkeypatch, tmp_path):
    monkeypatch.setenv("ICL_SYM_CACHE_DIR", str(tmp_path))
    x, a = sp.symbols("x a", positive=True)
    kernel = C.scalar_source("kernel", (x, a), [sp.sqrt(x + a) / (1 + x**2), sp.log(x) - a])

    def loop(xs, a_, out):
        for i in numba.prange(xs.shape[0]):  # noqa: F821
            first, second = kernel(xs[i], a_)  # noqa: F821
            out[i] = first * SCALE + second  # noqa: F821

    sources = [kernel, C.template_source(loop)]
    compiled = C.compile_module("unit", sources, {"SCALE": 3.0}, parallel=("loop",))
    interpreted = C.python_module("unit", sources, {"SCALE": 3.0}, parallel=("loop",))
    xs = np.geomspace(1e-3, 1e3, 4001)
    out, expected = np.empty_like(xs), np.empty_like(xs)
    compiled.loop(xs, 0.25, out)
    interpreted.loop(xs, 0.25, expected)
    np.testing.assert_array_max_ulp(out, expected, maxulp=2)
    assert C.compile_module("unit", sources, {"SCALE": 3.0}, parallel=("loop",)) is compiled
    (path,) = tmp_path.glob("icl_sym_generated_unit_*.py")
    assert path.read_text().count("@numba.njit(cache=True, fastmath=False") == 2
    assert list((tmp_path / "__pycache__").glob("*.nbi"))  # numba's cache index, next to the module
    other = C.compile_module("unit", sources, {"SCALE": 4.0}, parallel=("loop",))
    assert other is not compiled and len(list(tmp_path.glob("icl_sym_generated_unit_*.py"))) == 2
