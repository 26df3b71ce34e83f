"""The mehta2025 simulations: the error formulas equal the forward pass they stand for, the runs resume, and a small
rerun reproduces the committed result files."""

import dataclasses
import math

import numpy as np
import pytest
import torch

from icl_sym.experiments.store import IncompatibleStoreError
from icl_sym.sim.mehta2025.__main__ import QUICK_ALLOCATION, QUICK_HIERARCHY, main
from icl_sym.sim.mehta2025.allocation import (AllocationConfig, budget_cells, context_spectra, gd_error,
                                              run_allocation)
from icl_sym.sim.mehta2025.hierarchy import HierarchyConfig, reduce_sample, run_hierarchy, sample_hierarchical
from icl_sym.sim.mehta2025.runs import cell_draw
from icl_sym.sim.sampling import draw_generator, gaussian_tasks, sample_tokens
from icl_sym.theories.mehta2025 import simulations as sims


def _gd(X, y, step, depth):
    """L steps of in-context GD from 0 on (X, y), step size c on Σ̂ = (d/ℓ)XᵀX: the linear-attention forward pass."""
    ell, width = X.shape[1:]
    w = torch.zeros(X.shape[0], width, dtype=X.dtype)
    for _ in range(depth):
        residual = y - torch.einsum("nid,nd->ni", X, w)
        w = w + step * (width / ell) * torch.einsum("nid,ni->nd", X, residual)
    return w


def test_allocation_error_is_the_mean_error_of_the_gd_forward_pass():
    """The spectral formula is the error of L GD steps averaged over the task and the noise: Monte Carlo over
    both on sampled contexts agrees within 4 standard errors; with the exponent 2L replaced by L it does not."""
    width, ell, rho, step, depth, n = 6, 12, 0.1, 0.4, 5, 20000
    gen = draw_generator(1, 0)
    tasks = gaussian_tasks(n, width, generator=gen)
    tokens = sample_tokens(tasks, ell, rho, generator=gen)
    w = _gd(tokens.X, tokens.y, step, depth)
    direct = ((w - tasks) ** 2).sum(dim=1).numpy() / width + rho
    spectra = torch.linalg.eigvalsh(tokens.X.transpose(1, 2) @ tokens.X).numpy() * width / ell
    formula = gd_error(step, depth, spectra, ell, rho)
    se = math.hypot(direct.std(), formula.std()) / math.sqrt(n)
    assert abs(direct.mean() - formula.mean()) < 4 * se
    mutated = formula - (((1 - step * spectra) ** (2 * depth)) - (1 - step * spectra) ** depth).sum(axis=1) / width
    assert abs(direct.mean() - mutated.mean()) > 10 * se


def test_hierarchy_error_is_exactly_the_error_of_the_gd_forward_pass():
    gen = draw_generator(2, 0)
    sample = sample_hierarchical(2, 8, 3.0, 0.05, 6, generator=gen)
    reduced = reduce_sample(sample, 0.05)
    for step, depth in ((0.2, 1), (0.3, 7), (0.25, 40)):
        w = _gd(sample.X, sample.y, step, depth)
        direct = ((torch.einsum("nde,nd->ne", sample.M, w) - sample.u) ** 2).sum(dim=1).numpy() / 8 + 0.05
        np.testing.assert_allclose(reduced.error(step, depth), direct, rtol=1e-9)
    # The check bites: the query error needs Mᵀw, not w.
    w = _gd(sample.X, sample.y, 0.3, 7)
    wrong = ((w - sample.u) ** 2).sum(dim=1).numpy() / 8 + 0.05
    assert not np.allclose(reduced.error(0.3, 7), wrong, rtol=1e-3)
    # h = 0 is plain in-context regression: M = I.
    flat = sample_hierarchical(0, 5, 2.0, 0.0, 3, generator=draw_generator(3, 0))
    assert torch.equal(flat.M, torch.eye(5, dtype=torch.float64).expand(3, 5, 5))


