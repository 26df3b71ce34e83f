"""Every registered formula in every format it can take; MathML from SymPy's printer; implicit formulas exported.

Exported Julia and Octave code is executed where those runtimes are installed.
"""

import importlib.util
import json
import math
import pickle
import shutil
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import sympy as sp

import icl_sym.theories  # noqa: F401
from icl_sym.core.export import FORMATS, ExportError, domain_condition, export_formula, latex, mathml_relations
from icl_sym.core.formula import Formula, Param, Provenance
from icl_sym.core.implicit import ImplicitFormula
from icl_sym.core.notation import Expectation, Notated
from icl_sym.core.registry import REGISTRY
from icl_sym.core.validation import Range

FORMULAS = REGISTRY.formula_names()
MATHML = "{http://www.w3.org/1998/Math/MathML}"
RIDGE = "lu2024.e_icl_ridge"
#: (tau, alpha, kappa, rho, lam): both sides of tau = 1, finite and infinite kappa, tiny and large ridges.
RIDGE_POINTS = [(1.5, 10.0, math.inf, 0.01, 0.1), (0.5, 2.0, 0.3, 0.1, 1e-3), (1.0, 5.0, 0.5, 0.1, 1e-8),
                (20.0, 0.05, 3.0, 0.0, 10.0), (0.01, 300.0, 1e-3, 1.0, 1e-6)]


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: What the Lu et al. formulas export to: every format, but C takes scalar arguments only.
LU_FORMATS = {name: [f for f in FORMATS if f != "c"] for name in
              ("lu2024.error_of_gamma", "lu2024.error_of_gamma_icl", "lu2024.lemma1.E_hhT", "lu2024.readout")}
LU_FORMATS |= {name: list(FORMATS) for name in ("lu2024.e_icl_ridge", "lu2024.lemma1.E_q2")}


def _exportable(formula) -> list[str]:
    """The formats ``formula`` exports to; any other format must refuse with a clear ExportError."""
    formats = []
    for fmt in FORMATS:
        try:
            text = export_formula(formula, fmt)
        except ExportError as error:
            assert formula.name in str(error) or "scalar formulas only" in str(error), str(error)
            continue
        assert text.strip(), fmt
        formats.append(fmt)
    return formats


@pytest.mark.parametrize("name", FORMULAS)
def test_every_formula_exports_to_every_format_it_can_take(name):
    formula = REGISTRY.get_formula(name)
    formats = _exportable(formula)
    assert {"latex", "markdown", "mathml", "json"} <= set(formats)  # the documents never fail
    if name in LU_FORMATS:
        assert formats == LU_FORMATS[name]
    if formula.has_matrix_params:
        with pytest.raises(ExportError, match="scalar formulas only"):
            export_formula(formula, "c")


@pytest.mark.parametrize("name", FORMULAS)
def test_mathml_is_xml_from_the_printer_without_latex(name):
    text = export_formula(REGISTRY.get_formula(name), "mathml")
    root = ET.fromstring(text)
    assert root.tag == MATHML + "math" and text.isascii()
    assert "\\" not in text
    # Names of SymPy classes never leak in place of notation.
    assert not {"blockmatrix", "trace", "e_icl", "ell"} & {el.text for el in root.iter()}


def _mathml_texts(element) -> list[str]:
    return [el.text for el in element.iter() if el.text]


def test_mathml_notation_reads_as_the_formula_intends():
    root = ET.fromstring(export_formula(REGISTRY.get_formula("lu2024.lemma1.E_q2"), "mathml"))
    # (σ_w²)²: a parenthesised σ_w² (msup of msub) raised to 2.
    squared = [el for el in root.iter(MATHML + "msup") if el[0].tag == MATHML + "mrow"
               and el[0][1].tag == MATHML + "msup" and el[0][1][0].tag == MATHML + "msub"]
    assert len(squared) == 1
    assert _mathml_texts(squared[0]) == ["(", "\u03c3", "w", "2", ")", "2"]
    assert "\u2113" in _mathml_texts(root)  # ell is the letter ℓ
    assert _mathml_texts(root)[:5] == ["E", "[", "q", "2", "|"]  # E[q² | w]
    m_star = ET.fromstring(mathml_relations((sp.Symbol("m_star"), "=", sp.Symbol("yhat"))))
    assert _mathml_texts(m_star) == ["m", "*", "=", "y", "^"]
    assert latex(sp.Symbol("m_star") ** 2) == r"\left(m^{*}\right)^{2}"


