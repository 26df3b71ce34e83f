"""The reduced-Γ forward and adjoint recursions one context at a time in machine code (numba, optional).

Same maths as :func:`icl_sym.sim.bordelon2025.models.reduced_adjoint` (see the module docstring of
:mod:`.models`): for each context, the L layers forward with Σ̂ v = F(Fᵀv)/P, the loss e^{Lᵀ} Σ_c e^L and
the L layers of the adjoint backward. A context's factor F (D×r, 32 KB at D = r = 64) stays in the
processor's cache for all 2L layers, and every product is a loop over contiguous rows (F is also copied
transposed per context for that), so none of the per-call cost of a batched BLAS mat-vec is paid.
Contexts run in parallel (``numba.prange``) and write disjoint rows of the outputs; the layer gradients
are then one matrix product of the stored adjoints and drives (in :func:`.models.reduced_adjoint`).

:func:`context_recursions` is plain Python: :func:`compiled_recursions` compiles it with numba
(``fastmath=False``, cached on disk) when :func:`icl_sym.core.compiled.numba_available`; tests also run
it as it is, interpreted, on small sizes.
"""

from __future__ import annotations

import threading
from functools import cache

import numpy as np

from icl_sym.core.compiled import numba_available

__all__ = ["context_recursions", "compiled_recursions"]

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
    depth = gammas.shape[0]
    for b in _range(size):
        Fb = F[b]
        Ft = np.empty((rank, dim))
        for i in range(dim):
            for j in range(rank):
                Ft[j, i] = Fb[i, j]
        e = w[b].copy()
        t = np.empty(rank)
        d = np.empty(dim)
        for layer in range(depth):
            t[:] = 0.0
            for i in range(dim):  # t = Fᵀ e
                ei = e[i]
                for j in range(rank):
                    t[j] += Fb[i, j] * ei
            d[:] = 0.0
            for j in range(rank):  # d = F t / P
                tj = t[j]
                for i in range(dim):
                    d[i] += Ft[j, i] * tj
            for i in range(dim):
                d[i] = d[i] * inv_context + (noise[b, i] if has_noise else 0.0)
                drives[layer, b, i] = d[i]
            gt = gammas_t[layer]
            for k in range(dim):  # e -= Γ d / L
                dk = d[k] / depth
                for i in range(dim):
                    e[i] -= gt[k, i] * dk
        s = np.empty(dim)  # Σ_c e
        if has_rotation:
            O = rotation[b]
            u = np.zeros(dim)
            for i in range(dim):  # u = Oᵀ e
                ei = e[i]
                for k in range(dim):
                    u[k] += O[i, k] * ei
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
        for layer in range(depth - 1, -1, -1):
            for i in range(dim):
                adjoints[layer, b, i] = a[i]
            if layer == 0:
                break
            g = gammas[layer]
            h[:] = 0.0
            for i in range(dim):  # h = Γᵀ a
                ai = a[i]
                for k in range(dim):
                    h[k] += g[i, k] * ai
            t[:] = 0.0
            for i in range(dim):  # t = Fᵀ h
                hi = h[i]
                for j in range(rank):
                    t[j] += Fb[i, j] * hi
            scale = inv_context / depth
            for j in range(rank):  # a -= F t / (P L)
                tj = t[j] * scale
                for i in range(dim):
                    a[i] -= Ft[j, i] * tj


@cache
def compiled_recursions():
    """:func:`context_recursions` compiled by numba (parallel over contexts), or ``None`` without numba."""
    if not numba_available():
        return None
    import numba

    # The same code with ``_range`` bound to numba.prange: the loop over contexts runs on numba's threads.
    # ``__name__`` lets numba's disk cache find this module again when it loads the compiled code.
    bound = {"np": np, "_range": numba.prange, "__name__": __name__}
    function = type(context_recursions)(context_recursions.__code__, bound, "context_recursions")
    return numba.njit(parallel=True, fastmath=False, error_model="numpy", cache=True, nogil=True)(function)


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
