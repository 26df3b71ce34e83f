"""Claims: statements of a paper, the machine-checked evidence about them, and a verdict computed from it.

A :class:`Claim` records a statement as printed (with where it is printed), the formula it
asserts (SymPy, optional), the free assumptions it depends on (named, with domains) and its
:class:`Evidence`: derivation steps and checks, each saying what it shows. The verdict is never
typed in; :meth:`Claim.verdict` computes it from the evidence whose checks pass:

- ``contradicted``: a rigorous theory in the workbench gives a different answer (the claimed value
  and the theory's value are shown side by side), or a derived condition is false at the given
  assumption values;
- ``conditional``: the claim holds exactly when a derived condition on the assumptions holds and
  the assumptions are not all fixed; evaluated at given values it becomes ``follows`` or
  ``contradicted``;
- ``follows``: a supporting derivation whose checks all pass (under the stated assumptions);
- ``not testable as stated``: no evidence decides it (undefined quantities, missing definitions).

Evidence with the role ``informs`` is checked and shown but never decides a verdict.

>>> import sympy as sp
>>> from icl_sym.core.checks import Exact
>>> from icl_sym.core.derivation import Step
>>> from icl_sym.core.validation import Range
>>> a, b = sp.symbols("a b", positive=True)
>>> step = Step("exponent", b / (a + b), b / (a + b), "definition", Exact())
>>> claim = Claim("toy.two_thirds", "L* ~ N^{2/3}", "abstract", b / (a + b),
...               (Assumption(a, "depth exponent", Range(0, low_open=True)),
...                Assumption(b, "width exponent", Range(0, low_open=True))),
...               (Evidence("condition", "2/3 iff b = 2a", (step,), condition=sp.Eq(b, 2 * a)),))
>>> claim.verdict(), claim.verdict(a=1, b=2), claim.verdict(a=1, b=1)
('conditional', 'follows', 'contradicted')
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterable, Mapping

import numpy as np
import sympy as sp

from .checks import CheckResult
from .derivation import Derivation, Step
from .fits import ExponentFit, fit_power_law
from .validation import ParameterError, Range, UnknownNameError

__all__ = ["VERDICTS", "ROLES", "Assumption", "Evidence", "Assessment", "Claim", "find_claim", "UnknownClaimError", "condition_text",
           "claims_report"]

#: The fixed vocabulary of verdicts, from strongest support to none.
VERDICTS = ("follows", "conditional", "contradicted", "not testable as stated")
#: What an evidence item shows about its claim.
ROLES = ("supports", "contradicts", "condition", "informs")


@dataclass(frozen=True)
class Assumption:
    """A free assumption of a claim: a SymPy symbol with its meaning and domain (e.g. an exponent a > 0)."""

    symbol: sp.Symbol
    description: str
    domain: Range = Range()

    @property
    def name(self) -> str:
        return str(self.symbol)

    def check(self, value: Any) -> sp.Rational:
        """``value`` as an exact rational (its decimal text), or ``ParameterError`` naming the assumption."""
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ParameterError(self.name, f"a real number {self.domain.describe()}", value) from None
        if not math.isfinite(number) or not bool(self.domain.contains(np.asarray(number))):
            raise ParameterError(self.name, self.domain.describe(), value)
        # Exact decimals, so that a condition such as b = 2a holds at b = 0.2, a = 0.1.
        return sp.Rational(repr(number))


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence about a claim: what it ``shows``, its ``role`` and the steps that prove it.

    ``condition`` (role ``condition``) is a SymPy boolean in the claim's assumption symbols: the
    claim holds iff it does. ``claimed`` and ``theory`` (role ``contradicts``, optional elsewhere)
    are the claim's value and the rigorous theory's value of the same quantity, shown side by side.
    ``source`` names the derivation or theory the steps come from.
    """

    role: str
    shows: str
    steps: tuple[Step, ...]
    source: str = ""
    condition: sp.Basic | None = None
    claimed: Any = None
    theory: Any = None

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"evidence role must be one of {', '.join(ROLES)}; got {self.role!r}")
        if not self.steps:
            raise ValueError(f"evidence {self.shows!r} has no steps: evidence must be machine-checked")
        if (self.role == "condition") != (self.condition is not None):
            raise ValueError("a condition is given exactly for evidence with the role 'condition'")
        if self.role == "contradicts" and (self.claimed is None or self.theory is None):
            raise ValueError("contradicting evidence shows the claimed and the theory's value side by side")

    @classmethod
    def from_derivation(cls, role: str, shows: str, derivation: Derivation, *step_names: str, **kwargs) -> "Evidence":
        """Evidence made of the named steps of ``derivation`` (all of its steps when none are named)."""
        steps = tuple(derivation.step(n) for n in step_names) if step_names else derivation.steps
        return cls(role, shows, steps, source=kwargs.pop("source", derivation.name), **kwargs)

    @classmethod
    def from_fit(cls, shows: str, quantity: str, data, predicted, *, sigmas: float = 2.0, source: str = "",
                 justification: str = "") -> "Evidence":
        """Evidence from a power-law fit of ``data()`` (``(x, y)``) against the ``predicted`` exponent.

        The role follows from the fit, by the same criterion as its check (:class:`~icl_sym.core.fits.ExponentFit`):
        ``supports`` when ``predicted`` lies within ``sigmas`` fit errors of the fitted slope (the confidence
        interval), ``contradicts`` when it lies outside, with the claimed exponent and the interval side by side.
        The check re-runs the fit whenever the claim is assessed.
        """
        fit = fit_power_law(*data())
        predicted = sp.nsimplify(predicted)
        inside = abs(fit.slope - float(predicted)) <= sigmas * fit.error
        interval = f"{fit.slope:.3f} ± {sigmas * fit.error:.3f} ({sigmas:g} fit errors, {fit.points} points)"
        step = Step(f"fitted {quantity}", sp.Symbol(quantity), predicted,
                    justification or f"{shows}: fitted slope {interval}",
                    ExponentFit(data, sigmas=sigmas, reject=not inside))
        role = "supports" if inside else "contradicts"
        return cls(role, f"{shows} (power-law fit, interval of {sigmas:g} fit errors)", (step,), source=source,
                   claimed=f"{quantity} = {predicted}", theory=f"{quantity} = {interval}")

    def side_by_side(self) -> str:
        """``claim: X | theory: Y`` where both are given, else an empty string."""
        if self.claimed is None or self.theory is None:
            return ""
        return f"claim: {self.claimed} | theory: {self.theory}"


