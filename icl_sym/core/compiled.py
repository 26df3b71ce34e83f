"""Machine code from SymPy expressions: scalar functions printed by SymPy, compiled by numba, cached on disk.

The vectorised numpy path (:mod:`.numeric`, :mod:`.dispatch`) evaluates one expression on whole
arrays, so a multi-step computation (a root solve, then a formula) makes temporaries and passes
over memory. This module generates the same expressions as *scalar* code instead, so that one
compiled loop can run a whole per-point computation (solver and formulas) in registers:

* :func:`scalar_source`: the Python source of ``def name(args): ... return value(s)`` for SymPy
  expressions, printed by SymPy's ``PythonCodePrinter`` (``math`` functions, CSE), exactly the
  expressions the array path lambdifies;
* :func:`template_source`: the source of a plain Python function written as a template (e.g. a
  driver loop), with names renamed, to be placed next to generated functions;
* :func:`log1p_via_log`: a template, ``log1p`` to a few ulps at the cost of one ``log``;
* :func:`newton_bracketed_scalar` (one equation) and :func:`newton_bracketed_pair` (two in
  lockstep): templates, the one-point twins of :func:`icl_sym.core.roots.newton_bracketed`, with
  its steps and stopping rule written once (:func:`newton_update`);
* :func:`compile_module`: writes such sources as one module (every function ``numba.njit``,
  ``fastmath=False``, IEEE division), imports it and returns it. The file name is a hash of its
  content, so numba's on-disk cache (``cache=True``) can never serve code of older expressions;
* :func:`python_module`: the same module text run by the interpreter (tests, no compiler).

numba is optional: :func:`numba_available` says whether it can be used (``ICL_SYM_COMPILED=0`` in
the environment turns it off); callers keep their numpy path as the fallback. Generated modules go
to ``$ICL_SYM_CACHE_DIR`` (default ``$XDG_CACHE_HOME/icl_sym/compiled``, i.e.
``~/.cache/icl_sym/compiled``), numba's cache next to them.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import inspect
import keyword
import math
import os
import sys
import tempfile
import textwrap
from collections.abc import Callable, Collection, Mapping, Sequence
from functools import cache
from pathlib import Path
from types import ModuleType

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

__all__ = ["numba_available", "scalar_source", "template_source", "newton_update", "newton_bracketed_scalar",
           "newton_bracketed_pair", "log1p_via_log", "compile_module", "python_module", "cache_dir"]

_DISABLE_VARIABLE = "ICL_SYM_COMPILED"
_CACHE_VARIABLE = "ICL_SYM_CACHE_DIR"


@cache
def numba_available() -> bool:
    """Whether numba can be imported and compiled code is not switched off (``ICL_SYM_COMPILED=0``)."""
    if os.environ.get(_DISABLE_VARIABLE, "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------------
class _ScalarPrinter(PythonCodePrinter):
    """SymPy's Python printer (``math`` module) that prints given symbols under given names."""

    def __init__(self, names: Mapping[sp.Symbol, str]):
        super().__init__({"fully_qualified_modules": True, "standard": "python3"})
        self.names = names

    def _print_Symbol(self, expr):
        return self.names.get(expr) or super()._print_Symbol(expr)

    def _print_Dummy(self, expr):
        return self.names.get(expr) or super()._print_Dummy(expr)


def _identifiers(args: Sequence[sp.Symbol]) -> dict[sp.Symbol, str]:
    names: dict[sp.Symbol, str] = {}
    for i, a in enumerate(args):
        name = a.name
        if (not name.isidentifier() or keyword.iskeyword(name) or name in names.values()
                or name.startswith("_t") or name in ("math", "numba")):
            name = f"_arg{i}"
        names[a] = name
    return names


def scalar_source(name: str, args: Sequence[sp.Symbol], exprs: sp.Expr | Sequence[sp.Expr]) -> str:
    """``def name(*args): ...`` returning ``exprs`` (a tuple for a sequence), printed with ``math`` functions.

    Common subexpressions become local variables ``_t0, _t1, ...`` (``sympy.cse``); an argument
    whose name is not a usable Python identifier (e.g. ``lambda``) is printed as ``_arg<i>``. The
    expressions are printed as they are (no substitution re-evaluates them). The code uses only
    arithmetic, ``abs``, ``math`` functions and conditional expressions, so numba compiles it as is.
    """
    single = isinstance(exprs, sp.Basic)
    exprs = [sp.sympify(exprs)] if single else [sp.sympify(e) for e in exprs]
    names = _identifiers(args)
    free = set().union(*(e.free_symbols for e in exprs)) - set(args)
    if free:
        raise ValueError(f"{name}: the expressions depend on symbols that are not arguments: {sorted(map(str, free))}")
    replacements, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("_t", cls=sp.Dummy))
    temporaries = {lhs: f"_t{i}" for i, (lhs, _) in enumerate(replacements)}
    printer = _ScalarPrinter({**names, **temporaries})
    lines = [f"def {name}({', '.join(names[a] for a in args)}):"]
    lines += [f"    {temporaries[lhs]} = {printer.doprint(rhs)}" for lhs, rhs in replacements]
    values = [printer.doprint(e) for e in reduced]
    lines.append(f"    return {values[0]}" if single else f"    return ({', '.join(values)},)")
    return "\n".join(lines) + "\n"


