"""Moments of zero-mean jointly Gaussian scalars and vectors (Isserlis/Wick calculus).

Variables are declared on a :class:`JointGaussian`: base scalars and vectors of
symbolic dimension with their (cross-)covariances, plus linear combinations of
them.  :meth:`JointGaussian.expect` returns exact SymPy results: a scalar, a
column vector, or (for two vector factors ``u, v``) the outer product
``E[... u v^T]``.  :meth:`JointGaussian.iid_sum_moment` does the same for
products of sums over ``ell`` i.i.d. copies, with ``ell`` symbolic.

Canonical form.  Results are polynomials in matrix *atoms* (``MatrixSymbol`` and
its transpose) with commuting scalar coefficients.  A product of atoms that is
1x1 (such as ``w.T*w``) is a scalar and is written ``Trace(w.T*w)`` -- the one
representation of such scalars; build it with :func:`as_scalar`.  A matrix
result is a ``MatAdd`` of ``coefficient * monomial`` terms (the identity being
``Identity(n)``), each coefficient passed through ``sympy.factor``.  Decide
equality with :func:`matrix_equal`; evaluate at numbers with :func:`to_numpy`.

Example: ``x ~ N(0, I/d)``, ``y = w^T x + eps``, ``eps ~ N(0, rho)``.

>>> from sympy import Identity, MatrixSymbol, Symbol
>>> d = Symbol('d', positive=True, integer=True)
>>> rho = Symbol('rho', positive=True)
>>> w = MatrixSymbol('w', d, 1)
>>> g = JointGaussian()
>>> x = g.vector('x', d, cov=Identity(d) / d)
>>> eps = g.scalar('eps', var=rho)
>>> y = g.linear('y', {x: w, eps: 1})
>>> g.cov(y, y)
(d*rho + Trace(w.T*w))/d
>>> g.expect(y**2, x, x)
(2/d**2)*w*w.T + ((d*rho + Trace(w.T*w))/d**2)*I
>>> sigma2 = as_scalar(w.T * w) / d + rho
>>> matrix_equal(g.expect(y**3, x), 3 * sigma2 * w / d)
True
"""

from __future__ import annotations

import functools
import itertools
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Union

import numpy as np
import sympy
from sympy import Expr, Identity, MatAdd, MatMul, MatPow, MatrixBase, MatrixSymbol, S, Trace, Transpose, ZeroMatrix
from sympy.core.sympify import SympifyError, _sympify
from sympy.matrices.expressions.matexpr import MatrixExpr

__all__ = [
    "GaussianVariable",
    "Monomial",
    "JointGaussian",
    "as_scalar",
    "canonicalize",
    "matrix_equal",
    "to_numpy",
]

#: A SymPy scalar or a Python number.
ScalarLike = Union[Expr, int, float]
#: What a moment routine returns: a scalar ``Expr`` or a ``MatrixExpr``.
Moment = Union[Expr, MatrixExpr]
#: A product of matrix atoms; ``()`` is the identity (or the number 1 when 1x1).
Chain = tuple[MatrixExpr, ...]


# ---------------------------------------------------------------------------
# Canonical polynomial form of matrix expressions
# ---------------------------------------------------------------------------


