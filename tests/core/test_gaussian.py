"""Tests of the Gaussian moment calculus (icl_sym.core.gaussian).

Lu et al.'s Lemma 1 (conditional moments of s = (d/ell) sum y_i x_i and
q = (1/ell) sum y_i^2) serves as the worked example; the engine knows no paper.
"""

from __future__ import annotations

import doctest
import itertools

import numpy as np
import pytest
from sympy import Identity, Inverse, Matrix, MatrixSymbol, Symbol, Trace, ZeroMatrix, simplify

from icl_sym.core import gaussian
from icl_sym.core.gaussian import JointGaussian, as_scalar, canonicalize, matrix_equal, to_numpy

d = Symbol("d", positive=True, integer=True)
ell = Symbol("ell", positive=True, integer=True)
rho = Symbol("rho", positive=True)
w = MatrixSymbol("w", d, 1)
Sigma = MatrixSymbol("Sigma", d, d)


def lu_setup():
    """x ~ N(0, I/d), eps ~ N(0, rho), y = w^T x + eps, w given."""
    g = JointGaussian()
    x = g.vector("x", d, cov=Identity(d) / d)
    eps = g.scalar("eps", var=rho)
    y = g.linear("y", {x: w, eps: 1})
    return g, x, y


SIGMA2 = as_scalar(w.T * w) / d + rho  # sigma_w^2 = |w|^2/d + rho


def test_module_doctest_runs():
    failures, tried = doctest.testmod(gaussian)
    assert tried > 0 and failures == 0


# -- scalar Isserlis -------------------------------------------------------------


@pytest.fixture
def scalars():
    sy, sz, syz = Symbol("s_y", positive=True), Symbol("s_z", positive=True), Symbol("s_yz")
    g = JointGaussian()
    y = g.scalar("y", var=sy)
    z = g.scalar("z", var=sz)
    g.set_cov(y, z, syz)
    return g, y, z, sy, sz, syz


def test_scalar_fourth_and_sixth_moments(scalars):
    g, y, z, sy, sz, syz = scalars
    assert simplify(g.expect(y**4) - 3 * sy**2) == 0
    assert simplify(g.expect(y**6) - 15 * sy**3) == 0
    assert simplify(g.expect(y**2, z**2) - (sy * sz + 2 * syz**2)) == 0
    assert simplify(g.expect(y**3, z) - 3 * sy * syz) == 0
    assert g.expect(y, z) == syz and g.expect(z, y) == syz


def test_scalar_odd_moments_vanish(scalars):
    g, y, z, *_ = scalars
    assert g.expect(y) == 0
    assert g.expect(y**3) == 0
    assert g.expect(y, z**2) == 0


def test_independent_scalars_factorise():
    g = JointGaussian()
    a, b = Symbol("a", positive=True), Symbol("b", positive=True)
    u, v = g.scalar("u", var=a), g.scalar("v", var=b)
    assert g.expect(u, v) == 0
    assert simplify(g.expect(u**2, v**2) - a * b) == 0


def test_constant_factors_and_powers():
    g, x, y = lu_setup()
    assert matrix_equal(g.expect(3, y, y), 3 * SIGMA2)
    assert matrix_equal(g.expect((2 * y) ** 2), 4 * SIGMA2)
    assert g.expect(y**0) == 1


# -- vector moments ----------------------------------------------------------------


def test_second_moments_lu():
    g, x, y = lu_setup()
    assert matrix_equal(g.expect(x, x), Identity(d) / d)
    assert matrix_equal(g.expect(y, x), w / d)
    assert matrix_equal(g.expect(x, y), w / d)
    assert matrix_equal(g.cov(y, y), SIGMA2)
    assert matrix_equal(g.cov(y, x), w.T / d)


def test_lemma1_ingredients():
    g, x, y = lu_setup()
    assert matrix_equal(g.expect(y**2, x, x), SIGMA2 * Identity(d) / d + 2 * w * w.T / d**2)
    assert matrix_equal(g.expect(y**3, x), 3 * SIGMA2 * w / d)
    assert matrix_equal(g.expect(y**4), 3 * SIGMA2**2)


