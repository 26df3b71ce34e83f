"""The reduced-Γ forward and adjoint recursions one context at a time in machine code (numba, optional).

Same maths as :func:`icl_sym.sim.bordelon2025.models.reduced_adjoint` (see the module docstring of
:mod:`.models`): for each context, the L layers forward with Σ̂ v = F(Fᵀv)/P, the loss e^{Lᵀ} Σ_c e^L and
the L layers of the adjoint backward. A context's factor F (D×r, 32 KB at D = r = 64) stays in the
processor's cache for all 2L layers, and every product is a loop over contiguous rows (F is also copied
transposed per context for that), so none of the per-call cost of a batched BLAS mat-vec is paid.
Contexts run in parallel (``numba.prange``) and write disjoint rows of the outputs; the layer gradients
are then one matrix product of the stored adjoints and drives (in :func:`.models.reduced_adjoint`).

Training contexts of ISO and FS (:mod:`.streams`) are not even stored: :func:`chunk_recursions` draws each
context of a chunk (:func:`draw_context`) right before its recursions, from the chunk's numpy Generator, and
:func:`stream_recursions` runs the chunks on several threads (the kernels release the GIL). Such an F is
lower-trapezoidal, and :func:`one_context` skips its zeros.

:func:`context_recursions` is plain Python: :func:`compiled_recursions` compiles it with numba
(``fastmath=False``, cached on disk) when :func:`icl_sym.core.compiled.numba_available`; tests also run
it as it is, interpreted, on small sizes.
"""

from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np

from icl_sym.core.compiled import numba_available

from .streams import chi_square_degrees, chunk_bounds, chunk_generator

__all__ = ["context_recursions", "one_context", "compiled_recursions", "compile_kernel", "draw_context",
           "chunk_recursions", "stream_recursions"]

# numba's fallback threading layer (workqueue) must not be entered from two threads at once.
_LOCK = threading.Lock()


def _range(n):  # pragma: no cover - replaced by numba.prange when compiled
    return range(n)


def context_recursions(F, inv_context, w, noise, has_noise, gammas, gammas_t, eigenvalues, rotation, has_rotation,
                       seed_scale, losses, drives, adjoints):
    """Per context b: drives d^ℓ (``drives[ℓ, b]``), adjoints a^{ℓ+1} of ``seed_scale`` × f (``adjoints[ℓ, b]``)
    and the loss f = e^{Lᵀ} Σ_c e^L (``losses[b]``), for Σ̂ = F F[b]ᵀ × ``inv_context``, Γ_ℓ = ``gammas[ℓ]``
    (``gammas_t`` their transposes), Σ_c = O diag(``eigenvalues``) Oᵀ with O = ``rotation[b]`` if
    ``has_rotation`` (else the identity) and the noise drive ``noise[b]`` if ``has_noise``."""
    size, dim, rank = F.shape
    for b in _range(size):
        Fb = F[b]
        Ft = np.empty((rank, dim))
        for i in range(dim):
            for j in range(rank):
                Ft[j, i] = Fb[i, j]
        row = np.int64(b)  # prange's index may be unsigned, which mixed with int64 would make floats
        noise_row = min(row, noise.shape[0] - 1)  # row 0, a placeholder, without noise
        rotation_row = min(row, rotation.shape[0] - 1)
        one_context(Fb, Ft, False, inv_context, w[b], noise[noise_row], has_noise, gammas, gammas_t, eigenvalues,
                    rotation[rotation_row], has_rotation, seed_scale, b, losses, drives, adjoints)