class _Terms:
    """A ``rows x cols`` matrix as ``{chain of atoms: scalar coefficient}``.

    Invariant: no chain contains a contiguous 1x1 sub-product (those are
    scalars and live in the coefficients as canonical traces), and no chain
    contains an identity.
    """

    __slots__ = ("rows", "cols", "coeffs")

    def __init__(self, rows: Expr, cols: Expr, coeffs: dict[Chain, Expr] | None = None):
        self.rows = _sympify(rows)
        self.cols = _sympify(cols)
        self.coeffs: dict[Chain, Expr] = {} if coeffs is None else coeffs

    @classmethod
    def scalar(cls, value: Expr) -> _Terms:
        return cls(S.One, S.One, {(): value} if value != 0 else {})

    @property
    def is_scalar(self) -> bool:
        return self.rows == 1 and self.cols == 1

    def scalar_value(self) -> Expr:
        return self.coeffs.get((), S.Zero)

    def _add_term(self, chain: Chain, coeff: Expr) -> None:
        total = self.coeffs.get(chain, S.Zero) + coeff
        if total == 0:
            self.coeffs.pop(chain, None)
        else:
            self.coeffs[chain] = total

    def __add__(self, other: _Terms) -> _Terms:
        _require_same_shape(self, other)
        out = _Terms(self.rows, self.cols, dict(self.coeffs))
        for chain, coeff in other.coeffs.items():
            out._add_term(chain, coeff)
        return out

    def scale(self, factor: Expr) -> _Terms:
        if factor == 0:
            return _Terms(self.rows, self.cols)
        return _Terms(self.rows, self.cols, {c: k * factor for c, k in self.coeffs.items()})

    def __matmul__(self, other: _Terms) -> _Terms:
        # A 1x1 factor is a scalar: it commutes, so it scales whatever it meets.
        if self.is_scalar:
            return other.scale(self.scalar_value())
        if other.is_scalar:
            return self.scale(other.scalar_value())
        if not _same_dim(self.cols, other.rows):
            raise ValueError(f"cannot multiply {self.rows}x{self.cols} by {other.rows}x{other.cols}")
        out = _Terms(self.rows, other.cols)
        for (c1, k1), (c2, k2) in itertools.product(self.coeffs.items(), other.coeffs.items()):
            extracted, chain = _split_chain(c1 + c2)
            out._add_term(chain, k1 * k2 * extracted)
        return out

    def transpose(self) -> _Terms:
        out = _Terms(self.cols, self.rows)
        for chain, coeff in self.coeffs.items():
            extracted, tchain = _split_chain(_transpose_chain(chain))
            out._add_term(tchain, coeff * extracted)
        return out

    def trace(self) -> Expr:
        if not _same_dim(self.rows, self.cols):
            raise ValueError(f"trace of a non-square {self.rows}x{self.cols} matrix")
        return sympy.Add(*[k * (self.rows if not c else _trace_of_chain(c)) for c, k in self.coeffs.items()])

    def to_expr(self) -> Moment:
        """The canonical SymPy object: a factored scalar for 1x1, else a sorted MatAdd."""
        if self.is_scalar:
            return sympy.factor(self.scalar_value())
        terms = []
        for chain, coeff in self.coeffs.items():
            coeff = sympy.factor(coeff)
            if coeff == 0:
                continue
            mats = chain or (Identity(self.rows),)
            if coeff != 1:
                terms.append(MatMul(coeff, *mats))
            else:
                terms.append(MatMul(*mats) if len(mats) > 1 else mats[0])
        if not terms:
            return ZeroMatrix(self.rows, self.cols)
        if len(terms) == 1:
            return terms[0]
        # MatAdd(evaluate=False) keeps argument order, and == compares it: sort.
        return MatAdd(*sorted(terms, key=sympy.default_sort_key))


def _same_dim(a: Expr, b: Expr) -> bool:
    return a == b or sympy.expand(a - b) == 0


def _require_same_shape(a: _Terms, b: _Terms) -> None:
    if not (_same_dim(a.rows, b.rows) and _same_dim(a.cols, b.cols)):
        raise ValueError(f"cannot add {a.rows}x{a.cols} and {b.rows}x{b.cols}")


def _transpose_atom(atom: MatrixExpr) -> MatrixExpr:
    return atom.arg if isinstance(atom, Transpose) else Transpose(atom)


def _transpose_chain(chain: Chain) -> Chain:
    return tuple(_transpose_atom(a) for a in reversed(chain))


def _orientation_key(chain: Chain) -> tuple:
    # Prefer w.T*S*w over w.T*S.T*w: transposes of non-vectors count against
    # a candidate, then a deterministic structural order breaks ties.
    bad = sum(1 for a in chain if isinstance(a, Transpose) and a.arg.cols != 1)
    return (bad, tuple(sympy.default_sort_key(a) for a in chain))


def _trace_symbol(chain: Chain) -> Expr:
    return Trace(chain[0] if len(chain) == 1 else MatMul(*chain))


