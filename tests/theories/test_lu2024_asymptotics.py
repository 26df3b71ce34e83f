"""Lu et al. asymptotic learning curves (docs/theory/lu2024.md §5, §6.1, §9)."""

from __future__ import annotations

import itertools
import math
import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp

from icl_sym.core.validation import ParameterError
from icl_sym.theories.lu2024 import asymptotics as A
from icl_sym.theories.lu2024 import forms as F
from icl_sym.theories.lu2024 import reference as Ref

INF = math.inf

# Section 9.1: (tau, alpha, kappa, rho, lam) -> eps, e_ICL, e_IDG.
TABLE_9_1 = [
    ((0.5, 1, 0.5, 0.01, 0), 1.629733, 1.261077, 0.801849),
    ((2, 1, 0.5, 0.01, 0), 0, 1.233993, 0.609561),
    ((2, 10, 2, 0.1, 0), 0, 0.528287, 0.384914),
    ((0.5, 10, 2, 0.1, 0), 0.890869, 0.894611, 0.755606),
    ((20, 10, 1, 0.5, 0), 0, 0.850406, 0.633764),
    ((0.5, 5.623, 0.5, 0.5, 0), 0.666815, 2.381926, 1.661250),
    ((1.5, 10, INF, 0.01, 0), 0, 0.305204, 0.305204),
    ((1.5, 10, INF, 0.01, 0.1), 0.224162, 0.236614, 0.236614),
    ((1.5, 10, INF, 0.01, 1), 1.412480, 0.445561, 0.445561),
    ((0.5, 10, INF, 0.01, 0.1), 1.286576, 0.635927, 0.635927),
    ((2, 2, 1, 0.1, 0.5), 0.727040, 0.805466, 0.514121),
    ((0.7, 2, 0.5, 0.1, 0.3), 1.058291, 1.089967, 0.584617),
    ((1.5, 5, 0.5, 0.1, 1), 1.311060, 0.811678, 0.336478),
    ((10, 10, 1, 0.01, 0), 0, 0.256453, 0.092888),
    ((2, 10, 1, 0.01, 0), 0, 0.476216, 0.167199),
]
BOX = {"tau": (1e-3, 1e3), "alpha": (1e-2, 1e4), "kappa": (1e-3, 1e3), "rho": (1e-4, 10.0), "lam": (1e-10, 1e2)}


def box_sample(n: int, seed: int) -> np.ndarray:
    """Log-uniform points of the validation box; 10% kappa = inf, 25% lam = 0. Shape (5, n)."""
    rng = np.random.default_rng(seed)
    pts = np.array([np.exp(rng.uniform(np.log(lo), np.log(hi), n)) for lo, hi in BOX.values()])
    pts[2, rng.random(n) < 0.1] = INF
    pts[4, rng.random(n) < 0.25] = 0.0
    return pts


def box_corners() -> np.ndarray:
    """Corners of the box, points at and next to the interpolation pole tau = 1, and rho = 0."""
    values = [(1e-3, 1e3, 1.0, 1 - 1e-9, 1 + 1e-9), BOX["alpha"], (*BOX["kappa"], 1.0, INF), BOX["rho"], (0.0, *BOX["lam"])]
    corners = np.array(list(itertools.product(*values))).T
    noiseless = np.array([(0.5, 10, 0.5, 0.0, 0.0), (2, 1e4, 1e-3, 0.0, 1e-10), (1.0, 1e-2, INF, 0.0, 1.0)]).T
    return np.concatenate([corners, noiseless], axis=1)


def relative_errors(points: np.ndarray) -> np.ndarray:
    """Per point: relative errors of eps, e_ICL, e_IDG, and |g_task error| / e_ICL vs the 50-digit reference."""
    fast = [f(*points) for f in (A.epsilon, A.e_icl, A.e_idg, A.g_task)]
    errors = []
    for i in range(points.shape[1]):
        ref = Ref.reference(*points[:, i], dps=50)
        if mpmath.isinf(ref.e_icl):  # the pole: exact infinities on both paths
            assert math.isinf(fast[1][i]) and math.isinf(fast[2][i]) and fast[0][i] == 0
            assert fast[3][i] == float(ref.g_task)
            errors.append((0.0, 0.0, 0.0, 0.0))
            continue
        row = []
        for value, exact in zip(fast[:3], ref[:3]):
            row.append(abs(value[i] - float(exact)) / float(exact) if exact != 0 else abs(value[i]))
        row.append(abs(fast[3][i] - float(ref.g_task)) / float(ref.e_icl))
        errors.append(tuple(row))
    return np.array(errors)


