"""ISO setting: the optimal L-step loss, its optimal step size and their limits (Results 1, 2).

Bordelon, Letey, Pehlevan (2026), Sec. 3.1 and App. C.2; see docs/theory/bordelon2025.md, section "ISO".
With isotropic data the reduced model is Γ = γ I, one layer is one gradient step of size c = γ/L, and the
population loss (σ = 0, normalised so that Γ = 0 gives 1) is the Marchenko–Pastur average

    ℓ_L(c) = ∫ ρ_MP(λ) (1 − c λ)^{2L} dλ,   ρ_MP including its atom (1 − α)₊ δ(λ).

Derivation ``bordelon2025.iso`` proves, for every depth L and every α > 0, that the minimiser is
c⋆ = α/(1 + α) (the inverse midpoint of the bulk), and that the minimum is

    ℓ⋆(α, L) = 1 − α/(1+α) Σ_{n<L} Cat_n xⁿ = (1 − α)₊ + α/(1+α) Σ_{n≥L} Cat_n xⁿ,   x = α/(1+α)²,

with Cat_n the Catalan numbers. The second (tail) form has positive terms only: :func:`iso_optimal_loss`
evaluates it without cancellation, so the loss keeps full relative accuracy where it is tiny.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp
from scipy.special import gammaln

from icl_sym.core.checks import Exact, ExactAtSizes, NumericIdentity, expanded_numerator
from icl_sym.core.derivation import Derivation, Step
from icl_sym.core.formula import Formula, Param
from icl_sym.core.limits import LimitCheck
from icl_sym.core.validation import ParameterError, Range, check_array, check_int

from .symbols import L, alpha, cite, lam
from .theory import THEORY

__all__ = [
    "iso_optimal_loss",
    "iso_optimal_loss_mp",
    "iso_optimal_step",
    "iso_optimal_gamma",
    "iso_loss_polynomial",
    "narayana_moment",
    "mp_bulk_density",
    "iso_flow_rate",
    "iso_reducible_loss",
    "iso_gradient_flow",
    "iso_flow_fixed_point",
    "ALPHA_RANGE",
]

ALPHA_RANGE = Range(0, low_open=True)

#: Per-step size c = γ/L, centred bulk variable u ∈ [−1, 1] (λ = m + h u), summation indices.
c = sp.Symbol("c", positive=True)
u = sp.Symbol("u", real=True)
n = sp.Symbol("n", integer=True, nonnegative=True)
k = sp.Symbol("k", integer=True, positive=True)

#: Bulk edges, midpoint m = (λ₊ + λ₋)/2 and half-width h = (λ₊ − λ₋)/2 of the MP law with ratio α.
lam_plus = (1 + 1 / sp.sqrt(alpha)) ** 2
lam_minus = (1 - 1 / sp.sqrt(alpha)) ** 2
midpoint = 1 + 1 / alpha
half_width = 2 / sp.sqrt(alpha)
#: x = α/(1+α)² (the Catalan variable) and q = 4x = (h/m)² ≤ 1.
x_catalan = alpha / (1 + alpha) ** 2
q_ratio = 4 * alpha / (1 + alpha) ** 2
#: The optimal per-step size c⋆ = 1/m = α/(1+α).
c_star = alpha / (1 + alpha)
atom = sp.Max(1 - alpha, 0)


def mp_bulk_density(lam_value: sp.Expr = lam) -> sp.Expr:
    """The absolutely continuous part of the MP law with ratio α on [λ₋, λ₊] (mass min(α, 1))."""
    return alpha * sp.sqrt((lam_plus - lam_value) * (lam_value - lam_minus)) / (2 * sp.pi * lam_value)


def narayana_moment(order: int) -> sp.Expr:
    """⟨λ^order⟩ under the MP law with ratio α, atom included: the Narayana polynomial in 1/α."""
    if order == 0:
        return sp.Integer(1)
    return sp.Add(*(sp.binomial(order, r) * sp.binomial(order - 1, r) / (r + 1) * alpha ** (-r)
                    for r in range(order)))


def iso_loss_polynomial(depth: int, step: sp.Expr = c) -> sp.Expr:
    """ℓ_L(c) = ⟨(1 − cλ)^{2L}⟩_MP as an exact polynomial in c with Narayana-moment coefficients."""
    return sp.Add(*(sp.binomial(2 * depth, j) * (-step) ** j * narayana_moment(j) for j in range(2 * depth + 1)))


def _semicircle_moment_from_expansion(order: int) -> sp.Expr:
    """⟨λ^order⟩ computed from the semicircle form of λρ(λ)dλ: expand (m + h u)^{order−1}."""
    terms = [sp.binomial(order - 1, 2 * i) * midpoint ** (order - 1 - 2 * i) * half_width ** (2 * i)
             * sp.catalan(i) / 4**i for i in range((order - 1) // 2 + 1)]
    return sp.Add(*terms)


#: ℓ⋆ in finite form (a polynomial sum of L terms) and the tail of the Catalan series.
optimal_loss_finite = 1 - c_star * sp.Sum(sp.catalan(n) * x_catalan**n, (n, 0, L - 1))


#: ℓ⋆ in positive tail form for symbolic L: (1 − α)₊ + α/(1+α) Cat_L x^L ₂F₁(1, L + 1/2; L + 2; 4x).
optimal_loss_tail = atom + c_star * sp.binomial(2 * L, L) / (L + 1) * x_catalan**L * sp.hyper(
    (1, L + sp.Rational(1, 2)), (L + 2,), q_ratio)


def _optimal_loss_tail_hyper(depth: int) -> sp.Expr:
    """(1 − α)₊ + α/(1+α) Cat_L x^L ₂F₁(1, L + 1/2; L + 2; 4x): the positive tail form at a given depth."""
    return atom + c_star * sp.catalan(depth) * x_catalan**depth * sp.hyper(
        (1, depth + sp.Rational(1, 2)), (depth + 2,), q_ratio)


# --------------------------------------------------------------------------------------------------
# Numerics
# --------------------------------------------------------------------------------------------------

#: Below this q = 4α/(1+α)² the positive tail series converges fast enough (≤ ~2000 terms); above it the
#: finite form is used, where the loss is large enough that its cancellation costs at most a few digits.
_Q_SERIES = 0.98
#: Beyond this depth the finite form's L-term loop costs more than one mpmath evaluation.
_FINITE_MAX_DEPTH = 4096
#: Where the finite form would leave the loss below this, it cancels too much: mpmath takes over.
_FINITE_FLOOR = 1e-4


def _check_alpha_depth(alpha_value, depth) -> tuple[np.ndarray, int]:
    a = check_array("alpha", alpha_value, ALPHA_RANGE)
    return a, check_int("L", depth, 1)


def iso_optimal_step(alpha_value, depth=1) -> np.ndarray:
    """The optimal per-step size c⋆ = γ⋆/L = α/(1+α) of L-step ISO in-context GD, for every depth L.

    Bordelon, Letey, Pehlevan (2026), Result 1 (Sec. 3.1); proved for every L and α > 0 in the derivation
    ``bordelon2025.iso`` (docs/theory/bordelon2025.md, "ISO"). Vectorised in ``alpha``.
    """
    a, _ = _check_alpha_depth(alpha_value, depth)
    return a / (1 + a)


def iso_optimal_gamma(alpha_value, depth) -> np.ndarray:
    """The optimal scale γ⋆ = L α/(1+α) of the reduced model Γ = γ I (the step size is γ/L per layer)."""
    a, depth = _check_alpha_depth(alpha_value, depth)
    return depth * a / (1 + a)


def _log_first_tail_term(x: np.ndarray, depth: int) -> np.ndarray:
    """log(Cat_L x^L), without overflow for any L."""
    log_catalan = gammaln(2 * depth + 1) - 2 * gammaln(depth + 1) - np.log(depth + 1.0)
    return log_catalan + depth * np.log(x)


def _hyp_series(q: np.ndarray, depth: int) -> np.ndarray:
    """₂F₁(1, L + 1/2; L + 2; q) for q ≤ _Q_SERIES by its positive series, vectorised over q."""
    total = np.ones_like(q)
    term = np.ones_like(q)
    active = np.ones(q.shape, dtype=bool)
    index = 0
    while np.any(active):
        term = np.where(active, term * q * (depth + 0.5 + index) / (depth + 2.0 + index), 0.0)
        total += term
        index += 1
        # The terms decrease at least geometrically with ratio q: the remainder is below term q/(1 − q).
        active &= term * q / (1 - q) > 1e-17 * total
    return total


def iso_optimal_loss_mp(alpha_value, depth: int, dps: int = 30) -> mpmath.mpf:
    """ℓ⋆(α, L) at ``dps`` digits (mpmath): the positive tail form with mpmath's ₂F₁. One α at a time."""
    a, depth = _check_alpha_depth(alpha_value, depth)
    if a.ndim:
        raise ParameterError("alpha", "a scalar for the mpmath evaluation", alpha_value)
    with mpmath.workdps(dps + 10):
        al = mpmath.mpf(float(a))
        x = al / (1 + al) ** 2
        q = 4 * x
        catalan = mpmath.binomial(2 * depth, depth) / (depth + 1)
        if q <= _Q_SERIES:  # positive series; mpmath's ₂F₁ is slow here for large L
            total = term = mpmath.mpf(1)
            index, eps = 0, mpmath.mpf(10) ** (-(dps + 5))
            while term * q / (1 - q) > eps * total:
                term *= q * (depth + mpmath.mpf(1) / 2 + index) / (depth + 2 + index)
                total += term
                index += 1
        else:
            total = mpmath.hyp2f1(1, depth + mpmath.mpf(1) / 2, depth + 2, q)
        value = max(1 - al, 0) + al / (1 + al) * catalan * x**depth * total
    return +value


