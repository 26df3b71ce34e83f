"""One numeric front door for vectorised functions of several real parameters: numpy, torch or mpmath.

A theory writes its numerics once, as ``kernel(ops, *flat)`` on equal-length 1-D float64 arrays
(``ops`` gives the elementwise functions of numpy or torch), plus an optional mpmath scalar
version; :func:`evaluate` does the rest the same way for every theory:

* validates every argument against its domain (``ParameterError`` naming it) and broadcasts;
* numpy: evaluates cache-sized chunks on a thread pool (numpy releases the GIL in its loops);
* torch: one call on the tensors' device, float64, result on that device;
* mpmath scalars: the scalar function at the current ``mpmath.mp.dps``.

>>> import numpy as np
>>> from icl_sym.core.validation import Range
>>> hyp = lambda ops, x, y: ops.sqrt(x * x + y * y)
>>> float(evaluate(hyp, {"x": 3.0, "y": np.array([4.0])}, {"x": Range(), "y": Range()})[0])
5.0
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Literal, Mapping

import mpmath
import numpy as np

from .validation import ParameterError, Range, check_array

__all__ = ["Ops", "evaluate", "is_torch", "is_mpmath", "CHUNK"]

#: Elements per numpy work unit: the temporaries of one kernel call stay in cache.
CHUNK = 1 << 15
_WORKERS = max(1, min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


class Ops:
    """Elementwise functions of numpy or torch, by attribute (``ops.log1p``, ``ops.where``, ...)."""

    def __init__(self, backend: Literal["numpy", "torch"]):
        self.backend = backend
        if backend == "torch":
            import torch

            self.module = torch
        else:
            self.module = np

    def __getattr__(self, name: str):
        return getattr(self.module, name)


def is_torch(x: Any) -> bool:
    return type(x).__module__.startswith("torch")


def is_mpmath(x: Any) -> bool:
    return isinstance(x, (mpmath.mpf, mpmath.mpc))


def _broadcast_shape(arrays: Mapping[str, Any]) -> tuple[int, ...]:
    shapes = {name: tuple(np.shape(a)) for name, a in arrays.items()}
    try:
        return np.broadcast_shapes(*shapes.values())
    except ValueError:
        listed = ", ".join(f"{n}{list(s)}" for n, s in shapes.items())
        raise ParameterError(", ".join(arrays), "broadcast-compatible arrays", listed) from None


def _mp_scalar(name: str, value: Any, domain: Range):
    if np.ndim(value) != 0 and not is_mpmath(value):
        raise ParameterError(name, "a scalar when any argument is an mpmath number", value)
    check_array(name, float(value), domain)
    return mpmath.mpf(value)


def evaluate(
    kernel: Callable[..., Any],
    args: Mapping[str, Any],
    domains: Mapping[str, Range],
    mp_scalar: Callable[..., Any] | None = None,
    *,
    prepare: Callable[[str], Any] | None = None,
    compiled: Callable[..., np.ndarray] | None = None,
):
    """``kernel(ops, *flat)`` over the broadcast ``args`` (ordered as given), after checking ``domains``.

    The result has the broadcast shape: a numpy array (a numpy scalar for scalar input), a torch
    tensor on the inputs' device, or, if any argument is an mpmath number, ``mp_scalar(*mpf)``
    (scalars only). ``prepare(backend)`` runs once before any worker thread (e.g. to generate code).
    ``compiled(*flat)``, if given, replaces the numpy path: a machine-code loop over the whole
    flat float64 arrays (it parallelises itself), returning the flat result.
    """
    names = list(args)
    if any(is_torch(v) for v in args.values()):
        return _evaluate_torch(kernel, args, domains, names, prepare)
    if any(is_mpmath(v) for v in args.values()):
        if mp_scalar is None:
            raise ParameterError(", ".join(names), "numpy or torch values (no mpmath evaluation here)",
                                 "an mpmath number")
        return mp_scalar(*(_mp_scalar(n, args[n], domains[n]) for n in names))
    checked = {n: check_array(n, args[n], domains[n]) for n in names}
    shape = _broadcast_shape(checked)
    flat = [np.ascontiguousarray(np.broadcast_to(checked[n], shape)).reshape(-1) for n in names]
    size = flat[0].size if flat else 1
    if compiled is not None:
        return np.asarray(compiled(*flat)).reshape(shape)[()]
    ops = Ops("numpy")
    if prepare is not None:
        prepare("numpy")
    if size <= CHUNK:
        out = kernel(ops, *flat)
    else:
        out = np.empty(size)

        def work(start: int) -> None:
            part = slice(start, start + CHUNK)
            out[part] = kernel(ops, *(a[part] for a in flat))

        with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
            list(pool.map(work, range(0, size, CHUNK)))
    return np.asarray(out).reshape(shape)[()]


def _evaluate_torch(kernel, args, domains, names, prepare):
    import torch

    tensors = [v for v in args.values() if is_torch(v)]
    device = tensors[0].device
    if any(t.device != device for t in tensors):
        raise ParameterError(", ".join(names), "tensors on one device", sorted({str(t.device) for t in tensors}))
    host = {n: (v.detach().cpu().numpy() if is_torch(v) else v) for n, v in args.items()}
    shape = _broadcast_shape({n: check_array(n, v, domains[n]) for n, v in host.items()})
    flat = [torch.as_tensor(args[n], dtype=torch.float64, device=device).broadcast_to(shape).reshape(-1).contiguous()
            for n in names]
    if prepare is not None:
        prepare("torch")
    return kernel(Ops("torch"), *flat).reshape(shape)
