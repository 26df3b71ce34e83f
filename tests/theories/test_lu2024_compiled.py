"""The compiled loop of the Lu et al. curves (theories/lu2024/compiled.py) against the numpy path and the reference."""

from __future__ import annotations

import itertools
import math

import mpmath
import numpy as np
import pytest

from icl_sym.core import compiled as core_compiled
from icl_sym.core.roots import RootFindingError
from icl_sym.core.validation import ParameterError
from icl_sym.theories.lu2024 import asymptotics as A
from icl_sym.theories.lu2024 import compiled as C
from icl_sym.theories.lu2024 import forms as F
from icl_sym.theories.lu2024 import reference as Ref

from .test_lu2024_asymptotics import box_sample

INF = math.inf
QUANTITIES = ("epsilon", "e_icl", "e_idg", "g_task")
needs_numba = pytest.mark.skipif(not core_compiled.numba_available(), reason="numba not installed")


def evaluate(what, points, compiled):
    return A._dispatch(what, dict(zip(A.NAMES, points)), compiled=compiled)


def special_points() -> np.ndarray:
    """kappa = inf, lam = 0 on both sides of the pole and at it, next to it, tiny and huge parameters."""
    named = [
        (0.5, 1.0, INF, 0.01, 0.0), (2.0, 1.0, INF, 0.01, 0.0), (1.0, 1.0, INF, 0.01, 0.0),  # kappa = inf
        (1.0, 2.0, 0.5, 0.1, 0.0), (1 - 1e-9, 2.0, 0.5, 0.1, 0.0), (1 + 1e-9, 2.0, 0.5, 0.1, 0.0),  # the pole
        (0.3, 4.0, 0.5, 0.0, 0.0), (3.0, 4.0, 2.0, 0.0, 0.0), (1.5, 10.0, INF, 0.01, 0.1),
    ]
    extremes = np.array(list(itertools.product((1e-9, 0.999, 1e9), (1e-5, 1e7), (1e-6, 1.0, 1e6, INF), (0.0, 1e4),
                                               (0.0, 1e-30, 1e8)))).T
    chosen = np.random.default_rng(17).choice(extremes.shape[1], 40, replace=False)
    return np.concatenate([np.array(named).T, extremes[:, chosen]], axis=1)


def errors_against(values: dict[str, np.ndarray], refs, points) -> dict[str, float]:
    """Largest relative error of each quantity (g_task relative to e_ICL) against the reference values."""
    worst = {}
    for k, what in enumerate(QUANTITIES):
        exact = np.array([float(r[k]) for r in refs])
        assert np.array_equal(np.isinf(values[what]), np.isinf(exact)), what
        finite = np.isfinite(exact)
        scale = np.array([float(r.e_icl) for r in refs]) if what == "g_task" else np.abs(exact)
        scale = np.where(scale > 0, scale, 1.0)[finite]  # eps = 0 exactly: absolute
        worst[what] = float(np.max(np.abs(values[what][finite] - exact[finite]) / scale))
    return worst


@needs_numba
def test_compiled_and_numpy_paths_match_the_reference():
    points = np.concatenate([box_sample(70, seed=31), special_points()], axis=1)
    refs = [Ref.reference(*points[:, i], dps=30) for i in range(points.shape[1])]
    for compiled in (True, False):
        values = {what: evaluate(what, points, compiled) for what in QUANTITIES}
        worst = errors_against(values, refs, points)
        assert max(worst.values()) <= 1e-13, (compiled, worst)


@needs_numba
def test_compiled_equals_the_numpy_path_to_rounding():
    points = np.concatenate([box_sample(20_000, seed=32), special_points()], axis=1)
    e_icl = evaluate("e_icl", points, False)
    for what in QUANTITIES:
        fast, slow = evaluate(what, points, True), evaluate(what, points, False)
        assert np.array_equal(np.isinf(fast), np.isinf(slow)) and not np.isnan(fast).any()
        finite = np.isfinite(slow)
        scale = (np.abs(e_icl) if what == "g_task" else np.abs(slow))[finite]
        difference = np.abs(fast[finite] - slow[finite]) / np.where(scale > 0, scale, 1.0)
        assert difference.max() <= 1e-13, what
        # Identical in most points; the rest differ where the root is ill-conditioned (both are
        # within 1e-13 of the reference there, see above).
        assert np.median(difference) == 0.0, what


