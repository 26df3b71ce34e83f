"""Samplers for in-context linear regression (the setting of Lu et al. 2025, Section 2), in PyTorch.

Device, dtype and the random generator are explicit arguments: nothing global,
every draw reproducible from its seed.

Two context samplers produce the same law of the features the linear model sees:

- :func:`sample_contexts` (``"direct"``) draws every token, cost O(ℓd) per context;
- :func:`sample_sufficient` (``"sufficient"``) draws (s, q, x_{ℓ+1}, y_{ℓ+1}) exactly
  from O(d) Gaussians and two chi-square variables, cost independent of ℓ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from icl_sym.core.validation import ParameterError, Range, check_array, check_choice, check_int

__all__ = [
    "SAMPLERS",
    "Contexts", "Tokens", "Regressions",
    "make_generator", "draw_generator", "sphere_tasks", "gaussian_tasks", "chi2", "chi2_each",
    "haar_orthogonal", "wishart_factor",
    "context_length",
    "sample_tokens", "sample_contexts", "sample_sufficient", "sample", "sample_regressions",
]


def make_generator(seed: int, device: str | torch.device = "cpu") -> torch.Generator:
    """A torch generator on ``device`` seeded with ``seed``."""
    gen = torch.Generator(device=device)
    gen.manual_seed(check_int("seed", seed, 0))
    return gen


def draw_generator(seed: int, draw: int, device: str | torch.device = "cpu") -> torch.Generator:
    """The generator of draw number ``draw`` of a run seeded with ``seed``.

    Seeded from the pair (seed, draw) through NumPy's ``SeedSequence``, so draw j
    is the same whatever the number of draws, and different draws are independent streams.
    """
    pair = (check_int("seed", seed, 0), check_int("draw", draw, 0))
    return make_generator(int(np.random.SeedSequence(pair).generate_state(1, np.uint64)[0]), device)


def haar_orthogonal(count: int, dim: int, *, generator: torch.Generator, dtype=torch.float64) -> torch.Tensor:
    """``count`` independent Haar-distributed orthogonal ``dim × dim`` matrices, shape ``(count, dim, dim)``,
    on the generator's device.

    QR of a Gaussian matrix G = QR is Haar only once the sign ambiguity of the factorisation is fixed:
    LAPACK's Householder QR returns R with a sign pattern that depends on G, which biases Q (its first
    column always has a negative first entry, say). Multiplying column j of Q by sign(R_jj) makes
    the factorisation unique with a positive diagonal, and Q is then exactly Haar (Mezzadri 2007).
    """
    count = check_int("count", count, 0)
    dim = check_int("dim", dim, 1)
    gauss = torch.randn(count, dim, dim, generator=generator, dtype=dtype, device=generator.device)
    q, r = torch.linalg.qr(gauss)
    signs = torch.sign(torch.diagonal(r, dim1=-2, dim2=-1))
    signs = torch.where(signs == 0, torch.ones_like(signs), signs)  # a zero pivot has probability 0
    return q * signs.unsqueeze(-2)


def context_length(d, alpha, minimum: int) -> tuple[int, float, int]:
    """Validated (d, α, ℓ = round(αd)) with d ≥ 2 and ℓ ≥ ``minimum``."""
    d = check_int("d", d, 2)
    alpha = float(check_array("alpha", alpha, Range(0, low_open=True)))
    ell = round(alpha * d)
    if ell < minimum:
        raise ParameterError("alpha", f"large enough for ell = round(alpha*d) >= {minimum} (d = {d})", alpha)
    return d, alpha, ell


def sphere_tasks(k: int, d: int, *, generator: torch.Generator, dtype=torch.float64) -> torch.Tensor:
    """``k`` task vectors drawn uniformly on the sphere of radius √d, shape ``(k, d)``."""
    check_int("k", k, 1)
    check_int("d", d, 1)
    g = torch.randn(k, d, generator=generator, dtype=dtype, device=generator.device)
    return g * (d**0.5 / g.norm(dim=1, keepdim=True))


def gaussian_tasks(k: int, d: int, *, generator: torch.Generator, dtype=torch.float64) -> torch.Tensor:
    """``k`` task vectors with i.i.d. N(0, 1) entries (unnormalised, E‖w‖² = d), shape ``(k, d)``."""
    check_int("k", k, 1)
    check_int("d", d, 1)
    return torch.randn(k, d, generator=generator, dtype=dtype, device=generator.device)


def _gamma_marsaglia_tsang(shape: torch.Tensor, *, generator: torch.Generator) -> torch.Tensor:
    """One Gamma(shape_i) draw per entry of ``shape`` (every shape ≥ 1): Marsaglia–Tsang rejection (ACM TOMS 26,
    2000), exact; all entries are drawn together and rejected ones redrawn."""
    opts = dict(generator=generator, dtype=shape.dtype, device=generator.device)
    shift = shape - 1 / 3
    scale = 1 / torch.sqrt(9 * shift)
    out = torch.empty_like(shape)
    pending = torch.arange(shape.numel(), device=generator.device)
    while pending.numel():
        z = torch.randn(pending.numel(), **opts)
        u = torch.rand(pending.numel(), **opts)
        d, c = shift[pending], scale[pending]
        v = (1 + c * z) ** 3
        # v <= 0 is rejected; the clamp only keeps the logarithm finite for those.
        accept = (v > 0) & (u.log() < z**2 / 2 + d - d * v + d * v.clamp_min(1e-300).log())
        out[pending[accept]] = d[accept] * v[accept]
        pending = pending[~accept]
    return out


def chi2(dof: int, n: int, *, generator: torch.Generator, dtype=torch.float64) -> torch.Tensor:
    """``n`` independent chi-square draws with ``dof`` degrees of freedom (exact; ``dof = 0`` gives zeros).

    For dof ≥ 2, χ²_dof = 2·Gamma(dof/2) with the shape ≥ 1 Gamma drawn by the
    Marsaglia–Tsang rejection method (ACM TOMS 26, 2000), which is exact.
    """
    dof, n = check_int("dof", dof, 0), check_int("n", n, 0)
    opts = dict(generator=generator, dtype=dtype, device=generator.device)
    if dof == 0:
        return torch.zeros(n, dtype=dtype, device=generator.device)
    if dof == 1:
        return torch.randn(n, **opts) ** 2
    return 2 * _gamma_marsaglia_tsang(torch.full((n,), dof / 2, dtype=dtype, device=generator.device),
                                      generator=generator)


def chi2_each(dofs, count: int, *, generator: torch.Generator, dtype=torch.float64) -> torch.Tensor:
    """``count`` rows of independent chi-square draws, column j with ``dofs[j]`` ≥ 1 degrees of freedom:
    shape ``(count, len(dofs))`` (exact: z² for one degree of freedom, Marsaglia–Tsang otherwise)."""
    dofs = [check_int("dofs", d, 1) for d in dofs]
    count = check_int("count", count, 0)
    table = torch.tensor(dofs, dtype=dtype, device=generator.device).expand(count, len(dofs)).reshape(-1)
    out = torch.empty_like(table)
    one = table == 1
    if bool(one.any()):
        out[one] = torch.randn(int(one.sum()), generator=generator, dtype=dtype, device=generator.device) ** 2
    if bool((~one).any()):
        out[~one] = 2 * _gamma_marsaglia_tsang(table[~one] / 2, generator=generator)
    return out.reshape(count, len(dofs))


def wishart_factor(count: int, dim: int, context: int, *, generator: torch.Generator,
                   dtype=torch.float64) -> torch.Tensor:
    """Bartlett factors T of ``count`` Wishart matrices: XXᵀ has the law of TTᵀ for X a D×P standard Gaussian
    matrix, with T ∈ R^{D×r}, r = min(D, P), lower-trapezoidal, T_jj = √χ²_{P−j} (j = 0..r−1) and N(0, 1) below
    the diagonal (Bartlett 1933; the rows of X orthogonalised in turn). Shape ``(count, dim, r)``.

    X = TQ with Q's r orthonormal rows independent of T, so Xε for ε ~ N(0, I_P) has the law of Tξ, ξ ~ N(0, I_r).
    Per factor, the r(2D − r − 1)/2 Gaussians below the diagonal are drawn first (row by row), then the r chi-squares.
    """
    count, dim, context = check_int("count", count, 0), check_int("dim", dim, 1), check_int("context", context, 1)
    rank = min(dim, context)
    rows, cols = torch.tril_indices(dim, rank, -1, device=generator.device)
    # Only the entries below the diagonal are drawn (float64 normals are the costly part of a draw).
    below = torch.randn(count, rows.numel(), generator=generator, dtype=dtype, device=generator.device)
    factor = torch.zeros(count, dim * rank, dtype=dtype, device=generator.device)
    factor.index_copy_(1, rows * rank + cols, below)
    factor = factor.view(count, dim, rank)
    diagonal = chi2_each(range(context, context - rank, -1), count, generator=generator, dtype=dtype).sqrt()
    factor.diagonal(dim1=-2, dim2=-1).copy_(diagonal)
    return factor


@dataclass(frozen=True)
class Contexts:
    """A batch of contexts reduced to what the linear model sees.

    ``s = (d/ℓ) Σ y_i x_i`` and ``q = (1/ℓ) Σ y_i²`` (the features h = [s; q]),
    the query input ``x`` and its noisy label ``y``; ``w`` are the tasks used.
    """

    s: torch.Tensor  # (n, d)
    q: torch.Tensor  # (n,)
    x: torch.Tensor  # (n, d)
    y: torch.Tensor  # (n,)
    w: torch.Tensor  # (n, d)

    @property
    def h(self) -> torch.Tensor:
        """The features h = [s; q], shape (n, d + 1)."""
        return torch.cat([self.s, self.q[:, None]], dim=1)

    def to(self, device: str | torch.device) -> Contexts:
        """The same contexts on ``device``."""
        return Contexts(*(t.to(device) for t in (self.s, self.q, self.x, self.y, self.w)))


@dataclass(frozen=True)
class Tokens:
    """A batch of contexts token by token: inputs ``X`` (n, ℓ, d), labels ``y`` (n, ℓ), the query and the tasks."""

    X: torch.Tensor  # (n, ℓ, d)
    y: torch.Tensor  # (n, ℓ)
    x_query: torch.Tensor  # (n, d)
    y_query: torch.Tensor  # (n,)
    w: torch.Tensor  # (n, d)

    def to(self, device: str | torch.device) -> Tokens:
        """The same tokens on ``device``."""
        return Tokens(*(t.to(device) for t in (self.X, self.y, self.x_query, self.y_query, self.w)))

    def reduce(self) -> Contexts:
        """The features (s, q) of each context, with its query and task."""
        ell, d = self.X.shape[1:]
        s = (d / ell) * torch.einsum("mi,mid->md", self.y, self.X)
        return Contexts(s, (self.y**2).mean(dim=1), self.x_query, self.y_query, self.w)

    def regressions(self) -> Regressions:
        """XᵀX and Xᵀy of each context's ℓ examples, with its task."""
        return Regressions(self.X.transpose(1, 2) @ self.X, torch.einsum("mid,mi->md", self.X, self.y), self.w)


