"""LaTeX exports compile: every derivation and formula of every registered theory, as fragment and document.

The structural checks (:func:`lint_latex`: ASCII only, balanced groups and environments, no
``^``/``_`` outside math) always run; ``pdflatex`` runs where it is installed.
"""

import shutil
import subprocess

import pytest
import sympy as sp

import icl_sym.theories  # noqa: F401
from icl_sym.core.checks import Exact
from icl_sym.core.derivation import Derivation, Step
from icl_sym.core.export import export_formula
from icl_sym.core.formula import Formula, Param, Provenance
from icl_sym.core.registry import REGISTRY
from icl_sym.core.tex import (DOCUMENT_CLASS, LATEX_PREAMBLE, UnicodeToLatexError, latex_document, lint_latex,
                              tex_math, tex_text)
from icl_sym.core.validation import Range

DERIVATIONS = REGISTRY.derivation_names()
FORMULAS = REGISTRY.formula_names()

lam, ell = sp.symbols("lambda ell", positive=True)
#: Prose with everything that broke the exports: Unicode in text and math, ^ and _ in titles, specials.
NASTY = Derivation(
    "test.nasty", "E[y^2 x x^T] for τ → 1⁺, λ ≥ 0 & 100% (§5, Γ_∞)", Provenance("Zavatone-Veth — Ré (2025)", "§2"),
    "Given $x_ℓ ∼ N(0, λ²)$: e_ICL < 1 | x, a\\b, {braces}, #1, ~tilde, ε ≈ τλ/(τ−1).",
    (Step("trace of R(R+ν)^-1", sp.Symbol("Γ") * lam, lam * sp.Symbol("Γ"), "Commutes: $Γ λ = λ Γ$.",
          Exact()),),
    (Formula("test.nasty_result", lam / ell, (Param(lam, Range(0)), Param(ell, Range(1))),
             Provenance("Test", "Eq. 1")),),
)


def _fragments():
    yield from (REGISTRY.get_derivation(n).to_latex() for n in DERIVATIONS)
    yield from (export_formula(REGISTRY.get_formula(n), "latex") for n in FORMULAS)
    yield NASTY.to_latex()


@pytest.mark.parametrize("name", DERIVATIONS)
def test_every_derivation_is_clean_ascii_latex(name):
    fragment = REGISTRY.get_derivation(name).to_latex()
    assert fragment.isascii()
    assert lint_latex(fragment) == []
    assert lint_latex(latex_document(fragment, name)) == []


@pytest.mark.parametrize("name", FORMULAS)
def test_every_formula_is_clean_ascii_latex(name):
    fragment = export_formula(REGISTRY.get_formula(name), "latex")
    assert fragment.isascii() and lint_latex(fragment) == []
    assert fragment.startswith("\\[") or fragment.startswith("\\begin")


def test_unicode_and_specials_become_macros_and_escapes():
    text = NASTY.to_latex()
    assert text.isascii() and lint_latex(text) == []
    for spelled in (r"$\tau$ $\to$ 1$^{+}$", r"$\lambda$ $\geq$", r"\&", r"100\%", r"$\S$5", r"\#1",
                    r"x_\ell", r"\lambda ^{2}", r"$\Gamma$\_$\infty$", r"Zavatone-Veth --- R\'{e}", "y\\^{}2",
                    r"e\_ICL $<$ 1 $|$ x, a$\backslash$b, \{braces\}"):
        assert spelled in text, spelled
    assert tex_math("x²³") == "x^{23}"  # consecutive superscripts are one group, not a double superscript
    # Combining accents: on a math letter (Σ̂ is Sigma + U+0302) and on a text letter.
    assert tex_text("for Σ̂ = XXᵀ/P, x̂") == r"for $\hat{\Sigma}$ = XX$^{T}$/P, \^{x}"
    assert tex_math("Σ̂ + x̂") == r"\hat{\Sigma} + \hat{x}"


def test_unknown_characters_and_unbalanced_math_are_refused():
    with pytest.raises(UnicodeToLatexError, match="U\\+2603"):
        tex_text("a snowman ☃")
    with pytest.raises(ValueError, match="unbalanced \\$"):
        tex_text("one $x dollar")


