"""Stieltjes transforms from a defining polynomial: branch selection, closed forms, numerics."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from icl_sym.core.stieltjes import StieltjesTransform, marchenko_pastur, stable_quadratic_root

MP = marchenko_pastur()
Z, KAPPA = MP.z, MP.parameters[0]


@pytest.fixture
def dps30():
    with mpmath.workdps(30):
        yield


def semicircle_with_spurious_root() -> StieltjesTransform:
    """Wigner semicircle (``m^2 + z m + 1 = 0``, kernel x-z) times ``(m - 3i)``.

    The spurious constant root ``3i`` lies in the Herglotz half-plane for every ``Im z > 0``, so
    the half-plane condition alone is ambiguous and the evaluator must continue from infinity.
    """
    z, m = sp.symbols("z m")
    return StieltjesTransform(
        sp.expand((m**2 + z * m + 1) * (m - 3 * sp.I)), m, z, kernel="x-z", samples=[{"z": 3.0}, {"z": 7.5}]
    )


def semicircle_exact(z):
    """Herglotz semicircle transform: the product of principal roots is analytic off [-2, 2]."""
    return (-z + mpmath.sqrt(z - 2) * mpmath.sqrt(z + 2)) / 2


# ----------------------------------------------------------------- Marchenko-Pastur closed form
def test_mp_closed_form_is_the_papers_formula():
    a = Z + 1 - 1 / KAPPA
    paper = 2 / (a + sp.sqrt(a**2 + 4 * Z / KAPPA))
    assert sp.simplify(sp.radsimp(MP.closed_form - paper)) == 0


def test_mp_derivative_is_d_dz_of_closed_form(dps30):
    diff = sp.diff(MP.closed_form, Z) - MP.derivative
    fn = sp.lambdify((Z, KAPPA), diff, "mpmath")
    for z, k in [(0.01, 0.3), (0.5, 0.5), (3.0, 1.0), (40.0, 7.0)]:
        assert abs(fn(mpmath.mpf(z), mpmath.mpf(k))) < mpmath.mpf(10) ** -25


def test_mp_stable_form_equals_closed_form(dps30):
    closed = sp.lambdify((Z, KAPPA), MP.closed_form, "mpmath")
    stable = sp.lambdify((Z, KAPPA), MP.stable_form[0], "mpmath")
    for z in map(mpmath.mpf, ("1e-3", "0.2", "5")):
        for k in map(mpmath.mpf, ("0.01", "0.5", "1", "50")):
            assert abs(stable(z, k) - closed(z, k)) <= mpmath.mpf(10) ** -25 * abs(closed(z, k))


# ----------------------------------------------------------------- Section 9.2 reference values
@pytest.mark.parametrize(
    ("z", "kappa", "m", "mp"),
    [(0.5, 0.5, 1.2807764064, -2.2126781252), (1.0, 1.0, 0.6180339887, -0.4472135955), (2.0, math.inf, 1 / 3, -1 / 9)],
)
def test_mp_reference_values(z, kappa, m, mp):
    value, derivative = MP.numeric("numpy")(np.float64(z), np.float64(kappa))
    assert value == pytest.approx(m, abs=1e-10)
    assert derivative == pytest.approx(mp, abs=1e-10)
    with mpmath.workdps(30):
        assert float(MP.evaluate_mp(z, kappa)) == pytest.approx(m, abs=1e-10)
        assert float(MP.derivative_mp(z, kappa)) == pytest.approx(mp, abs=1e-10)


# ----------------------------------------------------------------- Herglotz branch
def test_mp_herglotz_sign_and_decay(dps30):
    for z in (mpmath.mpc(-1.5, 1e-3), mpmath.mpc(-0.2, 0.5), mpmath.mpc(3, 2), mpmath.mpc(-4, -0.1)):
        for k in (0.3, 2.0):
            m = MP.evaluate_mp(z, k)
            # kernel x+z: Im m has the sign opposite to Im z.
            assert mpmath.im(m) * mpmath.im(z) < 0
    far = mpmath.mpc(1e8, 3e7)
    assert abs(far * MP.evaluate_mp(far, 0.7) - 1) < 1e-6


@pytest.mark.parametrize("kappa", [0.25, 1.0, 4.0])
def test_mp_density_from_boundary_value_has_the_right_mass_and_mean(kappa, dps30):
    """-Im M(-E + i0)/pi is the eigenvalue density: bulk mass min(1, kappa), first moment 1."""
    lo, hi = (1 - kappa**-0.5) ** 2, (1 + kappa**-0.5) ** 2

    def density(e):
        return -mpmath.im(MP.evaluate_mp(-e, kappa)) / mpmath.pi

    with mpmath.workdps(20):
        mass = mpmath.quad(density, [lo, 1, hi] if lo < 1 < hi else [lo, hi])
        mean = mpmath.quad(lambda e: e * density(e), [lo, hi])
    assert float(mass) == pytest.approx(min(1.0, kappa), abs=1e-8)
    assert float(mean) == pytest.approx(1.0, abs=1e-8)


def test_principal_sqrt_complexification_would_pick_the_wrong_branch(dps30):
    """The pitfall of tooling note Section 1.2: the real-axis closed form is not the transform off the axis."""
    closed = sp.lambdify((Z, KAPPA), MP.closed_form, "mpmath")
    wrong = 0
    for e in np.linspace(-4.0, -1.5, 26):
        z = mpmath.mpc(e, 1e-3)
        herglotz = MP.evaluate_mp(z, 2.0)
        assert mpmath.im(herglotz) < 0
        wrong += abs(closed(z, 2.0) - herglotz) > 1e-6
    assert wrong > 0


def test_real_axis_outside_support_returns_real(dps30):
    value = MP.evaluate_mp(0.7, 0.3)
    assert isinstance(value, mpmath.mpf) and value > 0


def test_kappa_infinity_drops_the_degree(dps30):
    assert MP.evaluate_mp(2, mpmath.inf) == mpmath.mpf(1) / 3
    assert abs(MP.derivative_mp(2, mpmath.inf) + mpmath.mpf(1) / 9) < mpmath.mpf(10) ** -28


def test_cubic_silverstein_equation(dps30):
    """Population 1/2 delta_1 + 1/2 delta_3, ratio 1/2 (tooling note Section 5.2): the Im > 0 root."""
    z, m = sp.symbols("z m")
    cubic = StieltjesTransform(
        12 * z * m**3 + (16 * z + 6) * m**2 + (4 * z + 12) * m + 4, m, z, kernel="x-z", samples=[{"z": -1.0}]
    )
    value = cubic.evaluate_mp(mpmath.mpc(2, 0.05))
    assert abs(value - mpmath.mpc("-0.384897080767995", "0.243104007286222")) < 1e-12
    closed = sp.lambdify(z, cubic.closed_form, "mpmath")
    for x in (mpmath.mpf("-0.3"), mpmath.mpf(-4)):
        assert abs(closed(x) - cubic.evaluate_mp(x)) < 1e-25


def test_ambiguous_half_plane_is_resolved_by_continuation(dps30):
    s = semicircle_with_spurious_root()
    for z in (mpmath.mpc(0.5, 0.2), mpmath.mpc(-1.9, 0.01), mpmath.mpc(3, 1), mpmath.mpc(0.3, -0.4)):
        assert abs(s.evaluate_mp(z) - semicircle_exact(z)) < mpmath.mpf(10) ** -25
    # On the real axis inside the support: the boundary value from above.
    assert abs(s.evaluate_mp(1.0) - semicircle_exact(mpmath.mpc(1, mpmath.mpf(10) ** -40))) < 1e-20
    assert sp.simplify(s.closed_form - (-s.z + sp.sqrt(s.z**2 - 4)) / 2) == 0


# ----------------------------------------------------------------- vectorised numerics
def test_numeric_backends_match_the_mpmath_reference(dps30):
    zs = np.logspace(-6, 7, 27)
    ks = np.append(np.logspace(-4, 4, 17), np.inf)
    zz, kk = np.meshgrid(zs, ks)
    m, dm = MP.numeric("numpy")(zz, kk)
    ref = np.array([[float(MP.evaluate_mp(z, k)) for z in zs] for k in ks])
    dref = np.array([[float(MP.derivative_mp(z, k)) for z in zs] for k in ks])
    np.testing.assert_allclose(m, ref, rtol=4e-15)
    np.testing.assert_allclose(dm, dref, rtol=4e-15)
    value, derivative = MP.numeric("mpmath")(mpmath.mpf("1e-4"), mpmath.mpf("1e-3"))
    assert abs(value - MP.evaluate_mp(mpmath.mpf("1e-4"), mpmath.mpf("1e-3"))) < mpmath.mpf(10) ** -25 * value


def test_numeric_torch_matches_numpy():
    torch = pytest.importorskip("torch")
    z = np.logspace(-5, 5, 11)
    k = np.array([1e-3, 0.1, 0.9, 1.0, 1.1, 10, 1e3, np.inf, 0.5, 2.0, 3.0])
    m_np, dm_np = MP.numeric("numpy")(z, k)
    m_t, dm_t = MP.numeric("torch")(torch.tensor(z), torch.tensor(k))
    assert m_t.dtype == torch.float64
    np.testing.assert_allclose(m_t.numpy(), m_np, rtol=1e-15)
    np.testing.assert_allclose(dm_t.numpy(), dm_np, rtol=1e-15)


def test_stable_quadratic_root_equals_the_textbook_root_in_every_sign_case():
    a, c = sp.symbols("a c", nonzero=True)
    for b in (sp.Symbol("b", positive=True), -sp.Symbol("beta", positive=True)):
        for sign in (1, -1):
            root, slope = stable_quadratic_root(a, b, c, sign)
            textbook = (-b + sign * sp.sqrt(b**2 - 4 * a * c)) / (2 * a)
            assert sp.simplify(root - textbook) == 0
            assert sp.simplify(slope - (2 * a * textbook + b)) == 0


def test_stable_quadratic_root_keeps_full_relative_precision():
    a_, b_, c_ = sp.symbols("a b c", real=True)
    fns = {s: sp.lambdify((a_, b_, c_), stable_quadratic_root(a_, b_, c_, s)[0], "numpy") for s in (1, -1)}
    rng = np.random.default_rng(7)
    coeffs = rng.normal(size=(400, 3)) * np.exp(rng.uniform(-20, 20, size=(400, 3)))
    worst = 0.0
    with mpmath.workdps(200):
        for a, b, c in coeffs:
            disc = mpmath.mpf(b) ** 2 - 4 * mpmath.mpf(a) * mpmath.mpf(c)
            if disc < mpmath.mpf(b) ** 2 * 1e-6:  # near-double roots are ill-conditioned for any formula
                continue
            for s, fn in fns.items():
                exact = (-mpmath.mpf(b) + s * mpmath.sqrt(disc)) / (2 * mpmath.mpf(a))
                worst = max(worst, float(abs((fn(a, b, c) - exact) / exact)))
    assert worst < 1e-15


# ----------------------------------------------------------------- errors
def test_errors():
    z, m, k = sp.symbols("z m k")
    with pytest.raises(ValueError, match="kernel"):
        StieltjesTransform(m**2 + z * m + 1, m, z, kernel="x*z")
    with pytest.raises(ValueError, match="sample"):
        StieltjesTransform(m**2 + z * m + 1, m, z).closed_form
    with pytest.raises(ValueError, match="lacks a value"):
        StieltjesTransform(k * m**2 + z * m + 1, m, z, (k,), samples=[{"z": 1.0}]).closed_form
    with pytest.raises(ValueError, match="degree"):
        StieltjesTransform(z + 1, m, z)
    cubic = StieltjesTransform(m**3 + z * m + 1, m, z, samples=[{"z": 1.0}])
    with pytest.raises(ValueError, match="degree <= 2, got 3"):
        cubic.numeric("numpy")
    with pytest.raises(ValueError, match="backend"):
        MP.numeric("jax")