@dataclass(frozen=True)
class Regressions:
    """A batch of contexts reduced to what a posterior over its task needs: ``gram`` = XᵀX (n, d, d) and
    ``moment`` = Xᵀy (n, d) of the ℓ examples (the likelihood depends on y only through them and ‖y‖²,
    which is the same for every task), with the tasks ``w`` (n, d)."""

    gram: torch.Tensor  # (n, d, d)
    moment: torch.Tensor  # (n, d)
    w: torch.Tensor  # (n, d)

    def to(self, device: str | torch.device) -> Regressions:
        """The same statistics on ``device``."""
        return Regressions(*(t.to(device) for t in (self.gram, self.moment, self.w)))


def _check_tasks(tasks: torch.Tensor, ell, rho) -> tuple[int, float]:
    if tasks.ndim != 2:
        raise ParameterError("tasks", "a 2-d tensor of shape (n, d)", tuple(tasks.shape))
    return check_int("ell", ell, 1), float(check_array("rho", rho, Range(0)))


def sample_tokens(tasks: torch.Tensor, ell: int, rho: float, *, generator: torch.Generator) -> Tokens:
    """One context per row of ``tasks`` (shape (n, d)), every token drawn: inputs N(0, I/d), label noise N(0, ρ)."""
    ell, rho = _check_tasks(tasks, ell, rho)
    m, d = tasks.shape
    opts = dict(generator=generator, dtype=tasks.dtype, device=tasks.device)
    X = torch.randn(m, ell + 1, d, **opts) / d**0.5
    y = torch.einsum("mid,md->mi", X, tasks) + rho**0.5 * torch.randn(m, ell + 1, **opts)
    return Tokens(X[:, :ell], y[:, :ell], X[:, ell], y[:, ell], tasks)


