"""Chart axes: whole-number labels never repeat over small ranges."""

from __future__ import annotations

from PySide6.QtCharts import QValueAxis

from ui.reports.charts import bar_chart


def _value_axis(chart) -> QValueAxis:
    (axis,) = [a for a in chart.axes() if isinstance(a, QValueAxis)]
    return axis


def _labels(axis: QValueAxis) -> list[str]:
    step = (axis.max() - axis.min()) / (axis.tickCount() - 1)
    return [axis.labelFormat() % (axis.min() + i * step) for i in range(axis.tickCount())]


def test_empty_and_small_counts_get_one_tick_per_whole_number(qapp):
    empty = bar_chart("Orders", ["Mon", "Tue"], [("Orders", [0, 0])])  # kept: owns its axes
    assert _labels(_value_axis(empty)) == ["0", "1"]
    two = bar_chart("Orders", ["Mon", "Tue"], [("Orders", [2, 1])])
    assert _labels(_value_axis(two)) == ["0", "1", "2"]
    some = bar_chart("Orders", ["Mon"], [("Orders", [4.2])])
    assert _labels(_value_axis(some)) == ["0", "1", "2", "3", "4", "5"]


def test_large_counts_keep_nice_numbers(qapp):
    chart = bar_chart("Units", ["a", "b"], [("Units", [7990, 3070])])
    axis = _value_axis(chart)
    labels = _labels(axis)
    assert axis.max() >= 7990 and len(set(labels)) == len(labels)