class _Rename(ast.NodeTransformer):
    def __init__(self, names: Mapping[str, str]):
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self.names.get(node.id, node.id)
        return node


def template_source(fn: Callable, rename: Mapping[str, str] | None = None) -> str:
    """The source of the plain function ``fn`` without decorators, names (incl. its own) renamed by ``rename``.

    A template refers to the functions it calls by global names; :func:`compile_module` places it
    in a module where those names are defined (e.g. generated by :func:`scalar_source`).
    """
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    (func,) = tree.body
    if not isinstance(func, ast.FunctionDef):
        raise TypeError(f"a template must be a plain function; got {type(func).__name__}")
    func.decorator_list = []
    rename = dict(rename or {})
    func.name = rename.get(func.name, func.name)
    tree = _Rename(rename).visit(tree)
    return ast.unparse(tree) + "\n"


# ---------------------------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------------------------
def log1p_via_log(x):  # pragma: no cover - runs as compiled code
    """``log(1 + x)`` to a few ulps, for ``x >= -1``, from ``log``: about twice as fast as libm's ``log1p``.

    With ``u = fl(1 + x)``, ``log(u) * x / (u - 1)`` corrects the rounding of ``1 + x`` (the ratio
    ``x / (u - 1)`` is exact to first order, and ``log(u)/(u - 1)`` varies slowly), so the result
    keeps full relative precision for tiny ``x`` too (W. Kahan; D. Goldberg, "What every computer
    scientist should know about floating-point arithmetic", ACM Comput. Surv. 23 (1991), Theorem 4).
    """
    u = 1.0 + x
    if u == 1.0:
        return x
    if u == math.inf:
        return u
    return math.log(u) * (x / (u - 1.0))


def newton_update(x, f, df, lo, hi, lo_ok, hi_ok, xtol):  # pragma: no cover - runs as compiled code
    """One step of :func:`icl_sym.core.roots.newton_bracketed` for one element: ``(x, lo, hi, lo_ok, hi_ok, done)``.

    Given ``f``, ``df`` at ``x``: tighten the bracket by the sign of ``f`` (NaN moves neither end);
    take the Newton step if it lands strictly inside the bracket or moves by ``<= xtol``, else
    bisect; done when ``f == 0``, a Newton step is ``<= xtol`` or the bracket, both ends confirmed
    by a sign (``lo_ok``, ``hi_ok``), is ``<= xtol`` wide.
    """
    if f <= 0:
        lo = max(lo, x)
    if f >= 0:
        hi = min(hi, x)
    lo_ok = lo_ok or f < 0
    hi_ok = hi_ok or f > 0
    newton_x = x - f / df
    small = newton_x >= lo and newton_x <= hi and abs(newton_x - x) <= xtol
    if f == 0:
        step_to = x
    elif small or (newton_x > lo and newton_x < hi):
        step_to = newton_x
    else:
        step_to = 0.5 * (lo + hi)
    done = f == 0 or small or (lo_ok and hi_ok and hi - lo <= xtol)
    return step_to, lo, hi, lo_ok, hi_ok, done


def newton_bracketed_scalar(x, lo, hi, xtol, max_iter, params):  # pragma: no cover - runs as compiled code
    """One-point :func:`icl_sym.core.roots.newton_bracketed`: returns ``(root, converged, iterations)``.

    Template: ``residual(x, *params)`` returns ``(f, df/dx)``, ``f`` increasing through the root
    in ``[lo, hi]`` (finite); the steps and the stopping rule are :func:`newton_update`'s.
    """
    x = min(max(x, lo), hi)
    lo_ok = False
    hi_ok = False
    for iteration in range(1, max_iter + 1):
        f, df = residual(x, *params)  # noqa: F821 - bound where the template is compiled
        x, lo, hi, lo_ok, hi_ok, done = newton_update(x, f, df, lo, hi, lo_ok, hi_ok, xtol)
        if done:
            return x, True, iteration
    return x, False, max_iter