def sample_contexts(
    tasks: torch.Tensor, ell: int, rho: float, *, generator: torch.Generator, chunk: int = 4096
) -> Contexts:
    """One context per row of ``tasks`` (shape (n, d)): ℓ examples and a query, inputs N(0, I/d), label noise N(0, ρ).

    Samples every token (the direct sampler); memory is bounded by ``chunk`` contexts at a time.
    """
    _check_tasks(tasks, ell, rho)
    parts = [sample_tokens(tasks[start : start + chunk], ell, rho, generator=generator).reduce()
             for start in range(0, tasks.shape[0], chunk)]
    return Contexts(*(torch.cat(p) for p in zip(*((c.s, c.q, c.x, c.y, c.w) for c in parts))))


def sample_sufficient(tasks: torch.Tensor, ell: int, rho: float, *, generator: torch.Generator) -> Contexts:
    """Exactly the law of :func:`sample_contexts`, drawn from O(d) variables per context whatever ℓ.

    Construction (this project's derivation; see the Lu et al. 2025 reference in docs/theory/, §7.3):
    let β = ‖w‖, u = w/β. By rotational invariance the context inputs are X = a uᵀ + Z with a ~ N(0, I_ℓ/d) and Z
    (ℓ × d, rows N(0, I/d) projected on u⊥) independent; y = βa + ε. With A = √d a, E = ε/√ρ,
    r² = ‖A‖² ~ χ²_ℓ, ζ = ⟨A, E⟩/‖A‖ ~ N(0, 1) and c² = ‖E‖² − ζ² ~ χ²_{ℓ−1}, all independent:
    ⟨a, y⟩ = βr²/d + √(ρ/d) rζ and ‖y‖² = (βr/√d + √ρ ζ)² + ρc². Given y, Zᵀy is an isotropic
    Gaussian on u⊥ of variance ‖y‖²/d, i.e. √(‖y‖²/d) (g − ⟨g, u⟩u) with g ~ N(0, I_d). Then
    s = (d/ℓ)(⟨a, y⟩u + Zᵀy), q = ‖y‖²/ℓ; the query is independent of the context and drawn directly.
    """
    ell, rho = _check_tasks(tasks, ell, rho)
    n, d = tasks.shape
    opts = dict(generator=generator, dtype=tasks.dtype, device=tasks.device)
    beta = tasks.norm(dim=1)
    # For w = 0 the law is isotropic and any unit direction serves; take e1.
    e1 = torch.zeros(d, dtype=tasks.dtype, device=tasks.device)
    e1[0] = 1
    u = torch.where(beta[:, None] > 0, tasks / beta.clamp_min(torch.finfo(tasks.dtype).tiny)[:, None], e1)
    r2 = chi2(ell, n, generator=generator, dtype=tasks.dtype)
    c2 = chi2(ell - 1, n, generator=generator, dtype=tasks.dtype)
    zeta = torch.randn(n, **opts)
    r = r2.sqrt()
    a_dot_y = beta * r2 / d + (rho / d) ** 0.5 * r * zeta
    y_sq = (beta * r / d**0.5 + rho**0.5 * zeta) ** 2 + rho * c2
    g = torch.randn(n, d, **opts)
    z_t_y = (y_sq / d).sqrt()[:, None] * (g - (g * u).sum(dim=1, keepdim=True) * u)
    s = (d / ell) * (a_dot_y[:, None] * u + z_t_y)
    x = torch.randn(n, d, **opts) / d**0.5
    y = (x * tasks).sum(dim=1) + rho**0.5 * torch.randn(n, **opts)
    return Contexts(s, y_sq / ell, x, y, tasks)