def test_mathml_reads_symbol_names_written_in_latex():
    """Theories that name display symbols in LaTeX still get characters, never macros, in MathML."""
    name = sp.Symbol(r"\ell_\star^{(L=1)}") + sp.Symbol(r"\hat{\Sigma}") + sp.Symbol(r"{\mathrm{SGD}}(\infty)")
    texts = _mathml_texts(ET.fromstring(mathml_relations((name, "=", sp.S.Zero))))
    assert {"\u2113", "\u22c6", "(L=1)", "\u03a3\u0302", "SGD(\u221e)"} <= set(texts)
    unknown = mathml_relations((sp.Symbol(r"\mathfrak{g}"), "=", sp.S.Zero))
    assert "\\mathfrak" in unknown  # kept, so that the every-formula test flags it


def test_mathml_zero_blocks_and_block_matrices_are_tables():
    root = ET.fromstring(export_formula(REGISTRY.get_formula("lu2024.error_of_gamma_icl"), "mathml"))
    assert len(list(root.iter(MATHML + "mtable"))) == 2  # the block matrix B, in each trace term
    assert "0" in _mathml_texts(root) and "tr" in _mathml_texts(root)


def test_notated_symbol_is_a_symbol_in_code_and_notation_in_documents():
    s = Notated("sigma_w2", sp.Symbol("sigma_w") ** 2, positive=True)
    assert pickle.loads(pickle.dumps(s)) == s and s.is_positive
    assert s != sp.Symbol("sigma_w2", positive=True)
    namespace = {**{n: getattr(sp, n) for n in dir(sp)}, "Notated": Notated}
    assert eval(sp.srepr(s**2 + 1), namespace) == s**2 + 1
    assert sp.lambdify([s], s**2 + 1)(3.0) == 10.0
    assert latex(s**2) == r"\left(\sigma_{w}^{2}\right)^{2}"
    assert latex(Expectation(sp.Symbol("q") ** 2, sp.Symbol("w"))) == r"\mathbb{E}\left[q^{2} \mid w\right]"


# --- Implicit formulas ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ridge() -> ImplicitFormula:
    return REGISTRY.get_formula(RIDGE)


@pytest.fixture(scope="module")
def ridge_module(ridge, tmp_path_factory):
    path = tmp_path_factory.mktemp("ridge") / "ridge.py"
    path.write_text(ridge.export("python"))
    return _load(path, "ridge").lu2024_e_icl_ridge


def test_implicit_documents_show_the_equation_system(ridge):
    tex = ridge.export("latex")
    assert tex.count("&=") == 2 and "&\\in \\left[" in tex and "unique root" in tex
    md = ridge.export("markdown")
    assert md.count("$$") == 2 and "| `lam` |" in md and "unique root" in md
    root = ET.fromstring(ridge.export("mathml"))
    rows = list(root.iter(MATHML + "mtr"))
    assert len(rows) == 3 and "\u2208" in _mathml_texts(rows[2]) and "\\" not in ridge.export("mathml")
    payload = json.loads(ridge.export("json"))
    assert payload["kind"] == "implicit" and payload["unknown"]["name"] == "epsilon"
    assert [p["name"] for p in payload["params"]] == ["tau", "alpha", "kappa", "rho", "lam"]
    namespace = {**{n: getattr(sp, n) for n in dir(sp)}, "Notated": Notated}
    assert eval(payload["residual"]["srepr"], namespace) == ridge.residual
    assert eval(payload["bracket"]["high"]["srepr"], namespace) == ridge.bracket[1]
    assert eval(payload["value"]["srepr"], namespace) == ridge.expr