def test_odd_vector_moments_are_zero_of_right_shape():
    g, x, y = lu_setup()
    assert g.expect(x) == ZeroMatrix(d, 1)
    assert g.expect(y**2, x) == ZeroMatrix(d, 1)
    assert g.expect(y, x, x) == ZeroMatrix(d, d)


def test_general_covariance():
    g = JointGaussian()
    x = g.vector("x", d, cov=Sigma)
    eps = g.scalar("eps", var=rho)
    y = g.linear("y", {x: w, eps: 1})
    var_y = as_scalar(w.T * Sigma * w) + rho
    assert matrix_equal(g.cov(y, y), var_y)
    assert matrix_equal(g.expect(y**2, x, x), var_y * Sigma + 2 * Sigma * w * w.T * Sigma)
    # A vector linear combination u = A x + b eps.
    A = MatrixSymbol("A", d, d)
    b = MatrixSymbol("b", d, 1)
    u = g.linear("u", {x: A, eps: b}, dim=d)
    assert matrix_equal(g.expect(u, u), A * Sigma * A.T + rho * b * b.T)
    assert matrix_equal(g.expect(u, x), A * Sigma)
    assert matrix_equal(g.expect(x, u), Sigma * A.T)
    assert matrix_equal(g.expect(u, y), A * Sigma * w + rho * b)


def test_cross_covariance_between_vectors():
    n = Symbol("n", positive=True, integer=True)
    C = MatrixSymbol("C", d, n)
    a = MatrixSymbol("a", n, 1)
    g = JointGaussian()
    x = g.vector("x", d, cov=Identity(d))
    z = g.vector("z", n, cov=Identity(n))
    g.set_cov(x, z, C)
    t = g.linear("t", {z: a})
    assert matrix_equal(g.expect(x, z), C)
    assert matrix_equal(g.expect(z, x), C.T)
    assert matrix_equal(g.expect(t, x), C * a)
    assert matrix_equal(g.expect(t**2), as_scalar(a.T * a))
    # Two legs paired with scalars: E[t^2 x z^T] = |a|^2 C + 2 (C a)(a^T).
    assert matrix_equal(g.expect(t, t, x, z), as_scalar(a.T * a) * C + 2 * C * a * a.T)


# -- sums over ell i.i.d. copies (Lemma 1 of Lu et al. as the example) ---------------


def lemma1_moments():
    g, x, y = lu_setup()
    s = d / ell * y * x  # summand of s = (d/ell) sum_i y_i x_i
    q = y**2 / ell  # summand of q = (1/ell) sum_i y_i^2
    return {
        "E[s]": g.iid_sum_moment(s, ell=ell),
        "E[q]": g.iid_sum_moment(q, ell=ell),
        "E[ss^T]": g.iid_sum_moment(s, s, ell=ell),
        "E[sq]": g.iid_sum_moment(s, q, ell=ell),
        "E[q^2]": g.iid_sum_moment(q, q, ell=ell),
    }


def test_lemma1_exact():
    m = lemma1_moments()
    assert matrix_equal(m["E[s]"], w)
    assert matrix_equal(m["E[q]"], SIGMA2)
    expected_ss = (1 + 1 / ell) * w * w.T + ((as_scalar(w.T * w) + d * rho) / ell) * Identity(d)
    assert matrix_equal(m["E[ss^T]"], expected_ss)
    assert matrix_equal(m["E[sq]"], SIGMA2 * (1 + 2 / ell) * w)
    assert matrix_equal(m["E[q^2]"], SIGMA2**2 * (1 + 2 / ell))
    # A wrong 1/ell correction is detected.
    assert not matrix_equal(m["E[q^2]"], SIGMA2**2 * (1 + 1 / ell))


def test_iid_sum_with_separate_outer_legs():
    # E[(sum y_i x_i)(sum y_j x_j)^T] = ell E[y^2 x x^T] + ell(ell-1) E[yx] E[yx]^T.
    g, x, y = lu_setup()
    lhs = g.iid_sum_moment(y * x, y * x, ell=ell)
    rhs = ell * g.expect(y**2, x, x) + ell * (ell - 1) * g.expect(y, x) * g.expect(y, x).T
    assert matrix_equal(lhs, rhs)


