"""Implicit formulas: the solver and its exported Python/C code reproduce high-precision roots."""

import importlib.util
import shutil
import subprocess

import mpmath
import pytest
import sympy as sp

from icl_sym.core.formula import Param, Provenance
from icl_sym.core.implicit import ImplicitFormula
from icl_sym.core.validation import ParameterError, Range

u, a, b = sp.symbols("u a b", positive=True)
# u = W(a) (Lambert W), reported through a nonlinear function of the root.
LAMBERT = ImplicitFormula(
    "demo.lambert", "b/(1 + W(a))", Provenance("Demo", "Eq. 2"),
    (Param(a, Range(0, low_open=True)), Param(b, Range())),
    u, u * sp.exp(u) - a, (sp.Min(a, sp.log(1 + a)) / 2, 1 + sp.log(1 + a)), b / (1 + u),
)
POINTS = [(1e-8, 1.0), (0.3, 2.0), (1.0, -1.0), (50.0, 3.0), (1e6, 0.5)]


def reference(a_, b_):
    with mpmath.workdps(40):
        return float(b_ / (1 + mpmath.lambertw(a_).real))


@pytest.mark.parametrize("point", POINTS)
def test_evaluate_matches_mpmath(point):
    assert LAMBERT.evaluate(a=point[0], b=point[1]) == pytest.approx(reference(*point), rel=1e-14)


def test_python_export(tmp_path):
    path = tmp_path / "lambert.py"
    path.write_text(LAMBERT.export("python"))
    spec = importlib.util.spec_from_file_location("lambert", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for p in POINTS:
        assert module.demo_lambert(*p) == pytest.approx(reference(*p), rel=1e-14)


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_c_export(tmp_path):
    src = tmp_path / "lambert.c"
    src.write_text(LAMBERT.export("c") + '#include <stdio.h>\n#include <stdlib.h>\n'
                   'int main(int c, char **v) { printf("%.17g\\n", demo_lambert(atof(v[1]), atof(v[2]))); }\n')
    subprocess.run(["cc", "-O2", "-o", str(tmp_path / "l"), str(src), "-lm"], check=True)
    for p in POINTS:
        out = subprocess.run([str(tmp_path / "l"), repr(p[0]), repr(p[1])], capture_output=True, text=True, check=True)
        assert float(out.stdout) == pytest.approx(reference(*p), rel=1e-14)


def test_julia_export_and_errors():
    text = LAMBERT.export("julia")
    assert "function demo_lambert(a, b)" in text and text.rstrip().endswith("end")
    with pytest.raises(ParameterError, match="format must be one of latex, markdown, python, c, julia, octave"):
        LAMBERT.export("fortran")
    with pytest.raises(ParameterError, match="a must be real in \\(0, inf\\)"):
        LAMBERT.evaluate(a=-1.0, b=1.0)