def test_implicit_python_export_is_vectorised_and_matches_evaluate(ridge, ridge_module):
    columns = [np.array(c) for c in zip(*RIDGE_POINTS)]
    vector = ridge_module(*columns)
    assert vector.shape == (len(RIDGE_POINTS),) and vector.dtype == np.float64
    scalars = [ridge.evaluate(**dict(zip("tau alpha kappa rho lam".split(), p))) for p in RIDGE_POINTS]
    np.testing.assert_array_equal(vector, scalars)  # the same code, elementwise
    grid = ridge_module(np.array([[0.5], [2.0]]), 10.0, np.array([0.3, 3.0, np.inf]), 0.01, 0.1)
    assert grid.shape == (2, 3)
    assert grid[1, 2] == ridge.evaluate(tau=2.0, alpha=10.0, kappa=np.inf, rho=0.01, lam=0.1)


@pytest.mark.parametrize("bad, message", [
    ({"tau": -1.0}, r"tau must be real in \(0, inf\); got -1.0"),
    ({"kappa": np.array([1.0, 0.0])}, r"kappa must be real in \(0, inf\) or inf; got 0.0"),
    ({"rho": math.nan}, r"rho must be real in \[0, inf\); got nan"),
    ({"lam": math.inf}, r"lam must be real in \(0, inf\); got inf"),
])
def test_implicit_python_export_checks_the_domain(ridge_module, bad, message):
    args = {"tau": 1.5, "alpha": 10.0, "kappa": 1.0, "rho": 0.01, "lam": 0.1, **bad}
    with pytest.raises(ValueError, match=message):
        ridge_module(**args)


def test_explicit_python_export_checks_the_domain(tmp_path):
    formula = REGISTRY.get_formula("lu2024.lemma1.E_q2")
    path = tmp_path / "eq2.py"
    path.write_text(export_formula(formula, "python"))
    fn = _load(path, "eq2").lu2024_lemma1_E_q2
    np.testing.assert_allclose(fn(np.array([1.0, 2.0]), 4.0), [1.5, 6.0], rtol=1e-15)
    with pytest.raises(ValueError, match=r"ell must be real in \[1, inf\); got 0.5"):
        fn(1.0, np.array([2.0, 0.5]))


def test_python_export_checks_a_parameter_named_by_a_keyword():
    """lambdify renames an argument called ``lambda``; the check follows it and still names ``lambda``."""
    lam, x = sp.Symbol("lambda", positive=True), sp.Symbol("x")
    formula = Formula("test.keyword", lam * x + 1, (Param(lam, Range(0, low_open=True)), Param(x, Range())),
                      Provenance("Test", "Eq. 3"))
    namespace: dict = {}
    exec(compile(export_formula(formula, "python"), "<keyword>", "exec"), namespace)
    assert namespace["test_keyword"](2.0, 3.0) == 7.0
    with pytest.raises(ValueError, match=r"lambda must be real in \(0, inf\); got -2.0"):
        namespace["test_keyword"](-2.0, 3.0)


@pytest.mark.parametrize("domain", [Range(), Range(0), Range(0, low_open=True), Range(0, low_open=True, allow_inf=True),
                                    Range(-1, 2, high_open=True), Range(1, 1), Range(0, 1, allow_inf=True),
                                    Range(1, integer=True), Range(1, integer=True, allow_inf=True),
                                    Range(-1, 2.5, integer=True)])