def transposed_product(M, x, out, band):
    """out = Mᵀ x for M (n×m) and x (n,), rows of M taken four at a time (one pass over ``out`` per four rows, the
    inner loop over contiguous columns). ``band``: 0 full M; 1 M lower-trapezoidal (M_rc = 0 for c > r: only the
    columns c < r + 4 of a block of rows are read); 2 M upper-trapezoidal (M_rc = 0 for c < r). The skipped entries
    are stored zeros: skipping them changes no bit of the sums."""
    rows, cols = M.shape
    for c in range(cols):
        out[c] = 0.0
    r = 0
    while r + 4 <= rows:
        x0, x1, x2, x3 = x[r], x[r + 1], x[r + 2], x[r + 3]
        m0, m1, m2, m3 = M[r], M[r + 1], M[r + 2], M[r + 3]
        for c in range(r if band == 2 else 0, min(r + 4, cols) if band == 1 else cols):
            out[c] += m0[c] * x0 + m1[c] * x1 + m2[c] * x2 + m3[c] * x3
        r += 4
    while r < rows:
        xr, mr = x[r], M[r]
        for c in range(r if band == 2 else 0, min(r + 1, cols) if band == 1 else cols):
            out[c] += mr[c] * xr
        r += 1


def one_context(Fb, Ft, lower, inv_context, wb, noise_b, has_noise, gammas, gammas_t, eigenvalues, O, has_rotation,
                seed_scale, b, losses, drives, adjoints):
    """The recursions of :func:`context_recursions` for one context: factor ``Fb`` (D×r) and its transpose ``Ft``,
    writing row ``b`` of the outputs. ``lower``: F is lower-trapezoidal (F_ij = 0 for j > i, a Bartlett factor
    scaled by a diagonal Λ^{1/2}), stored with its zeros, and the products skip them (half the work)."""
    dim, rank = Fb.shape
    depth = gammas.shape[0]
    f_band, ft_band = (1, 2) if lower else (0, 0)
    e = wb.copy()
    t = np.empty(rank)
    d = np.empty(dim)
    u = np.empty(dim)
    for layer in range(depth):
        transposed_product(Fb, e, t, f_band)  # t = Fᵀ e
        transposed_product(Ft, t, d, ft_band)  # d = F t (/ P below)
        for i in range(dim):
            d[i] = d[i] * inv_context + (noise_b[i] if has_noise else 0.0)
            drives[layer, b, i] = d[i]
        transposed_product(gammas_t[layer], d, u, 0)  # u = Γ d
        for i in range(dim):
            e[i] -= u[i] / depth
    s = np.empty(dim)  # Σ_c e
    if has_rotation:
        transposed_product(O, e, u, 0)  # u = Oᵀ e
        for k in range(dim):
            u[k] *= eigenvalues[k]
        for i in range(dim):
            acc = 0.0
            for k in range(dim):
                acc += O[i, k] * u[k]
            s[i] = acc
    else:
        for i in range(dim):
            s[i] = eigenvalues[i] * e[i]
    loss = 0.0
    for i in range(dim):
        loss += e[i] * s[i]
    losses[b] = loss
    a = s
    for i in range(dim):
        a[i] *= seed_scale
    h = np.empty(dim)
    scale = inv_context / depth
    for layer in range(depth - 1, -1, -1):
        for i in range(dim):
            adjoints[layer, b, i] = a[i]
        if layer == 0:
            break
        transposed_product(gammas[layer], a, h, 0)  # h = Γᵀ a
        transposed_product(Fb, h, t, f_band)  # t = Fᵀ h
        transposed_product(Ft, t, u, ft_band)  # u = F t
        for i in range(dim):  # a -= F t / (P L)
            a[i] -= u[i] * scale


@cache
def compiled_recursions():
    """:func:`context_recursions` compiled by numba (parallel over contexts), or ``None`` without numba."""
    if not numba_available():
        return None
    import numba

    # The same code with ``_range`` bound to numba.prange: the loop over contexts runs on numba's threads.
    # ``__name__`` lets numba's disk cache find this module again when it loads the compiled code.
    return compile_kernel(context_recursions, {"_range": numba.prange, "one_context": compiled_one_context()},
                          parallel=True)


@cache
def compiled_one_context():
    """:func:`one_context` compiled by numba (``None`` without numba), for the kernels that call it."""
    if not numba_available():
        return None
    return compile_kernel(one_context, {"transposed_product": compile_kernel(transposed_product, {})})


