"""icl_sym.core.tex: LaTeX made readable as plain text (the LaTeX writers are tested in test_export_latex.py)."""

import re

import pytest

from icl_sym.core.tex import tex_to_text


# --- tex_to_text: TeX made readable in a terminal ---------------------------------------------------------------
@pytest.mark.parametrize("source, text", [
    (r"$e_{ICL}(\tau, \alpha)$ and $e_{IDG}$", "e_ICL(τ, α) and e_IDG"),
    (r"$e = \frac{\tau}{\tau-1}(\rho + \frac{q}{1+q})$", "e = τ/(τ-1)(ρ + q/(1+q))"),
    (r"$\epsilon = (\lambda + \sqrt{\lambda^2 + 4\lambda(1+q)})/2$", "ε = (λ + √(λ² + 4λ(1+q)))/2"),
    (r"$\Gamma_\infty = [\hat R(\hat R + qI)^{-1}, 0]$", "Γ_∞ = [R̂(R̂ + qI)⁻¹, 0]"),
    (r"$\mathrm{Cov}(x, y \mid w) = \tfrac{1}{d} w$", "Cov(x, y | w) = 1/d w"),
    (r"$\sigma_w^2 := \|w\|^2/d + \rho$", "σ_w² := ‖w‖²/d + ρ"),
    (r"$\Sigma = e^{\theta S}$, $\{a\}$", "Σ = e^(θ S), {a}"),
    (r"$$\mathbb{E}\left[q^2\right] \geq 0$$ (display)", "𝔼[q²] ≥ 0 (display)"),
    ("no math: 100% of $5", "no math: 100% of $5"),
])
def test_tex_to_text_reads_as_plain_unicode(source, text):
    assert tex_to_text(source) == text


def test_every_explanation_of_every_derivation_reads_without_tex():
    import icl_sym.theories  # noqa: F401
    from icl_sym.core.registry import REGISTRY

    for name in REGISTRY.derivation_names():
        d = REGISTRY.get_derivation(name)
        for where, source in [("setting", d.setting)] + [(s.name, s.justification) for s in d]:
            for math in re.findall(r"\$(.+?)\$", source, flags=re.S):
                literal_braces = r"\{" in math
                text = tex_to_text(f"${math}$")
                assert not re.search(r"\\|\$" if literal_braces else r"[\\${}]", text), (name, where, math, text)