def test_generated_domain_conditions_agree_with_range(domain):
    values = np.array([-np.inf, -2.0, -1.0, -1e-300, 0.0, 1e-300, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, np.inf, np.nan])
    with np.errstate(invalid="ignore"):
        inside = eval(domain_condition("v", domain, "python"), {"numpy": np, "v": values})
        c_syntax = (domain_condition("v", domain, "c").replace("&&", "&").replace("||", "|")
                    .replace("INFINITY", "np.inf").replace("floor", "np.floor"))
        c_inside = eval(c_syntax, {"np": np, "v": values})
    np.testing.assert_array_equal(inside, domain.contains(values))
    np.testing.assert_array_equal(c_inside, domain.contains(values))


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_implicit_c_export_keeps_temporaries_and_returns_nan_outside_the_domain(ridge, tmp_path):
    source = ridge.export("c")
    assert max(len(line) for line in source.splitlines()) < 400  # no 18 KB return line
    assert source.count("const double cse0 =") == 5  # residual, slope, value and both bracket ends
    assert "returns NAN" in source
    src = tmp_path / "ridge.c"
    src.write_text(source + "#include <stdio.h>\nint main(void) { double p[5];\n"
                   '  while (scanf("%lf %lf %lf %lf %lf", p, p+1, p+2, p+3, p+4) == 5)\n'
                   '    printf("%.17g\\n", lu2024_e_icl_ridge(p[0], p[1], p[2], p[3], p[4]));\n}\n')
    subprocess.run(["cc", "-O2", "-o", str(tmp_path / "ridge"), str(src), "-lm"], check=True)
    # Just outside: without the guard these would give finite numbers (rho < 0) or NaN (lam = 0).
    points = RIDGE_POINTS + [(1.5, 10.0, 1.0, -1e-3, 0.1), (1.5, 10.0, 1.0, 0.01, 0.0)]
    out = subprocess.run([str(tmp_path / "ridge")], input="\n".join(" ".join(map(repr, p)) for p in points),
                         capture_output=True, text=True, check=True).stdout.split()
    values = [float(v) for v in out]
    expected = [ridge.evaluate(**dict(zip("tau alpha kappa rho lam".split(), p))) for p in RIDGE_POINTS]
    np.testing.assert_allclose(values[:-2], expected, rtol=1e-12)
    assert math.isnan(values[-2]) and math.isnan(values[-1])


def _run_script(tmp_path, runtime: list[str], filename: str, source: str, calls: str) -> str:
    (tmp_path / filename).write_text(source)
    result = subprocess.run([*runtime, calls], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    return result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("octave") is None, reason="no Octave installed")
def test_octave_exports_run_and_agree(ridge, tmp_path):
    calls = "".join(f'printf("%.17g\\n", lu2024_e_icl_ridge({", ".join("Inf" if math.isinf(v) else repr(v) for v in p)}));'
                    for p in RIDGE_POINTS)
    calls += "try; lu2024_e_icl_ridge(1.5, 10, 1, 0.01, -1); catch err; disp(err.message); end;"
    scalar = REGISTRY.get_formula("lu2024.lemma1.E_q2")
    (tmp_path / "lu2024_lemma1_E_q2.m").write_text(export_formula(scalar, "octave"))
    calls += 'printf("%.17g\\n", lu2024_lemma1_E_q2(2.0, 4.0));'
    out = _run_script(tmp_path, ["octave", "--no-gui", "--quiet", "--eval"], "lu2024_e_icl_ridge.m",
                      ridge.export("octave"), calls).split("\n")
    expected = [ridge.evaluate(**dict(zip("tau alpha kappa rho lam".split(), p))) for p in RIDGE_POINTS]
    np.testing.assert_allclose([float(v) for v in out[:len(RIDGE_POINTS)]], expected, rtol=1e-12)
    assert out[len(RIDGE_POINTS)] == "lam must be real in (0, inf); got -1"
    assert float(out[len(RIDGE_POINTS) + 1]) == pytest.approx(6.0, rel=1e-15)


@pytest.mark.skipif(shutil.which("julia") is None, reason="no Julia installed")
def test_julia_exports_run_and_agree(ridge, tmp_path):
    calls = "".join(f'println(lu2024_e_icl_ridge({", ".join("Inf" if math.isinf(v) else repr(v) for v in p)}));'
                    for p in RIDGE_POINTS)
    calls += 'try lu2024_e_icl_ridge(1.5, 10, 1, 0.01, -1.0) catch err; println(err.msg) end'
    out = _run_script(tmp_path, ["julia", "--startup-file=no", "-e"], "ridge.jl", ridge.export("julia"),
                      'include("ridge.jl");' + calls).split("\n")
    expected = [ridge.evaluate(**dict(zip("tau alpha kappa rho lam".split(), p))) for p in RIDGE_POINTS]
    np.testing.assert_allclose([float(v) for v in out[:len(RIDGE_POINTS)]], expected, rtol=1e-12)
    assert out[len(RIDGE_POINTS)] == "lam must be real in (0, inf)"