def _inner(chain: Chain) -> Expr:
    """Canonical scalar of a 1x1 chain with no smaller 1x1 sub-product (tr X = tr X^T)."""
    return _trace_symbol(min(chain, _transpose_chain(chain), key=_orientation_key))


def _split_chain(chain: Chain) -> tuple[Expr, Chain]:
    """Pull every 1x1 sub-product out of ``chain`` as a scalar factor."""
    scalar: Expr = S.One
    rest = [a for a in chain if not isinstance(a, Identity)]
    while (span := _first_scalar_span(rest)) is not None:
        i, j = span
        scalar *= _inner(tuple(rest[i : j + 1]))
        del rest[i : j + 1]
    return scalar, tuple(rest)


def _first_scalar_span(chain: list[MatrixExpr]) -> tuple[int, int] | None:
    # Leftmost atom with one row, closed by the nearest following atom with one
    # column: the shortest 1x1 sub-product, so it contains no smaller one.
    for i, atom in enumerate(chain):
        if atom.rows == 1:
            for j in range(i, len(chain)):
                if chain[j].cols == 1:
                    return i, j
            return None
    return None


def _trace_of_chain(chain: Chain) -> Expr:
    """Canonical trace of a square, non-empty chain, using cyclicity and transposition."""
    for i, atom in enumerate(chain):
        if atom.rows == 1:
            # Rotated to start at a row vector the product is 1x1: all scalars.
            scalar, rest = _split_chain(chain[i:] + chain[:i])
            assert not rest
            return scalar
    rotations = [c[i:] + c[:i] for c in (chain, _transpose_chain(chain)) for i in range(len(c))]
    return _trace_symbol(min(rotations, key=_orientation_key))


def _terms(expr: object, arg: str) -> _Terms:
    """Canonical ``_Terms`` of a SymPy scalar or matrix expression; ``arg`` names it in errors."""
    try:
        expr = _sympify(expr)
    except SympifyError:
        raise ValueError(f"{arg}: expected a SymPy scalar or matrix expression; got {expr!r}") from None
    if isinstance(expr, MatrixBase):
        raise ValueError(
            f"{arg}: explicit matrices are not supported; use MatrixSymbol/Identity and "
            f"evaluate with to_numpy; got {type(expr).__name__}"
        )
    if not isinstance(expr, MatrixExpr):
        return _Terms.scalar(_scalar(expr, arg))
    if isinstance(expr, MatrixSymbol):
        extracted, chain = _split_chain((expr,))
        return _Terms(expr.rows, expr.cols, {chain: extracted})
    if isinstance(expr, Identity):
        return _Terms(expr.rows, expr.cols, {(): S.One})
    if isinstance(expr, ZeroMatrix):
        return _Terms(expr.rows, expr.cols)
    if isinstance(expr, Transpose):
        if isinstance(expr.arg, MatrixSymbol):
            extracted, chain = _split_chain((expr,))
            return _Terms(expr.rows, expr.cols, {chain: extracted})
        return _terms(expr.arg, arg).transpose()
    if isinstance(expr, MatAdd):
        parts = [_terms(a, arg) for a in expr.args]
        total = parts[0]
        for part in parts[1:]:
            total = total + part
        return total
    if isinstance(expr, MatMul):
        coeff, mats = expr.as_coeff_matrices()
        out = _Terms.scalar(_scalar(coeff, arg))
        for m in mats:
            out = out @ _terms(m, arg)
        return out
    if isinstance(expr, MatPow) and expr.exp.is_Integer and expr.exp > 0:
        base = _terms(expr.base, arg)
        out = base
        for _ in range(int(expr.exp) - 1):
            out = out @ base
        return out
    raise ValueError(
        f"{arg}: unsupported matrix expression {type(expr).__name__} ({expr}); supported are "
        "MatrixSymbol, Transpose, Identity, ZeroMatrix, MatAdd, MatMul, MatPow with a positive integer exponent"
    )