# ----------------------------------------------------------------- reference values
@pytest.mark.parametrize(("args", "eps", "icl", "idg"), TABLE_9_1)
def test_section_9_1_table(args, eps, icl, idg):
    assert A.epsilon(*args) == pytest.approx(eps, abs=1e-6)
    assert A.e_icl(*args) == pytest.approx(icl, abs=1e-6)
    assert A.e_idg(*args) == pytest.approx(idg, abs=1e-6)
    assert A.g_task(*args) == pytest.approx(icl - idg, abs=2e-6)


def test_section_9_1_table_vectorised_matches_scalar_calls():
    args = np.array([row[0] for row in TABLE_9_1], dtype=float).T
    np.testing.assert_allclose(A.e_icl(*args), [row[2] for row in TABLE_9_1], atol=1e-6)


@pytest.mark.parametrize(
    ("z", "kappa", "m", "mp"),
    [(0.5, 0.5, 1.2807764064, -2.2126781252), (1, 1, 0.6180339887, -0.4472135955), (2, INF, 1 / 3, -1 / 9)],
)
def test_section_9_2_stieltjes_values(z, kappa, m, mp):
    assert A.stieltjes_mp(z, kappa) == pytest.approx(m, abs=1e-10)
    assert A.stieltjes_mp_derivative(z, kappa) == pytest.approx(mp, abs=1e-10)


def test_section_9_5_plain_evaluations():
    assert A.e_icl(1.5, 0.5, INF, 0.5, 0) == pytest.approx(3.75, rel=1e-14)
    assert A.e_icl(0.8, 2, INF, 0.2, 0) == pytest.approx(3.0, rel=1e-14)
    assert A.e_icl(0.6, 1e6, 0.5, 0.01, 0) == pytest.approx(2476, abs=0.5)
    assert A.e_idg(0.6, 1e6, 0.5, 0.01, 0) == pytest.approx(0.075, abs=5e-4)
    kappas = np.array([0.1, 0.3, 0.5, 0.8, 0.95, 1.05, 2.0, 10.0])
    expected = [0.9009, 0.7007, 0.5005, 0.2002, 0.0500, 0, 0, 0]
    np.testing.assert_allclose(A.g_task(1e7, 1e6, kappas, 0.01, 0), expected, atol=5e-5)
    assert A.e_icl(1e-4, 10, 0.5, 0.01, 0) == pytest.approx(1.0099, abs=5e-5)
    # tau -> inf limit e = rho + q/(1 + q) (alpha = 10, rho = 0.01: 0.1017), approached like 1/tau.
    assert A.e_icl(1e9, 10, INF, 0.01, 0) == pytest.approx(0.01 + 0.101 / 1.101, rel=1e-8)


# ----------------------------------------------------------------- symbolic layer
def test_every_stable_rewrite_is_an_identity():
    residuals = F.verify_identities()
    assert residuals and all(r == 0 for r in residuals.values()), {k: r for k, r in residuals.items() if r != 0}


def test_quartic_vanishes_at_the_solution():
    """The quartic of Section 5.1(b) (not the notebook's, Section 10) holds at the solved eps."""
    quartic = sp.lambdify((F.q, F.eps, F.tau, F.lam, F.kappa), F.QUARTIC, "numpy")
    for tau, alpha, kappa, rho, lam in [(2, 2, 1, 0.1, 0.5), (0.7, 2, 0.5, 0.1, 0.3), (0.3, 40, 3.0, 1.0, 1e-3)]:
        q, eps = (1 + rho) / alpha, A.epsilon(tau, alpha, kappa, rho, lam)
        scale = kappa * eps**4  # the size of each term of the quartic at the root
        assert abs(quartic(q, eps, tau, lam, kappa)) < 1e-12 * scale


