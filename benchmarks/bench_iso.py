"""ISO optimal-loss table ℓ⋆(α, L): closed form against adaptive quadrature and the discrete-time DMFT iteration.

The table is α on a 200-point geometric grid in [0.05, 50] and L = 1..64 (12,800 values). Three ways to compute
it, all at the optimal per-step size c⋆ = α/(1+α):

- closed form: :func:`iso_optimal_loss` (positive Catalan tail series, vectorised in α);
- quadrature (baseline): ``scipy.integrate.quad`` of the MP bulk density times (1 − c⋆λ)^{2L}, plus the atom;
- DMFT: the discrete-time fixed-point iteration on T×T matrices (T = 2·64 + 1), which yields ⟨(1 − c⋆λ)^t⟩ for
  every t ≤ T at once. With θ = c⋆·(strictly lower-triangular all-ones matrix) it iterates
  H ← (I + θ(I + Hθ/α)^{-1})^{-1} from H = (I + θ)^{-1} 100 times and reads ℓ⋆(α, L) = (H·1)[2L].

Accuracy is measured against the exact finite form 1 − α/(1+α) Σ_{n<L} Cat_n xⁿ evaluated in 150-digit
arithmetic (a different formula from the tail series the closed-form column sums). Run: ``PYTHONPATH=$PWD python benchmarks/bench_iso.py``.
"""

from __future__ import annotations

import os

# One BLAS thread: the DMFT column is many small dense inversions, for which threading only adds contention.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import mpmath  # noqa: E402
import numpy as np  # noqa: E402
from scipy.integrate import quad  # noqa: E402

from common import timed, write_results  # noqa: E402
from icl_sym.theories.bordelon2025 import iso_optimal_loss  # noqa: E402

ALPHAS = np.geomspace(0.05, 50, 200)
DEPTHS = np.arange(1, 65)
DMFT_ITERATIONS = 100


def closed_form_table() -> np.ndarray:
    return np.array([iso_optimal_loss(ALPHAS, int(depth)) for depth in DEPTHS]).T


def quadrature_table() -> np.ndarray:
    out = np.empty((ALPHAS.size, DEPTHS.size))
    for i, a in enumerate(ALPHAS):
        lam_minus, lam_plus = (1 - a**-0.5) ** 2, (1 + a**-0.5) ** 2
        step = a / (1 + a)

        def density(lam, a=a, lam_minus=lam_minus, lam_plus=lam_plus):
            return a * np.sqrt(max((lam_plus - lam) * (lam - lam_minus), 0.0)) / (2 * np.pi * lam)

        for j, depth in enumerate(DEPTHS):
            bulk, _ = quad(lambda lam: density(lam) * (1 - step * lam) ** (2 * depth), lam_minus, lam_plus,
                           epsabs=0.0, epsrel=1e-13, limit=400)
            out[i, j] = max(1 - a, 0.0) + bulk
    return out


def dmft_table() -> np.ndarray:
    size = 2 * DEPTHS[-1] + 1
    steps = ALPHAS / (1 + ALPHAS)
    theta = steps[:, None, None] * np.tril(np.ones((size, size)), -1)
    identity = np.eye(size)
    H = np.linalg.inv(identity + theta)
    for _ in range(DMFT_ITERATIONS):
        H = np.linalg.inv(identity + theta @ np.linalg.inv(identity + H @ theta / ALPHAS[:, None, None]))
    moments = H.sum(axis=2)  # moments[:, t] = ⟨(1 − c⋆λ)^t⟩
    return moments[:, 2 * DEPTHS]


def reference_table() -> np.ndarray:
    """The exact finite form 1 − α/(1+α) Σ_{n<L} Cat_n xⁿ in 150-digit arithmetic: its cancellation costs at most
    ~75 digits on this grid (ℓ⋆ > 1e-75), leaving far more than double precision."""
    out = np.empty((ALPHAS.size, DEPTHS.size))
    with mpmath.workdps(150):
        for i, a in enumerate(ALPHAS):
            al = mpmath.mpf(float(a))
            x, weight = al / (1 + al) ** 2, al / (1 + al)
            partial, term = mpmath.mpf(0), mpmath.mpf(1)
            for n in range(DEPTHS[-1]):
                partial += term
                out[i, n] = float(1 - weight * partial)
                term *= x * 2 * (2 * n + 1) / (n + 2)  # Cat_{n+1}/Cat_n = 2(2n+1)/(n+2)
    return out