def iso_optimal_loss(alpha_value, depth) -> np.ndarray:
    """ℓ⋆(α, L) = min_c ⟨(1 − cλ)^{2L}⟩_MP, the optimal L-step ISO loss (σ = 0; Γ = 0 gives 1).

    Bordelon, Letey, Pehlevan (2026), Result 1 and Fig. 1(c) (Sec. 3.1); closed form derived in
    ``bordelon2025.iso`` (docs/theory/bordelon2025.md, "ISO"). Vectorised in ``alpha`` (α > 0); ``depth``
    is an integer L ≥ 1. Full relative accuracy (about 1e-13) also where the loss is tiny: the positive tail
    series is summed where it converges fast, the finite form (cancellation-free enough there) near α = 1, and
    mpmath where neither applies. Values below the float64 range (about 1e-308, only at very large L)
    underflow to zero.
    """
    a, depth = _check_alpha_depth(alpha_value, depth)
    flat = np.atleast_1d(a).ravel()
    out = np.empty_like(flat)
    x = flat / (1 + flat) ** 2
    q = 4 * x
    weight = flat / (1 + flat)

    series = q <= _Q_SERIES
    if np.any(series):
        tail = np.exp(_log_first_tail_term(x[series], depth)) * _hyp_series(q[series], depth)
        out[series] = np.maximum(1 - flat[series], 0) + weight[series] * tail

    near_one = np.flatnonzero(~series)
    if near_one.size and depth > _FINITE_MAX_DEPTH:  # the L-term loop would be slow: mpmath directly
        for i in near_one:
            out[i] = float(iso_optimal_loss_mp(flat[i], depth, dps=20))
    elif near_one.size:
        xs = x[near_one]
        partial, term = np.zeros_like(xs), np.ones_like(xs)
        for index in range(depth):  # Σ_{n<L} Cat_n xⁿ by the ratio Cat_{n+1}/Cat_n = 2(2n+1)/(n+2)
            partial += term
            term = term * xs * 2 * (2 * index + 1) / (index + 2)
        finite = 1 - weight[near_one] * partial
        out[near_one] = finite
        for i in near_one[finite < _FINITE_FLOOR]:
            out[i] = float(iso_optimal_loss_mp(flat[i], depth, dps=20))
    return out.reshape(a.shape) if a.ndim else out[0]


