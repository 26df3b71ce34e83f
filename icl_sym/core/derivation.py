"""Derivations: ordered steps, each an equation with its justification and its check.

A :class:`Derivation` can be stepped through (:meth:`Derivation.step`), verified
as a whole (:meth:`Derivation.verify`), rendered as Markdown or LaTeX, and holds
the :class:`~icl_sym.core.formula.Formula` objects it establishes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Iterator

import sympy as sp

from .checks import Check, CheckResult
from .formula import Formula, Provenance

__all__ = ["Step", "Derivation", "StepOutcome", "DerivationReport"]


@dataclass(frozen=True)
class Step:
    """One step ``lhs = rhs``: why it holds (``justification``) and how that is proved (``check``)."""

    name: str
    lhs: sp.Basic
    rhs: sp.Basic
    justification: str
    check: Check
    #: LaTeX operator applied to ``lhs`` when displayed, e.g. ``\mathbb{E}_{w}`` (the check sees ``lhs`` itself).
    lhs_operator: str = ""

    def latex(self) -> str:
        from .export import latex, latex_equation

        if not self.lhs_operator:
            return latex_equation(self.lhs, self.rhs)
        return rf"{self.lhs_operator}\left[{latex(self.lhs)}\right] = {latex(self.rhs)}"

    def verify(self) -> CheckResult:
        return self.check.run(self.lhs, self.rhs)


@dataclass(frozen=True)
class StepOutcome:
    """A step's name, number and the result of its check."""

    index: int
    name: str
    result: CheckResult


@dataclass(frozen=True)
class DerivationReport:
    """The outcome of verifying every step of a derivation."""

    derivation: str
    outcomes: tuple[StepOutcome, ...]

    @property
    def ok(self) -> bool:
        return all(o.result.passed for o in self.outcomes)

    @property
    def failed(self) -> tuple[StepOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.result.passed)


@dataclass(frozen=True)
class Derivation:
    """A named chain of steps establishing ``results`` from the stated ``setting``."""

    name: str
    title: str
    provenance: Provenance
    setting: str
    steps: tuple[Step, ...]
    results: tuple[Formula, ...] = ()

    def __post_init__(self):
        names = [s.name for s in self.steps]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise ValueError(f"derivation {self.name}: duplicate step names {sorted(duplicates)}")

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def step(self, key: int | str) -> Step:
        """Step number ``key`` (1-based) or the step named ``key``."""
        if isinstance(key, int):
            if not 1 <= key <= len(self.steps):
                raise IndexError(f"step must be in 1..{len(self.steps)} for {self.name}; got {key}")
            return self.steps[key - 1]
        for s in self.steps:
            if s.name == key:
                return s
        raise KeyError(f"{self.name} has no step {key!r}; steps: {', '.join(s.name for s in self.steps)}")

    def result(self, name: str) -> Formula:
        """The established formula called ``name`` (full or last dotted component)."""
        for f in self.results:
            if name in (f.name, f.name.rsplit(".", 1)[-1]):
                return f
        raise KeyError(f"{self.name} establishes no formula {name!r}")

    def with_step(self, name: str, **changes) -> "Derivation":
        """A copy with the step ``name`` changed (e.g. ``rhs=...``): used to test that checks bite."""
        self.step(name)
        steps = tuple(dataclasses.replace(s, **changes) if s.name == name else s for s in self.steps)
        return dataclasses.replace(self, steps=steps)

    def verify(self, on_step: Callable[[StepOutcome], None] | None = None) -> DerivationReport:
        """Run every step's check; ``on_step`` is called after each (for progress display)."""
        outcomes = []
        for i, s in enumerate(self.steps, start=1):
            outcome = StepOutcome(i, s.name, s.verify())
            outcomes.append(outcome)
            if on_step is not None:
                on_step(outcome)
        return DerivationReport(self.name, tuple(outcomes))

    def to_markdown(self, report: DerivationReport | None = None) -> str:
        """The derivation as Markdown with ``$$`` display math (check outcomes if ``report`` is given)."""
        lines = [f"# {self.title}", "", f"*{self.provenance}*", "", self.setting, ""]
        status = {o.name: o.result for o in report.outcomes} if report else {}
        for i, s in enumerate(self.steps, start=1):
            lines += [f"## Step {i}: {s.name}", "", "$$", s.latex(), "$$", "", s.justification, ""]
            verdict = status.get(s.name)
            check_text = f"{s.check.method}" + (
                f": **{'verified' if verdict.passed else 'FAILED'}** ({verdict.detail})" if verdict else ""
            )
            lines += [f"*Check:* {check_text}", ""]
        for f in self.results:
            lines += [f"**Result `{f.name}`** ({f.provenance}):", "", "$$", f.latex(), "$$", "",
                      f"Domain: {f.domain_text()}", ""]
        return "\n".join(lines)

    def to_latex(self) -> str:
        """The derivation as a LaTeX fragment: one ``\\paragraph`` per step, then the results.

        Pure ASCII; it compiles in ``\\documentclass{article}`` with
        :data:`icl_sym.core.tex.LATEX_PREAMBLE` (:func:`icl_sym.core.tex.latex_document` makes
        that document).
        """
        from .tex import tex_math, tex_text

        parts = [f"\\section*{{{tex_text(self.title)}}}", f"\\emph{{{tex_text(str(self.provenance))}}}", "",
                 tex_text(self.setting), ""]
        for i, s in enumerate(self.steps, start=1):
            parts += [f"\\paragraph{{Step {i}: {tex_text(s.name)}}}", f"\\[\n{tex_math(s.latex())}\n\\]",
                      tex_text(s.justification) + f" \\emph{{(Check: {tex_text(s.check.method)}.)}}", ""]
        for f in self.results:
            parts += [f"\\subsection*{{Result \\texttt{{{tex_text(f.name)}}}}}", tex_text(str(f.provenance)),
                      f"\\[\n{tex_math(f.latex())}\n\\]", f"Domain: {tex_text(f.domain_text())}.", ""]
        return "\n".join(parts)