def test_substitute_stieltjes_gives_the_closed_form():
    expr = F.substitute_stieltjes(F.M * F.NU)
    value = float(expr.subs({F.q: 0.3, F.eps: 0.2, F.kappa: 2.0}))
    assert value == pytest.approx(0.5 * A.stieltjes_mp(0.5, 2.0), rel=1e-14)


# ----------------------------------------------------------------- ridgeless limits
RIDGELESS_POINTS = [
    (0.5, 1, 0.5, 0.01),
    (0.5, 10, 2, 0.1),
    (0.5, 5.623, 0.5, 0.5),
    (0.2, 3.0, 0.05, 0.3),
    (0.9, 100, 1.0, 0.01),
    (2, 1, 0.5, 0.01),
    (20, 10, 1, 0.5),
    (1.5, 10, 800.0, 0.01),  # kappa = inf is Section 6.1's (the 5.4 forms are written for finite kappa)
    (10, 10, 1, 0.01),
    (1.2, 0.5, 30.0, 2.0),
]


def closed_forms_mp(tau, alpha, kappa, rho):
    """Section 5.4 closed forms at the current mp.dps (m*, mu* from the Herglotz reference)."""
    tau, alpha, kappa, rho = (mpmath.mpf(v) for v in (tau, alpha, kappa, rho))
    q = (1 + rho) / alpha
    m_star = F.MARCHENKO_PASTUR.evaluate_mp(q, kappa)
    mu_star = q * F.MARCHENKO_PASTUR.evaluate_mp(q, kappa / tau)
    side = "lt" if tau < 1 else "gt"
    values = {F.tau: tau, F.q: q, F.rho: rho, F.kappa: kappa, F.m_star: m_star, F.mu_star: mu_star}
    args = list(values)
    fns = [sp.lambdify(args, F.RIDGELESS[f"e_{k}_tau_{side}_1"], "mpmath") for k in ("icl", "idg")]
    return [fn(*values.values()) for fn in fns]


@pytest.mark.parametrize("point", RIDGELESS_POINTS)
def test_ridgeless_closed_forms_equal_the_general_formula(point):
    with mpmath.workdps(50):
        icl, idg = closed_forms_mp(*point)
        # lam -> 0+ of the general formula, at 50 digits: the closed forms to the O(lam) remainder.
        ref = Ref.reference(*point, 1e-40, dps=50)
        assert abs(ref.e_icl / icl - 1) < 1e-35 and abs(ref.e_idg / idg - 1) < 1e-35
    # Fast path at lam = 0 (its own ridgeless dispatch) against the closed forms.
    assert A.e_icl(*point, 0.0) == pytest.approx(float(icl), rel=1e-13)
    assert A.e_idg(*point, 0.0) == pytest.approx(float(idg), rel=1e-13)
    # lam = 1e-12 vs lam = 0. For tau != 1, e is analytic in lam at 0+, so e(lam) - e(0) is linear
    # in lam up to O(lam^2): the second difference e(2 lam) - 2 e(lam) + e(0) must vanish to
    # rounding (16 ulp of e) plus a 1e-3 fraction of the first difference. This shows that the
    # lam = 0 value is the lam -> 0+ limit whatever the size of d e/d lam (which grows like
    # 1/eps^2 for small eps and 1/|tau - 1| near the pole).
    lam, ulp = 1e-12, 2.0**-52
    for f in (A.e_icl, A.e_idg):
        e0, e1, e2 = (f(*point, k * lam) for k in (0, 1, 2))
        assert abs(e2 - 2 * e1 + e0) <= 1e-3 * abs(e1 - e0) + 16 * ulp * e0
        assert abs(e1 - e0) <= 1e-6 * e0