# --------------------------------------------------------------------------------------------------
# Derivation
# --------------------------------------------------------------------------------------------------

#: 1 − cλ as a free real variable: the derivative identities are then identities of powers of one base.
_base = sp.Symbol("w", real=True, nonzero=True)


def _simplify_powers_of_base(expr: sp.Expr) -> sp.Expr:
    """Simplify after writing 1 − cλ as one variable, so that its powers combine (integer exponents)."""
    return sp.simplify(sp.powsimp(sp.expand_power_exp(expr.doit().subs(lam, (1 - _base) / c))))


def _at_depths(depth_value: int) -> dict:
    return {L: depth_value}


def _at_order(order: int) -> dict:
    return {k: order}


def _max_gap_to_infinite_depth(depth_value) -> mpmath.mpf:
    """max over a grid of α (α = 1 included) of ℓ⋆(α, L) − (1 − α)₊, at depth ``depth_value``."""
    depth = int(depth_value)
    gaps = [iso_optimal_loss_mp(a, depth, dps=20) - max(1 - mpmath.mpf(a), 0)
            for a in (0.1, 0.5, 0.9, 1.0, 1.1, 2.0, 10.0)]
    return max(gaps)


@THEORY.derivation("iso")
def iso_derivation() -> Derivation:
    lam_u = midpoint + half_width * u
    semicircle = 2 / sp.pi * sp.sqrt(1 - u**2)
    signal = (1 - c * lam) ** (2 * L)
    dloss = sp.Derivative(signal, c)
    stationary_integrand = lam * (1 - c * lam) ** (2 * L - 1)
    odd_factor = (1 - lam_u / midpoint) ** (2 * L - 1)
    inverse_mid = (1 / (midpoint + half_width * u) + 1 / (midpoint - half_width * u)) / 2
    catalan_sum = sp.Sum(sp.catalan(n) * x_catalan**n, (n, 0, L - 1))
    big = sp.Symbol("s", positive=True)  # α = 1 + s > 1
    small = sp.Symbol("t", positive=True)  # α = 1/(1 + t) < 1

    def generating_relation(value, g):
        x = x_catalan.subs(alpha, value)
        return sp.simplify(x * g**2 - g + 1)

    narayana_k = sp.Function("M")(k)
    # Placeholders instantiated per depth by the checks: the exact Narayana polynomial's slope and value at c⋆.
    slope_at_star = sp.Symbol(r"\ell_L'(c_\star)")
    loss_at_star = sp.Symbol(r"\ell_L(c_\star)")
    steps = (
        Step("bulk in the centred variable",
             (lam * mp_bulk_density() * sp.Derivative(lam_u, u)).subs(lam, lam_u).doit(), semicircle,
             "Write the bulk as $\\lambda = m + h u$, $u \\in [-1, 1]$, with midpoint $m = 1 + 1/\\alpha$ and "
             "half-width $h = 2/\\sqrt{\\alpha}$; then $(\\lambda_+ - \\lambda)(\\lambda - \\lambda_-) = h^2(1-u^2)$ "
             "and $\\alpha h^2 = 4$, so $\\lambda \\rho(\\lambda) d\\lambda$ is the semicircle "
             "$\\frac{2}{\\pi}\\sqrt{1-u^2}\\,du$ for every $\\alpha > 0$.",
             Exact()),
        Step("semicircle moments",
             sp.Integral(semicircle * u ** (2 * n), (u, -1, 1)), sp.catalan(n) / 4**n,
             "Even moments of the semicircle are Catalan numbers over $4^n$ (a Beta integral); odd ones vanish.",
             Exact(simplifier=lambda e: sp.simplify(sp.hyperexpand(e.doit())))),
        Step("MP moments are Narayana polynomials",
             narayana_k, sp.Symbol("N_k(1/alpha)"),
             "$\\langle\\lambda^k\\rangle = \\int \\lambda\\rho\\,\\lambda^{k-1} = \\sum_i \\binom{k-1}{2i} m^{k-1-2i} "
             "h^{2i} \\mathrm{Cat}_i/4^i$ (the two steps above); this equals the Narayana polynomial "
             "$\\sum_{r<k} \\frac{1}{r+1}\\binom{k}{r}\\binom{k-1}{r}\\alpha^{-r}$. The atom adds only to $k = 0$, "
             "where the total mass is 1. Checked for $k = 1..10$.",
             ExactAtSizes(lambda order: {narayana_k: _semicircle_moment_from_expansion(order),
                                         sp.Symbol("N_k(1/alpha)"): narayana_moment(order)},
                          tuple(range(1, 11)))),
        Step("stationarity",
             dloss, -2 * L * stationary_integrand,
             "The loss $\\ell_L(c) = \\langle (1 - c\\lambda)^{2L}\\rangle$ is stationary where "
             "$\\langle \\lambda (1 - c\\lambda)^{2L-1}\\rangle = 0$. The atom at $\\lambda = 0$ (present when "
             "$\\alpha < 1$) is multiplied by $\\lambda$ and drops out: the optimum is the same for $\\alpha < 1$.",
             Exact(simplifier=_simplify_powers_of_base)),
        Step("weight symmetric about the midpoint",
             semicircle.subs(u, -u), semicircle,
             "The stationarity integral is against $\\lambda\\rho(\\lambda)d\\lambda$, the semicircle: even in $u$, "
             "i.e. symmetric about the bulk midpoint $m$.",
             Exact()),
        Step("odd factor at the inverse midpoint",
             odd_factor.subs(u, -u), -odd_factor,
             "At $c = 1/m$, $1 - \\lambda/m = -h u/m$ and its odd power $2L - 1$ is odd in $u$; an odd function "
             "against a symmetric weight integrates to 0, so $c_\\star = 1/m = \\alpha/(1+\\alpha)$ is stationary "
             "for every $L$.",
             Exact()),
        Step("strict convexity",
             sp.Derivative(signal, c, 2), 2 * L * (2 * L - 1) * lam**2 * (1 - c * lam) ** (2 * L - 2),
             "The second derivative of the integrand is a non-negative even power, positive off a finite set; "
             "the bulk has mass $\\min(\\alpha, 1) > 0$, so $\\ell_L$ is strictly convex and $c_\\star$ is its "
             "unique minimiser.",
             Exact(simplifier=_simplify_powers_of_base)),
        Step("optimal step, exact per depth",
             slope_at_star, sp.Integer(0),
             "Independent check with the exact Narayana polynomial $\\ell_L(c) = \\sum_j \\binom{2L}{j}(-c)^j "
             "\\langle\\lambda^j\\rangle$: its derivative vanishes at $c = \\alpha/(1+\\alpha)$, as a rational "
             "identity in $\\alpha$, for $L = 1..6$.",
             ExactAtSizes(lambda depth: {slope_at_star: sp.diff(iso_loss_polynomial(depth), c).subs(c, c_star)},
                          tuple(range(1, 7)), simplifier=expanded_numerator)),
        Step("integrand at the optimal step",
             ((1 - c_star * lam) ** (2 * L)).subs(lam, lam_u), q_ratio**L * u ** (2 * L),
             "At $c_\\star = 1/m$: $(1 - \\lambda/m)^{2L} = (h/m)^{2L} u^{2L} = q^L u^{2L}$ with "
             "$q = 4\\alpha/(1+\\alpha)^2 \\le 1$.",
             Exact()),
        Step("symmetrised inverse",
             inverse_mid, (1 / midpoint) / (1 - q_ratio * u**2),
             "The bulk weight is $\\rho\\,d\\lambda = \\frac{2}{\\pi}\\sqrt{1-u^2}\\,du/(m + hu)$; against the even "
             "$u^{2L}$ only its even part counts, a geometric series in $q u^2$ with positive terms.",
             Exact()),
        Step("optimal loss, finite form",
             loss_at_star, optimal_loss_finite,
             "Integrating the geometric series term by term with the semicircle moments gives "
             "$\\ell_\\star = (1-\\alpha)_+ + \\frac{\\alpha}{1+\\alpha}\\sum_{n\\ge L} \\mathrm{Cat}_n x^n$, "
             "$x = \\alpha/(1+\\alpha)^2$; with the full sum (next steps) this is the finite form. Checked "
             "exactly against the Narayana polynomial at $c_\\star$ for $L = 1..6$.",
             ExactAtSizes(lambda depth: {loss_at_star: iso_loss_polynomial(depth, c_star), L: depth},
                          tuple(range(1, 7)), simplifier=expanded_numerator)),
        Step("Catalan generating function, alpha > 1",
             generating_relation(1 + big, (2 + big) / (1 + big)), sp.Integer(0),
             "$G(x) = \\sum_n \\mathrm{Cat}_n x^n$ is the root of $x G^2 - G + 1 = 0$ with $G(0) = 1$; at "
             "$x = \\alpha/(1+\\alpha)^2$ and $\\alpha > 1$ that root is $(1+\\alpha)/\\alpha$, so the full sum "
             "gives $\\frac{\\alpha}{1+\\alpha} G = 1$ and the two forms agree with no atom.",
             Exact()),
        Step("Catalan generating function, alpha < 1",
             generating_relation(1 / (1 + small), 1 + 1 / (1 + small)), sp.Integer(0),
             "For $\\alpha < 1$ the root is $1 + \\alpha$, so $\\frac{\\alpha}{1+\\alpha} G = \\alpha$ and the tail "
             "form carries the atom $(1-\\alpha)_+$: the loss never falls below it.",
             Exact()),
        Step("positive tail form",
             optimal_loss_finite.subs(L, 7).doit(), _optimal_loss_tail_hyper(7),
             "The tail $\\sum_{n \\ge L}\\mathrm{Cat}_n x^n = \\mathrm{Cat}_L x^L\\,{}_2F_1(1, L+\\tfrac12; L+2; 4x)$ "
             "(term ratio $4x(n+\\tfrac12)/(n+2)$) has positive terms only: this is the form evaluated numerically. "
             "Checked at $L = 7$ at random $\\alpha \\in [0.05, 50]$.",
             NumericIdentity({alpha: (0.05, 50.0)}, points=6)),
        Step("depth one (erratum to Sec. 3.1)",
             optimal_loss_finite.subs(L, 1).doit(), 1 / (1 + alpha),
             "$L = 1$: $\\ell_\\star = 1/(1+\\alpha)$. The paper prints $(1+\\alpha)^{-2}$, which is "
             "$|\\Gamma_\\star - I|^2/D$ and omits the finite-context fluctuation.",
             Exact()),
        Step("monotone in depth",
             (optimal_loss_finite - optimal_loss_finite.subs(L, L + 1)),
             c_star * sp.catalan(L) * x_catalan**L,
             "Each layer subtracts a positive term: $\\ell_\\star(\\alpha, L)$ decreases in $L$. Checked exactly for "
             "$L = 1..10$.",
             ExactAtSizes(_at_depths, tuple(range(1, 11)))),
        Step("infinite context (Result 2)",
             sp.Limit(1 / (1 + alpha), alpha, sp.oo), sp.Integer(0),
             "Since $0 \\le \\ell_\\star(\\alpha, L) \\le \\ell_\\star(\\alpha, 1) = 1/(1+\\alpha)$, the loss of every "
             "depth tends to 0 as $\\alpha \\to \\infty$: one layer already reaches the optimum (Result 2).",
             LimitCheck()),
        Step("central binomial telescoping",
             sp.binomial(2 * n, n) / 4**n - sp.binomial(2 * n + 2, n + 1) / 4 ** (n + 1),
             sp.catalan(n) / (2 * 4**n),
             "Consecutive central binomials over $4^n$ differ by $\\mathrm{Cat}_n/(2\\cdot 4^n)$.",
             Exact(simplifier=lambda e: sp.simplify(sp.combsimp(e.rewrite(sp.gamma))))),
        Step("balanced context alpha = 1",
             optimal_loss_finite.subs(alpha, 1), sp.binomial(2 * L, L) / 4**L,
             "At $\\alpha = 1$ ($x = 1/4$): $\\ell_\\star = \\frac12\\sum_{n \\ge L}\\mathrm{Cat}_n 4^{-n} = "
             "\\binom{2L}{L}/4^L$ by telescoping. Checked exactly for $L = 1..12$.",
             ExactAtSizes(_at_depths, tuple(range(1, 13)))),
        Step("infinite depth",
             sp.Limit(sp.Function("gap")(L), L, sp.oo), sp.Integer(0),
             "$\\ell_\\star - (1-\\alpha)_+ = \\frac{\\alpha}{1+\\alpha}\\sum_{n\\ge L}\\mathrm{Cat}_n x^n \\to 0$ as "
             "$L \\to \\infty$ (a tail of a convergent series; like $L^{-1/2}$ at $\\alpha = 1$): the infinite-depth "
             "loss is $(1 - \\alpha)_+$. Checked numerically for $L$ up to $10^5$, on a grid of $\\alpha$ that "
             "includes 1.",
             LimitCheck(symbolic=False, implementations={"gap": _max_gap_to_infinite_depth}, terms=5, start=1,
                        tol=5e-3)),
    )
    results = (
        Formula("bordelon2025.iso_optimal_step", c_star,
                (Param(alpha, ALPHA_RANGE, "context ratio P/D"),),
                cite("Result 1, Sec. 3.1", "optimal per-step size gamma/L, every depth L"),
                "optimal per-step size of L-step ISO in-context GD", sp.Symbol(r"c_\star")),
        Formula("bordelon2025.iso_optimal_loss_depth1", 1 / (1 + alpha),
                (Param(alpha, ALPHA_RANGE, "context ratio P/D"),),
                cite("Sec. 3.1", "corrected: the paper prints (1+alpha)^-2"),
                "optimal one-layer ISO loss (sigma = 0)", sp.Symbol(r"\ell_\star^{(L=1)}")),
        Formula("bordelon2025.iso_optimal_loss", optimal_loss_tail,
                (Param(alpha, ALPHA_RANGE, "context ratio P/D"),
                 Param(L, Range(1, integer=True), "depth")),
                cite("Result 1, Fig. 1(c)", "closed form derived here; sigma = 0"),
                "optimal L-step ISO loss, positive tail form (no cancellation; mpmath evaluation)",
                sp.Symbol(r"\ell_\star")),
        Formula("bordelon2025.iso_optimal_loss_finite", optimal_loss_finite,
                (Param(alpha, ALPHA_RANGE, "context ratio P/D"),
                 Param(L, Range(1, integer=True), "depth")),
                cite("Result 1, Fig. 1(c)", "closed form derived here; sigma = 0"),
                "optimal L-step ISO loss, finite form (exact and symbolic; cancels numerically where the loss is small)",
                sp.Symbol(r"\ell_\star")),
    )
    return Derivation(
        "bordelon2025.iso",
        "ISO: the optimal step of L-step in-context GD and its loss",
        cite("Result 1 and 2, Sec. 3.1"),
        "Isotropic data ($\\Sigma = \\Omega = I$, $\\sigma = 0$), $\\Gamma = \\gamma I$, per-step size $c = \\gamma/L$. "
        "The loss is $\\ell_L(c) = \\int \\rho(\\lambda)(1 - c\\lambda)^{2L} d\\lambda$ with $\\rho$ the "
        "Marchenko-Pastur law of ratio $\\alpha = P/D$: atom $(1-\\alpha)_+$ at 0 and bulk "
        "$\\alpha\\sqrt{(\\lambda_+-\\lambda)(\\lambda-\\lambda_-)}/(2\\pi\\lambda)$ on "
        "$\\lambda_\\pm = (1 \\pm \\alpha^{-1/2})^2$.",
        steps,
        results,
    )