def _scalar(expr: object, arg: str) -> Expr:
    """Canonical scalar: every ``Trace(X)`` inside is rewritten in canonical form."""
    try:
        expr = _sympify(expr)
    except SympifyError:
        raise ValueError(f"{arg}: expected a SymPy scalar; got {expr!r}") from None
    if isinstance(expr, (MatrixExpr, MatrixBase)):
        t = _terms(expr, arg)
        if not t.is_scalar:
            raise ValueError(f"{arg}: expected a scalar; got a {expr.rows}x{expr.cols} matrix {expr}")
        return t.scalar_value()
    if not isinstance(expr, Expr):
        raise ValueError(f"{arg}: expected a SymPy scalar; got {expr!r}")
    traces = expr.atoms(Trace)
    if not traces:
        return expr
    return expr.xreplace({t: _terms(t.arg, arg).trace() for t in traces})


def as_scalar(expr: MatrixExpr) -> Expr:
    """The canonical scalar of a 1x1 matrix expression, e.g. ``as_scalar(w.T*w) == Trace(w.T*w)``."""
    return _scalar(expr, "expr")


def canonicalize(expr: Moment) -> Moment:
    """``expr`` rewritten in the canonical form that ``JointGaussian`` results use."""
    return _terms(expr, "expr").to_expr()


def matrix_equal(a: Moment, b: Moment) -> bool:
    """Whether ``a`` and ``b`` are exactly equal (same shape, every coefficient difference simplifies to 0).

    Matrix atoms are treated as free non-commuting symbols: equality is decided
    as polynomials in them, so identities such as ``S.T == S`` for a symmetric
    ``S`` are not known.
    """
    ta, tb = _terms(a, "a"), _terms(b, "b")
    if not (_same_dim(ta.rows, tb.rows) and _same_dim(ta.cols, tb.cols)):
        return False
    diff = ta + tb.scale(S.NegativeOne)
    return all(sympy.simplify(coeff) == 0 for coeff in diff.coeffs.values())


def to_numpy(expr: Moment, values: Mapping[Expr, object]) -> float | np.ndarray:
    """Evaluate ``expr`` in float64 at ``values`` ({Symbol: number, MatrixSymbol: array}).

    A matrix result comes back as a 2-D array of its evaluated shape, a scalar
    as a ``float``.  A 1-D array is accepted for a column-vector symbol.
    """
    scalars: dict[Expr, Expr] = {}
    arrays: dict[MatrixSymbol, np.ndarray] = {}
    for key, value in values.items():
        if isinstance(key, MatrixSymbol):
            arrays[key] = np.asarray(value, dtype=np.float64)
        elif isinstance(key, sympy.Symbol):
            scalars[key] = sympy.Float(float(value), 17)
        else:
            raise ValueError(f"values: keys must be Symbols or MatrixSymbols; got {key!r}")
    for sym in arrays:
        shape = (_to_int(sym.rows, scalars), _to_int(sym.cols, scalars))
        arr = arrays[sym]
        if arr.ndim == 1 and shape[1] == 1:
            arr = arr.reshape(-1, 1)
        if arr.shape != shape:
            raise ValueError(f"values: {sym} has shape {shape} here; got an array of shape {arr.shape}")
        arrays[sym] = arr
    return _evaluate(_terms(expr, "expr"), scalars, arrays)


def _to_int(dim: Expr, scalars: Mapping[Expr, Expr]) -> int:
    value = _sympify(dim).xreplace(scalars)
    if value.free_symbols:
        raise ValueError(f"values: no value for {', '.join(sorted(map(str, value.free_symbols)))}")
    if not (value.is_number and float(value).is_integer()):
        raise ValueError(f"values: dimension {dim} evaluates to {value}, not an integer")
    return int(float(value))


