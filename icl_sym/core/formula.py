"""Formulas: named SymPy expressions with their parameters, domain and provenance.

A :class:`Formula` is the single source of truth for a result: its LaTeX, its
exported code and its numeric functions are all generated from ``expr``.

>>> import sympy as sp
>>> x = sp.Symbol("x", positive=True)
>>> f = Formula("demo.square", x**2, (Param(x, Range(0, low_open=True)),),
...             Provenance("Nobody (2025)", "Eq. 1"))
>>> f.numeric()(3.0)
9.0
>>> f.domain_text()
'x in (0, inf)'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

import sympy as sp

from .validation import Range

__all__ = ["Provenance", "Param", "Formula"]


@dataclass(frozen=True)
class Provenance:
    """Where a formula comes from: a paper and a location in it (equation, result, section)."""

    paper: str
    where: str
    note: str = ""

    def __str__(self) -> str:
        text = f"{self.paper}, {self.where}"
        return f"{text} ({self.note})" if self.note else text


@dataclass(frozen=True)
class Param:
    """One argument of a formula: a scalar ``Symbol`` (with a real ``domain``) or a ``MatrixSymbol``."""

    symbol: sp.Symbol | sp.MatrixSymbol
    domain: Range | None = None
    description: str = ""

    @property
    def name(self) -> str:
        return self.symbol.name

    @property
    def is_matrix(self) -> bool:
        return isinstance(self.symbol, sp.MatrixSymbol)

    def domain_text(self) -> str:
        if self.is_matrix:
            rows, cols = self.symbol.shape
            return f"{self.name}: real {rows} x {cols} matrix"
        return f"{self.name} {self.domain.describe()}" if self.domain else f"{self.name} real"


@dataclass(frozen=True, eq=False)
class Formula:
    """A named expression ``lhs = expr`` with ordered parameters, domain and provenance.

    ``params`` fixes the argument order of every generated function. ``lhs`` is
    only used for display (defaults to a symbol named after the formula).
    """

    name: str
    expr: sp.Basic
    params: tuple[Param, ...]
    provenance: Provenance
    description: str = ""
    lhs: sp.Basic | None = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def symbols(self) -> tuple:
        return tuple(p.symbol for p in self.params)

    @property
    def has_matrix_params(self) -> bool:
        return any(p.is_matrix for p in self.params)

    @cached_property
    def display_lhs(self) -> sp.Basic:
        return self.lhs if self.lhs is not None else sp.Symbol(self.name.rsplit(".", 1)[-1])

    def domain_text(self) -> str:
        return "; ".join(p.domain_text() for p in self.params)

    def latex(self, multiline: bool | None = None) -> str:
        """LaTeX of ``lhs = expr``; long sums are broken over lines (``align*``)."""
        from .export import latex_equation

        return latex_equation(self.display_lhs, self.expr, multiline=multiline)

    def export(self, fmt: str) -> str:
        """The formula in an export format (see :data:`icl_sym.core.export.FORMATS`)."""
        from .export import export_formula

        return export_formula(self, fmt)

    def numeric(self, backend: str = "numpy") -> Callable:
        """A fast function of ``params`` (positional, in order) for ``backend``.

        Backends: ``numpy``, ``torch``, ``mpmath``. Generated once and cached.
        """
        if backend not in self._cache:
            from .numeric import lambdify_expr

            self._cache[backend] = lambdify_expr(self.symbols, self.expr, backend)
        return self._cache[backend]

    def subs(self, name: str, mapping: dict, params: tuple[Param, ...], description: str = "") -> "Formula":
        """A specialisation: ``expr`` with ``mapping`` substituted, new name and parameters."""
        expr = self.expr.subs(mapping)
        return Formula(name, expr, params, self.provenance, description or self.description, self.lhs)
