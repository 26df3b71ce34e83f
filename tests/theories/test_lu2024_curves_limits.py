"""The asymptotic-curves and limits derivations verify; wrong claims fail; the implicit export reproduces e_ICL."""

import importlib.util
import shutil
import subprocess

import numpy as np
import pytest
import sympy as sp

import icl_sym.theories  # noqa: F401
from icl_sym.core.registry import REGISTRY
from icl_sym.theories.lu2024 import e_icl


@pytest.mark.parametrize("name", ["lu2024.asymptotic_curves", "lu2024.limits"])
def test_every_step_verifies(name):
    report = REGISTRY.get_derivation(name).verify()
    assert report.ok, [(o.name, o.result.detail) for o in report.failed]


@pytest.mark.parametrize("name, step", [
    ("lu2024.asymptotic_curves", "trace of R^2(R+ν)^-2"),
    ("lu2024.asymptotic_curves", "e_ICL ridgeless, τ < 1"),
    ("lu2024.asymptotic_curves", "κ = ∞, τ > 1"),
    ("lu2024.limits", "κ → ∞, ridgeless, τ > 1"),
    ("lu2024.limits", "τ → 1⁺: interpolation divergence"),
    ("lu2024.limits", "α → ∞, τ < 1, κ > τ"),
    ("lu2024.limits", "g_task → 1 − κ for κ < 1"),
])
def test_wrong_claim_fails(name, step):
    deriv = REGISTRY.get_derivation(name)
    wrong = deriv.with_step(step, rhs=deriv.step(step).rhs * sp.Rational(101, 100) + sp.Rational(1, 1000))
    assert [o.name for o in wrong.verify().failed] == [step]


def test_limit_methods_are_reported():
    report = REGISTRY.get_derivation("lu2024.limits").verify()
    methods = {o.result.method for o in report.outcomes}
    assert {"sympy.limit + mpmath on the stated expression + package callable",
            "mpmath on the stated expression (numeric only) + package callable"} <= methods


def _box_points(n, seed=0):
    rng = np.random.default_rng(seed)
    return [tuple(10 ** rng.uniform(*b) for b in [(-3, 3), (-2, 4), (-3, 3), (-4, 1), (-10, 2)]) for _ in range(n)]


def test_implicit_python_export_reproduces_e_icl(tmp_path):
    formula = REGISTRY.get_formula("lu2024.e_icl_ridge")
    path = tmp_path / "eicl.py"
    path.write_text(formula.export("python"))
    spec = importlib.util.spec_from_file_location("eicl", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    points = _box_points(200) + [(1.5, 10, np.inf, 0.01, 0.1), (1.0, 5, 0.5, 0.1, 1e-8)]
    exported = np.array([module.lu2024_e_icl_ridge(*p) for p in points])
    np.testing.assert_allclose(exported, [float(e_icl(*p)) for p in points], rtol=1e-12)


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_implicit_c_export_reproduces_e_icl(tmp_path):
    src = tmp_path / "eicl.c"
    src.write_text(REGISTRY.get_formula("lu2024.e_icl_ridge").export("c")
                   + "#include <stdio.h>\n#include <stdlib.h>\nint main(void) { double p[5];\n"
                   + '  while (scanf("%lf %lf %lf %lf %lf", p, p+1, p+2, p+3, p+4) == 5)\n'
                   + '    printf("%.17g\\n", lu2024_e_icl_ridge(p[0], p[1], p[2], p[3], p[4]));\n}\n')
    subprocess.run(["cc", "-O2", "-o", str(tmp_path / "eicl"), str(src), "-lm"], check=True)
    points = _box_points(100, seed=1)
    out = subprocess.run([str(tmp_path / "eicl")], input="\n".join(" ".join(map(repr, p)) for p in points),
                         capture_output=True, text=True, check=True)
    np.testing.assert_allclose([float(v) for v in out.stdout.split()], [float(e_icl(*p)) for p in points],
                               rtol=1e-12)


def test_implicit_julia_export_is_a_function():
    text = REGISTRY.get_formula("lu2024.e_icl_ridge").export("julia")
    assert text.count("function lu2024_e_icl_ridge(tau, alpha, kappa, rho, lam)") == 1
