"""The registry: every derivation and formula the workbench knows, by dotted name.

Theories register lazy builders (building a derivation runs SymPy, so it is
done on first use and cached). Names look like ``paper.item``, e.g.
``lu2024.lemma1``.
"""

from __future__ import annotations

import difflib
from functools import cache
from typing import Callable

from .derivation import Derivation
from .formula import Formula

__all__ = ["Registry", "UnknownNameError", "REGISTRY"]


class UnknownNameError(KeyError):
    """No derivation or formula has this name."""

    def __init__(self, kind: str, name: str, known: list[str]):
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        self.message = f"unknown {kind} {name!r}; known: {', '.join(known) or 'none'}{hint}"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class Registry:
    """Named, lazily built derivations and formulas."""

    def __init__(self) -> None:
        self._derivations: dict[str, Callable[[], Derivation]] = {}
        self._formulas: dict[str, Callable[[], Formula]] = {}

    def derivation(self, name: str) -> Callable:
        """Decorator registering a zero-argument builder of the derivation ``name`` (returned cached)."""

        def register(builder: Callable[[], Derivation]) -> Callable[[], Derivation]:
            if name in self._derivations:
                raise ValueError(f"derivation {name!r} is registered twice")
            self._derivations[name] = cached = cache(builder)
            return cached

        return register

    def formula(self, name: str) -> Callable:
        """Decorator registering a zero-argument builder of the formula ``name`` (returned cached)."""

        def register(builder: Callable[[], Formula]) -> Callable[[], Formula]:
            if name in self._formulas:
                raise ValueError(f"formula {name!r} is registered twice")
            self._formulas[name] = cached = cache(builder)
            return cached

        return register

    def derivation_names(self) -> list[str]:
        return sorted(self._derivations)

    def formula_names(self) -> list[str]:
        """Registered formulas and every result established by a registered derivation."""
        results = {f.name for name in self._derivations for f in self.get_derivation(name).results}
        return sorted(set(self._formulas) | results)

    def get_derivation(self, name: str) -> Derivation:
        if name not in self._derivations:
            raise UnknownNameError("derivation", name, self.derivation_names())
        return self._derivations[name]()

    def get_formula(self, name: str) -> Formula:
        """A registered formula, or a result established by a registered derivation."""
        if name in self._formulas:
            return self._formulas[name]()
        for builder in self._derivations.values():
            for f in builder().results:
                if f.name == name:
                    return f
        raise UnknownNameError("formula", name, self.formula_names())


REGISTRY = Registry()