def _evaluate(t: _Terms, scalars: Mapping[Expr, Expr], arrays: Mapping[MatrixSymbol, np.ndarray]) -> float | np.ndarray:
    def atom_value(atom: MatrixExpr) -> np.ndarray:
        sym = atom.arg if isinstance(atom, Transpose) else atom
        if sym not in arrays:
            raise ValueError(f"values: no value for {sym}")
        return arrays[sym].T if isinstance(atom, Transpose) else arrays[sym]

    def chain_value(chain: Chain) -> np.ndarray:
        return functools.reduce(np.matmul, map(atom_value, chain))

    def trace_value(tr: Trace) -> Expr:
        # Canonical traces (see _trace_symbol) wrap a bare atom or a MatMul of atoms.
        chain = tr.arg.args if isinstance(tr.arg, MatMul) else (tr.arg,)
        return sympy.Float(float(np.trace(chain_value(chain))), 17)

    def coeff_value(coeff: Expr) -> float:
        value = coeff.xreplace({tr: trace_value(tr) for tr in coeff.atoms(Trace)}).xreplace(scalars)
        if value.free_symbols:
            raise ValueError(f"values: no value for {', '.join(sorted(map(str, value.free_symbols)))}")
        return float(value)

    if t.is_scalar:
        return coeff_value(t.scalar_value())
    shape = (_to_int(t.rows, scalars), _to_int(t.cols, scalars))
    out = np.zeros(shape)
    for chain, coeff in t.coeffs.items():
        mat = chain_value(chain) if chain else np.eye(shape[0])
        out += coeff_value(coeff) * mat
    return out


# ---------------------------------------------------------------------------
# Gaussian variables and monomials in them
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class GaussianVariable:
    """A zero-mean Gaussian scalar (``dim is None``) or ``dim x 1`` vector, owned by a JointGaussian.

    Variables compare by identity; ``*``, ``/`` and ``**`` build :class:`Monomial` products.
    """

    name: str
    dim: Expr | None = None

    @property
    def is_vector(self) -> bool:
        return self.dim is not None

    def __repr__(self) -> str:
        return self.name

    def __mul__(self, other: object) -> Monomial:
        return Monomial.of(self) * other

    def __rmul__(self, other: object) -> Monomial:
        return Monomial.of(other) * self

    def __truediv__(self, other: object) -> Monomial:
        return Monomial.of(self) / other

    def __pow__(self, exponent: int) -> Monomial:
        return Monomial.of(self) ** exponent


@dataclass(frozen=True)
class Monomial:
    """A product ``coeff * f1 * f2 * ...`` of Gaussian variables; vector factors keep their order."""

    coeff: Expr = S.One
    factors: tuple[GaussianVariable, ...] = field(default=())

    @staticmethod
    def of(item: object) -> Monomial:
        """``item`` (a Monomial, a GaussianVariable or a SymPy scalar) as a Monomial."""
        if isinstance(item, Monomial):
            return item
        if isinstance(item, GaussianVariable):
            return Monomial(S.One, (item,))
        return Monomial(_scalar(item, "factor"), ())

    @property
    def vectors(self) -> tuple[GaussianVariable, ...]:
        return tuple(f for f in self.factors if f.is_vector)

    def __mul__(self, other: object) -> Monomial:
        o = Monomial.of(other)
        return Monomial(self.coeff * o.coeff, self.factors + o.factors)

    def __rmul__(self, other: object) -> Monomial:
        o = Monomial.of(other)
        return Monomial(o.coeff * self.coeff, o.factors + self.factors)

    def __truediv__(self, other: object) -> Monomial:
        return Monomial(self.coeff / _scalar(other, "divisor"), self.factors)

    def __pow__(self, exponent: int) -> Monomial:
        if isinstance(exponent, bool) or not isinstance(exponent, int) or exponent < 0:
            raise ValueError(f"exponent must be a non-negative int; got {exponent!r}")
        return Monomial(self.coeff**exponent, self.factors * exponent)

    def __repr__(self) -> str:
        parts = [] if self.coeff == 1 else [f"({self.coeff})"]
        return "*".join(parts + [f.name for f in self.factors]) or "1"


# A linear form: {base variable b: K_b}, meaning sum_b K_b @ b (b is 1x1 for a scalar).
_LinearForm = dict[GaussianVariable, _Terms]