def _brute_force_iid(g, summands, n_copies):
    """E[prod_j sum_i f_j(z_i)] at an explicit ell, by summing over copy assignments."""
    vector_owner = [j for j, m in enumerate(summands) for f in m.factors if f.is_vector]
    total = None
    for assignment in itertools.product(range(n_copies), repeat=len(summands)):
        column = row = None
        scale = 1
        for copy in set(assignment):
            members = [j for j, c in enumerate(assignment) if c == copy]
            factors = [summands[j] for j in members]
            value = g.expect(*factors)
            has_left = vector_owner and vector_owner[0] in members
            has_right = len(vector_owner) == 2 and vector_owner[1] in members
            if has_left:  # E[... u] or, with both legs in this copy, E[... u v^T]
                column = value
            elif has_right:
                row = value.T  # the copy's E[... v] enters as the row v^T
            else:
                scale = scale * value
        term = scale
        for part in (column, row):
            if part is not None:
                term = term * part
        total = term if total is None else total + term
    return total


@pytest.mark.parametrize("n_copies", [1, 2, 3, 4])
def test_iid_sum_matches_brute_force_at_explicit_ell(n_copies):
    # Three summands: the result is a polynomial of degree <= 3 in ell, so
    # agreement at ell = 1..4 pins it down completely.
    g, x, y = lu_setup()
    summands = [y * x, y**2, y * x]
    symbolic = g.iid_sum_moment(*summands, ell=ell)
    explicit = _brute_force_iid(g, summands, n_copies)
    assert matrix_equal(symbolic.subs(ell, n_copies), explicit)
    assert matrix_equal(g.iid_sum_moment(*summands, ell=n_copies), explicit)


def test_iid_sum_both_legs_in_one_summand():
    # E[sum_i y_i^2 x_i x_i^T] = ell E[y^2 x x^T].
    g, x, y = lu_setup()
    assert matrix_equal(g.iid_sum_moment(y**2 * x * x, ell=ell), ell * g.expect(y**2, x, x))


# -- Monte-Carlo cross-check at explicit numbers -----------------------------------


def test_lemma1_monte_carlo():
    d_num, ell_num, rho_num, n_samples = 4, 5, 0.3, 200_000
    w_num = np.array([1.2, -0.7, 0.4, 1.5])
    rng = np.random.default_rng(20240519)
    X = rng.standard_normal((n_samples, ell_num, d_num)) / np.sqrt(d_num)
    Y = X @ w_num + rng.standard_normal((n_samples, ell_num)) * np.sqrt(rho_num)
    s = (d_num / ell_num) * np.einsum("ni,nid->nd", Y, X)
    q = np.mean(Y**2, axis=1)

    values = {d: d_num, ell: ell_num, rho: rho_num, w: w_num}
    m = lemma1_moments()
    samples = {
        "E[s]": s[:, :, None],
        "E[q]": q,
        "E[ss^T]": s[:, :, None] * s[:, None, :],
        "E[sq]": (s * q[:, None])[:, :, None],
        "E[q^2]": q**2,
    }
    for key, draws in samples.items():
        theory = to_numpy(m[key], values)
        mean = draws.mean(axis=0)
        stderr = draws.std(axis=0, ddof=1) / np.sqrt(n_samples)
        assert np.shape(theory) == np.shape(mean), key
        assert np.all(np.abs(mean - theory) <= 4 * stderr), (key, mean, theory, stderr)


def test_to_numpy_matches_closed_form():
    g, x, y = lu_setup()
    w_num = np.array([[0.5], [-1.0], [2.0]])
    got = to_numpy(g.expect(y**2, x, x), {d: 3, rho: 0.25, w: w_num})
    sigma2 = float((w_num.T @ w_num)[0, 0]) / 3 + 0.25
    np.testing.assert_allclose(got, sigma2 * np.eye(3) / 3 + 2 * w_num @ w_num.T / 9, rtol=1e-14)
    assert to_numpy(g.expect(y**4), {d: 3, rho: 0.25, w: w_num.ravel()}) == pytest.approx(3 * sigma2**2, rel=1e-14)


