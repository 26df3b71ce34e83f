"""Display notation: symbols whose printed form differs from their code name, and display-only operators.

Exported code needs identifiers (``sigma_w2``); LaTeX and MathML should show the paper's
notation (``(σ_w²)``). A :class:`Notated` symbol is an ordinary SymPy symbol named by its
identifier that prints, in LaTeX and MathML, as another SymPy expression. :class:`Expectation`
is the conditional expectation ``E[X | Y]`` used to name a moment on the left of a formula;
it is never evaluated.

>>> import sympy as sp
>>> s = Notated("sigma_w2", sp.Symbol("sigma_w") ** 2, positive=True)
>>> from icl_sym.core.export import latex
>>> latex(s ** 2), str(s ** 2)
('\\\\left(\\\\sigma_{w}^{2}\\\\right)^{2}', 'sigma_w2**2')
>>> latex(Expectation(sp.Symbol("q") ** 2, sp.Symbol("w")))
'\\\\mathbb{E}\\\\left[q^{2} \\\\mid w\\\\right]'
"""

from __future__ import annotations

import sympy as sp

__all__ = ["Notated", "Expectation"]


class Notated(sp.Symbol):
    """A symbol named ``name`` in code that LaTeX and MathML print as the expression ``display``.

    The display is part of the symbol's identity (two ``Notated`` with the same name and
    different displays are different symbols), and survives pickling and substitution.
    """

    display: sp.Basic

    def __new__(cls, name: str, display: sp.Basic, **assumptions):
        cls._sanitize(assumptions, cls)
        obj = sp.Symbol.__xnew__(cls, name, **assumptions)
        obj.display = sp.sympify(display)
        return obj

    def __getnewargs_ex__(self):
        return (self.name, self.display), self._assumptions_orig

    def _hashable_content(self):
        return super()._hashable_content() + (self.display,)

    def _latex(self, printer) -> str:
        return printer._print(self.display)

    def _mathml_presentation(self, printer):
        return printer._print(self.display)

    def _sympyrepr(self, printer) -> str:
        assumptions = "".join(f", {key}={value}" for key, value in sorted(self._assumptions_orig.items()))
        return f"Notated({self.name!r}, {printer._print(self.display)}{assumptions})"


class Expectation(sp.Expr):
    """``E[arg | given]`` (``E[arg]`` without ``given``): a name for a moment, for display only."""

    def __new__(cls, arg: sp.Basic, *given: sp.Basic):
        return sp.Expr.__new__(cls, arg, *given)

    @property
    def arg(self) -> sp.Basic:
        return self.args[0]

    @property
    def given(self) -> tuple[sp.Basic, ...]:
        return self.args[1:]

    def _latex(self, printer) -> str:
        inner = printer._print(self.arg)
        if self.given:
            inner += r" \mid " + ", ".join(printer._print(g) for g in self.given)
        return rf"\mathbb{{E}}\left[{inner}\right]"

    def _mathml_presentation(self, printer):
        dom = printer.dom
        row = dom.createElement("mrow")
        e = dom.createElement("mi")
        e.setAttribute("mathvariant", "double-struck")
        e.appendChild(dom.createTextNode("E"))
        row.appendChild(e)
        fenced = dom.createElement("mrow")

        def mo(text):
            element = dom.createElement("mo")
            element.appendChild(dom.createTextNode(text))
            return element

        fenced.appendChild(mo("["))
        fenced.appendChild(printer._print(self.arg))
        for i, g in enumerate(self.given):
            fenced.appendChild(mo("|" if i == 0 else ","))
            fenced.appendChild(printer._print(g))
        fenced.appendChild(mo("]"))
        row.appendChild(fenced)
        return row

    def _sympystr(self, printer) -> str:
        given = " | " + ", ".join(printer._print(g) for g in self.given) if self.given else ""
        return f"E[{printer._print(self.arg)}{given}]"
