"""Stepping through a registered derivation in a document or notebook.

Example (a derivation document's cells)::

    walk = Walkthrough("lu2024.lemma1")
    walk.step("E[s]")     # renders the step, verifies it (saying how), stops if it fails
    walk.finish()         # every step shown, in order; renders the results
"""

from __future__ import annotations

import re

from icl_sym.core.checks import CheckResult
from icl_sym.core.derivation import Derivation
from icl_sym.core.tex import tex_to_text

__all__ = ["show", "show_text", "Walkthrough"]


def _in_ipython() -> bool:
    try:
        get_ipython  # type: ignore[name-defined]  # noqa: B018  (defined only inside IPython)
    except NameError:
        return False
    return True


def show(latex: str) -> None:
    """Render LaTeX as display math under IPython/Jupyter; print the source otherwise."""
    if not _in_ipython():
        print(latex)
        return
    from IPython.display import Math, display

    display(Math(latex))


def show_text(markdown: str, plain: str | None = None) -> None:
    """Render Markdown (with ``$...$`` math) under IPython/Jupyter; otherwise print ``plain`` (default: the
    Markdown with its math as plain text)."""
    if not _in_ipython():
        print(tex_to_text(markdown) if plain is None else plain)
        return
    from IPython.display import Markdown, display

    display(Markdown(markdown))


def _markdown_escape(text: str) -> str:
    return re.sub(r"([\\`*_$<>\[\]])", r"\\\1", text)


class Walkthrough:
    """Shows and verifies the steps of one registered derivation, one call per step."""

    def __init__(self, name: str):
        from icl_sym.core.registry import REGISTRY

        self.derivation: Derivation = REGISTRY.get_derivation(name)
        self.verified: list[str] = []

    def step(self, name: str, why: bool = False) -> None:
        """Render step ``name`` (and, with ``why``, its justification), run its check and say how it was
        verified in one sentence; stop with the checker's detail if it fails."""
        step = self.derivation.step(name)
        show(step.latex())
        if why:
            show_text(f"*Why.* {step.justification}", plain="why: " + tex_to_text(step.justification))
        result: CheckResult = step.verify()
        assert result.passed, f"step {step.name!r} failed its check ({result.method}): {result.detail}"
        self.verified.append(step.name)
        k = len(self.verified)
        show_text(f"*Step {k} ({_markdown_escape(step.name)}):* {result._repr_markdown_()}",
                  plain=f"step {k} ({step.name}) {result.sentence()}")

    def finish(self) -> None:
        """Check that every step was shown, in order, then render the established results."""
        expected = [s.name for s in self.derivation]
        assert self.verified == expected, (
            f"this document verified {self.verified}, but {self.derivation.name} has steps {expected}: "
            "update the document"
        )
        for formula in self.derivation.results:
            print(f"{formula.name}: {formula.description}")
            show(formula.latex())
