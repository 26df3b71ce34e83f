"""Refutation: a check that passes when another check shows a claimed identity to be false.

Errata need both halves of the evidence: the corrected statement verifies, and
the printed one does not. :class:`Refutes` wraps any check and passes exactly
when the wrapped check runs to completion and fails; a wrapped check that
crashes proves nothing, so the refutation fails too.

>>> import sympy as sp
>>> from icl_sym.core.checks import Exact
>>> a = sp.Symbol("a", positive=True)
>>> Refutes(Exact()).run((1 + a) ** 2, 1 + a**2).passed
True
>>> Refutes(Exact()).run((1 + a) ** 2, 1 + 2 * a + a**2).passed
False
"""

from __future__ import annotations

from dataclasses import dataclass

from .checks import Check

__all__ = ["Refutes"]


@dataclass(frozen=True)
class Refutes(Check):
    """``lhs = rhs`` is false: ``inner`` (run on the same sides) completes and does not hold."""

    inner: Check

    @property
    def method(self) -> str:  # type: ignore[override]
        return f"refuted by {self.inner.method}"

    def _verify(self, lhs, rhs):
        # _verify, not run: an exception must not count as a refutation (run() turns it into a failure).
        held, detail = self.inner._verify(lhs, rhs)
        return (not held), (f"the claimed identity is false: {detail}" if not held else f"the claim holds: {detail}")
