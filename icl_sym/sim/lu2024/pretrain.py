"""Ridge pretraining of the reduced linear attention Γ* (Lu et al. 2025, pretraining loss).

See docs/theory/lu2024.md §3.3 and §7.2.

    vec Γ* = (Σ_μ h_μ h_μᵀ + (n/d) λ I)^{-1} Σ_μ y_μ h_μ,   h_μ = vec H_{Z^μ} = x_μ ⊗ [s_μ; q_μ]  (row-major),

solved in float64 on the contexts' device by one of three methods that give the same Γ*:

- ``"primal"``: the p × p Gram (p = d(d+1)). Its entry ((i,a),(j,b)) is Σ_μ (x_i x_j)(h_a h_b), so
  it is a rearrangement of the GEMM Pₓᵀ P_h of the distinct monomials x_i x_j (i ≤ j) and
  h_a h_b (a ≤ b), accumulated chunk by chunk: n p²/2 flops instead of the 2 n p² of FᵀF
  over the feature rows F; cost O(n p²/2 + p³), memory p² plus a bounded chunk.
- ``"dual"``: the n × n kernel, which the Kronecker structure makes a Hadamard product
  (XXᵀ) ∘ (HHᵀ) of two cheap Gram matrices; cost O(n² d + n³), memory n².
- ``"cg"``: preconditioned conjugate gradients on the normal equations, matrix-free: F v and Fᵀ r
  are x_μᵀ V h_μ and Xᵀ diag(r) H (O(n d²) each, no p × p matrix). The preconditioner is the
  Kronecker approximation (XᵀX) ⊗ (HᵀH/n) of the Gram, inverted through two small eigendecompositions.

λ = 0 gives the minimum-norm least-squares solution (the λ → 0+ limit) with the direct
methods (a pseudo-inverse of the Gram or the kernel); CG cannot give it when n < p and refuses.
"""

from __future__ import annotations

import torch

from icl_sym.core.validation import ParameterError, Range, check_array, check_choice, check_int

from icl_sym.sim.monomials import degree2_monomials
from icl_sym.sim.sampling import Contexts

__all__ = ["SOLVERS", "SolverError", "choose_solver", "cg_iterations", "solver_flops", "ridge_gamma", "gram_matrix",
           "gram_flops"]

#: Solution methods; "auto" picks the cheapest one by the cost model of :func:`choose_solver`.
SOLVERS = ("auto", "primal", "dual", "cg")

#: CG is considered only with at least this many contexts per unknown, r = n/p: its iteration count
#: grows like (1 + r^-1/2)/(1 − r^-1/2) (the spread of a Wishart spectrum) and diverges at the
#: interpolation threshold r = 1 (measured at d = 16: 350 iterations at τ = 1.15, 80 at 2, 30 at 8).
CG_MIN_RATIO = 1.5
#: Iterations to the default tolerance 1e-12 per unit of (1 + r^-1/2)/(1 − r^-1/2): measured 11 to 15
#: at d = 16 for τ = 2, 4, 8, α = 1, 10, 100, λ = 1e-5 and 1e-3 (36 to 88 iterations); the upper end is used.
CG_ITERATIONS_PER_CONDITION = 15
#: Seconds per flop of CG's iterations over seconds per flop of the primal Gram and factorisation:
#: CG's products have an inner dimension of only d, so they run at a lower rate. Measured with
#: benchmarks/bench_gamma_fit.py (crossover table in benchmarks/results/bench_gamma_fit.md, 2-core
#: Xeon, d = 16 to 48, τ = 2 and 8): median 1.7 on one torch thread, where this value makes
#: choose_solver pick the faster method at all 8 sizes; ≈ 5 on two threads of the shared machine,
#: too noisy there (CG runs spread 3-10x) to tune on. Either way CG wins by far at d = 100.
CG_FLOP_COST = 2.0


class SolverError(RuntimeError):
    """The linear system could not be solved to the requested accuracy."""


def cg_iterations(n: int, d: int) -> float:
    """Predicted CG iterations for n contexts in dimension d (tolerance 1e-12); inf below :data:`CG_MIN_RATIO`."""
    ratio = n / (d * (d + 1))
    if ratio < CG_MIN_RATIO:
        return float("inf")
    root = ratio**-0.5
    return CG_ITERATIONS_PER_CONDITION * (1 + root) / (1 - root)


