"""Training contexts of the reduced-Γ model from chunked numpy streams: the same law as the sufficient sampler of
:func:`.data.sample_contexts`, drawn so that a step's contexts depend only on (seed, step), never on how many
threads draw them, and so that compiled code can draw each context right where it is used.

Streams. The B contexts of training step s are split into chunks of :data:`CHUNK` contexts (the last one may be
shorter); chunk c of step s draws from ``Generator(SFC64(SeedSequence(seed, spawn_key=(s, c))))``
(:func:`chunk_generator`). Chunks are independent streams, so they can be drawn in any order, on any number of
threads, and a resumed run needs only the step counter.

Law (ISO and FS at finite α; docs/theory/bordelon2025.md, "Simulation"). A context is its task w and the factor
F = Λ^{1/2} T of Σ̂ = FFᵀ/P, T a Bartlett factor of a D×P standard Gaussian matrix (D×r, r = min(D, P),
T_jj = √χ²_{P−j}, N(0, 1) below the diagonal, 0 above), and with label noise the drive σFξ/P, ξ ~ N(0, I_r)
(exact in law: :func:`icl_sym.sim.sampling.wishart_factor`). The task is w = √ω ⊙ z for ISO (√ω = D^{−1/2}, z ~ N(0, I))
and w = √ω ⊙ sign(z) for FS (Rademacher signs, sign(0) = +1). A chunk of C contexts draws, in this order:

1. the C·r chi-squares, context by context, j = 0..r−1 within a context (χ²_P, χ²_{P−1}, ...);
2. per context: the D normals z of the task, the r(2D − r − 1)/2 normals below the diagonal of T row by row,
   then (noise only) the r normals ξ.

:func:`.compiled.draw_context` is one context's part 2 as plain Python (scalar draws), compiled by numba inside
the training kernel (it lives next to the kernels so that numba's disk cache, which watches one source file, sees
every change to the code it compiles); :func:`chunk_contexts` draws a whole chunk with numpy's vectorised draws in
the same order — bit-identical factors and tasks, so a seed trains the same run with numba and without it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from icl_sym.core.validation import ParameterError, check_int

from .data import ContextBatch, DataSpec

__all__ = ["CHUNK", "StreamBatch", "chunk_generator", "chunk_bounds", "stream_applies", "chunk_contexts",
           "chi_square_degrees"]

#: Contexts per chunk: fixed, so that a step's draws do not depend on the thread count. One chunk is one task for a
#: thread (B = 512: 8 tasks); the numpy fallback holds a chunk's factors at once (2 MB at D = 64), the kernel one.
CHUNK = 64


def chunk_generator(seed: int, step: int, chunk: int) -> np.random.Generator:
    """The stream of chunk ``chunk`` of training step ``step`` of a run seeded with ``seed`` (SFC64, the fastest of
    numpy's bit generators)."""
    key = (check_int("step", step, 0), check_int("chunk", chunk, 0))
    return np.random.Generator(np.random.SFC64(np.random.SeedSequence(check_int("seed", seed, 0), spawn_key=key)))


def chunk_bounds(size: int) -> list[tuple[int, int]]:
    """(first context, count) of each chunk of a batch of ``size`` contexts."""
    return [(start, min(CHUNK, size - start)) for start in range(0, check_int("size", size, 1), CHUNK)]


def stream_applies(spec: DataSpec) -> bool:
    """Whether the law of ``spec`` is drawn from these streams: ISO or FS (a diagonal Λ keeps F lower-trapezoidal)
    at finite α. RRS (a Haar rotation per context) and the population covariance keep :func:`.data.sample_contexts`."""
    return spec.setting in ("iso", "fs") and not spec.population


def chi_square_degrees(spec: DataSpec) -> np.ndarray:
    """The degrees of freedom P, P − 1, ..., P − r + 1 of the diagonal of T (float64, as the draws take them)."""
    rank = min(spec.dim, spec.context)
    return np.arange(spec.context, spec.context - rank, -1, dtype=np.float64)


def chunk_contexts(spec: DataSpec, rng: np.random.Generator, count: int, noise: bool = True
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``count`` contexts of ``spec`` from ``rng`` with numpy's vectorised draws, in the order of the module
    docstring: factors F (count, D, r), tasks w (count, D) and noise drives σFξ/P (count, D) (``None`` without
    noise). F and w are bit for bit those of :func:`.compiled.draw_context`; the drives agree to rounding (their
    sums run in another order)."""
    dim, context = spec.dim, spec.context
    rank = min(dim, context)
    chi = rng.chisquare(np.tile(chi_square_degrees(spec), (count, 1)))
    below = rank * (2 * dim - rank - 1) // 2
    has_noise = noise and spec.noise > 0
    normals = rng.standard_normal((count, dim + below + (rank if has_noise else 0)))
    lam_sqrt = spec.eigenvalues.sqrt().numpy()
    amplitudes = spec.amplitudes.numpy()
    z = normals[:, :dim]
    w = amplitudes * (np.where(z >= 0.0, 1.0, -1.0) if spec.setting == "fs" else z)
    F = np.zeros((count, dim, rank))
    start = dim
    for row in range(1, dim):  # row by row, as draw_context draws them (slices: faster than a fancy index)
        length = min(row, rank)
        F[:, row, :length] = normals[:, start:start + length]
        start += length
    diagonal = np.arange(rank)
    F[:, diagonal, diagonal] = np.sqrt(chi)
    F *= lam_sqrt[:, None]
    drive = None
    if has_noise:
        xi = normals[:, dim + below:]
        drive = np.einsum("bdr,br->bd", F, xi) * (spec.noise / context)
    return F, w, drive


@dataclass(frozen=True)
class StreamBatch:
    """The ``size`` contexts of training step ``step`` of a run seeded with ``seed``, not yet drawn: compiled code
    draws them inside the recursions (:func:`.compiled.stream_recursions`, on ``threads`` threads, default torch's
    count); :meth:`contexts` draws them with numpy. The draws do not depend on ``threads``."""

    spec: DataSpec
    seed: int
    step: int
    size: int
    noise: bool = True
    threads: int | None = None

    def __post_init__(self):
        if not stream_applies(self.spec):
            raise ParameterError("setting", "iso or fs at finite alpha for chunked streams", self.spec.setting)

    def contexts(self) -> ContextBatch:
        """The contexts as a :class:`ContextBatch` (factor F, ``tokens`` false), drawn with numpy."""
        parts = [chunk_contexts(self.spec, chunk_generator(self.seed, self.step, index), count, self.noise)
                 for index, (_, count) in enumerate(chunk_bounds(self.size))]
        F, w = (torch.from_numpy(np.concatenate([p[k] for p in parts])) for k in (0, 1))
        drive = None if parts[0][2] is None else torch.from_numpy(np.concatenate([p[2] for p in parts]))
        return ContextBatch(F, None, w, drive, None, self.spec.eigenvalues, None, None, self.spec.context, False)