def sample_regressions(tasks: torch.Tensor, ell: int, rho: float, *, generator: torch.Generator) -> Regressions:
    """Exactly the law of ``sample_tokens(...).regressions()``, from O(d²) variables per context when ℓ ≥ d.

    XᵀX ~ Wishart_d(ℓ, I/d) is drawn by Bartlett's decomposition, XᵀX = L Lᵀ/d with L lower
    triangular, L_ii² ~ χ²_{ℓ−i} (i = 0, …, d−1) and standard normals below the diagonal; given X,
    Xᵀε ~ N(0, ρ XᵀX) is √(ρ/d) L z with z ~ N(0, I_d), so Xᵀy = XᵀX w + √(ρ/d) L z. For ℓ < d
    the Wishart law is singular and the tokens are drawn (cheap there).
    """
    ell, rho = _check_tasks(tasks, ell, rho)
    n, d = tasks.shape
    if ell < d:
        return sample_tokens(tasks, ell, rho, generator=generator).regressions()
    opts = dict(generator=generator, dtype=tasks.dtype, device=tasks.device)
    factor = torch.randn(n, d, d, **opts).tril(-1)
    diagonal = torch.stack([chi2(ell - i, n, generator=generator, dtype=tasks.dtype) for i in range(d)], dim=1)
    factor.diagonal(dim1=1, dim2=2).copy_(diagonal.sqrt())
    gram = factor @ factor.transpose(1, 2) / d
    noise = (rho / d) ** 0.5 * (factor @ torch.randn(n, d, 1, **opts))[:, :, 0]
    return Regressions(gram, (gram @ tasks[:, :, None])[:, :, 0] + noise, tasks)


#: The context samplers by name: same signature (tasks, ell, rho, *, generator), same law.
SAMPLERS = {"direct": sample_contexts, "sufficient": sample_sufficient}


def sample(method: str, tasks: torch.Tensor, ell: int, rho: float, *, generator: torch.Generator) -> Contexts:
    """Contexts for ``tasks`` from the sampler named ``method`` (one of :data:`SAMPLERS`)."""
    return SAMPLERS[check_choice("sampler", method, SAMPLERS)](tasks, ell, rho, generator=generator)