def solver_flops(n: int, d: int) -> dict[str, float]:
    """Predicted cost of each method in primal-equivalent flops (CG weighted by :data:`CG_FLOP_COST`).

    primal: n p²/2 (the monomial Gram) + p³/3 (Cholesky); dual: 2 n² d (kernel) + n³/3;
    cg: iterations × 4 n p (two products of n × d by d × (d+1) per iteration).
    """
    p = d * (d + 1)
    return {"primal": gram_flops(n, d) + p**3 / 3, "dual": 2 * n * n * d + n**3 / 3,
            "cg": CG_FLOP_COST * cg_iterations(n, d) * 4 * n * p}


def choose_solver(n: int, d: int, lam: float, max_matrix_bytes: float = 4 * 2**30) -> str:
    """The method "auto" uses for n contexts in dimension d: the one of least predicted cost
    (:func:`solver_flops`) among those that apply, CG only with λ > 0 and n/p ≥ :data:`CG_MIN_RATIO`;
    CG also when the chosen direct method's dense matrix would exceed ``max_matrix_bytes``."""
    p = d * (d + 1)
    cost = solver_flops(n, d)
    direct, size = ("primal", p) if cost["primal"] <= cost["dual"] else ("dual", n)
    if lam > 0 and cost["cg"] < cost[direct]:
        return "cg"
    if 8 * size * size <= max_matrix_bytes or (lam == 0 and n < p):
        return direct
    return "cg"


def ridge_gamma(
    contexts: Contexts,
    lam: float,
    *,
    solver: str = "auto",
    chunk_bytes: int = 2**28,
    tol: float = 1e-12,
    max_iter: int = 2000,
) -> torch.Tensor:
    """Γ* (d × (d+1)) for the pretraining ``contexts`` with ridge λ in the (n/d)λ convention.

    The convention is that of docs/theory/lu2024.md §3.3.

    ``chunk_bytes`` bounds the monomial block of the primal Gram and the kernel block of the dual;
    ``tol`` (relative residual of the normal equations) and ``max_iter`` apply to CG, which raises
    :class:`SolverError` if it has not converged.
    """
    lam = float(check_array("lam", lam, Range(0)))
    check_choice("solver", solver, SOLVERS)
    x, h, y = contexts.x.double(), contexts.h.double(), contexts.y.double()
    n, d = x.shape
    method = choose_solver(n, d, lam) if solver == "auto" else solver
    shift = n / d * lam
    if solver == "auto" and method == "cg" and choose_solver(n, d, lam, max_matrix_bytes=float("inf")) == "cg":
        try:  # chosen for speed: if CG stalls after all, the direct method still gives the answer
            return _cg(x, h, y, shift, float(check_array("tol", tol, Range(0, low_open=True))),
                       check_int("max_iter", max_iter, 1))
        except SolverError:
            primal, dual = solver_flops(n, d)["primal"], solver_flops(n, d)["dual"]
            method = "primal" if primal <= dual else "dual"
    if method == "primal":
        return _primal(x, h, y, shift, check_int("chunk_bytes", chunk_bytes, 1))
    if method == "dual":
        return _dual(x, h, y, shift, check_int("chunk_bytes", chunk_bytes, 1))
    if lam == 0 and n < d * (d + 1):
        raise ParameterError("solver", "'primal', 'dual' or 'auto' when lam = 0 and n < d(d+1): "
                             "CG does not return the minimum-norm solution", solver)
    return _cg(x, h, y, shift, float(check_array("tol", tol, Range(0, low_open=True))),
               check_int("max_iter", max_iter, 1))


def _solve_psd(matrix: torch.Tensor, rhs: torch.Tensor, shift: float) -> torch.Tensor:
    """(matrix + shift I)^{-1} rhs for a symmetric PSD matrix; the pseudo-inverse when shift = 0."""
    if shift == 0:
        return torch.linalg.pinv(matrix, hermitian=True) @ rhs
    matrix.diagonal().add_(shift)
    factor, info = torch.linalg.cholesky_ex(matrix)
    if int(info) != 0:
        raise SolverError("the ridge system is not numerically positive definite; "
                          "increase lam or use lam = 0 for the minimum-norm solution")
    # Two triangular solves: torch.cholesky_solve was measured ~700x slower on CPU (0.12 s vs 0.2 ms at n = 864).
    half = torch.linalg.solve_triangular(factor, rhs[:, None], upper=False)
    return torch.linalg.solve_triangular(factor.T, half, upper=True)[:, 0]


