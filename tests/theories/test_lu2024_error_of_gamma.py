"""Proposition 1 as numbers: the exported module, the three backends, and bad input."""

import subprocess
import sys

import mpmath
import numpy as np
import pytest
import torch

import icl_sym.theories  # noqa: F401
from icl_sym.core.registry import REGISTRY
from icl_sym.core.validation import ParameterError
from icl_sym.theories.lu2024 import error_of_gamma


def _random_case(seed, dim=6):
    rng = np.random.default_rng(seed)
    gamma = rng.normal(size=(dim, dim + 1)) / np.sqrt(dim)
    W = rng.normal(size=(4, dim))
    W *= np.sqrt(dim) / np.linalg.norm(W, axis=1, keepdims=True)
    return gamma, W.mean(axis=0), W.T @ W / 4, rng.uniform(0, 2), rng.uniform(0.5, 8)


def test_exported_module_runs_without_icl_sym(tmp_path):
    module = tmp_path / "prop1.py"
    module.write_text(REGISTRY.get_formula("lu2024.error_of_gamma").export("python"))
    values = []
    for seed in range(5):
        gamma, mu, R, rho, alpha = _random_case(seed)
        np.savez(tmp_path / f"case{seed}.npz", gamma=gamma, mu=mu, R=R, rho=rho, alpha=alpha)
        values.append(error_of_gamma(gamma, rho, alpha, mu, R))
    script = (
        "import sys, numpy as np\n"
        "sys.modules['icl_sym'] = None  # any import of icl_sym now fails\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "import prop1\n"
        "for k in range(5):\n"
        f"    c = np.load({str(tmp_path)!r} + f'/case{{k}}.npz')\n"
        "    g = c['gamma']\n"
        "    print(repr(float(prop1.lu2024_error_of_gamma(g, c['mu'].reshape(-1, 1), c['R'], float(c['rho']), "
        "float(c['alpha']), g.shape[0]))))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    exported = [float(line) for line in out.stdout.split()]
    np.testing.assert_allclose(exported, values, rtol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_backends_agree(seed):
    gamma, mu, R, rho, alpha = _random_case(seed)
    for m, r in ((None, None), (mu, R)):
        ref = error_of_gamma(gamma, rho, alpha, m, r)
        tt = error_of_gamma(torch.tensor(gamma), rho, alpha,
                            None if m is None else torch.tensor(m), None if r is None else torch.tensor(r),
                            backend="torch")
        assert float(tt) == pytest.approx(ref, rel=1e-12)
        with mpmath.workdps(40):
            mp = error_of_gamma(gamma, rho, alpha, m, r, backend="mpmath")
        assert float(mp) == pytest.approx(ref, rel=1e-12)


def test_trivial_predictor_and_population_optimum():
    dim, rho, alpha = 5, 0.3, 4.0
    assert error_of_gamma(np.zeros((dim, dim + 1)), rho, alpha) == pytest.approx(1 + rho, rel=1e-15)
    # ICL optimum over Γ = [c I, 0]: c* = 1/(1 + q) with q = (1+ρ)/α + 1/ℓ, error 1 + ρ − c*..
    q = (1 + rho) / alpha + 1 / (alpha * dim)
    c = 1 / (1 + q)
    gamma = np.hstack([c * np.eye(dim), np.zeros((dim, 1))])
    assert error_of_gamma(gamma, rho, alpha) == pytest.approx(1 + rho - c, rel=1e-13)


@pytest.mark.parametrize("kwargs, message", [
    (dict(Gamma=np.zeros((3, 3))), "Gamma must be a matrix of shape \\(d, d\\+1\\)"),
    (dict(rho=-0.1), "rho must be real in \\[0, inf\\)"),
    (dict(rho=float("nan")), "rho must be real"),
    (dict(alpha=0.1), "alpha must be real in \\[0.333333, inf\\)"),
    (dict(mu=np.zeros(3)), "mu, R must be given together"),
    (dict(mu=np.zeros(4), R=np.eye(3)), "mu must be an array of shape \\(3,\\)"),
    (dict(mu=np.zeros(3), R=np.eye(4)), "R must be an array of shape \\(3, 3\\)"),
    (dict(Gamma=np.full((3, 4), np.nan)), "Gamma must be real"),
])
def test_bad_input(kwargs, message):
    args = dict(Gamma=np.zeros((3, 4)), rho=0.1, alpha=2.0)
    args.update(kwargs)
    with pytest.raises(ParameterError, match=message):
        error_of_gamma(**args)