# --------------------------------------------------------------------------------------------------
# Result 1 with label noise: gradient flow of γ and its fixed point (App. C.2)
# --------------------------------------------------------------------------------------------------

def _semicircle_rule(depth: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes u_i and weights of ∫ (2/π)√(1−u²) f(u) du (Gauss–Chebyshev, second kind), exact for
    polynomials of degree ≤ 2·(depth + 1) + 1, which covers every integrand of the flow."""
    count = depth + 2
    angles = np.arange(1, count + 1) * np.pi / (count + 1)
    return np.cos(angles), 2 / (count + 1) * np.sin(angles) ** 2


def _flow_terms(gamma: float, alpha_value: float, depth: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """At the bulk nodes: weights, λ, 1 − cλ and p(λ) = (1 − (1 − cλ)^L)/λ = c Σ_{j<L} (1 − cλ)^j."""
    nodes, weights = _semicircle_rule(depth)
    lam_nodes = 1 + 1 / alpha_value + 2 / np.sqrt(alpha_value) * nodes
    base = 1 - gamma / depth * lam_nodes
    powers = base[None, :] ** np.arange(depth)[:, None]
    return weights, lam_nodes, base, gamma / depth * powers.sum(axis=0)


def _check_flow_args(alpha_value, depth, sigma2_value) -> tuple[float, int, float]:
    a = float(check_array("alpha", alpha_value, ALPHA_RANGE))
    s = float(check_array("sigma2", sigma2_value, Range(0)))
    return a, check_int("L", depth, 1), s


def iso_flow_rate(gamma: float, alpha_value: float, depth: int, sigma2_value: float = 0.0) -> float:
    """dγ/dt = −½ ∂_γ [ℓ(γ) − σ²] for Γ = γ I: Result 1 (σ = 0) and its noisy form (App. C.2).

    Bordelon, Letey, Pehlevan (2026), Result 1 and App. C.2, with the time convention ∂_t Γ = −½ ∂_Γ ℓ
    (docs/theory/bordelon2025.md, "ISO"). In the λρ(λ) semicircle form every integrand is a polynomial, so
    the quadrature is exact: dγ/dt = ⟨λ(1 − cλ)^{2L−1}⟩ − (σ²/α) ⟨p(λ)(1 − cλ)^{L−1}⟩_{λρ}, c = γ/L.
    """
    a, depth, s = _check_flow_args(alpha_value, depth, sigma2_value)
    weights, _, base, p = _flow_terms(float(gamma), a, depth)
    return float(weights @ (base ** (2 * depth - 1) - s / a * p * base ** (depth - 1)))


def iso_reducible_loss(gamma: float, alpha_value: float, depth: int, sigma2_value: float = 0.0) -> float:
    """ℓ(γ) − σ² = ⟨(1 − cλ)^{2L}⟩ + (σ²/α) ⟨(1 − (1 − cλ)^L)²/λ⟩ at Γ = γ I, c = γ/L (App. C.2).

    Exact quadrature of ⟨(1 − cλ)^{2L}⟩ = 1 − c ⟨Σ_{j<2L} (1 − cλ)^j⟩_{λρ}: accurate in absolute terms
    (about 1e-15); use :func:`iso_optimal_loss` for the noiseless optimum, which keeps relative accuracy.
    """
    a, depth, s = _check_flow_args(alpha_value, depth, sigma2_value)
    weights, _, base, p = _flow_terms(float(gamma), a, depth)
    c_value = float(gamma) / depth
    signal = 1 - c_value * (weights @ (base[None, :] ** np.arange(2 * depth)[:, None]).sum(axis=0))
    return float(signal + s / a * (weights @ p**2))


def iso_gradient_flow(alpha_value: float, depth: int, sigma2_value: float, times) -> np.ndarray:
    """γ(t) of the gradient flow from Γ = 0 (Result 1; App. C.2 with noise), at the requested ``times``."""
    from scipy.integrate import solve_ivp

    a, depth, s = _check_flow_args(alpha_value, depth, sigma2_value)
    t = check_array("times", times, Range(0))
    if t.ndim != 1 or np.any(np.diff(t) < 0):
        raise ParameterError("times", "a one-dimensional, non-decreasing array", times)
    solution = solve_ivp(lambda _, g: [iso_flow_rate(g[0], a, depth, s)], (0.0, float(t[-1])), [0.0],
                         t_eval=t, rtol=1e-11, atol=1e-13, method="DOP853")
    return solution.y[0]


def iso_flow_fixed_point(alpha_value: float, depth: int, sigma2_value: float = 0.0) -> float:
    """The fixed point γ_∞ the flow from Γ = 0 reaches: the first positive zero of dγ/dt.

    With σ = 0 it is L α/(1 + α) (derivation ``bordelon2025.iso``); label noise lowers it (early
    stopping regularises, App. C.2).
    """
    from scipy.optimize import brentq

    a, depth, s = _check_flow_args(alpha_value, depth, sigma2_value)
    # dγ/dt = ⟨λ⟩ = 1 > 0 at γ = 0; scan to twice the noiseless optimum for the first sign change.
    grid = np.linspace(0.0, 2 * depth * a / (1 + a), 801)
    rates = np.array([iso_flow_rate(g, a, depth, s) for g in grid])
    change = np.flatnonzero((rates[:-1] > 0) & (rates[1:] <= 0))
    if change.size == 0:
        raise ParameterError("sigma2", "such that the flow has a fixed point below 2 L alpha/(1+alpha)", s)
    i = change[0]
    if rates[i + 1] == 0:
        return float(grid[i + 1])
    return float(brentq(iso_flow_rate, grid[i], grid[i + 1], args=(a, depth, s), xtol=1e-15, rtol=1e-15))