# -- canonical form and matrix_equal ------------------------------------------------


def test_matrix_equal_true_and_false():
    sigma2 = Symbol("sigma2", positive=True)
    a = sigma2 * Identity(d) / d + 2 * w * w.T / d**2
    assert matrix_equal(a, (2 / d**2) * w * w.T + (sigma2 / d) * Identity(d))
    assert not matrix_equal(a, (3 / d**2) * w * w.T + (sigma2 / d) * Identity(d))
    assert not matrix_equal(a, 2 * w * w.T / d**2)
    assert not matrix_equal(w, w.T)  # shapes differ
    assert matrix_equal(ZeroMatrix(d, d), a - a)


def test_one_by_one_products_are_canonical_scalars():
    v = MatrixSymbol("v", d, 1)
    assert as_scalar(w.T * w) == Trace(w.T * w)
    assert as_scalar(v.T * w) == as_scalar(w.T * v)
    assert as_scalar((Sigma * w).T * v) == as_scalar(v.T * Sigma * w)
    assert matrix_equal(w.T * w, Trace(w * w.T))
    assert matrix_equal(w * w.T * w * w.T, as_scalar(w.T * w) * w * w.T)
    assert matrix_equal(Sigma * Sigma, Sigma**2)
    assert matrix_equal((Sigma * w * v.T).T, v * w.T * Sigma.T)
    assert not matrix_equal(Sigma, Sigma.T)  # atoms are free: symmetry is not assumed


def test_canonicalize_is_idempotent_and_matches_results():
    g, x, y = lu_setup()
    result = g.expect(y**2, x, x)
    assert canonicalize(result) == result
    hand = 2 * w * w.T / d**2 + (rho / d + as_scalar(w.T * w) / d**2) * Identity(d)
    assert canonicalize(hand) == result


# -- errors ---------------------------------------------------------------------------


def test_three_vector_factors_rejected():
    g, x, y = lu_setup()
    with pytest.raises(ValueError, match="factors: at most two vector factors"):
        g.expect(x, x, x)
    with pytest.raises(ValueError, match="summands: at most two vector factors"):
        g.iid_sum_moment(y * x, y * x, x, ell=ell)


def test_bad_declarations_rejected():
    g, x, y = lu_setup()
    with pytest.raises(ValueError, match="cov: expected shape"):
        g.vector("z", d, cov=Identity(d + 1))
    with pytest.raises(ValueError, match=r"terms\[x\]: expected shape"):
        g.linear("t", {x: 1})
    with pytest.raises(ValueError, match="name 'y' is already used"):
        g.scalar("y", var=1)
    with pytest.raises(ValueError, match="a: 'y' is a linear combination"):
        g.set_cov(y, x, w.T)
    with pytest.raises(ValueError, match="dim must be"):
        g.vector("z", 0, cov=Identity(1))
    with pytest.raises(ValueError, match="does not belong"):
        JointGaussian().expect(x)


def test_bad_arguments_rejected():
    g, x, y = lu_setup()
    with pytest.raises(ValueError, match="exponent"):
        y**-1
    with pytest.raises(ValueError, match="ell must be"):
        g.iid_sum_moment(y, ell=-2)
    with pytest.raises(ValueError, match="a: unsupported matrix expression Inverse"):
        matrix_equal(Inverse(Sigma), Sigma)
    with pytest.raises(ValueError, match="explicit matrices"):
        canonicalize(Matrix([[1, 0], [0, 1]]))
    with pytest.raises(ValueError, match="values: no value for rho"):
        to_numpy(g.expect(y, y), {d: 3, w: np.ones(3)})
    with pytest.raises(ValueError, match="values: w has shape"):
        to_numpy(g.expect(y, y), {d: 3, rho: 1.0, w: np.ones(4)})
