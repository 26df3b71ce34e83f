"""Formulas defined through an implicit equation, and their export as self-contained code.

An :class:`ImplicitFormula` is ``value = expr(u, params)`` where the unknown
``u > 0`` is the unique root of ``residual(u, params) = 0`` inside the bracket
``[low(params), high(params)]``. Exported Python, C and Julia code carries the
same solver: Newton steps in log u, safeguarded by bisection of the bracket,
so every language reproduces the package's values.

>>> import sympy as sp
>>> u, a = sp.symbols("u a", positive=True)
>>> f = ImplicitFormula("demo.lambert", "u with u exp(u) = a", Provenance("Demo", "Eq. 1"),
...                     (Param(a, Range(0, low_open=True)),), u, u * sp.exp(u) - a,
...                     (sp.Min(a, sp.log(1 + a)) / 2, 1 + sp.log(1 + a)), u)
>>> round(f.evaluate(a=1.0), 12)        # the omega constant W(1)
0.56714329041
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import sympy as sp

from .formula import Param, Provenance
from .validation import ParameterError, Range, check_array  # noqa: F401  (Range: used by the doctest)

__all__ = ["ImplicitFormula", "IMPLICIT_FORMATS"]

IMPLICIT_FORMATS = ("python", "c", "julia")

#: Relative width of the bracket (in u) at which the solver stops.
XTOL = 4e-16
MAX_ITERATIONS = 200


@dataclass(frozen=True, eq=False)
class ImplicitFormula:
    """``expr(u, params)`` where ``u`` solves ``residual(u, params) = 0`` in ``bracket``."""

    name: str
    description: str
    provenance: Provenance
    params: tuple[Param, ...]
    unknown: sp.Symbol
    residual: sp.Expr
    bracket: tuple[sp.Expr, sp.Expr]
    expr: sp.Expr

    def domain_text(self) -> str:
        return "; ".join(p.domain_text() for p in self.params)

    def latex(self, multiline: bool | None = None) -> str:
        """The value and its defining equation, as one ``aligned`` block."""
        from .export import latex

        value = sp.Symbol(self.name.rsplit(".", 1)[-1])
        return (f"\\begin{{aligned}} {latex(value)} &= {latex(self.expr)} \\\\ "
                f"0 &= {latex(self.residual)} \\end{{aligned}}")

    def _derivative(self) -> sp.Expr:
        """d residual / d log u = u · ∂residual/∂u (Newton runs in log u).

        Delta terms from |x| or sign(x) are dropped: they vanish almost everywhere, and
        the slope only steers Newton steps that the bracket safeguards.
        """
        slope = self.unknown * sp.diff(self.residual, self.unknown)
        return slope.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.Zero)

    def evaluate(self, **values: float) -> float:
        """The value at scalar parameters (float64): the reference for exported code."""
        for p in self.params:
            if p.name not in values:
                raise ParameterError(p.name, "given", "nothing")
            if p.domain is not None:
                check_array(p.name, values[p.name], p.domain)
        ns = {"math": math}
        source = _python_source(self, "f")
        exec(compile(source, f"<{self.name}>", "exec"), ns)  # same code as the Python export
        return ns["f"](*(float(values[p.name]) for p in self.params))

    def evaluate_mp(self, **values) -> "mpmath.mpf":
        """The value at the current ``mpmath.mp.dps`` (inputs taken exactly: pass mpf or decimal strings).

        The same equation and bracket as the float64 code, solved by mpmath in ``log u``.
        """
        import mpmath

        from .roots import find_root_mp

        for p in self.params:
            if p.name not in values:
                raise ParameterError(p.name, "given", "nothing")
            if p.domain is not None:
                check_array(p.name, float(values[p.name]), p.domain)
        args = [mpmath.mpf(values[p.name]) for p in self.params]
        symbols = [p.symbol for p in self.params]
        residual = sp.lambdify([self.unknown, *symbols], self.residual, "mpmath")
        low, high = (sp.lambdify(symbols, b, "mpmath")(*args) for b in self.bracket)
        value = sp.lambdify([self.unknown, *symbols], self.expr, "mpmath")
        digits = mpmath.mp.dps
        with mpmath.workdps(digits + 10):
            # The bracket ends are exact bounds: widen them by a hair against their rounding.
            slack = mpmath.mpf(10) ** -(digits + 5)
            u = find_root_mp(lambda x: residual(x, *args), low * (1 - slack), high * (1 + slack), log=True,
                             dps=digits + 5)
            result = value(u, *args)
        return +result

    def export(self, fmt: str) -> str:
        """Self-contained code in ``python``, ``c`` or ``julia``."""
        writers = {"python": _python_module, "c": _c_source, "julia": _julia_source}
        if fmt not in writers:
            raise ParameterError("format", "one of " + ", ".join(IMPLICIT_FORMATS), fmt)
        return writers[fmt](self)


def _pieces(f: ImplicitFormula, printer):
    u = f.unknown
    return {
        "low": printer(f.bracket[0]),
        "high": printer(f.bracket[1]),
        "residual": printer(f.residual),
        "slope": printer(f._derivative()),
        "value": printer(f.expr),
        "u": u.name,
        "args": [p.name for p in f.params],
    }


def _comment(f: ImplicitFormula) -> list[str]:
    return [f"{f.name}: {f.description}", f"Source: {f.provenance}",
            f"Unknown {f.unknown.name}: the root of the residual in its bracket (Newton in log, with bisection).",
            "Arguments: " + "; ".join(p.domain_text() for p in f.params),
            "Generated by icl-sym from its SymPy source expressions."]


def _python_source(f: ImplicitFormula, fname: str) -> str:
    p = _pieces(f, lambda e: sp.pycode(e, fully_qualified_modules=True))
    u, args = p["u"], ", ".join(p["args"])
    return f'''def {fname}({args}):
    def residual({u}):
        return {p["residual"]}

    def slope({u}):
        return {p["slope"]}

    lo, hi = {p["low"]}, {p["high"]}
    f_lo = residual(lo)
    if f_lo == 0:
        {u} = lo
    else:
        {u} = math.sqrt(lo * hi)
        for _ in range({MAX_ITERATIONS}):
            r = residual({u})
            if r == 0:
                break
            if (r < 0) == (f_lo < 0):
                lo = {u}
            else:
                hi = {u}
            if hi - lo <= {XTOL!r} * hi:
                break
            step = r / slope({u})
            candidate = {u} * math.exp(-step) if abs(step) < 50 else -1.0
            {u} = candidate if lo < candidate < hi else math.sqrt(lo * hi)
    return {p["value"]}
'''


def _python_module(f: ImplicitFormula) -> str:
    doc = '"""' + "\n".join(_comment(f)) + '\n"""'
    return f"{doc}\n\nimport math\n\n\n{_python_source(f, f.name.replace('.', '_'))}"


def _c_source(f: ImplicitFormula) -> str:
    p = _pieces(f, sp.ccode)
    u = p["u"]
    args = ", ".join(f"double {a}" for a in p["args"])
    name = f.name.replace(".", "_")
    comment = "\n".join(" * " + line for line in _comment(f))
    return f'''#include <math.h>

/*
{comment}
 */
double {name}({args}) {{
    double lo = {p["low"]}, hi = {p["high"]};
    const double f_lo = {_rename(p["residual"], u, "lo")};
    double {u} = sqrt(lo * hi);
    if (f_lo == 0.0) {{
        {u} = lo;
    }} else {{
        for (int it = 0; it < {MAX_ITERATIONS}; ++it) {{
            const double r = {p["residual"]};
            if (r == 0.0) break;
            if ((r < 0.0) == (f_lo < 0.0)) lo = {u}; else hi = {u};
            if (hi - lo <= {XTOL!r} * hi) break;
            const double step = r / ({p["slope"]});
            const double candidate = fabs(step) < 50.0 ? {u} * exp(-step) : -1.0;
            {u} = (lo < candidate && candidate < hi) ? candidate : sqrt(lo * hi);
        }}
    }}
    return {p["value"]};
}}
'''


def _rename(code: str, name: str, other: str) -> str:
    """``code`` with the variable ``name`` renamed ``other`` (whole identifiers only)."""
    return re.sub(rf"\b{re.escape(name)}\b", other, code)


def _julia_source(f: ImplicitFormula) -> str:
    from sympy.printing.julia import julia_code

    p = _pieces(f, julia_code)
    u, args = p["u"], ", ".join(p["args"])
    comment = "\n".join("# " + line for line in _comment(f))
    return f'''{comment}
function {f.name.replace(".", "_")}({args})
    residual({u}) = {p["residual"]}
    slope({u}) = {p["slope"]}
    lo, hi = {p["low"]}, {p["high"]}
    f_lo = residual(lo)
    {u} = sqrt(lo * hi)
    if f_lo == 0
        {u} = lo
    else
        for _ in 1:{MAX_ITERATIONS}
            r = residual({u})
            r == 0 && break
            if (r < 0) == (f_lo < 0)
                lo = {u}
            else
                hi = {u}
            end
            hi - lo <= {XTOL!r} * hi && break
            step = r / slope({u})
            candidate = abs(step) < 50 ? {u} * exp(-step) : -1.0
            {u} = lo < candidate < hi ? candidate : sqrt(lo * hi)
        end
    end
    return {p["value"]}
end
'''