def _relative_errors(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.abs(values - reference) / reference


def _summary(name: str, errors: np.ndarray, seconds: float, baseline: float) -> str:
    finite = np.where(np.isfinite(errors), errors, np.inf)
    good = np.mean(finite <= 1e-10) * 100
    return (f"| {name} | {seconds:.3f} | {baseline / seconds:.1f}x | {np.median(finite):.1e} | {np.max(finite):.1e} "
            f"| {good:.1f} % |")


def main() -> None:
    reference, reference_seconds = timed(reference_table)
    closed, closed_seconds = timed(closed_form_table)
    quadrature, quad_seconds = timed(quadrature_table)
    dmft, dmft_seconds = timed(dmft_table)

    errors = {"closed form": _relative_errors(closed, reference), "quadrature (scipy.quad)":
              _relative_errors(quadrature, reference), "DMFT iteration": _relative_errors(dmft, reference)}
    seconds = {"closed form": closed_seconds, "quadrature (scipy.quad)": quad_seconds, "DMFT iteration": dmft_seconds}
    lines = ["| method | seconds (12,800 values) | speed-up vs quad | median rel. error | max rel. error "
             "| points with rel. error ≤ 1e-10 |", "|---|---|---|---|---|---|"]
    lines += [_summary(name, errors[name], seconds[name], quad_seconds) for name in errors]

    by_depth = ["", "Maximum relative error over the α grid, by depth (and the smallest loss in that column):", "",
                "| L | min ℓ⋆ over α | closed form | quadrature | DMFT |", "|---|---|---|---|---|"]
    for depth in (1, 2, 4, 8, 16, 32, 64):
        j = depth - 1
        by_depth.append(f"| {depth} | {reference[:, j].min():.2e} | {np.max(errors['closed form'][:, j]):.1e} "
                        f"| {np.max(errors['quadrature (scipy.quad)'][:, j]):.1e} "
                        f"| {np.max(errors['DMFT iteration'][:, j]):.1e} |")

    samples = ["", "Sample values:", "", "| α | L | reference (150 digits) | closed form | quadrature | DMFT |",
               "|---|---|---|---|---|---|"]
    for a_index, depth in ((0, 64), (99, 8), (120, 16), (199, 1), (199, 64)):
        j = depth - 1
        samples.append(f"| {ALPHAS[a_index]:.4g} | {depth} | {reference[a_index, j]:.12e} | {closed[a_index, j]:.12e} "
                       f"| {quadrature[a_index, j]:.12e} | {dmft[a_index, j]:.12e} |")

    body = "\n".join(lines + by_depth + samples)
    print(body)
    facts = [f"grid: {ALPHAS.size} values of α geometrically spaced in [0.05, 50], L = 1..64",
             f"reference: exact finite form at 150 digits ({reference_seconds:.1f} s, not part of the comparison)",
             f"DMFT: T = {2 * DEPTHS[-1] + 1}, {DMFT_ITERATIONS} iterations, batched over α; one BLAS thread",
             "quadrature: scipy.integrate.quad, epsabs = 0, epsrel = 1e-13, limit = 400, at the optimal step",
             "reading: the closed form and quadrature of the positive integrand both keep full relative accuracy down "
             "to 1e-75; the DMFT iterate builds the moments from terms of both signs and loses relative accuracy "
             "once the loss drops below about 1e-16 of the O(1) terms (L ≥ 8 at large α), even going negative",
             "the closed form evaluates each L separately (one tail series per L); its time is dominated by the "
             "series near α = 1, where up to ~2000 terms are summed"]
    path = write_results("bench_iso", "ISO optimal loss: closed form vs quadrature vs DMFT", facts, body)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
