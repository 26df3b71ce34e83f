"""Stepping through a registered derivation in a document or notebook.

Example (a derivation document's cells)::

    walk = Walkthrough("lu2024.lemma1")
    walk.step("E[s]")     # renders the step, verifies it, stops if it fails
    walk.finish()         # every step shown, in order; renders the results
"""

from __future__ import annotations

from icl_sym.core.checks import CheckResult
from icl_sym.core.derivation import Derivation

__all__ = ["show", "Walkthrough"]


def show(latex: str) -> None:
    """Render LaTeX as display math under IPython/Jupyter; print the source otherwise."""
    try:
        get_ipython  # type: ignore[name-defined]  # noqa: B018  (defined only inside IPython)
    except NameError:
        print(latex)
        return
    from IPython.display import Math, display

    display(Math(latex))


class Walkthrough:
    """Shows and verifies the steps of one registered derivation, one call per step."""

    def __init__(self, name: str):
        from icl_sym.core.registry import REGISTRY

        self.derivation: Derivation = REGISTRY.get_derivation(name)
        self.verified: list[str] = []

    def step(self, name: str) -> CheckResult:
        """Render step ``name``, run its check and stop with the checker's detail if it fails."""
        step = self.derivation.step(name)
        show(step.latex())
        result = step.verify()
        assert result.passed, f"step {step.name!r} failed its check ({result.method}): {result.detail}"
        self.verified.append(step.name)
        print(f"step {len(self.verified)} ({step.name}) verified by {result.method}: {result.detail}"
              f"  [{result.seconds:.2f} s]")
        return result

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
