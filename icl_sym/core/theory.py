"""Theories as plugins: one object declares everything a paper's theory offers the workbench.

A :class:`Theory` names its derivations and formulas (lazily built SymPy objects), its numeric
curves (callables with declared parameters and domains), its simulation entry point, its figure
recipes and its errata. The command line, ``check``, ``figure``, ``simulate`` and the notebooks
only ever talk to these declarations, so adding a theory is adding one package that exposes a
``Theory`` through the ``icl_sym.theories`` entry-point group (see ``docs/adding-a-theory.md``).

>>> from icl_sym.core.validation import Range
>>> toy = Theory("toy", "A toy theory", "Nobody (2025)")
>>> @toy.curve("double", (Parameter("x", "any real"),), "twice x")
... def double(x):
...     return 2 * x
>>> toy.get_curve("toy.double")(x=1.5)
3.0
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from typing import Any, Callable, Mapping

from .derivation import Derivation
from .formula import Formula, Provenance
from .validation import ParameterError, Range, check_array, check_choice, check_int

__all__ = ["Parameter", "Curve", "Simulation", "Erratum", "Theory", "REQUIRED"]

#: Marks a :class:`Parameter` without a default value.
REQUIRED: Any = object()


@dataclass(frozen=True)
class Parameter:
    """One named numeric input of a curve or a simulation, with its domain.

    Exactly one kind: a real number in ``domain`` (the default kind), an integer ``>= minimum``
    (``integer=True``), one of ``choices``, or free ``text`` that the consumer validates (a device
    name, say). ``default`` is :data:`REQUIRED` when the parameter
    must be given. :meth:`parse` reads command-line text; :meth:`check` validates a Python value.
    """

    name: str
    description: str
    domain: Range = Range()
    integer: bool = False
    minimum: int = 0
    choices: tuple[str, ...] = ()
    text: bool = False
    default: Any = REQUIRED

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def describe(self) -> str:
        """The allowed values in words, e.g. ``in (0, inf)`` or ``an integer >= 2``."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.text:
            return "text"
        if self.integer:
            return f"an integer >= {self.minimum}"
        return self.domain.describe()

    def check(self, value: Any) -> Any:
        """``value`` validated against this parameter (``ParameterError`` naming it otherwise)."""
        if self.choices:
            return check_choice(self.name, value, self.choices)
        if self.text:
            return str(value)
        if self.integer:
            return check_int(self.name, value, self.minimum)
        return float(check_array(self.name, value, self.domain))

    def parse(self, text: str) -> Any:
        """Command-line ``text`` as a value of this parameter (``inf`` allowed where the domain admits it)."""
        if self.choices or self.text:
            return self.check(text)
        try:
            number = Fraction(text) if self.integer else float(text)
        except (ValueError, ZeroDivisionError):
            kind = "an integer" if self.integer else "a real number"
            raise ParameterError(self.name, f"{kind} ({self.describe()})", text) from None
        if self.integer:
            if number.denominator != 1:
                raise ParameterError(self.name, self.describe(), text)
            number = int(number)
        elif math.isnan(number):
            raise ParameterError(self.name, f"a real number {self.describe()}", text)
        return self.check(number)


