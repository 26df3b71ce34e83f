"""Tick labels of the figure layer's log axes never overlap: measured on the drawn text boxes of narrow panels."""

import numpy as np
import pytest

from icl_sym.experiments import figure
from icl_sym.experiments.figure import Curve, FigureData, Panel

plt = pytest.importorskip("matplotlib.pyplot")


def _drawn_labels(axis, renderer):
    """(text, box) of every non-empty tick label the axis draws inside its view, major and minor."""
    low, high = sorted(axis.get_view_interval())
    index = 0 if axis.axis_name == "x" else 1
    out = []
    for minor in (False, True):
        for label in axis.get_ticklabels(minor=minor):
            if label.get_visible() and label.get_text() and low <= label.get_position()[index] <= high:
                out.append((label.get_text(), label.get_window_extent(renderer)))
    return out


def _overlaps(axis, renderer):
    labels = _drawn_labels(axis, renderer)
    return [(a, b) for i, (a, box_a) in enumerate(labels) for b, box_b in labels[i + 1:] if box_a.overlaps(box_b)]


def _log_panels(spans):
    """Three panels (a third of the figure each, as in Bordelon Fig. 1) with log x and y over the given spans."""
    panels = []
    for i, (low, high) in enumerate(spans):
        x = np.geomspace(low, high, 30)
        panels.append(Panel(f"({i})", "x", "y", curves=[Curve("c", x, x ** -0.5)], ylog=True))
    return FigureData("toy.ticks", "toy", panels)


@pytest.mark.parametrize("spans", [
    ((0.25, 8.0), (0.1, 32.0), (0.3, 0.9)),   # Fig. 1(c): one power of ten in view; (b): y inside one decade
    ((1.5, 9.0), (0.02, 0.07), (120.0, 900.0)),  # no power of ten in view at all
])
def test_no_tick_labels_overlap_on_narrow_log_panels(spans):
    fig = figure._figure(_log_panels(spans), [])
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        for ax in fig.axes:
            for axis in (ax.xaxis, ax.yaxis):
                assert _overlaps(axis, renderer) == [], (ax.get_title(), axis.axis_name)
                # the axis stays readable: at least two labelled ticks
                assert len(_drawn_labels(axis, renderer)) >= 2, (ax.get_title(), axis.axis_name)
    finally:
        plt.close(fig)


def test_matplotlib_defaults_overlap_on_the_fig1c_axis():
    """The check bites: matplotlib's own minor labels on 0.25 to 8 collide at this width (what the figure layer
    replaces)."""
    fig, ax = plt.subplots(figsize=(4.6, 4.0), constrained_layout=True)
    try:
        x = np.geomspace(0.25, 8.0, 30)
        ax.plot(x, x)
        ax.set_xscale("log")
        fig.canvas.draw()
        assert _overlaps(ax.xaxis, fig.canvas.get_renderer())
    finally:
        plt.close(fig)