class JointGaussian:
    """A family of zero-mean jointly Gaussian variables and their covariances.

    Base variables are declared with :meth:`scalar` and :meth:`vector` and are
    independent unless coupled with :meth:`set_cov`; :meth:`linear` defines
    linear combinations, whose covariances are then derived.
    """

    def __init__(self) -> None:
        self._forms: dict[GaussianVariable, _LinearForm] = {}
        self._base_cov: dict[tuple[GaussianVariable, GaussianVariable], _Terms] = {}
        self._base: set[GaussianVariable] = set()
        self._names: set[str] = set()

    # -- declarations -------------------------------------------------------

    def scalar(self, name: str, var: ScalarLike) -> GaussianVariable:
        """Declare a base scalar with variance ``var``."""
        v = self._new(name, None)
        self._base_cov[(v, v)] = _Terms.scalar(_scalar(var, "var"))
        self._forms[v] = {v: _Terms.scalar(S.One)}
        self._base.add(v)
        return v

    def vector(self, name: str, dim: ScalarLike, cov: MatrixExpr) -> GaussianVariable:
        """Declare a base ``dim x 1`` vector with covariance ``E[x x^T] = cov``."""
        dim = _dimension(dim)
        c = _terms(cov, "cov")
        _check_shape("cov", c, dim, dim)
        v = self._new(name, dim)
        self._base_cov[(v, v)] = c
        self._forms[v] = {v: _Terms(dim, dim, {(): S.One})}
        self._base.add(v)
        return v

    def set_cov(self, a: GaussianVariable, b: GaussianVariable, cov: Moment) -> None:
        """Set the cross-covariance ``E[a b^T] = cov`` of two distinct base variables."""
        for arg, v in (("a", a), ("b", b)):
            self._check_owned(arg, v)
            if v not in self._base:
                raise ValueError(
                    f"{arg}: {v.name!r} is a linear combination; covariances are set between base variables"
                )
        if a is b:
            raise ValueError("b: the variance of a base variable is fixed at declaration; pass a different variable")
        if (a, b) in self._base_cov:
            raise ValueError(f"cov: the covariance of {a!r} and {b!r} is already set")
        c = _terms(cov, "cov")
        _check_shape("cov", c, _rows(a), _rows(b))
        self._base_cov[(a, b)] = c
        self._base_cov[(b, a)] = c.transpose()

    def linear(
        self, name: str, terms: Mapping[GaussianVariable, Moment], dim: ScalarLike | None = None
    ) -> GaussianVariable:
        """Declare ``name = sum of coefficient-times-variable`` over ``terms``; a vector if ``dim`` is given.

        For a scalar result, a vector ``v`` enters as ``a^T v`` with ``terms[v] = a``
        (``dim(v) x 1``) and a scalar ``z`` as ``c z``.  For a ``dim``-vector result,
        ``terms[v]`` is a ``dim x dim(v)`` matrix and ``terms[z]`` a ``dim x 1`` vector.
        """
        if not terms:
            raise ValueError("terms: need at least one variable")
        rows = S.One if dim is None else _dimension(dim)
        form: _LinearForm = {}
        for v, coeff in terms.items():
            self._check_owned("terms", v)
            k = _terms(coeff, f"terms[{v.name}]")
            if dim is None and v.is_vector:
                # The user gives the column a; the form stores the row a^T.
                _check_shape(f"terms[{v.name}]", k, v.dim, S.One)
                k = k.transpose()
            else:
                _check_shape(f"terms[{v.name}]", k, rows, _rows(v))
            for base, kb in self._forms[v].items():
                contribution = k @ kb
                form[base] = form[base] + contribution if base in form else contribution
        out = self._new(name, None if dim is None else rows)
        self._forms[out] = form
        return out

    # -- moments ------------------------------------------------------------

    def cov(self, a: GaussianVariable, b: GaussianVariable) -> Moment:
        """``E[a b^T]``: a scalar, a column (vector, scalar), a row (scalar, vector) or a matrix."""
        self._check_owned("a", a)
        self._check_owned("b", b)
        return self._cov_terms(a, b).to_expr()

    def expect(self, *factors: GaussianVariable | Monomial | ScalarLike) -> Moment:
        """``E[product of factors]``; with vector factors ``u`` (and ``v``) it is ``E[... u]`` (``E[... u v^T]``)."""
        mono = _product(factors)
        left, right, scalars = self._legs(mono.factors, "factors")
        return self._isserlis(left, right, scalars).scale(mono.coeff).to_expr()

    def iid_sum_moment(self, *summands: GaussianVariable | Monomial | ScalarLike, ell: ScalarLike) -> Moment:
        """``E[prod_j sum_{i=1}^{ell} f_j(z_i)]`` over ``ell`` i.i.d. copies ``z_i`` of this family.

        Each summand ``f_j`` is a monomial; the first vector factor (in summand
        order) is the column and a second one the row of an outer product.
        """
        ell = _scalar(ell, "ell")
        if ell.is_number and not (ell.is_integer and ell >= 0):
            raise ValueError(f"ell must be a non-negative integer or a symbol; got {ell}")
        if not summands:
            raise ValueError("summands: need at least one summand")
        monos = [Monomial.of(s) for s in summands]
        # Check the vector count and ownership once, over all summands together.
        self._legs(tuple(f for m in monos for f in m.factors), "summands")
        # (summand index, variable) of the column leg and of the row leg.
        legs = [(j, v) for j, m in enumerate(monos) for v in m.vectors]

        cache: dict[tuple[int, ...], _Terms] = {}

        def block_moment(block: tuple[int, ...]) -> _Terms:
            if block not in cache:
                left = legs[0][1] if legs and legs[0][0] in block else None
                right = legs[1][1] if len(legs) == 2 and legs[1][0] in block else None
                scalars = Counter(f for j in block for f in monos[j].factors if not f.is_vector)
                cache[block] = self._isserlis(left, right, scalars)
            return cache[block]

        def rank(block: tuple[int, ...]) -> int:
            # Column block first, row block last; scalar blocks commute.
            if legs and legs[0][0] in block:
                return 0
            return 2 if len(legs) == 2 and legs[1][0] in block else 1

        total = _Terms(legs[0][1].dim if legs else S.One, legs[1][1].dim if len(legs) == 2 else S.One)
        for partition in _set_partitions(len(monos)):
            product = _Terms.scalar(S.One)
            for block in sorted(partition, key=rank):
                product = product @ block_moment(block)
            term = product.scale(sympy.ff(ell, len(partition)))
            total = total + term
        return total.scale(sympy.Mul(*[m.coeff for m in monos])).to_expr()

    # -- internals ----------------------------------------------------------

    def _new(self, name: str, dim: Expr | None) -> GaussianVariable:
        if not isinstance(name, str) or not name:
            raise ValueError(f"name must be a non-empty str; got {name!r}")
        if name in self._names:
            raise ValueError(f"name {name!r} is already used in this JointGaussian")
        self._names.add(name)
        return GaussianVariable(name, dim)

    def _check_owned(self, arg: str, v: object) -> None:
        if not isinstance(v, GaussianVariable):
            raise ValueError(f"{arg}: expected a GaussianVariable; got {v!r}")
        if v not in self._forms:
            raise ValueError(f"{arg}: variable {v.name!r} does not belong to this JointGaussian")

    def _legs(
        self, factors: tuple[GaussianVariable, ...], arg: str
    ) -> tuple[GaussianVariable | None, GaussianVariable | None, Counter[GaussianVariable]]:
        for f in factors:
            self._check_owned(arg, f)
        vectors = [f for f in factors if f.is_vector]
        if len(vectors) > 2:
            raise ValueError(
                f"{arg}: at most two vector factors are supported (an outer product u v^T); "
                f"got {len(vectors)}: {', '.join(v.name for v in vectors)}"
            )
        left = vectors[0] if vectors else None
        right = vectors[1] if len(vectors) > 1 else None
        return left, right, Counter(f for f in factors if not f.is_vector)

    def _cov_terms(self, a: GaussianVariable, b: GaussianVariable) -> _Terms:
        # E[a b^T] = sum_{p,q} K_p E[p q^T] K_q^T over the base variables p, q.
        out = _Terms(_rows(a), _rows(b))
        for (p, kp), (q, kq) in itertools.product(self._forms[a].items(), self._forms[b].items()):
            c = self._base_cov.get((p, q))
            if c is not None:
                out = out + kp @ c @ kq.transpose()
        return out

    def _isserlis(
        self, left: GaussianVariable | None, right: GaussianVariable | None, scalars: Counter[GaussianVariable]
    ) -> _Terms:
        """``E[left * prod(scalars) * right^T]`` (missing legs omitted) as a sum over pairings."""
        names = list(scalars)
        counts = tuple(scalars[s] for s in names)
        order = sum(counts) + (left is not None) + (right is not None)
        rows = S.One if left is None else left.dim
        cols = S.One if right is None else right.dim
        if order % 2:
            return _Terms(rows, cols)
        cov = [[self._cov_terms(s, t).scalar_value() for t in names] for s in names]
        moments: dict[tuple[int, ...], Expr] = {}

        def moment(c: tuple[int, ...]) -> Expr:
            # Pair the first remaining factor with each remaining factor in turn;
            # a variable with multiplicity n offers n partners.
            if c not in moments:
                i = next((k for k, n in enumerate(c) if n), None)
                if i is None:
                    moments[c] = S.One
                else:
                    rest = list(c)
                    rest[i] -= 1
                    total: Expr = S.Zero
                    for j, n in enumerate(rest):
                        if n and cov[i][j] != 0:
                            after = list(rest)
                            after[j] -= 1
                            total += n * cov[i][j] * moment(tuple(after))
                    moments[c] = total
            return moments[c]

        def without(*idx: int) -> tuple[int, ...]:
            c = list(counts)
            for k in idx:
                c[k] -= 1
            return tuple(c)

        out = _Terms(rows, cols)
        if left is not None and right is not None:
            out = out + self._cov_terms(left, right).scale(moment(counts))
        # Pairing a scalar s with the column leg gives E[left s], with the row leg E[s right^T].
        leg_covs = []
        if left is not None:
            leg_covs.append([self._cov_terms(left, s) for s in names])
        if right is not None:
            leg_covs.append([self._cov_terms(s, right) for s in names])
        # Each leg picks a scalar partner (distinct factors, hence n_a (n_b - [a == b])).
        for partners in itertools.product(range(len(names)), repeat=len(leg_covs)):
            mult = 1
            used: Counter[int] = Counter()
            for k in partners:
                mult *= counts[k] - used[k]
                used[k] += 1
            if mult <= 0:
                continue
            piece = _Terms.scalar(S.One)
            for leg_cov, k in zip(leg_covs, partners):
                piece = piece @ leg_cov[k]
            # With no legs the single empty choice leaves a 1x1 piece: the scalar moment.
            out = out + _Terms(rows, cols, piece.coeffs).scale(mult * moment(without(*partners)))
        return out