def _primal(x: torch.Tensor, h: torch.Tensor, y: torch.Tensor, shift: float, chunk_bytes: int) -> torch.Tensor:
    d = x.shape[1]
    rhs = (x.T @ (y[:, None] * h)).reshape(d * (d + 1))
    return _solve_psd(gram_matrix(x, h, chunk_bytes), rhs, shift).reshape(d, d + 1)


def _pair_position(m: int, device: torch.device) -> torch.Tensor:
    """The m × m table of the position of the unordered pair {i, j} in ``torch.triu_indices(m, m)``."""
    i, j = torch.triu_indices(m, m, device=device)
    position = torch.empty(m, m, dtype=torch.long, device=device)
    position[i, j] = position[j, i] = torch.arange(i.numel(), device=device)
    return position


def gram_matrix(x: torch.Tensor, h: torch.Tensor, chunk_bytes: int = 2**28) -> torch.Tensor:
    """Σ_μ f_μ f_μᵀ for the features f_μ = x_μ ⊗ h_μ (row-major), p × p with p = d(d+1).

    Computed as the GEMM of the distinct monomials, ≤ ``chunk_bytes`` of monomial rows at a
    time, then rearranged by one gather: ≈ n p²/2 flops (:func:`gram_flops`), memory p² + d⁴/4.
    """
    n, d = x.shape
    p, mx, mh = d * (d + 1), d * (d + 1) // 2, (d + 1) * (d + 2) // 2
    moments = torch.zeros(mx, mh, dtype=x.dtype, device=x.device)
    step = max(1, chunk_bytes // (8 * (mx + mh)))
    for start in range(0, n, step):
        moments.addmm_(degree2_monomials(x[start : start + step]).T, degree2_monomials(h[start : start + step]))
    # gram[(i, a), (j, b)] = moments[pair(i, j), pair(a, b)], gathered with broadcast indices
    x_position, h_position = _pair_position(d, x.device), _pair_position(d + 1, x.device)
    return moments[x_position[:, None, :, None], h_position[None, :, None, :]].reshape(p, p)


def gram_flops(n: int, d: int) -> int:
    """Floating-point operations of :func:`gram_matrix`'s GEMMs for n contexts in dimension d."""
    return 2 * n * (d * (d + 1) // 2) * ((d + 1) * (d + 2) // 2)


def _dual(x: torch.Tensor, h: torch.Tensor, y: torch.Tensor, shift: float, chunk_bytes: int) -> torch.Tensor:
    n = x.shape[0]
    kernel = x @ x.T
    # ⟨x_μ ⊗ h_μ, x_ν ⊗ h_ν⟩ = ⟨x_μ, x_ν⟩⟨h_μ, h_ν⟩, multiplied in row blocks: no second n × n matrix
    step = max(1, chunk_bytes // (8 * n))
    for start in range(0, n, step):
        kernel[start : start + step].mul_(h[start : start + step] @ h.T)
    coef = _solve_psd(kernel, y, shift)
    return x.T @ (coef[:, None] * h)


def _cg(x: torch.Tensor, h: torch.Tensor, y: torch.Tensor, shift: float, tol: float, max_iter: int) -> torch.Tensor:
    n = x.shape[0]

    def normal(V: torch.Tensor) -> torch.Tensor:  # (FᵀF + shift) vec V, as a matrix
        return x.T @ (((x @ V) * h).sum(dim=1, keepdim=True) * h) + shift * V

    a_val, a_vec = torch.linalg.eigh(x.T @ x)
    b_val, b_vec = torch.linalg.eigh(h.T @ h / n)
    denom = a_val[:, None] * b_val[None, :] + shift

    def precondition(R: torch.Tensor) -> torch.Tensor:  # ((XᵀX) ⊗ (HᵀH/n) + shift)^{-1} vec R
        return a_vec @ ((a_vec.T @ R @ b_vec) / denom) @ b_vec.T

    rhs = x.T @ (y[:, None] * h)
    target = tol * rhs.norm()
    V = torch.zeros_like(rhs)
    R = rhs.clone()
    Z = precondition(R)
    P = Z.clone()
    rz = (R * Z).sum()
    iterations = 0
    while R.norm() > target:
        if iterations == max_iter:
            raise SolverError(f"CG did not reach relative residual {tol:g} in {max_iter} iterations "
                              f"(reached {float(R.norm() / rhs.norm()):.2e}); "
                              "raise max_iter or lam, or use a direct solver")
        iterations += 1
        AP = normal(P)
        step = rz / (P * AP).sum()
        V += step * P
        R -= step * AP
        Z = precondition(R)
        rz, rz_old = (R * Z).sum(), rz
        P = Z + (rz / rz_old) * P
    return V
