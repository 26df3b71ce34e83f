"""Tick labels of log axes that do not collide, for every figure drawn by :mod:`icl_sym.experiments.figure`.

Matplotlib labels minor ticks of a log axis whenever its view holds at most one power of ten: on 0.25 to 8 it
writes 3×10⁻¹, 4×10⁻¹, 6×10⁻¹, 2×10⁰, 3×10⁰, … side by side, and on a panel a third of a figure wide they
overlap. Here a minor tick is labelled only where the view holds fewer than two powers of ten (otherwise those
suffice to read the axis), and once the figure is laid out each such axis keeps the densest set of labelled
mantissas (:data:`MANTISSA_LEVELS`) whose labels do not overlap: :func:`thin_log_tick_labels`.

Imported only when a figure is drawn (it needs matplotlib).
"""

from __future__ import annotations

import math

from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import LogFormatterSciNotation

__all__ = ["MANTISSA_LEVELS", "SparseMinorLogFormatter", "label_log_axis", "tick_label_overlaps",
           "thin_log_tick_labels"]

#: Mantissas m of the minor ticks m·10ᵏ that may carry a label, densest first: ``None`` labels every minor tick
#: (matplotlib puts them at 1.1, 1.2, … on views narrower than 2:1), the last labels none.
MANTISSA_LEVELS: tuple[tuple[float, ...] | None, ...] = (
    None, (1.2, 1.4, 1.6, 1.8, 2, 3, 4, 5, 6, 7, 8, 9), (1.5, 2, 3, 5), (1.5, 2, 5), (2, 5), (5,), ())


class SparseMinorLogFormatter(LogFormatterSciNotation):
    """Minor tick labels of a base-10 log axis: none when the view holds two or more powers of ten, else at the
    mantissas ``mantissas`` only (m·10ᵏ; ``None``: every minor tick), written as matplotlib writes them (m×10ᵏ)."""

    def __init__(self, mantissas: tuple[float, ...] | None = None) -> None:
        # infinite thresholds: the parent labels every tick it is asked about; __call__ chooses which
        super().__init__(base=10.0, labelOnlyBase=False, minor_thresholds=(math.inf, math.inf))
        self.mantissas = mantissas

    def powers_in_view(self) -> int:
        """How many powers of ten the axis's view interval holds."""
        low, high = sorted(self.axis.get_view_interval())
        if not (low > 0 and math.isfinite(high)):
            return 0
        return max(0, math.floor(math.log10(high) + 1e-12) - math.ceil(math.log10(low) - 1e-12) + 1)

    def __call__(self, x: float, pos: int | None = None) -> str:
        if not (x > 0) or self.powers_in_view() >= 2:
            return ""
        mantissa = x / 10 ** math.floor(math.log10(x) + 1e-12)
        if self.mantissas is not None and not any(math.isclose(mantissa, m, rel_tol=1e-6) for m in self.mantissas):
            return ""
        return super().__call__(x, pos)


def label_log_axis(axis: Axis) -> None:
    """Give a base-10 log ``axis`` the sparse minor labels (other axes are left as they are)."""
    if axis.get_scale() == "log" and getattr(axis.get_transform(), "base", 10) == 10:
        axis.set_minor_formatter(SparseMinorLogFormatter())


def _visible_labels(axis: Axis, minor: bool) -> list[Text]:
    low, high = sorted(axis.get_view_interval())
    index = 0 if axis.axis_name == "x" else 1
    return [t for t in axis.get_ticklabels(minor=minor)
            if t.get_visible() and t.get_text() and low <= t.get_position()[index] <= high]


def tick_label_overlaps(axis: Axis, renderer) -> list[tuple[str, str]]:
    """The pairs of drawn tick labels (major and minor) of ``axis`` whose boxes overlap, by their texts."""
    labels = _visible_labels(axis, False) + _visible_labels(axis, True)
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in labels]
    return [(a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1:] if box_a.overlaps(box_b)]


def thin_log_tick_labels(fig: Figure) -> None:
    """Draw ``fig`` (its layout settles) and give every log axis with :class:`SparseMinorLogFormatter` minor labels
    the densest of :data:`MANTISSA_LEVELS` whose tick labels do not overlap."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            formatter = axis.get_minor_formatter()
            if not isinstance(formatter, SparseMinorLogFormatter):
                continue
            for level in MANTISSA_LEVELS:
                formatter.mantissas = level
                if not tick_label_overlaps(axis, renderer):
                    break
