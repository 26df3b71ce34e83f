"""The registry of installed theories, and every derivation, formula and curve they declare, by dotted name.

Theories are discovered through the ``icl_sym.theories`` entry-point group: a package (this one
or a third party's) lists ``name = "module:THEORY"`` under ``[project.entry-points."icl_sym.theories"]``
and its :class:`~icl_sym.core.theory.Theory` appears here, with no central list to edit. Discovery
runs on first use. Names look like ``paper.item``, e.g. ``paper.lemma1``.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from .derivation import Derivation
from .formula import Formula
from .theory import Curve, Theory
from .validation import UnknownNameError

__all__ = ["Registry", "UnknownNameError", "REGISTRY", "ENTRY_POINT_GROUP"]

#: The entry-point group theories are published under.
ENTRY_POINT_GROUP = "icl_sym.theories"


class Registry:
    """The installed theories (discovered from entry points on first use, or added by :meth:`add`)."""

    def __init__(self, group: str = ENTRY_POINT_GROUP) -> None:
        self.group = group
        self._theories: dict[str, Theory] = {}
        self._discovered = False

    def _discover(self) -> None:
        if self._discovered:
            return
        self._discovered = True
        for entry in entry_points(group=self.group):
            theory = entry.load()
            if not isinstance(theory, Theory):
                raise TypeError(f"entry point {entry.name} = {entry.value} is not an icl_sym Theory")
            if theory.name != entry.name:
                raise ValueError(f"entry point {entry.name!r} names the theory {theory.name!r}")
            self._theories.setdefault(theory.name, theory)

    def add(self, theory: Theory) -> Theory:
        """Register ``theory`` (e.g. one defined in a script or a test) next to the discovered ones."""
        self._discover()
        if theory.name in self._theories and self._theories[theory.name] is not theory:
            raise ValueError(f"a theory named {theory.name!r} is already registered")
        self._theories[theory.name] = theory
        return theory

    def remove(self, name: str) -> Theory:
        """Unregister the theory ``name`` (returns it)."""
        return self._theories.pop(self.theory(name).name)

    def theories(self) -> list[Theory]:
        self._discover()
        return [self._theories[n] for n in sorted(self._theories)]

    def theory(self, name: str) -> Theory:
        """The theory ``name``, or the theory owning the dotted name ``name.item``."""
        self._discover()
        paper = name.split(".", 1)[0]
        if paper not in self._theories:
            raise UnknownNameError("theory", paper, sorted(self._theories))
        return self._theories[paper]

    # --- Everything the theories declare, by full name ------------------------------------------------------------
    def derivation_names(self) -> list[str]:
        return [n for t in self.theories() for n in t.derivation_names()]

    def formula_names(self) -> list[str]:
        """Registered formulas and every result established by a registered derivation."""
        return [n for t in self.theories() for n in t.formula_names()]

    def curve_names(self) -> list[str]:
        return [n for t in self.theories() for n in t.curve_names()]

    def figure_names(self) -> list[str]:
        return [n for t in self.theories() for n in sorted(t.figures)]

    def _lookup(self, kind: str, name: str, getter: str, names: str):
        try:
            theory = self.theory(name)
            return getattr(theory, getter)(name)
        except (KeyError, UnknownNameError):
            raise UnknownNameError(kind, name, getattr(self, names)()) from None

    def get_derivation(self, name: str) -> Derivation:
        return self._lookup("derivation", name, "get_derivation", "derivation_names")

    def get_formula(self, name: str) -> Formula:
        """A registered formula, or a result established by a registered derivation."""
        return self._lookup("formula", name, "get_formula", "formula_names")

    def get_curve(self, name: str) -> Curve:
        return self._lookup("curve", name, "get_curve", "curve_names")

    def get_figure(self, name: str):
        """The figure recipe ``paper.figure``."""
        try:
            return self.theory(name).figures[name]
        except (KeyError, UnknownNameError):
            raise UnknownNameError("figure", name, self.figure_names()) from None


REGISTRY = Registry()