@pytest.mark.parametrize("tau", [0.05, 0.5, 0.8, 1.5, 3.0])
@pytest.mark.parametrize("lam", [0.0, 1e-3, 0.7])
def test_kappa_infinity_forms_of_section_6_1(tau, lam):
    alpha, rho = 4.0, 0.2
    q = (1 + rho) / alpha
    values = {F.tau: tau, F.q: q, F.rho: rho, F.lam: lam}
    eps = float(F.KAPPA_INF["eps_ridge"].subs(values))
    assert A.epsilon(tau, alpha, INF, rho, lam) == pytest.approx(eps, rel=1e-14, abs=1e-300)
    assert A.g_task(tau, alpha, INF, rho, lam) == 0.0
    if lam == 0:
        e = float(F.KAPPA_INF["e_tau_lt_1" if tau < 1 else "e_tau_gt_1"].subs(values))
        assert A.e_icl(tau, alpha, INF, rho, lam) == pytest.approx(e, rel=1e-14)
        assert A.e_idg(tau, alpha, INF, rho, lam) == pytest.approx(e, rel=1e-14)


# ----------------------------------------------------------------- fast path vs 50-digit reference
def test_fast_path_matches_the_reference_over_the_box():
    errors = relative_errors(box_sample(300, seed=20240521))
    assert errors.max() < 1e-10, errors.max(axis=0)


def test_fast_path_matches_the_reference_at_corners_and_the_pole():
    errors = relative_errors(box_corners())
    assert errors.max() < 1e-10, errors.max(axis=0)


def test_pole_and_kappa_infinity_conventions():
    assert A.e_icl(1.0, 2.0, 0.5, 0.1, 0.0) == INF
    assert A.e_idg(1.0, 2.0, 0.5, 0.1, 0.0) == INF
    assert A.g_task(1.0, 2.0, 0.5, 0.1, 0.0) == INF
    assert A.g_task(1.0, 2.0, INF, 0.1, 0.0) == 0.0
    assert A.epsilon(1.0, 2.0, 0.5, 0.1, 0.0) == 0.0
    assert np.isfinite(A.e_icl(1.0, 2.0, 0.5, 0.1, 1e-10))


def test_no_nan_and_no_warning_anywhere_in_the_box():
    points = box_sample(100_000, seed=3)
    points[0, :50] = 1.0  # include the pole
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = [f(*points) for f in (A.epsilon, A.e_icl, A.e_idg, A.g_task)]
    pole = (points[0] == 1.0) & (points[4] == 0.0)
    for v in values:
        assert not np.isnan(v).any()
        assert np.isfinite(v[~pole]).all()
    assert (values[0] >= 0).all() and (values[1][~pole] > 0).all() and (values[2][~pole] > 0).all()


# ----------------------------------------------------------------- backends
def test_torch_matches_numpy():
    torch = pytest.importorskip("torch")
    points = box_sample(3000, seed=5)
    points[0, :5], points[4, :5] = 1.0, 0.0
    for f in (A.epsilon, A.e_icl, A.e_idg, A.g_task):
        expected = f(*points)
        got = f(*(torch.tensor(p) for p in points))
        assert isinstance(got, torch.Tensor) and got.dtype == torch.float64
        got = got.numpy()
        assert np.array_equal(np.isinf(got), np.isinf(expected))
        finite = np.isfinite(expected)
        scale = np.abs(A.e_icl(*points))[finite] if f is A.g_task else np.abs(expected[finite])
        assert np.all(np.abs(got[finite] - expected[finite]) <= 1e-13 * np.maximum(scale, 1e-300))
    mixed = A.e_icl(torch.tensor([0.5, 2.0], dtype=torch.float64), 1, 0.5, 0.01, 0)
    np.testing.assert_allclose(mixed.numpy(), [1.261077, 1.233993], atol=1e-6)


@pytest.mark.gpu
def test_torch_cuda_stays_on_device():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    points = box_sample(10_000, seed=6)
    got = A.e_icl(*(torch.tensor(p, device="cuda") for p in points))
    assert got.device.type == "cuda" and got.dtype == torch.float64
    np.testing.assert_allclose(got.cpu().numpy(), A.e_icl(*points), rtol=1e-13)


