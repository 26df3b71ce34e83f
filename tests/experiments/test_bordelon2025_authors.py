"""The committed comparison with the authors' stored final losses is reproduced (numbers, not strings)."""

from pathlib import Path

import numpy as np
import pytest

from icl_sym.experiments.bordelon2025 import authors as cmp

TABLE = Path(__file__).parents[2] / "results" / "bordelon2025" / "authors_final_losses.md"


def _close(printed: float, value: float, digits: int = 4) -> bool:
    """``printed`` is ``value`` rounded to ``digits`` significant digits."""
    return abs(printed - value) <= 0.51 * 10 ** (np.floor(np.log10(abs(value))) - digits + 1)


def test_authors_values_are_the_stored_ones():
    values = cmp.authors_values()
    by = {(v.figure, v.depth): v.final_loss for v in values}
    assert len(values) == 15 and by[("fig4c", 2)] == 0.165 and by[("fig6c", 16)] == 0.0023
    assert by[("fig9", 8)] == 0.059
    assert all(v.source.startswith("mletey/depthscaling_icl_iclr_randomplots:outputs/") for v in values)


def test_committed_table_is_reproduced():
    table = cmp.parse_markdown_numbers(TABLE.read_text())
    assert len(table) == 15
    from icl_sym.theories.bordelon2025.iso import iso_optimal_loss

    for figure in ("fig6c", "fig9"):
        for depth in (1, 2, 4, 8, 16):
            authors, theory, reference, rel = table[(figure, depth)]
            want = float(iso_optimal_loss(2.0, depth))
            assert theory is None and _close(reference, want)  # "none": no softmax theory is invented
            assert rel == pytest.approx(100 * (authors - want) / want, abs=0.051)
    # Fig. 4(c): the α = ∞ columns for every depth, the Monte Carlo columns at L = 2 (seconds)
    for depth in (1, 2, 4, 8, 16):
        row = table[("fig4c", depth)]
        values = cmp.fig4c_values(depth, contexts=2, seed=0)  # closed-form columns do not depend on the sample
        assert _close(row[1], values["flow_inf"]) and _close(row[-1], values["floor_inf"])
        assert row[2] == pytest.approx(100 * (row[0] - values["flow_inf"]) / values["flow_inf"], abs=0.051)
    full = cmp.fig4c_values(2)
    authors, _, _, flow, se, rel_flow, untied, rel_untied, _ = table[("fig4c", 2)]
    assert _close(flow, full["flow_finite"]) and _close(untied, full["untied_min"])
    assert _close(se, full["flow_finite_se"], digits=2)
    # the finding the table records: L = 2 lies below the symmetric line, on the untied minimum
    assert rel_flow < -20 and abs(rel_untied) < 1


def test_flow_time_of_the_untied_run():
    assert cmp.fig4c_flow_time(4) == pytest.approx(3.0 * 20_000 / (45 * 4))