def test_implicit_export_of_a_toy_equation_round_trips_every_format(tmp_path):
    u, a = sp.symbols("u a", positive=True)
    toy = ImplicitFormula("toy.omega", "u with u exp(u) = a", Provenance("Toy", "Eq. 1"),
                          (Param(a, Range(0, low_open=True)),), u, u * sp.exp(u) - a,
                          (sp.Min(a, sp.log(1 + a)) / 2, 1 + sp.log(1 + a)), u)
    for fmt in FORMATS:
        assert toy.export(fmt) == export_formula(toy, fmt)
    assert toy.evaluate(a=1.0) == pytest.approx(0.5671432904097838, rel=1e-15)
    plain = Formula("toy.square", a**2, (Param(a, Range(0, low_open=True)),), Provenance("Toy", "Eq. 2"))
    assert "\\[" in export_formula(plain, "latex")


def _partial_exp_formula() -> Formula:
    x, n = sp.Symbol("x", positive=True), sp.Symbol("n", integer=True, nonnegative=True)
    big_n = sp.Symbol("N", integer=True, positive=True)
    return Formula("test.partial_exp", sp.Sum(x**n / sp.factorial(n), (n, 0, big_n)),
                   (Param(x, Range(0, low_open=True)), Param(big_n, Range(1, integer=True))), Provenance("Test", "Eq. 4"))


def test_python_export_of_a_sum_with_a_parameter_bound_is_vectorised_and_checks_integers():
    namespace: dict = {}
    exec(compile(export_formula(_partial_exp_formula(), "python"), "<sum>", "exec"), namespace)
    fn = namespace["test_partial_exp"]
    assert fn(1.0, 3) == pytest.approx(8 / 3, rel=1e-15)
    np.testing.assert_allclose(fn(np.array([1.0, 2.0]), np.array([3, 2])), [8 / 3, 5.0], rtol=1e-15)
    with pytest.raises(ValueError, match=r"N must be an integer in \[1, inf\); got 2.5"):
        fn(1.0, 2.5)


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_c_export_of_a_sum_with_a_parameter_bound_compiles_as_iso_c_and_matches(tmp_path):
    """A sum becomes a static helper with its loop; ISO C (-std=c99 -pedantic) has no M_PI, the export defines it."""
    formula = REGISTRY.get_formula("bordelon2025.iso_optimal_loss_finite")
    src = tmp_path / "iso.c"
    points = [(2.0, 3.0), (0.5, 1.0), (7.0, 8.0), (2.0, 2.5)]
    src.write_text(export_formula(formula, "c") + "#include <stdio.h>\nint main(void) {\n" + "".join(
        f'  printf("%.17g\\n", bordelon2025_iso_optimal_loss_finite({a!r}, {L!r}));\n' for a, L in points) + "}\n")
    subprocess.run(["cc", "-std=c99", "-Wall", "-Wextra", "-pedantic", "-Werror", "-O2", "-o", str(tmp_path / "iso"),
                    str(src), "-lm"], check=True)
    out = [float(v) for v in subprocess.run([str(tmp_path / "iso")], capture_output=True, text=True,
                                            check=True).stdout.split()]
    expected = formula.numeric("numpy")(np.array([p[0] for p in points[:3]]), np.array([p[1] for p in points[:3]]))
    # The finite form is 1 minus a sum near 1 (it cancels where the loss is small): compare on the scale of 1.
    np.testing.assert_allclose(out[:3], expected, rtol=0, atol=1e-14)
    assert out[0] == pytest.approx(29 / 243, rel=1e-14)  # 1 - (alpha c*) sum: exact at alpha = 2, L = 3
    assert math.isnan(out[3])  # L = 2.5 is no depth


def test_mathml_piecewise_is_cases_with_escaped_relations():
    """A Piecewise prints as a brace over one row per case; < and > are entities (SymPy leaves them raw)."""
    x = sp.Symbol("x", positive=True)
    root = ET.fromstring(mathml_relations((sp.Symbol("a"), "=", sp.Piecewise((x, x < 1), (2 * x, x > 3), (1, True)))))
    texts = _mathml_texts(root)
    assert "{" in texts and "<" in texts and ">" in texts and "otherwise" in texts
    assert "piecewise" not in texts
    rows = list(root.iter(MATHML + "mtr"))
    assert len(rows) == 3 and all(len(list(row)) == 2 for row in rows)