def test_mpmath_in_mpmath_out_at_the_current_precision():
    points = box_sample(6, seed=9)
    with mpmath.workdps(30):
        for i in range(points.shape[1]):
            args = [mpmath.mpf(float(v)) for v in points[:, i]]
            ref = Ref.reference(*points[:, i], dps=40)
            for f, exact in ((A.epsilon, ref.epsilon), (A.e_icl, ref.e_icl), (A.e_idg, ref.e_idg)):
                value = f(*args)
                assert isinstance(value, mpmath.mpf)
                assert abs(value - exact) <= mpmath.mpf(10) ** -28 * max(abs(exact), 1)
            assert abs(A.g_task(*args) - ref.g_task) <= mpmath.mpf(10) ** -28 * ref.e_icl
        assert A.e_icl(mpmath.mpf(1), 1, 0.5, 0.01, 0) == mpmath.inf
        assert isinstance(A.stieltjes_mp(mpmath.mpf(2), mpmath.inf), mpmath.mpf)


def test_reference_precision_and_type():
    value = Ref.e_icl_reference(2, 2, 1, 0.1, 0.5, dps=60)
    assert isinstance(value, mpmath.mpf)
    assert abs(value - Ref.e_icl_reference(2, 2, 1, 0.1, 0.5, dps=80)) < mpmath.mpf(10) ** -58


def test_broadcasting_and_return_types():
    out = A.e_icl(np.array([[0.5], [2.0], [5.0]]), np.array([1.0, 10.0]), 0.5, 0.01, np.array([0.0, 0.1]))
    assert out.shape == (3, 2) and out.dtype == np.float64
    assert out[0, 0] == A.e_icl(0.5, 1.0, 0.5, 0.01, 0.0)
    assert isinstance(A.e_icl(0.5, 1, 0.5, 0.01, 0), np.float64)
    big = A.e_icl(np.full(70_000, 2.0), 2, 1, 0.1, np.full(70_000, 0.5))  # several work chunks
    assert np.all(big == big[0]) and big[0] == pytest.approx(0.805466, abs=1e-6)


# ----------------------------------------------------------------- input errors
@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("tau", 0.0),
        ("tau", -1.0),
        ("tau", INF),
        ("tau", math.nan),
        ("alpha", 0.0),
        ("alpha", INF),
        ("kappa", 0.0),
        ("kappa", -2.0),
        ("kappa", math.nan),
        ("rho", -1e-3),
        ("rho", INF),
        ("lam", -1e-12),
        ("lam", math.nan),
    ],
)
def test_out_of_domain_values_name_the_parameter(name, bad):
    args = {"tau": 0.5, "alpha": 1.0, "kappa": 0.5, "rho": 0.01, "lam": 0.0}
    args[name] = bad
    for f in (A.e_icl, A.e_idg, A.g_task, A.epsilon):
        with pytest.raises(ParameterError, match=rf"^{name} must be"):
            f(**args)
    with pytest.raises(ParameterError, match=rf"^{name} must be"):
        A.e_icl(**{**args, name: np.array([0.5, bad])})


def test_non_broadcastable_shapes_and_bad_mixtures():
    with pytest.raises(ParameterError, match="tau, alpha, kappa, rho, lam must be broadcast-compatible"):
        A.e_icl(np.ones(3), np.ones(4), 0.5, 0.01, 0.0)
    with pytest.raises(ParameterError, match="^kappa must be a real"):
        A.e_icl(0.5, 1.0, "many", 0.01, 0.0)
    with pytest.raises(ParameterError, match="^alpha must be a scalar"):
        A.e_icl(mpmath.mpf(0.5), np.ones(2), 0.5, 0.01, 0.0)
    with pytest.raises(ParameterError, match="^z must be"):
        A.stieltjes_mp(0.0, 1.0)
    with pytest.raises(ParameterError, match="^kappa must be"):
        A.stieltjes_mp(1.0, 0.0)
    with pytest.raises(ParameterError, match="^kappa must be"):
        Ref.reference(0.5, 1.0, 0.0, 0.01, 0.0)