def newton_bracketed_pair(x1, lo1, hi1, params1, active1, x2, lo2, hi2, params2, active2, xtol,
                          max_iter):  # pragma: no cover - runs as compiled code
    """:func:`newton_bracketed_scalar` on two independent equations in lockstep (inactive ones skipped).

    Returns ``(root1, converged1, iterations1, root2, converged2, iterations2)``, each exactly what
    the one-point solver returns (an inactive equation: its start, ``True``, ``0``). Interleaving
    two dependency chains lets the processor overlap them: one Newton step is a long chain of
    divisions and ``exp``/``log`` whose latency a single equation cannot hide.
    """
    x1 = min(max(x1, lo1), hi1)
    x2 = min(max(x2, lo2), hi2)
    lo_ok1 = hi_ok1 = lo_ok2 = hi_ok2 = False
    done1, done2 = not active1, not active2
    iterations1 = iterations2 = 0
    for iteration in range(1, max_iter + 1):
        if done1 and done2:
            break
        if not done1:
            f1, df1 = residual(x1, *params1)  # noqa: F821 - bound where the template is compiled
            x1, lo1, hi1, lo_ok1, hi_ok1, done1 = newton_update(x1, f1, df1, lo1, hi1, lo_ok1, hi_ok1, xtol)
            iterations1 = iteration
        if not done2:
            f2, df2 = residual(x2, *params2)  # noqa: F821
            x2, lo2, hi2, lo_ok2, hi_ok2, done2 = newton_update(x2, f2, df2, lo2, hi2, lo_ok2, hi_ok2, xtol)
            iterations2 = iteration
    return x1, done1, iterations1, x2, done2, iterations2


# ---------------------------------------------------------------------------------------------
# Modules
# ---------------------------------------------------------------------------------------------
def cache_dir() -> Path:
    """Where generated modules (and numba's cache of them) are written; created if missing."""
    configured = os.environ.get(_CACHE_VARIABLE)
    if configured:
        path = Path(configured)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        path = Path(base) / "icl_sym" / "compiled"
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=path, delete=True)
        probe.close()
    except OSError:  # read-only home: a private temporary directory instead
        path = Path(tempfile.gettempdir()) / f"icl_sym-compiled-{os.getuid() if hasattr(os, 'getuid') else 0}"
        path.mkdir(parents=True, exist_ok=True)
    return path


_HEADER = '''"""Generated by icl_sym.core.compiled from SymPy expressions ({stem}); do not edit."""

import math

import numba

'''


def _module_text(stem: str, sources: Sequence[str], constants: Mapping[str, float | int] | None,
                 parallel: Collection[str]) -> str:
    functions = []
    for source in sources:
        (node,) = ast.parse(source).body
        if not isinstance(node, ast.FunctionDef):
            raise ValueError(f"every source must be one function definition; got {type(node).__name__}")
        functions.append((node.name, source))
    unknown = set(parallel) - {name for name, _ in functions}
    if unknown:
        raise ValueError(f"parallel names functions not in the module: {sorted(unknown)}")
    body = [_HEADER.format(stem=stem)]
    for name, value in (constants or {}).items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            raise ValueError(f"constant {name} must be a number; got {value!r}")
        body.append(f"{name} = {value!r}\n" if math.isfinite(value) else f"{name} = {'' if value > 0 else '-'}math.inf\n")
    for name, source in functions:
        options = "cache=True, fastmath=False, error_model='numpy'" + (", parallel=True" if name in parallel else "")
        body.append(f"\n\n@numba.njit({options})\n{source}")
    return "".join(body)


def compile_module(stem: str, sources: Sequence[str], constants: Mapping[str, float | int] | None = None,
                   parallel: Collection[str] = ()) -> ModuleType:
    """Import the module made of ``sources`` (function definitions), each function ``numba.njit``-ed.

    ``constants`` become module globals (numba freezes them into the code); functions named in
    ``parallel`` are compiled with ``parallel=True`` (their ``numba.prange`` loops use all
    cores). Every function is compiled lazily on first call, with ``fastmath=False`` and
    ``error_model='numpy'`` (division by zero gives ``inf``/``nan`` as in numpy, no exception),
    and cached on disk by numba. Needs numba (see :func:`numba_available`).
    """
    text = _module_text(stem, sources, constants, parallel)
    digest = hashlib.sha256(text.encode()).hexdigest()[:20]
    module_name = f"icl_sym_generated_{stem}_{digest}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    path = cache_dir() / f"{module_name}.py"
    if not path.exists() or path.read_text() != text:
        # Atomic: concurrent processes write the same content; none reads a partial file.
        with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False) as tmp:
            tmp.write(text)
        os.replace(tmp.name, path)
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


class _PlainNumba:
    """Stands in for numba in :func:`python_module`: ``njit`` returns the function, ``prange`` is ``range``."""

    prange = range

    @staticmethod
    def njit(*args, **options):
        return lambda fn: fn


def python_module(stem: str, sources: Sequence[str], constants: Mapping[str, float | int] | None = None,
                  parallel: Collection[str] = ()) -> ModuleType:
    """The module :func:`compile_module` would compile, run by the Python interpreter (no numba).

    The same text, executed with ``numba.njit`` as the identity and ``numba.prange`` as ``range``:
    slow, but it needs no compiler, so tests can check (and mutate) generated code cheaply.
    """
    text = _module_text(stem, sources, constants, parallel).replace("\nimport numba\n", "\n", 1)
    module = ModuleType(f"icl_sym_interpreted_{stem}")
    module.numba = _PlainNumba
    exec(compile(text, f"<generated {stem}>", "exec"), module.__dict__)
    return module