def _check_arguments(owner: str, params: tuple[Parameter, ...], values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` completed with defaults; unknown or missing names raise ``ParameterError``."""
    known = [p.name for p in params]
    unknown = sorted(set(values) - set(known))
    missing = [p.name for p in params if p.required and p.name not in values]
    if unknown or missing:
        problem = "; ".join(filter(None, (f"unknown: {', '.join(unknown)}" if unknown else "",
                                          f"missing: {', '.join(missing)}" if missing else "")))
        raise ParameterError(owner, f"given the parameters {', '.join(known)}", problem)
    return {p.name: values.get(p.name, p.default) for p in params}


@dataclass(frozen=True)
class Curve:
    """A numeric curve of a theory: ``fn(**params)``, vectorised over array arguments.

    ``backends`` lists the array types ``fn`` accepts (``numpy``, ``torch``, ``mpmath``); with
    ``mpmath`` it evaluates at the current ``mpmath.mp.dps``. ``fn`` itself validates its domain.
    ``simulated`` names the quantity of the theory's :class:`Simulation` that this curve is the
    large-size limit of (``""``: none), so that ``icl-sym eval NAME ... --simulate`` can set the two side by side.
    """

    name: str
    fn: Callable[..., Any]
    params: tuple[Parameter, ...]
    description: str
    provenance: Provenance
    backends: tuple[str, ...] = ("numpy",)
    simulated: str = ""

    def __call__(self, **values: Any) -> Any:
        args = _check_arguments(self.name, self.params, values)
        return self.fn(**args)

    def signature(self) -> str:
        return f"{self.name}({', '.join(p.name for p in self.params)})"


@dataclass(frozen=True)
class Simulation:
    """A theory's finite-size simulation entry point (``icl-sym simulate PAPER``).

    ``run(**params)`` returns a JSON-able mapping holding, for each name in ``quantities``,
    ``<name>_mean`` and ``<name>_std`` (``None`` for a single draw), or ``<name>`` and its standard
    error ``<name>_se`` (one run scored on many test draws). ``describe(result)`` is the
    one-line summary printed above the table of quantities.
    """

    run: Callable[..., Mapping[str, Any]]
    params: tuple[Parameter, ...]
    quantities: tuple[str, ...]
    description: str
    describe: Callable[[Mapping[str, Any]], str] = lambda result: ""

    def __call__(self, **values: Any) -> Mapping[str, Any]:
        return self.run(**_check_arguments("simulate", self.params, values))


@dataclass(frozen=True)
class Erratum:
    """A difference between a paper (or its authors' code or runs) and what the workbench implements.

    ``checks`` name the derivation steps or tests that prove the correction; ``kind`` says what sort
    of difference it is: ``error`` (the paper or its code is wrong), ``protocol`` (the authors' runs
    differ from the stated model and it changes numbers) or ``pitfall`` (easy to get wrong when
    reusing their code).
    """

    id: str
    where: str
    printed: str
    corrected: str
    evidence: str
    checks: tuple[str, ...] = ()
    kind: str = "error"


def _resolve(reference: Any) -> Any:
    """An object, or the object a ``"module:attribute"`` string names (imported on first use)."""
    if not isinstance(reference, str):
        return reference
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)


class Theory:
    """Everything one paper's theory offers: derivations, formulas, curves, simulation, figures, errata.

    Derivations and formulas are registered by zero-argument builders (run once, on first use,
    since building runs SymPy) under ``<name>.<item>``; use :meth:`derivation` and :meth:`formula`
    as decorators, and :meth:`curve` for numeric curves. ``simulation`` (a :class:`Simulation`) and
    ``figures`` (a mapping from ``<name>.<figure>`` to recipes of :mod:`icl_sym.experiments.figure`)
    and ``claims`` (a tuple of :class:`icl_sym.core.claims.Claim`) may be given as ``"module:attribute"`` references, imported on first use, so that a theory's
    symbolic layer loads without its simulation stack (PyTorch, matplotlib). ``claim_figures`` (also a
    reference) is a function ``(folder) -> [(claim names, caption, file name), ...]`` that draws the figures of the
    claims report into ``folder``.
    """

    def __init__(self, name: str, title: str, citation: str, *, simulation: Simulation | str | None = None,
                 figures: Mapping[str, Any] | str | None = None, errata: tuple[Erratum, ...] | str = (),
                 claims: tuple[Any, ...] | str = (), claim_figures: Callable | str | None = None):
        self.name, self.title, self.citation = name, title, citation
        self._simulation, self._figures, self._errata = simulation, figures, errata
        self._claims, self._claim_figures = claims, claim_figures
        self._derivations: dict[str, Callable[[], Derivation]] = {}
        self._formulas: dict[str, Callable[[], Formula]] = {}
        self._curves: dict[str, Curve] = {}

    def __repr__(self) -> str:
        return f"Theory({self.name!r}, {self.title!r})"

    @property
    def has_simulation(self) -> bool:
        """Whether a simulation is declared (without importing it)."""
        return self._simulation is not None

    @property
    def simulation(self) -> Simulation | None:
        return _resolve(self._simulation)

    @property
    def figures(self) -> Mapping[str, Any]:
        return dict(_resolve(self._figures) or {})

    @property
    def errata(self) -> tuple[Erratum, ...]:
        return tuple(_resolve(self._errata))

    @property
    def claims(self) -> tuple[Any, ...]:
        """The paper's claims with their evidence (:class:`icl_sym.core.claims.Claim`), imported on first use."""
        return tuple(_resolve(self._claims))

    @property
    def claim_figures(self) -> Callable | None:
        """The function drawing the claims report's figures (see the class docstring), imported on first use."""
        return _resolve(self._claim_figures)

    def qualify(self, item: str) -> str:
        """``item`` as a full name ``<theory>.<item>`` (unchanged if already qualified)."""
        return item if item.startswith(self.name + ".") else f"{self.name}.{item}"

    def cite(self, where: str, note: str = "") -> Provenance:
        """Provenance pointing into this theory's paper."""
        return Provenance(self.citation, where, note)

    def _new_name(self, kind: str, item: str) -> str:
        name = self.qualify(item)
        if name in self._derivations or name in self._formulas or name in self._curves:
            raise ValueError(f"{kind} {name!r}: the name is taken (one name per object)")
        return name

    def _register(self, table: dict, kind: str, item: str, builder: Callable) -> Callable:
        table[self._new_name(kind, item)] = cached = cache(builder)
        return cached

    def derivation(self, item: str) -> Callable:
        """Decorator registering a zero-argument builder of the derivation ``<theory>.<item>``."""
        return lambda builder: self._register(self._derivations, "derivation", item, builder)

    def formula(self, item: str) -> Callable:
        """Decorator registering a zero-argument builder of the formula ``<theory>.<item>``."""
        return lambda builder: self._register(self._formulas, "formula", item, builder)

    def curve(self, item: str, params: tuple[Parameter, ...], description: str, where: str = "",
              backends: tuple[str, ...] = ("numpy",), simulated: str = "") -> Callable:
        """Decorator declaring the function as the numeric curve ``<theory>.<item>`` (returned unchanged).

        ``simulated``: the quantity of this theory's simulation that the curve predicts (see :class:`Curve`).
        """

        def register(fn: Callable) -> Callable:
            name = self._new_name("curve", item)
            self._curves[name] = Curve(name, fn, tuple(params), description, self.cite(where), tuple(backends),
                                       simulated)
            return fn

        return register

    # --- Lookup -----------------------------------------------------------------------------------------------
    def derivation_names(self) -> list[str]:
        return sorted(self._derivations)

    def formula_names(self) -> list[str]:
        """Registered formulas and every result established by a registered derivation."""
        results = {f.name for name in self._derivations for f in self.get_derivation(name).results}
        return sorted(set(self._formulas) | results)

    def curve_names(self) -> list[str]:
        return sorted(self._curves)

    def get_derivation(self, name: str) -> Derivation:
        return self._derivations[self.qualify(name)]()

    def get_formula(self, name: str) -> Formula:
        """A registered formula, or a result established by a registered derivation (``KeyError`` if none)."""
        name = self.qualify(name)
        if name in self._formulas:
            return self._formulas[name]()
        for builder in self._derivations.values():
            for f in builder().results:
                if f.name == name:
                    return f
        raise KeyError(name)

    def get_curve(self, name: str) -> Curve:
        return self._curves[self.qualify(name)]

    def replace_derivation(self, name: str, builder: Callable[[], Derivation]) -> Callable[[], Derivation]:
        """Swap the builder of a registered derivation (returns the old one); for tests that corrupt a step."""
        name = self.qualify(name)
        old = self._derivations[name]
        self._derivations[name] = builder
        return old
