"""Numeric functions generated from SymPy expressions (numpy, torch, mpmath).

One code path: :func:`lambdify_expr` calls ``sympy.lambdify`` with CSE and a
printer from :func:`printer_for`; :mod:`icl_sym.core.export` reuses the same
printers for standalone modules, so exported code equals evaluated code.

Matrix expressions (``MatrixSymbol`` arguments, ``Trace``, symbolic-size
``Identity``) are supported by small printer extensions. For the mpmath backend
a matrix expression runs the numpy code on object arrays of ``mpf``, so every
arithmetic operation is carried out at the current ``mpmath.mp.dps``.
"""

from __future__ import annotations

import builtins
import functools
import math
from typing import Callable

import mpmath
import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.pycode import MpmathPrinter

__all__ = ["BACKENDS", "lambdify_expr", "printer_for", "is_matrix_expr", "sum_bound_symbols"]

BACKENDS = ("numpy", "torch", "mpmath")


class SumBoundsMixin:
    """Finite sums print as Python generator sums whose bounds pass through ``int()``.

    A bound that is a parameter (a depth ``L``, say) arrives as a float, an ``mpf`` or a 0-d
    array, none of which ``range`` takes.
    """

    def _print_Sum(self, expr):
        loops = " ".join(f"for {self._print(i)} in range(int({self._print(a)}), int({self._print(b)}) + 1)"
                         for i, a, b in expr.limits[::-1])
        return f"({self._module_format('builtins.sum')}({self._print(expr.function)} {loops}))"


def sum_bound_symbols(expr: sp.Basic) -> set[sp.Symbol]:
    """The free symbols in the bounds of ``expr``'s sums: arguments that fix a number of terms."""
    return {s for total in expr.atoms(sp.Sum) for _, a, b in total.limits for s in (a.free_symbols | b.free_symbols)}


class MatrixNumPyPrinter(SumBoundsMixin, NumPyPrinter):
    """NumPy printer that also prints ``Trace``, symbolic-size ``Identity`` and sums with parameter bounds."""

    def _print_Trace(self, expr):
        return f"{self._module_format(self._module + '.trace')}({self._print(expr.arg)})"

    def _print_Identity(self, expr):
        # int(): the size may arrive as an mpf when the mpmath backend converts arguments.
        return f"{self._module_format(self._module + '.eye')}(int({self._print(expr.rows)}))"

    def _print_ZeroMatrix(self, expr):
        rows, cols = (self._print(n) for n in expr.shape)
        return f"{self._module_format(self._module + '.zeros')}((int({rows}), int({cols})))"


def _torch_printer():
    from sympy.printing.pytorch import TorchPrinter

    class MatrixTorchPrinter(SumBoundsMixin, TorchPrinter):
        """Torch printer with symbolic-size ``Identity`` and float64 constants."""

        # int(): sizes arrive as tensors, since every argument is converted to one.
        def _print_Identity(self, expr):
            return f"torch.eye(int({self._print(expr.rows)}), dtype=torch.float64)"

        def _print_ZeroMatrix(self, expr):
            rows, cols = (self._print(n) for n in expr.shape)
            return f"torch.zeros(int({rows}), int({cols}), dtype=torch.float64)"

        def _print_BlockMatrix(self, expr):
            rows = [", ".join(self._print(b) for b in row) for row in expr.blocks.tolist()]
            return "torch.cat([" + ", ".join(f"torch.cat([{r}], dim=1)" for r in rows) + "], dim=0)"

    return MatrixTorchPrinter


def is_matrix_expr(expr: sp.Basic) -> bool:
    """True when ``expr`` contains matrix symbols or matrix operations."""
    return bool(expr.atoms(sp.MatrixSymbol)) or isinstance(expr, sp.MatrixBase)


def printer_for(backend: str, expr: sp.Basic):
    """The printer class used to generate ``backend`` code for ``expr``."""
    if backend == "numpy" or (backend == "mpmath" and is_matrix_expr(expr)):
        return MatrixNumPyPrinter
    if backend == "torch":
        return _torch_printer()
    if backend == "mpmath":
        return SumMpmathPrinter
    raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")


def _module_for(backend: str, expr: sp.Basic) -> str:
    return "numpy" if printer_for(backend, expr) is MatrixNumPyPrinter else backend


class SumMpmathPrinter(SumBoundsMixin, MpmathPrinter):
    """SymPy's mpmath printer, with sums whose bounds are parameters."""


def lambdify_expr(args, expr: sp.Basic, backend: str = "numpy") -> Callable:
    """Compile ``expr`` into a function of ``args`` (positional) for ``backend``.

    An expression with a sum whose number of terms is an argument is evaluated element by
    element on arrays (numpy, torch): each element has its own number of terms.
    """
    elementwise = bool(sum_bound_symbols(expr) & set(args))
    if elementwise and backend == "torch":
        # A Python loop over elements runs on the host anyway: the numpy code serves tensors too.
        return _elementwise(lambdify_expr(args, expr, "numpy").__wrapped__)
    printer = printer_for(backend, expr)
    if printer is SumMpmathPrinter:
        # As lambdify configures its own mpmath printer: names from the mpmath namespace, unqualified.
        printer = printer({"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": True,
                           "user_functions": {}})
    # The numpy and torch printers qualify fallbacks fully (math.gamma, builtins.sum): their modules must be names.
    modules = [_module_for(backend, expr), {"math": math, "builtins": builtins}]
    fn = sp.lambdify(list(args), expr, modules=modules, printer=printer, cse=True)
    if backend == "torch":
        return _torch_wrapper(fn)
    if backend == "numpy" and elementwise:
        return _elementwise(fn)
    if backend == "mpmath" and is_matrix_expr(expr):
        return _mpmath_matrix_wrapper(fn)
    return fn


def _elementwise(fn: Callable) -> Callable:
    """``fn`` mapped over its broadcast arguments (numpy arrays or CPU/GPU tensors), float64 out."""
    vectorised = np.vectorize(fn, otypes=[np.float64])

    @functools.wraps(fn)
    def wrapped(*values):
        if any(type(v).__module__.startswith("torch") for v in values):
            import torch

            device = next(v.device for v in values if isinstance(v, torch.Tensor))
            host = [v.detach().cpu().numpy() if isinstance(v, torch.Tensor) else v for v in values]
            return torch.as_tensor(vectorised(*host), dtype=torch.float64, device=device)
        out = vectorised(*values)
        return out[()] if out.ndim == 0 else out

    return wrapped


def _torch_wrapper(fn: Callable) -> Callable:
    """Run ``fn`` on float64 tensors, with tensor factories (``torch.eye``) on the inputs' device."""
    import torch

    @functools.wraps(fn)
    def wrapped(*values):
        device = next((v.device for v in values if isinstance(v, torch.Tensor)), torch.device("cpu"))
        with torch.device(device):
            return fn(*(torch.as_tensor(v, dtype=torch.float64) for v in values))

    return wrapped


def _as_mpf(value):
    if isinstance(value, np.ndarray):
        return np.vectorize(mpmath.mpf, otypes=[object])(value)
    if isinstance(value, (mpmath.mpf, mpmath.mpc)):
        return value
    return mpmath.mpf(value)


def _mpmath_matrix_wrapper(fn: Callable) -> Callable:
    """Convert every argument to ``mpf`` (object arrays for matrices) before calling ``fn``."""

    @functools.wraps(fn)
    def wrapped(*values):
        return fn(*(_as_mpf(v) for v in values))

    return wrapped
