"""Stieltjes transforms defined by a polynomial equation, with the branch chosen by a stated condition.

A random-matrix resolvent trace ``m(z)`` is usually known only implicitly, as a root of a
polynomial ``P(m; z, params) = 0`` (Marchenko-Pastur: a quadratic; two-atom population
covariances: a cubic, ...). Which root is the transform is a *condition*, not a sign choice:
``m`` is the Stieltjes transform of a probability measure ``mu`` on the real line, so it is
analytic off the support and maps each half-plane into a fixed half-plane (Herglotz property).

Two kernels are supported (``kernel=``):

* ``"x+z"`` (resolvent convention, e.g. ``M(z) = lim (1/d) tr (R + z)^{-1}`` with ``R >= 0``):
  ``m(z) = int mu(dx) / (x + z)``; ``Im m < 0`` when ``Im z > 0``; ``z m(z) -> 1`` as
  ``|z| -> inf``; on ``z > 0`` (for ``mu`` on ``[0, inf)``) ``m`` is real, positive and
  ``<= 1/z``.
* ``"x-z"`` (standard Stieltjes convention): ``m(z) = int mu(dx) / (x - z)``; ``Im m > 0``
  when ``Im z > 0``; ``z m(z) -> -1``.

:class:`StieltjesTransform` selects the root by that condition in three places:

* :meth:`StieltjesTransform.evaluate_mp` (reference, any precision): all roots by
  ``mpmath.polyroots``; the root in the Herglotz half-plane is returned. On the real axis the
  boundary value ``m(x + i0)`` is returned (an ``mpf`` where it is real). If the half-plane
  condition leaves more than one root (possible for degree >= 3), the branch is continued from
  ``|z| -> inf`` (where ``z m -> +-1`` singles it out) along a vertical path.
* :attr:`StieltjesTransform.closed_form`: the ``sympy.solve`` root that equals the Herglotz root
  at every user-supplied sample point (an error if no single root does).
* :attr:`StieltjesTransform.stable_form` / :meth:`StieltjesTransform.numeric` (degree <= 2): the
  closed-form branch rewritten without cancellation (:func:`stable_quadratic_root`) and
  ``dm/dz = -P_z / P_m``, generated for numpy / torch / mpmath.

:func:`marchenko_pastur` builds the Marchenko-Pastur instance used by Lu et al. (2024), Section 5.1(a).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import mpmath
import sympy as sp

from .numeric import lambdify_expr

__all__ = [
    "Kernel",
    "StieltjesTransform",
    "marchenko_pastur",
    "stable_quadratic_root",
    "sum_free_terms_first",
]

Kernel = Literal["x+z", "x-z"]
Backend = Literal["numpy", "torch", "mpmath"]

# Guard digits used by the mpmath evaluator on top of the caller's mp.dps, and the exponent of
# the imaginary offset used to reach the real axis: 10**-(dps + _ETA_DIGITS) is far below the
# caller's precision but, with _GUARD_DIGITS > _ETA_DIGITS, still resolvable in the roots.
_GUARD_DIGITS = 25
_ETA_DIGITS = 10
_POLYROOTS_EXTRAPREC = 60  # bits; polyroots' own guard, at least the >= 50 the tooling note asks for


def stable_quadratic_root(a: sp.Expr, b: sp.Expr, c: sp.Expr, sign: int) -> tuple[sp.Expr, sp.Expr]:
    """The root ``(-b + sign*sqrt(b^2 - 4ac)) / (2a)`` of ``a x^2 + b x + c`` in a cancellation-free form.

    Returns ``(root, dP/dx at the root)`` as SymPy expressions: ``root = -2 s c p / (t + (s b +
    |s b|) p)`` with ``t = -4ac``, ``r = sqrt(b^2 + t)``, ``p = r + |b|``, and ``dP/dx = s r``
    (``s b + |s b|`` is generated as ``|b| (1 + sign(s b))``, exactly ``0`` or ``2|b|``).
    Equal to the textbook form because ``(s b + r)(r + |b|) = t + (s b + |s b|)(r + |b|)``; every
    operation combines terms of one sign, except for ``ac > 0`` a sum whose positive part is at
    least twice the negative one, so the numeric value keeps full relative precision with no
    branch per element (it vectorises without ``where``). Where ``a = 0`` it stays finite when
    ``s b > 0`` (the other root escapes to infinity). Domain: real ``b^2 - 4ac >= 0``.
    """
    s = 1 if sign > 0 else -1
    t = -4 * a * c
    r = sp.sqrt(b**2 + t)
    p = r + sp.Abs(b)
    # s b + |s b| written as a product: SymPy would flatten the sum into the terms of b, and the
    # generated code would then recompute 0 as a rounded difference of large numbers.
    twice_positive_part = sp.Abs(b) * (1 + sp.sign(s * b))
    return (-2 * s) * c * p / (t + twice_positive_part * p), s * r


class _Grouped(sp.UnevaluatedExpr):
    """A sum kept as one term in generated code; real when its content is (so ``Abs`` stays ``Abs``)."""

    def _eval_is_extended_real(self):
        return self.args[0].is_extended_real

    def _eval_is_finite(self):
        return self.args[0].is_finite


def sum_free_terms_first(expr: sp.Expr, variables) -> sp.Expr:
    """``expr`` with the terms of every sum that are free of ``variables`` grouped (for code generation).

    E.g. ``z + 1 - 1/kappa`` becomes ``z + (1 - 1/kappa)``, which generated code evaluates in that
    order: near ``kappa = 1`` the constant part cancels exactly instead of absorbing the rounding
    error of ``z + 1``. The groups are ``UnevaluatedExpr`` (real when their content is); apply
    this last, just before generating code.
    """
    variables = tuple(variables)

    def group(add: sp.Add) -> sp.Expr:
        free = [t for t in add.args if not t.has(*variables)]
        if len(free) < 2 or len(free) == len(add.args):
            return add
        return sp.Add(*(t for t in add.args if t.has(*variables)), _Grouped(sp.Add(*free)))

    return expr.replace(lambda e: isinstance(e, sp.Add), group)


def _as_mp(x):
    return x if isinstance(x, (mpmath.mpf, mpmath.mpc)) else mpmath.mpmathify(x)


@dataclass(eq=False)
class StieltjesTransform:
    """The Stieltjes transform of a probability measure, given as a root of ``polynomial = 0``.

    ``polynomial`` is a SymPy expression polynomial in ``m`` with coefficients in ``z`` and
    ``parameters``; ``kernel`` fixes the convention (module docstring); ``samples`` are points
    (mappings from ``z`` and every parameter, by Symbol or name, to real numbers inside the
    domain of interest, e.g. ``z > 0`` for ``"x+z"``) at which the closed-form root is matched
    to the Herglotz root. The closed form is guaranteed only on the region those samples
    represent; the mpmath evaluator holds everywhere off the support.
    """

    polynomial: sp.Expr
    m: sp.Symbol
    z: sp.Symbol
    parameters: tuple[sp.Symbol, ...] = ()
    kernel: Kernel = "x+z"
    samples: Sequence[Mapping[Any, float]] = ()
    name: str = ""
    _coeff_fns: Callable[..., list] = field(init=False, repr=False)
    _implicit_fn: Callable[..., Any] = field(init=False, repr=False)
    _numeric: dict = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        if self.kernel not in ("x+z", "x-z"):
            raise ValueError(f"kernel must be 'x+z' or 'x-z'; got {self.kernel!r}")
        self.parameters = tuple(self.parameters)
        if self.poly.degree() < 1:
            raise ValueError("the defining polynomial must have degree >= 1 in m")
        args = (self.z, *self.parameters)
        self._coeff_fns = lambdify_expr(args, sp.Tuple(*self.coefficients), "mpmath")
        self._implicit_fn = lambdify_expr((self.m, *args), self.implicit_derivative, "mpmath")

    # ------------------------------------------------------------------ symbolic
    @cached_property
    def poly(self) -> sp.Poly:
        """The defining polynomial as a ``sympy.Poly`` in ``m``."""
        return sp.Poly(self.polynomial, self.m)

    @cached_property
    def coefficients(self) -> list[sp.Expr]:
        """Coefficients of ``m^n, ..., m^0``, term by term as written (not normalised by ``Poly``).

        Keeping each term's own form lets a parameter at infinity evaluate as a limit, e.g.
        ``z/kappa -> 0`` at ``kappa = inf``, where ``Poly`` would give ``(kappa z + kappa - 1)/kappa``.
        """
        by_power = sp.collect(sp.expand(self.polynomial), self.m, evaluate=False)
        degree = self.poly.degree()
        return [by_power.get(self.m**k if k > 1 else (self.m if k == 1 else sp.S.One), sp.S.Zero)
                for k in range(degree, -1, -1)]

    @cached_property
    def implicit_derivative(self) -> sp.Expr:
        """``dm/dz = -P_z / P_m`` in ``m``, ``z`` and the parameters (implicit function theorem).

        Valid where ``P_m != 0``, i.e. off the spectral edges. Built from :attr:`coefficients`
        term by term, so it too evaluates at a parameter at infinity.
        """
        coeffs = self.coefficients
        degree = len(coeffs) - 1
        p_z = sum(sp.diff(c, self.z) * self.m ** (degree - i) for i, c in enumerate(coeffs))
        p_m = sum((degree - i) * c * self.m ** (degree - i - 1) for i, c in enumerate(coeffs[:-1]))
        return -p_z / p_m

    @cached_property
    def closed_form(self) -> sp.Expr:
        """The root of the polynomial (from ``sympy.solve``) that is the Stieltjes transform.

        Selection: the unique ``solve`` root whose value equals the Herglotz root of
        :meth:`evaluate_mp` (to 30 digits) at every point of ``samples``. Raises ``ValueError``
        if there are no samples or if no single root matches at all of them.
        """
        if not self.samples:
            raise ValueError("closed_form needs at least one sample point to select the branch")
        candidates = sp.solve(self.poly.as_expr(), self.m)
        args = (self.z, *self.parameters)
        fns = [lambdify_expr(args, cand, "mpmath") for cand in candidates]
        matching = set(range(len(candidates)))
        with mpmath.workdps(40):
            for sample in self.samples:
                point = self._sample_values(sample)
                target = self.evaluate_mp(*point)
                tol = mpmath.mpf(10) ** -30 * (1 + abs(target))
                matching &= {i for i, fn in enumerate(fns) if abs(mpmath.mpmathify(fn(*point)) - target) <= tol}
        if len(matching) != 1:
            raise ValueError(
                f"{len(matching)} closed-form roots match the Herglotz branch at all samples; "
                "expected exactly one (add samples or restrict the symbols' assumptions)"
            )
        return candidates[matching.pop()]

    @cached_property
    def derivative(self) -> sp.Expr:
        """``dm/dz`` of :attr:`closed_form`: the implicit derivative with ``m`` replaced by the closed form."""
        return self.implicit_derivative.subs(self.m, self.closed_form)

    def _sample_values(self, sample: Mapping[Any, float]) -> list:
        by_name = {(k.name if isinstance(k, sp.Symbol) else str(k)): v for k, v in sample.items()}
        try:
            return [mpmath.mpmathify(by_name[s.name]) for s in (self.z, *self.parameters)]
        except KeyError as exc:
            raise ValueError(f"sample {dict(sample)!r} lacks a value for {exc.args[0]}") from None

    # ------------------------------------------------------------------ mpmath reference
    def evaluate_mp(self, z, *params):
        """``m(z)`` at the current ``mpmath.mp.dps`` by polynomial roots and Herglotz selection.

        ``z`` may be real or complex; off the real axis the root in the Herglotz half-plane is
        returned, on the real axis the boundary value ``m(x + i0)`` (``mpf`` where it is real, as
        outside the support; at a spectral edge only about half the digits are reliable).
        """
        dps = mpmath.mp.dps
        with mpmath.workdps(dps + _GUARD_DIGITS):
            z = _as_mp(z)
            params = [_as_mp(p) for p in params]
            if mpmath.im(z) != 0:
                return +self._herglotz_root(z, params)
            # Approach the real axis from above: eta is far below the caller's precision.
            eta = mpmath.mpf(10) ** -(dps + _ETA_DIGITS) * max(1, abs(z))
            root = self._herglotz_root(mpmath.mpc(z, eta), params)
            real_tol = mpmath.sqrt(eta) * (1 + abs(root))
            value = mpmath.re(root) if abs(mpmath.im(root)) <= real_tol else root
        return +value

    def derivative_mp(self, z, *params):
        """``dm/dz`` at the current ``mpmath.mp.dps`` (implicit derivative at :meth:`evaluate_mp`)."""
        dps = mpmath.mp.dps
        with mpmath.workdps(dps + _GUARD_DIGITS):
            m = self.evaluate_mp(z, *params)
            value = self._implicit_fn(m, _as_mp(z), *[_as_mp(p) for p in params])
        return +value

    def _roots(self, z, params) -> list:
        coeffs = [_as_mp(c) for c in self._coeff_fns(z, *params)]
        while coeffs and coeffs[0] == 0:
            # A vanishing leading coefficient sends a root to infinity; that root is never the
            # transform, which stays bounded off the support.
            coeffs = coeffs[1:]
        if len(coeffs) < 2:
            raise ValueError(f"the defining polynomial degenerates at z={z}, params={params}")
        if len(coeffs) == 2:
            return [-coeffs[1] / coeffs[0]]
        return list(
            mpmath.polyroots(coeffs, maxsteps=200, cleanup=False, extraprec=_POLYROOTS_EXTRAPREC)
        )

    def _herglotz_sign(self) -> int:
        """Sign of ``Im m`` when ``Im z > 0``."""
        return -1 if self.kernel == "x+z" else 1

    def _herglotz_root(self, z, params):
        roots = self._roots(z, params)
        want = self._herglotz_sign() * (1 if mpmath.im(z) > 0 else -1)
        inside = [r for r in roots if want * mpmath.im(r) > 0]
        if len(inside) == 1:
            return inside[0]
        return self._continue_from_infinity(z, params)

    def _continue_from_infinity(self, z, params):
        """Follow the branch from a far point ``Re z + i H`` down the vertical line to ``z``.

        Far out, ``z m(z) -> 1`` (``"x+z"``) or ``-1`` (``"x-z"``) singles out the transform of a
        probability measure; halving the distance to ``z`` each step keeps the nearest-root
        tracking on the same branch.
        """
        x, y = mpmath.re(z), mpmath.im(z)
        direction = 1 if y > 0 else -1
        height = mpmath.mpf(10) ** 3 * (1 + abs(z))
        target = 1 if self.kernel == "x+z" else -1
        far = mpmath.mpc(x, direction * height)
        current = min(self._roots(far, params), key=lambda r: abs(far * r - target))
        offset = height
        while offset > abs(y):
            offset = max(offset / 2, abs(y))
            point = mpmath.mpc(x, direction * offset)
            current = min(self._roots(point, params), key=lambda r: abs(r - current))
        return current

    # ------------------------------------------------------------------ vectorised numerics
    @cached_property
    def stable_form(self) -> tuple[sp.Expr, sp.Expr]:
        """``(m, dm/dz)`` of the :attr:`closed_form` branch, written without cancellation (degree <= 2).

        Quadratics use :func:`stable_quadratic_root` with the sign of the square root that
        reproduces :attr:`closed_form`; ``dm/dz = -P_z / P_m`` with ``P_m = s sqrt(disc)`` at the
        root. Domain: real ``z`` and parameters where the branch is real (outside the support).
        """
        degree = self.poly.degree()
        if degree > 2:
            raise ValueError(f"polynomial: the stable closed form needs degree <= 2, got {degree}; use evaluate_mp")
        coeffs = self.coefficients
        if degree == 1:
            b, c = coeffs
            m, p_m = -c / b, b
        else:
            m, p_m = stable_quadratic_root(*coeffs, self._sqrt_sign())
        p_z = sum(sp.diff(cf, self.z) * m ** (degree - i) for i, cf in enumerate(coeffs))
        return m, -p_z / p_m

    def numeric(self, backend: Backend = "numpy", derivative: bool = True) -> Callable[..., Any]:
        """``(z, *params) -> (m, dm/dz)`` (or ``m`` alone), generated from :attr:`stable_form`.

        Degree <= 2. Inputs broadcast (numpy; torch on any device, float64) or are mpmath
        scalars (result at the current ``mp.dps``). Domain as :attr:`stable_form`. Generated
        once per backend and cached.
        """
        key = (backend, derivative)
        if key not in self._numeric:
            m, dm = (sum_free_terms_first(e, (self.z,)) for e in self.stable_form)
            expr = sp.Tuple(m, dm) if derivative else m
            self._numeric[key] = lambdify_expr((self.z, *self.parameters), expr, backend)
        return self._numeric[key]

    def _sqrt_sign(self) -> int:
        """``s`` such that :attr:`closed_form` is ``(-B + s sqrt(B^2 - 4AC)) / (2A)`` at every sample."""
        args = (self.z, *self.parameters)
        closed = lambdify_expr(args, self.closed_form, "mpmath")
        coeffs = lambdify_expr(args, sp.Tuple(*self.coefficients), "mpmath")
        signs = set()
        with mpmath.workdps(40):
            for sample in self.samples:
                point = self._sample_values(sample)
                a, b, c = (mpmath.mpmathify(v) for v in coeffs(*point))
                target = mpmath.mpmathify(closed(*point))
                plus = (-b + mpmath.sqrt(b * b - 4 * a * c)) / (2 * a)
                signs.add(1 if abs(plus - target) <= mpmath.mpf(10) ** -30 * (1 + abs(target)) else -1)
        if len(signs) != 1:
            raise ValueError("the closed-form branch changes its square-root sign between samples")
        return signs.pop()


def marchenko_pastur(
    z: sp.Symbol | None = None, kappa: sp.Symbol | None = None, m: sp.Symbol | None = None
) -> StieltjesTransform:
    """Resolvent trace of a Wishart task matrix: ``M_kappa(z) = lim (1/d) tr (R + z)^{-1}``.

    ``R = (1/k) sum_j w_j w_j^T`` with ``E|w|^2 = d`` and ``k/d -> kappa``; ``M`` is the root of
    ``(z/kappa) M^2 + (z + 1 - 1/kappa) M - 1 = 0`` with ``kernel="x+z"`` (positive, ``<= 1/z``
    for ``z > 0``). Closed form on ``z > 0``, ``kappa > 0``:
    ``M = 2 / (z + 1 - 1/kappa + sqrt((z + 1 - 1/kappa)^2 + 4 z / kappa))``; ``kappa = inf``
    gives ``1/(1 + z)`` (the numeric evaluators accept ``inf``).

    Provenance: the Marchenko-Pastur law (Marchenko and Pastur, Math. USSR Sb. 1, 1967) for the
    sample second-moment matrix of k vectors in dimension d, k/d -> kappa.
    """
    z = z if z is not None else sp.Symbol("z", positive=True)
    kappa = kappa if kappa is not None else sp.Symbol("kappa", positive=True)
    m = m if m is not None else sp.Symbol("M")
    polynomial = (z / kappa) * m**2 + (z + 1 - 1 / kappa) * m - 1
    samples = [{z.name: zv, kappa.name: kv} for zv in (0.05, 0.7, 9.0) for kv in (0.2, 1.0, 3.5)]
    return StieltjesTransform(
        polynomial, m, z, (kappa,), kernel="x+z", samples=samples, name="Marchenko-Pastur M_kappa"
    )