def compile_kernel(function, helpers: dict, *, parallel: bool = False):
    """``function`` compiled by numba (``fastmath=False``, cached on disk, releasing the GIL), its global names in
    ``helpers`` bound to those (compiled) functions: the same plain Python, run as machine code."""
    import numba

    # ``__name__`` lets numba's disk cache find this module again when it loads the compiled code.
    bound = {**function.__globals__, **helpers, "__name__": function.__module__}
    rebound = type(function)(function.__code__, bound, function.__name__)
    return numba.njit(parallel=parallel, fastmath=False, error_model="numpy", cache=True, nogil=True)(rebound)


def run_recursions(F, inv_context, w, noise, gammas, eigenvalues, rotation, seed_scale, threads: int):
    """:func:`context_recursions` compiled, on numpy arrays (``noise``, ``rotation``: ``None`` when absent), with
    ``threads`` numba threads; returns (losses (B,), drives (L, B, D), adjoints (L, B, D))."""
    kernel = compiled_recursions()
    size, dim, _ = F.shape
    depth = gammas.shape[0]
    losses = np.empty(size)
    drives = np.empty((depth, size, dim))
    adjoints = np.empty((depth, size, dim))
    has_noise, has_rotation = noise is not None, rotation is not None
    # One array type for every argument (C-contiguous float64), so numba compiles one specialisation.
    noise, rotation = (np.zeros((1,) * k + (dim,)) if a is None else a for k, a in ((1, noise), (2, rotation)))
    arrays = [np.ascontiguousarray(a, dtype=np.float64) for a in
              (F, w, noise, gammas, gammas.transpose(0, 2, 1), eigenvalues, rotation)]
    import numba
    import torch

    with _LOCK:
        torch_threads = torch.get_num_threads()  # first: numba's first call starts its pool, which raises it
        previous = numba.get_num_threads()
        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
        try:
            F, w, noise, gammas, gammas_t, eigenvalues, rotation = arrays
            kernel(F, float(inv_context), w, noise, has_noise, gammas, gammas_t, eigenvalues, rotation, has_rotation,
                   float(seed_scale), losses, drives, adjoints)
        finally:
            numba.set_num_threads(previous)
            # numba's OpenMP layer shares the OpenMP runtime with torch: setting its thread count sets torch's.
            torch.set_num_threads(torch_threads)
    return losses, drives, adjoints


def draw_context(rng, chi, lam_sqrt, amplitudes, signs, noise_scale, has_noise, F, Ft, w, drive):
    """Draw one context's normals from ``rng`` (step 2 of the law in :mod:`.streams`) and write its factor F (D×r, lower
    part and diagonal, from the square roots of ``chi``) and transpose ``Ft``, its task ``w`` (signs of the normals
    if ``signs``) and, if ``has_noise``, its drive ``noise_scale`` × Fξ (``noise_scale`` = σ/P)."""
    dim, rank = F.shape
    for i in range(dim):
        z = rng.standard_normal()
        w[i] = amplitudes[i] * ((1.0 if z >= 0.0 else -1.0) if signs else z)
    for i in range(dim):
        scale = lam_sqrt[i]
        for j in range(min(i, rank)):
            value = scale * rng.standard_normal()
            F[i, j] = value
            Ft[j, i] = value
        if i < rank:
            value = scale * math.sqrt(chi[i])
            F[i, i] = value
            Ft[i, i] = value
    if has_noise:
        for i in range(dim):
            drive[i] = 0.0
        for j in range(rank):
            xi = rng.standard_normal()
            for i in range(j, dim):
                drive[i] += F[i, j] * xi
        for i in range(dim):
            drive[i] *= noise_scale