@needs_numba
def test_compiled_path_is_the_default_and_keeps_shapes_and_types(monkeypatch):
    calls = []
    real = C.compiled_curve

    def counting(what):
        calls.append(what)
        return real(what)

    monkeypatch.setattr(C, "compiled_curve", counting)
    out = A.e_icl(np.array([[0.5], [2.0]]), np.array([1.0, 10.0]), 0.5, 0.01, np.array([0.0, 0.1]))
    assert calls == ["e_icl"] and out.shape == (2, 2)
    assert isinstance(A.g_task(0.5, 1.0, 0.5, 0.01, 0.0), np.float64)
    large = A.e_icl(np.full(5000, 2.0), 2, 1, 0.1, 0.5)  # the parallel loop (>= PARALLEL_FROM points)
    assert large.size >= C.PARALLEL_FROM and np.all(large == A.e_icl(2.0, 2, 1, 0.1, 0.5))


def test_domain_errors_are_raised_before_any_compiled_code(monkeypatch):
    def refuse():
        raise AssertionError("compiled code was reached")

    monkeypatch.setattr(C, "_module", refuse)
    for what in QUANTITIES:
        with pytest.raises(ParameterError, match="^tau must be"):
            evaluate(what, [np.array([0.5, -1.0]), 1.0, 0.5, 0.01, 0.1], True)
        with pytest.raises(ParameterError, match="^kappa must be"):
            evaluate(what, [0.5, 1.0, np.nan, 0.01, 0.1], True)
    with pytest.raises(AssertionError, match="reached"):  # a valid call does reach it
        evaluate("e_icl", [0.5, 1.0, 0.5, 0.01, 0.1], True)


def test_unconverged_points_raise_root_finding_error(monkeypatch):
    class Failing:
        """A stand-in module whose loop reports point 1 as not converged."""

        @staticmethod
        def _evaluate_points_serial(code, tau, alpha, kappa, rho, lam, out, failed):
            out[:] = 1.0
            failed[1] = True

    monkeypatch.setattr(C, "_module", lambda: Failing)
    with pytest.raises(RootFindingError, match="1 of 3") as info:
        evaluate("e_icl", [np.array([0.5, 0.7, 0.9]), 1.0, 0.5, 0.01, 0.1], True)
    assert info.value.example["index"] == 1 and info.value.example["tau"] == 0.7


def test_generated_code_is_the_forms_and_a_broken_form_is_caught(monkeypatch):
    """The interpreted module (same text as the compiled one) reproduces the numpy path; a flipped sign
    in one stable form (forms.STABLE, what both paths are generated from) is detected."""
    points = np.concatenate([box_sample(25, seed=33), special_points()[:, :9]], axis=1)
    expected = evaluate("e_icl", points, False)

    def interpreted_e_icl():
        module = core_compiled.python_module(*C.module_spec())
        out, failed = np.empty(points.shape[1]), np.zeros(points.shape[1], dtype=bool)
        module._evaluate_points(1, *points, out, failed)
        assert not failed.any()
        return out

    good = interpreted_e_icl()
    np.testing.assert_array_equal(np.isinf(good), np.isinf(expected))
    finite = np.isfinite(expected)
    assert np.max(np.abs(good[finite] / expected[finite] - 1)) <= 1e-13
    # Mutation: e_ICL's (1 + q) factor becomes (1 - q) in the stable ridge form.
    broken = dict(F.STABLE)
    broken["e_icl_ridge"] = broken["e_icl_ridge"].subs(1 + F.q, 1 - F.q)
    assert broken["e_icl_ridge"] != F.STABLE["e_icl_ridge"]
    monkeypatch.setattr(A, "STABLE", broken)
    A.kernel_expressions.cache_clear()
    try:
        mutated = interpreted_e_icl()
    finally:
        A.kernel_expressions.cache_clear()
    assert np.max(np.abs(mutated[finite] / expected[finite] - 1)) > 1e-3


def test_mpmath_and_torch_inputs_never_take_the_compiled_path(monkeypatch):
    monkeypatch.setattr(C, "_module", lambda: (_ for _ in ()).throw(AssertionError("compiled code was reached")))
    assert isinstance(A.e_icl(mpmath.mpf(2), 2, 1, 0.1, 0.5), mpmath.mpf)
    torch = pytest.importorskip("torch")
    assert isinstance(A.e_icl(torch.tensor([2.0], dtype=torch.float64), 2, 1, 0.1, 0.5), torch.Tensor)
