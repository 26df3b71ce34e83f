"""Formulas defined through an implicit equation, and their export as self-contained code.

An :class:`ImplicitFormula` is ``value = expr(u, params)`` where the unknown
``u > 0`` is the unique root of ``residual(u, params) = 0`` inside the bracket
``[low(params), high(params)]``. Exported Python (numpy, vectorised), C, Julia and
Octave code carries the same solver: Newton steps in log u, safeguarded by bisection
of the bracket, so every language reproduces the package's values. LaTeX, Markdown,
MathML and JSON show the equation system: the value, ``residual = 0`` and the bracket.

>>> import sympy as sp
>>> u, a = sp.symbols("u a", positive=True)
>>> f = ImplicitFormula("demo.lambert", "u with u exp(u) = a", Provenance("Demo", "Eq. 1"),
...                     (Param(a, Range(0, low_open=True)),), u, u * sp.exp(u) - a,
...                     (sp.Min(a, sp.log(1 + a)) / 2, 1 + sp.log(1 + a)), u)
>>> round(f.evaluate(a=1.0), 12)        # the omega constant W(1)
0.56714329041
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy as sp

from .formula import Param, Provenance
from .validation import ParameterError, Range, check_array  # noqa: F401  (Range: used by the doctest)

__all__ = ["ImplicitFormula", "IMPLICIT_FORMATS"]

#: Every export format (documents show the equation system; code carries the solver).
IMPLICIT_FORMATS = ("latex", "markdown", "python", "c", "julia", "octave", "mathml", "json")

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
    #: What the value is called in documents (default: a symbol named after the formula).
    lhs: sp.Basic | None = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def display_lhs(self) -> sp.Basic:
        return self.lhs if self.lhs is not None else sp.Symbol(self.name.rsplit(".", 1)[-1])

    @property
    def symbols(self) -> tuple:
        return tuple(p.symbol for p in self.params)

    @property
    def has_matrix_params(self) -> bool:
        return False

    def domain_text(self) -> str:
        return "; ".join(p.domain_text() for p in self.params)

    def latex(self, multiline: bool | None = None) -> str:
        """The value, the equation of the unknown and its bracket, as one ``aligned`` block."""
        return _system_latex(self)

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
        return float(self.numpy_function()(*(float(values[p.name]) for p in self.params)))

    def numpy_function(self):
        """The function of the exported Python module (vectorised over numpy arrays), compiled once."""
        if "numpy" not in self._cache:
            namespace: dict = {}
            exec(compile(_python_module(self), f"<{self.name}>", "exec"), namespace)  # the exported code itself
            self._cache["numpy"] = namespace[_identifier(self.name)]
        return self._cache["numpy"]

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
        """The formula in ``fmt``: self-contained code (python, c, julia, octave) or its equation system."""
        from .export import FORMATS

        writers = {"python": _python_module, "c": _c_source, "julia": _julia_source, "octave": _octave_source,
                   "latex": _latex, "markdown": _markdown, "mathml": _mathml, "json": _json}
        if fmt not in writers:
            raise ParameterError("format", "one of " + ", ".join(FORMATS), fmt)
        return writers[fmt](self)


def _identifier(name: str) -> str:
    return re.sub(r"\W", "_", name)


# --- Documents: the equation system ------------------------------------------------------------------------------
def _system_latex(f: ImplicitFormula) -> str:
    """``value = expr``, ``0 = residual``, ``u in [low, high]`` as one ``aligned`` block."""
    from .export import latex

    return (f"\\begin{{aligned}} {latex(f.display_lhs)} &= {latex(f.expr)} \\\\\n"
            f"0 &= {latex(f.residual)} \\\\\n"
            f"{latex(f.unknown)} &\\in \\left[{latex(f.bracket[0])},\\; {latex(f.bracket[1])}\\right] \\end{{aligned}}")


def _where(f: ImplicitFormula, math: str) -> str:
    """The sentence that says how the unknown is defined (``math`` wraps a symbol as inline math)."""
    return (f"where {math(f.unknown)} is the unique root of the second equation in the bracket of the third "
            "(the exported code finds it by Newton steps in its logarithm, safeguarded by bisection).")


def _latex(f: ImplicitFormula) -> str:
    from .export import latex
    from .tex import tex_math, tex_text

    return (f"\\[\n{tex_math(_system_latex(f))}\n\\]\n"
            + tex_text(_where(f, lambda e: f"${latex(e)}$")) + "\n")


def _markdown(f: ImplicitFormula) -> str:
    from .export import latex

    rows = "\n".join(f"| `{p.name}` | {p.domain_text()} | {p.description} |" for p in f.params)
    return (f"### `{f.name}`\n\n{f.description}\n\n$$\n{_system_latex(f)}\n$$\n\n"
            f"{_where(f, lambda e: f'${latex(e)}$')}\n\n*Source:* {f.provenance}\n\n"
            f"| parameter | domain | meaning |\n|---|---|---|\n{rows}\n")


def _mathml(f: ImplicitFormula) -> str:
    from .export import mathml_relations

    return mathml_relations((f.display_lhs, "=", f.expr), (sp.S.Zero, "=", f.residual),
                            (f.unknown, "\u2208", f.bracket))


def _json(f: ImplicitFormula) -> str:
    import json

    from .export import json_header, latex

    def piece(e: sp.Basic) -> dict:
        return {"srepr": sp.srepr(e), "latex": latex(e)}

    payload = {
        **json_header(f),
        "kind": "implicit",
        "lhs": sp.srepr(f.display_lhs),
        "value": piece(f.expr),
        "unknown": {"name": f.unknown.name, "srepr": sp.srepr(f.unknown)},
        "residual": piece(f.residual),
        "bracket": {"low": piece(f.bracket[0]), "high": piece(f.bracket[1])},
        "definition": f"{f.unknown.name}: the unique root of residual = 0 in [bracket.low, bracket.high]",
    }
    return json.dumps(payload, indent=2) + "\n"


# --- Code: the solver in every language --------------------------------------------------------------------------
def _comment(f: ImplicitFormula) -> list[str]:
    return [f"{f.name}: {f.description}", f"Source: {f.provenance}",
            f"Unknown {f.unknown.name}: the root of the residual in its bracket (Newton in log, with bisection).",
            "Arguments: " + "; ".join(p.domain_text() for p in f.params),
            "Generated by icl-sym from its SymPy source expressions."]


def _numpy_code(e: sp.Basic) -> str:
    from sympy.printing.numpy import NumPyPrinter

    return NumPyPrinter({"fully_qualified_modules": True}).doprint(e)


def _cse(exprs: list[sp.Basic]):
    """Common subexpressions of ``exprs`` as temporaries ``cse0, cse1, ...`` (valid names in every language)."""
    return sp.cse(exprs, symbols=sp.numbered_symbols("cse"))


def _python_local(name: str, arg: str, exprs: list[sp.Basic]) -> str:
    """A local Python function of ``arg`` returning ``exprs`` (a tuple if several), temporaries as locals."""
    replacements, reduced = _cse(exprs)
    lines = [f"    def {name}({arg}):"]
    lines += [f"        {s} = {_numpy_code(e)}" for s, e in replacements]
    lines.append(f"        return {', '.join(_numpy_code(e) for e in reduced)}")
    return "\n".join(lines) + "\n"


def _python_module(f: ImplicitFormula) -> str:
    """A numpy module: every element runs the scalar solver's steps, all elements at once."""
    from .export import PYTHON_REQUIRE, python_domain_checks

    name, u = _identifier(f.name), f.unknown.name
    args = ", ".join(p.name for p in f.params)
    doc = "\n".join(_comment(f))
    inner_doc = "\n".join("    " + line for line in _comment(f) + [
        "Vectorised: numpy arrays in (broadcast together), arrays out (a numpy scalar for scalar input).",
        "Raises ValueError naming the argument for input outside its domain."])
    checks = "\n".join(python_domain_checks(f.params))
    pieces = " ".join(_numpy_code(e) for e in (f.residual, f._derivative(), f.expr, *f.bracket))
    imports = "import functools\n" if "functools." in pieces else ""  # NumPyPrinter's n-ary Min/Max
    return f'''"""{doc}
"""

{imports}import numpy


{PYTHON_REQUIRE}

def {name}({args}):
    """
{inner_doc}
    """
{checks}
    {args}, = numpy.broadcast_arrays({", ".join(f"numpy.asarray({p.name}, dtype=numpy.float64)" for p in f.params)})

{_python_local("residual", u, [f.residual])}
{_python_local("slope", u, [f._derivative()])}
{_python_local("value_at", u, [f.expr])}
{_python_local("bracket", "", list(f.bracket))}

    # Elements whose bracket is already settled ride along: the updates below skip them.
    with numpy.errstate(all="ignore"):
        lo, hi = (numpy.broadcast_to(end, {f.params[0].name}.shape).astype(numpy.float64) for end in bracket())
        f_lo = residual(lo)
        {u} = numpy.where(f_lo == 0, lo, numpy.sqrt(lo * hi))
        active = f_lo != 0
        for _ in range({MAX_ITERATIONS}):
            if not active.any():
                break
            r = residual({u})
            active &= r != 0
            same_sign = (r < 0) == (f_lo < 0)
            lo = numpy.where(active & same_sign, {u}, lo)
            hi = numpy.where(active & ~same_sign, {u}, hi)
            active &= ~(hi - lo <= {XTOL!r} * hi)
            step = r / slope({u})
            candidate = numpy.where(numpy.abs(step) < 50, {u} * numpy.exp(-numpy.where(numpy.abs(step) < 50, step, 0)),
                                    -1.0)
            {u} = numpy.where(active, numpy.where((lo < candidate) & (candidate < hi), candidate,
                                                  numpy.sqrt(lo * hi)), {u})
        value = value_at({u})
    if numpy.isnan(value).any():
        raise FloatingPointError("{f.name}: NaN inside the domain (please report)")
    return value[()]
'''