def _rows(v: GaussianVariable) -> Expr:
    return S.One if v.dim is None else v.dim


def _dimension(dim: ScalarLike) -> Expr:
    try:
        value = _sympify(dim)
    except SympifyError:
        raise ValueError(f"dim must be a positive integer or a SymPy symbol; got {dim!r}") from None
    if not isinstance(value, Expr) or (value.is_number and not (value.is_integer and value > 0)):
        raise ValueError(f"dim must be a positive integer or a SymPy symbol; got {dim!r}")
    return value


def _check_shape(arg: str, t: _Terms, rows: Expr, cols: Expr) -> None:
    if not (_same_dim(t.rows, rows) and _same_dim(t.cols, cols)):
        raise ValueError(f"{arg}: expected shape ({rows}, {cols}); got ({t.rows}, {t.cols})")


def _product(factors: tuple[object, ...]) -> Monomial:
    out = Monomial()
    for f in factors:
        out = out * f
    return out


def _set_partitions(n: int) -> Iterator[list[tuple[int, ...]]]:
    """All set partitions of ``range(n)``, blocks as sorted tuples."""
    if n == 0:
        yield []
        return
    for partition in _set_partitions(n - 1):
        for k in range(len(partition)):
            yield partition[:k] + [partition[k] + (n - 1,)] + partition[k + 1 :]
        yield partition + [(n - 1,)]