@pytest.mark.parametrize("source, problem", [
    ("a^2", "^ outside math"),
    ("e_ICL", "_ outside math"),
    ("\\paragraph{Step 4: E[y^2]}", "^ outside math"),
    ("{ open", "{ never closed"),
    ("close }", "} closes nothing"),
    ("\\begin{aligned} x \\end{align}", "\\end{align} closes aligned"),
    ("\\[ \\left( x \\]", "\\] closes \\left"),
    ("$x", "$ never closed"),
    ("\\[ \\lambda = λ \\]", "non-ASCII character 'λ'"),
    ("\\[ x \\[ y \\] \\]", "\\[ inside math"),
])
def test_lint_flags_each_kind_of_breakage(source, problem):
    problems = lint_latex(source)
    assert any(problem in p for p in problems), problems


def test_lint_accepts_valid_constructs():
    valid = ("\\section*{A $x_1^2$ title} text \\% \\_ \\^{} $a$$b$ \\[ \\left[\\begin{matrix} a \\\\ b"
             "\\end{matrix}\\right] \\text{for } \\mathrm{tr}_{d} \\] % a comment with ^ and _\n$$ x^2 $$")
    assert lint_latex(valid) == []


def test_document_is_class_preamble_and_body():
    doc = latex_document("body", "Title Γ")
    assert doc.isascii()
    assert doc.index(DOCUMENT_CLASS) < doc.index(LATEX_PREAMBLE) < doc.index("\\begin{document}") \
        < doc.index("body") < doc.index("\\end{document}")


def _pdflatex(tmp_path, source: str) -> subprocess.CompletedProcess:
    (tmp_path / "doc.tex").write_text(source)
    return subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "doc.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=240)


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no pdflatex (TeX engine) installed")
def test_pdflatex_compiles_every_export_in_the_documented_preamble(tmp_path):
    """One document holding every fragment: each compiles inside LATEX_PREAMBLE with no error."""
    result = _pdflatex(tmp_path, latex_document("\n\n".join(_fragments()), "every export"))
    errors = [line for line in result.stdout.splitlines() if line.startswith("!")]
    assert result.returncode == 0 and not errors, "\n".join(errors) or result.stdout[-3000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 10_000
    # The compile check bites: the old exports' text-mode ^ in a step title is an error.
    broken = _pdflatex(tmp_path, latex_document("\\paragraph{Step 4: E[y^2 x x^T]} text"))
    assert broken.returncode != 0 and "Missing $ inserted" in broken.stdout


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no pdflatex (TeX engine) installed")
def test_cli_standalone_document_compiles(tmp_path):
    from typer.testing import CliRunner

    from icl_sym.cli import app

    target = tmp_path / "doc.tex"
    result = CliRunner().invoke(app, ["export", "lu2024.lemma1", "--format", "latex", "--standalone",
                                      "-o", str(target)])
    assert result.exit_code == 0, result.output
    compiled = _pdflatex(tmp_path, target.read_text())
    assert compiled.returncode == 0, compiled.stdout[-3000:]


def test_cli_fragment_and_standalone_flag():
    from typer.testing import CliRunner

    from icl_sym.cli import app

    runner = CliRunner()
    fragment = runner.invoke(app, ["export", "lu2024.lemma1", "--format", "latex"])
    assert fragment.exit_code == 0 and "\\documentclass" not in fragment.output
    assert lint_latex(fragment.output) == []
    document = runner.invoke(app, ["export", "lu2024.lemma1", "--format", "latex", "--standalone"])
    assert document.exit_code == 0 and document.output.count("\\documentclass{article}") == 1
    assert document.output.rstrip().endswith("\\end{document}")
    refused = runner.invoke(app, ["export", "lu2024.lemma1", "--format", "markdown", "--standalone"])
    assert refused.exit_code != 0 and "latex only" in str(refused.exception) + refused.output
    help_text = runner.invoke(app, ["export", "--help"], env={"COLUMNS": "200"}).output
    assert "\\usepackage{amsmath}" in help_text and "--standalone" in help_text