def _c_function(signature: str, expr: sp.Basic) -> str:
    """A C function returning ``expr``, its common subexpressions as named local temporaries."""
    replacements, (reduced,) = _cse([expr])
    body = [f"    const double {sp.ccode(s)} = {sp.ccode(e)};" for s, e in replacements]
    return f"{signature} {{\n" + "\n".join(body + [f"    return {sp.ccode(reduced)};"]) + "\n}\n"


def _c_source(f: ImplicitFormula) -> str:
    from .export import C_DOMAIN_NOTE, c_domain_guard

    u, name = f.unknown.name, _identifier(f.name)
    args = ", ".join(f"double {p.name}" for p in f.params)
    call = ", ".join(p.name for p in f.params)
    comment = "\n".join(" * " + line for line in _comment(f) + [C_DOMAIN_NOTE])
    helpers = "\n".join(_c_function(f"static double {name}_{part}(double {u}, {args})", e)
                        for part, e in (("residual", f.residual), ("slope", f._derivative()), ("value", f.expr)))
    helpers += "\n" + "\n".join(_c_function(f"static double {name}_{part}({args})", e)
                                 for part, e in (("low", f.bracket[0]), ("high", f.bracket[1])))
    guard = "\n".join(c_domain_guard(f.params))
    return f'''#include <math.h>

/*
{comment}
 */

{helpers}
double {name}({args}) {{
{guard}
    double lo = {name}_low({call}), hi = {name}_high({call});
    const double f_lo = {name}_residual(lo, {call});
    double {u} = sqrt(lo * hi);
    if (f_lo == 0.0) {{
        {u} = lo;
    }} else {{
        for (int it = 0; it < {MAX_ITERATIONS}; ++it) {{
            const double r = {name}_residual({u}, {call});
            if (r == 0.0) break;
            if ((r < 0.0) == (f_lo < 0.0)) lo = {u}; else hi = {u};
            if (hi - lo <= {XTOL!r} * hi) break;
            const double step = r / {name}_slope({u}, {call});
            const double candidate = fabs(step) < 50.0 ? {u} * exp(-step) : -1.0;
            {u} = (lo < candidate && candidate < hi) ? candidate : sqrt(lo * hi);
        }}
    }}
    return {name}_value({u}, {call});
}}
'''