@dataclass(frozen=True)
class Assessment:
    """The verdict on a claim at given assumption values, the evidence that decided it, and failed checks."""

    claim: str
    verdict: str
    decisive: Evidence | None
    reason: str
    failed: tuple[tuple[str, CheckResult], ...] = ()

    def line(self) -> str:
        """One line: claim, verdict, decisive evidence."""
        return f"{self.claim}: {self.verdict} — {self.reason}"


@dataclass(frozen=True)
class Claim:
    """A paper's statement with its assumptions and evidence; the verdict is computed, never stored."""

    name: str
    statement: str
    source: str
    formula: sp.Basic | None = None
    assumptions: tuple[Assumption, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    note: str = field(default="", compare=False)

    def __post_init__(self):
        symbols = {a.symbol for a in self.assumptions}
        for e in self.evidence:
            if e.condition is not None and not e.condition.free_symbols <= symbols:
                extra = sorted(map(str, e.condition.free_symbols - symbols))
                raise ValueError(f"claim {self.name}: condition uses undeclared assumptions {', '.join(extra)}")

    # The checks run once per claim (they do not depend on assumption values).
    @cached_property
    def _results(self) -> tuple[tuple[CheckResult, ...], ...]:
        return tuple(tuple(s.verify() for s in e.steps) for e in self.evidence)

    def check_results(self) -> list[tuple[Evidence, Step, CheckResult]]:
        """Every evidence step with the result of its check."""
        return [(e, s, r) for e, rs in zip(self.evidence, self._results) for s, r in zip(e.steps, rs)]

    def _values(self, values: Mapping[str, Any]) -> dict[sp.Symbol, sp.Rational]:
        known = {a.name: a for a in self.assumptions}
        unknown = sorted(set(values) - set(known))
        if unknown:
            allowed = ", ".join(known) or "none"
            raise ParameterError(", ".join(unknown), f"an assumption of {self.name} (known: {allowed})",
                                 {k: values[k] for k in unknown})
        return {known[k].symbol: known[k].check(v) for k, v in values.items()}

    def assess(self, **values: Any) -> Assessment:
        """The verdict at the given assumption values (none: all free), with the evidence that decided it."""
        subs = self._values(values)
        passed = [e for e, rs in zip(self.evidence, self._results) if all(r.passed for r in rs)]
        failed = tuple((f"{e.source}: {s.name}" if e.source else s.name, r)
                       for e, s, r in self.check_results() if not r.passed)
        by_role = {role: [e for e in passed if e.role == role] for role in ROLES}
        if by_role["contradicts"]:
            e = by_role["contradicts"][0]
            return Assessment(self.name, "contradicted", e, f"{e.shows} [{e.side_by_side()}]", failed)
        if by_role["condition"]:
            condition = sp.And(*(e.condition for e in by_role["condition"]))
            decisive = by_role["condition"][0]
            at = sp.simplify(condition.subs(subs))
            fixed = ", ".join(f"{k}={v}" for k, v in values.items())
            if at is sp.true:
                return Assessment(self.name, "follows", decisive,
                                  f"{decisive.shows}; the condition {condition_text(condition)} holds" + (f" at {fixed}" if fixed else ""),
                                  failed)
            if at is sp.false:
                side = f" [{decisive.side_by_side()}]" if decisive.side_by_side() else ""
                return Assessment(self.name, "contradicted", decisive,
                                  f"{decisive.shows}; the condition {condition_text(condition)} fails" + (f" at {fixed}" if fixed else "")
                                  + side, failed)
            return Assessment(self.name, "conditional", decisive, f"{decisive.shows}; holds iff {condition_text(at)}", failed)
        if by_role["supports"]:
            e = by_role["supports"][0]
            return Assessment(self.name, "follows", e, e.shows, failed)
        informing = by_role["informs"]
        reason = self.note or "no evidence decides it"
        if informing:
            reason += f"; checked: {informing[0].shows}"
        return Assessment(self.name, "not testable as stated", informing[0] if informing else None, reason, failed)

    def verdict(self, **values: Any) -> str:
        """One of :data:`VERDICTS`, at the given assumption values (``ParameterError`` for bad ones)."""
        return self.assess(**values).verdict


def condition_text(condition: sp.Basic) -> str:
    """A condition as text, with ``=`` for equations (``b = 2*a`` rather than ``Eq(b, 2*a)``)."""
    if isinstance(condition, sp.Equality):
        return f"{sp.sstr(condition.lhs)} = {sp.sstr(condition.rhs)}"
    if isinstance(condition, sp.And):
        return " and ".join(condition_text(c) for c in condition.args)
    return sp.sstr(condition)


class UnknownClaimError(UnknownNameError):
    """No claim has this name."""

    def __init__(self, name: str, known: Iterable[str]):
        super().__init__("claim", name, sorted(known))


def find_claim(claims: Iterable[Claim], name: str) -> Claim:
    """The claim called ``name`` (full name, or without the theory prefix)."""
    claims = tuple(claims)
    for c in claims:
        if name in (c.name, c.name.split(".", 1)[-1]):
            return c
    raise UnknownClaimError(name, (c.name for c in claims))


#: A figure of a claims report: the claims it belongs to, its caption and its file name (relative to the report).
ReportFigure = tuple[tuple[str, ...], str, str]


def claims_report(title: str, claims: Iterable[Claim], assessments: Iterable[Assessment],
                  figures: Iterable[ReportFigure] = (), assumed: Mapping[str, Any] | None = None) -> str:
    """A Markdown report: a table of verdicts, then one section per claim (statement with source, formula,
    assumptions, evidence with every check's result, verdict with its reason) with the figures that name it."""
    claims, assessments, figures = tuple(claims), tuple(assessments), tuple(figures)
    lines = [f"# Claims ledger: {title}", ""]
    if assumed:
        lines += ["Assumptions fixed for this report: " + ", ".join(f"`{k} = {v}`" for k, v in assumed.items()), ""]
    lines += ["| claim | verdict |", "|---|---|"]
    lines += [f"| [{c.name}](#{_anchor(c.name)}) | {a.verdict} |" for c, a in zip(claims, assessments)]
    for c, a in zip(claims, assessments):
        lines += ["", f"## {c.name}", "", f"**Statement** ({c.source}): {c.statement}", ""]
        if c.formula is not None:
            lines += [f"**Formula:** ${sp.latex(c.formula)}$", ""]
        if c.assumptions:
            lines += ["**Assumptions:**", ""]
            lines += [f"- ${sp.latex(x.symbol)}$ ({x.description}), {x.domain.describe()}" for x in c.assumptions]
            lines.append("")
        lines += ["**Evidence:**", ""] if c.evidence else ["**Evidence:** none.", ""]
        results = c.check_results()
        for e in c.evidence:
            where = f" (`{e.source}`)" if e.source else ""
            lines.append(f"- *{e.role}*{where}: {e.shows}")
            if e.condition is not None:
                lines.append(f"  - condition: ${sp.latex(e.condition)}$")
            if e.side_by_side():
                lines.append(f"  - {e.side_by_side()}")
            for owner, step, result in results:
                if owner is e:
                    mark = "passed" if result.passed else "FAILED"
                    lines.append(f"  - step *{step.name}*: {result.method}: {mark} ({result.detail})")
        if c.evidence:
            lines.append("")
        for names, caption, path in figures:
            if c.name in names:
                lines += [f"![{caption}]({path})", "", f"*{caption}*", ""]
        lines += [f"**Verdict: {a.verdict}** — {a.reason}"]
    return "\n".join(lines) + "\n"


def _anchor(name: str) -> str:
    """The GitHub-style anchor of a heading made of ``name``."""
    return "".join(ch for ch in name.lower() if ch.isalnum() or ch in "-_ ").replace(" ", "-")