def test_cells_and_draws():
    cells = budget_cells(AllocationConfig(budgets=(12,), min_width=2, max_width=4, replicates=2))
    assert cells == [(r, 12, L, 12 // L) for r in range(2) for L in (3, 4, 6)]
    assert len({cell_draw(r, s) for r in range(4) for s in range(1, 300)}) == 4 * 299
    spectra = context_spectra(8, 2.0, 2000, 0, cell_draw(0, 8))
    assert spectra.shape == (2000, 8) and spectra.mean() == pytest.approx(1, abs=0.01)  # Σ̂ is normalised: E λ = 1
    np.testing.assert_array_equal(spectra, context_spectra(8, 2.0, 2000, 0, cell_draw(0, 8)))  # seeded
    assert not np.array_equal(spectra, context_spectra(8, 2.0, 2000, 0, cell_draw(1, 8)))
    with pytest.raises(ValueError, match="alpha"):
        AllocationConfig(alpha=0.5)
    with pytest.raises(ValueError, match="hierarchy"):
        HierarchyConfig(hierarchies=(-1,))


def test_runs_resume_and_refuse_another_configuration(tmp_path):
    config = dataclasses.replace(QUICK_ALLOCATION, budgets=(24,), eigenvalues=2**10)
    store = run_allocation(config, tmp_path)
    rows = store.rows()
    assert len(rows) == len(budget_cells(config))
    lines = (tmp_path / "allocation.csv").read_text().splitlines(keepends=True)
    (tmp_path / "allocation.csv").write_text("".join(lines[:-2]))  # an interrupted run: two rows missing
    again = run_allocation(config, tmp_path)
    assert sorted(map(str, again.rows())) == sorted(map(str, rows))
    with pytest.raises(IncompatibleStoreError, match="another configuration"):
        run_allocation(dataclasses.replace(config, seed=1), tmp_path)


def test_quick_command_gives_an_interior_optimum_and_a_fit(tmp_path, capsys):
    assert main(["--out", str(tmp_path), "--quick"]) == 0
    budgets, optimal = sims.allocation_points(tmp_path)
    assert sorted(set(budgets)) == list(QUICK_ALLOCATION.budgets)
    assert np.all((optimal > 4) & (optimal < 48))  # interior: away from both ends of the simulated depths
    depths, errors = sims.hierarchy_points(1, tmp_path)
    assert len(depths) == len(QUICK_HIERARCHY.depths) and np.all(np.diff(errors) < 0)
    assert "python -m icl_sym.sim.mehta2025 --out" in sims.command("allocation", tmp_path)


def _committed(name, **keys):  # rows by the values of the named columns
    _, rows = sims.load_results(name)
    return {tuple(r[k] for k in keys): r for r in rows}


def test_a_small_rerun_reproduces_the_committed_results(tmp_path):
    """The committed numbers come from the recorded command: rerunning a subset of the cells (same seeds, same
    draws) gives the same errors and steps."""
    stored_allocation, _ = sims.load_results("allocation")
    config = AllocationConfig(**{**stored_allocation["config"], "budgets": (96,), "replicates": 1})
    fresh = run_allocation(config, tmp_path).rows()
    committed = _committed("allocation", replicate=0, budget=0, depth=0)
    assert len(fresh) == 11  # the divisors L of 96 with d = 96/L in [2, 192]
    for row in fresh:
        old = committed[(row["replicate"], row["budget"], row["depth"])]
        assert row["error"] == pytest.approx(old["error"], rel=1e-7) and row["step"] == pytest.approx(old["step"], rel=1e-5)

    stored_hierarchy, _ = sims.load_results("hierarchy")
    config = HierarchyConfig(**{**stored_hierarchy["config"], "hierarchies": (2,), "depths": (64, 512),
                                "replicates": 1})
    committed = _committed("hierarchy", replicate=0, hierarchy=0, depth=0)
    for row in run_hierarchy(config, tmp_path).rows():
        old = committed[(row["replicate"], row["hierarchy"], row["depth"])]
        assert row["error"] == pytest.approx(old["error"], rel=1e-7) and row["step"] == pytest.approx(old["step"], rel=1e-5)