def _script_source(f: ImplicitFormula, lang: str) -> str:
    """Julia or Octave: the scalar solver, its pieces as functions with CSE temporaries, domain errors by name.

    Julia nests the pieces in the function (closures over the arguments); Octave, whose anonymous
    functions hold one expression, defines them as subfunctions after the main one.
    """
    from .export import domain_condition

    u, name = f.unknown.name, _identifier(f.name)
    args = ", ".join(p.name for p in f.params)
    pieces = (("residual", u, [f.residual]), ("slope", u, [f._derivative()]), ("value_at", u, [f.expr]),
              ("bracket", "", list(f.bracket)))
    if lang == "julia":
        from sympy.printing.julia import julia_code as code
        comment, head, ind, semi = "#", f"function {name}({args})", "    ", ""
        fail = '    {cond} || throw(DomainError({arg}, "{arg} must be {allowed}"))'
        loop_head, brk, result = f"for _ in 1:{MAX_ITERATIONS}", "break", "return value_at({u})"
    else:
        from sympy.printing.octave import octave_code as code
        comment, head, ind, semi = "%", f"function out = {name}({args})", "  ", ";"
        fail = '  if ~({cond})\n    error("{name}:domain", "{arg} must be {allowed}; got %g", {arg});\n  end'
        loop_head, brk, result = f"for iteration = 1:{MAX_ITERATIONS}", "break;", "out = value_at({u});"

    def function(part: str, arg: str, exprs: list[sp.Basic], indent: str) -> list[str]:
        replacements, reduced = _cse(exprs)
        outputs = ", ".join(f"out{i}" for i in range(len(reduced)))
        if lang == "julia":
            lines = [f"{indent}function {part}({arg})"]
        else:
            signature = ", ".join(filter(None, (arg, args)))
            lines = [f"{indent}function [{outputs}] = {name}_{part}({signature})"]
        lines += [f"{indent}{ind}{s} = {code(e)}{semi}" for s, e in replacements]
        if lang == "julia":
            lines.append(f"{indent}{ind}return {', '.join(code(e) for e in reduced)}")
        else:
            lines += [f"{indent}{ind}out{i} = {code(e)};" for i, e in enumerate(reduced)]
        return lines + [f"{indent}end"]

    lines = [f"{comment} {line}" for line in _comment(f) + ["Scalar arguments; a domain error names the argument."]]
    lines.append(head)
    for p in f.params:
        if p.domain is not None:
            lines.append(fail.format(cond=domain_condition(p.name, p.domain, lang), arg=p.name,
                                     allowed=p.domain.requirement(), name=name))
    for part, arg, exprs in pieces:
        if lang == "julia":
            lines += function(part, arg, exprs, ind)
        elif arg:
            lines.append(f"{ind}{part} = @({arg}) {name}_{part}({arg}, {args});")
    lines += [
        f"{ind}lo, hi = bracket()" if lang == "julia" else f"{ind}[lo, hi] = {name}_bracket({args});",
        f"{ind}f_lo = residual(lo){semi}",
        f"{ind}{u} = sqrt(lo * hi){semi}",
        f"{ind}if f_lo == 0",
        f"{ind * 2}{u} = lo{semi}",
        f"{ind}else",
        f"{ind * 2}{loop_head}",
        f"{ind * 3}r = residual({u}){semi}",
        f"{ind * 3}if r == 0", f"{ind * 4}{brk}", f"{ind * 3}end",
        f"{ind * 3}if (r < 0) == (f_lo < 0)", f"{ind * 4}lo = {u}{semi}",
        f"{ind * 3}else", f"{ind * 4}hi = {u}{semi}", f"{ind * 3}end",
        f"{ind * 3}if hi - lo <= {XTOL!r} * hi", f"{ind * 4}{brk}", f"{ind * 3}end",
        f"{ind * 3}step = r / slope({u}){semi}",
        f"{ind * 3}candidate = -1.0{semi}",
        f"{ind * 3}if abs(step) < 50", f"{ind * 4}candidate = {u} * exp(-step){semi}", f"{ind * 3}end",
        f"{ind * 3}if lo < candidate && candidate < hi", f"{ind * 4}{u} = candidate{semi}",
        f"{ind * 3}else", f"{ind * 4}{u} = sqrt(lo * hi){semi}", f"{ind * 3}end",
        f"{ind * 2}end",
        f"{ind}end",
        f"{ind}{result.format(u=u)}",
        "end",
    ]
    if lang == "octave":
        for part, arg, exprs in pieces:
            lines += [""] + function(part, arg, exprs, "")
    return "\n".join(lines) + "\n"


def _julia_source(f: ImplicitFormula) -> str:
    return _script_source(f, "julia")


def _octave_source(f: ImplicitFormula) -> str:
    return _script_source(f, "octave")