def chunk_recursions(rng, degrees, lam_sqrt, amplitudes, signs, noise_scale, has_noise, inv_context, gammas,
                     gammas_t, eigenvalues, seed_scale, start, count, losses, drives, adjoints):
    """:func:`one_context` for the ``count`` contexts of one chunk (rows ``start``, ... of the outputs), each drawn
    from ``rng`` by :func:`draw_context` just before its recursions run (the chunk's chi-squares first:
    the order of :mod:`.streams`). F is never stored for more than one context."""
    dim, rank = amplitudes.shape[0], degrees.shape[0]
    chi = np.empty((count, rank))
    for b in range(count):
        for j in range(rank):
            chi[b, j] = rng.chisquare(degrees[j])
    F = np.zeros((dim, rank))
    Ft = np.zeros((rank, dim))
    w = np.empty(dim)
    drive = np.zeros(dim)
    no_rotation = np.zeros((1, dim))
    for b in range(count):
        draw_context(rng, chi[b], lam_sqrt, amplitudes, signs, noise_scale, has_noise, F, Ft, w, drive)
        one_context(F, Ft, True, inv_context, w, drive, has_noise, gammas, gammas_t, eigenvalues, no_rotation, False,
                    seed_scale, start + b, losses, drives, adjoints)


@cache
def compiled_chunk_recursions():
    """:func:`chunk_recursions` compiled by numba (one thread; chunks run on several), or ``None`` without numba."""
    if not numba_available():
        return None
    return compile_kernel(chunk_recursions, {"draw_context": compile_kernel(draw_context, {}),
                                             "one_context": compiled_one_context()})


@cache
def _chunk_pool(threads: int, process: int) -> ThreadPoolExecutor:
    """The worker threads of ``process`` (a forked child has its own: the parent's threads do not exist there)."""
    return ThreadPoolExecutor(threads, thread_name_prefix="icl-sym-chunks")


def stream_recursions(batch, gammas: np.ndarray, seed_scale: float, threads: int, kernel=None):
    """The recursions of :func:`context_recursions` on the contexts of ``batch`` (a :class:`.streams.StreamBatch`),
    drawn inside the compiled kernel chunk by chunk, the chunks on ``threads`` threads (this one and ``threads`` − 1
    helpers, each taking the next chunk in turn; the kernel releases the GIL): returns
    (losses (B,), drives (L, B, D), adjoints (L, B, D)). Every chunk writes its own rows, so the result does not
    depend on ``threads``. ``kernel``: :func:`chunk_recursions` as plain Python (tests), default compiled."""
    kernel = kernel or compiled_chunk_recursions()
    spec = batch.spec
    dim, depth = spec.dim, gammas.shape[0]
    losses = np.empty(batch.size)
    drives = np.empty((depth, batch.size, dim))
    adjoints = np.empty((depth, batch.size, dim))
    gammas = np.ascontiguousarray(gammas, dtype=np.float64)
    constants = (chi_square_degrees(spec), np.ascontiguousarray(spec.eigenvalues.sqrt().numpy()),
                 np.ascontiguousarray(spec.amplitudes.numpy()), spec.setting == "fs", spec.noise / spec.context,
                 batch.noise and spec.noise > 0, 1 / spec.context, gammas,
                 np.ascontiguousarray(gammas.transpose(0, 2, 1)), np.ascontiguousarray(spec.eigenvalues.numpy()),
                 float(seed_scale))

    def run(index: int, start: int, count: int) -> None:
        kernel(chunk_generator(batch.seed, batch.step, index), *constants, start, count, losses, drives, adjoints)

    chunks = iter(enumerate(chunk_bounds(batch.size)))
    taking = threading.Lock()

    def work() -> None:  # take the next chunk until none is left: a thread slowed by the machine's load takes fewer
        while True:
            with taking:
                item = next(chunks, None)
            if item is None:
                return
            index, (start, count) = item
            run(index, start, count)

    helpers = min(threads, len(chunk_bounds(batch.size))) - 1
    pool = _chunk_pool(helpers, os.getpid()) if helpers > 0 else None
    futures = [pool.submit(work) for _ in range(helpers)]
    try:
        work()  # this thread too
    finally:
        for future in futures:
            future.result()
    return losses, drives, adjoints
