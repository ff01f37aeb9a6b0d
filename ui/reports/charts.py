"""Chart builders for the reports (QtCharts): bars, a bar-and-line combination, pies."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QHorizontalBarSeries,
    QHorizontalStackedBarSeries,
    QLineSeries,
    QPieSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QPointF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QWidget

ROTATE_AFTER = 16  # more category labels than this stand on end so they do not overlap
PALETTE = ("#2f6fb3", "#e07b24", "#3a9a5b", "#c23b3b", "#7d5ba6", "#8c6d46", "#d45c9e", "#5f6b78")


def colour(index: int) -> QColor:
    return QColor(PALETTE[index % len(PALETTE)])


def new_chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    font = QFont(chart.titleFont())
    font.setPointSizeF(max(font.pointSizeF(), 10.5))
    font.setBold(True)
    chart.setTitleFont(font)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setMargins(QMargins(6, 6, 6, 6))
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    return chart


def empty_chart(title: str, message: str) -> QChart:
    """A chart with no series whose title says why (no data for the range, …)."""
    chart = new_chart(f"{title} — {message}" if message else title)
    chart.legend().setVisible(False)
    return chart


def _value_axis(title: str, label_format: str, *, minimum: float = 0.0) -> QValueAxis:
    axis = QValueAxis()
    axis.setTitleText(title)
    axis.setLabelFormat(label_format)
    axis.setMin(minimum)
    return axis


def _category_axis(categories: Sequence[str]) -> QBarCategoryAxis:
    axis = QBarCategoryAxis()
    axis.append(list(categories))
    font = QFont(axis.labelsFont())
    font.setPointSizeF(8)
    axis.setLabelsFont(font)
    return axis


def _fit(axis: QValueAxis, values: Sequence[float]) -> None:
    top = max((v for v in values), default=0.0)
    if axis.labelFormat().endswith(".0f") and top <= 5:
        # Whole-number labels over a small range: one tick per whole number, or the labels
        # read 0, 0, 0, 1, 1, 1 (an empty shop's chart, a day with two orders).
        ceiling = max(1, math.ceil(top))
        axis.setRange(0.0, float(ceiling))
        axis.setTickCount(ceiling + 1)
        return
    axis.setRange(0.0, top * 1.08 if top > 0 else 1.0)
    axis.applyNiceNumbers()


def bar_chart(
    title: str,
    categories: Sequence[str],
    sets: Sequence[tuple[str, Sequence[float]]],
    *,
    value_title: str = "",
    label_format: str = "%.0f",
    horizontal: bool = False,
    stacked: bool = False,
    labels: bool = False,
) -> QChart:
    """Bars per category, one bar set per (name, values); horizontal bars list the first
    category at the top."""
    chart = new_chart(title)
    if horizontal:
        series = QHorizontalStackedBarSeries() if stacked else QHorizontalBarSeries()
        categories = list(reversed(categories))
        sets = [(name, list(reversed(values))) for name, values in sets]
    else:
        series = QBarSeries()
    totals = [0.0] * len(categories)
    for index, (name, values) in enumerate(sets):
        bar_set = QBarSet(name)
        bar_set.setColor(colour(index))
        bar_set.setBorderColor(colour(index).darker(115))
        bar_set.setLabelColor(QColor("#1f2933"))  # the theme's white vanishes outside a bar
        for position, value in enumerate(values):
            bar_set.append(float(value))
            totals[position] = totals[position] + value if stacked else max(totals[position], value)
        series.append(bar_set)
    if labels:
        series.setLabelsVisible(True)
        series.setLabelsFormat("@value")
        series.setLabelsPosition(QBarSeries.LabelsPosition.LabelsOutsideEnd)
    chart.addSeries(series)
    category_axis = _category_axis(categories)
    value_axis = _value_axis(value_title, label_format)
    _fit(value_axis, totals)
    if horizontal:
        chart.addAxis(category_axis, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(value_axis, Qt.AlignmentFlag.AlignBottom)
    else:
        chart.addAxis(category_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(value_axis, Qt.AlignmentFlag.AlignLeft)
        if len(categories) > ROTATE_AFTER:
            category_axis.setLabelsAngle(-90)
    series.attachAxis(category_axis)
    series.attachAxis(value_axis)
    chart.legend().setVisible(len(sets) > 1)
    return chart


def bar_line_chart(
    title: str,
    categories: Sequence[str],
    bars: tuple[str, Sequence[float]],
    line: tuple[str, Sequence[float]],
    *,
    bar_title: str,
    line_title: str,
) -> QChart:
    """Bars on the left axis and a line on the right axis over the same categories."""
    chart = new_chart(title)
    series = QBarSeries()
    bar_set = QBarSet(bars[0])
    bar_set.setColor(colour(0))
    bar_set.setBorderColor(colour(0).darker(115))
    for value in bars[1]:
        bar_set.append(float(value))
    series.append(bar_set)
    chart.addSeries(series)
    line_series = QLineSeries()
    line_series.setName(line[0])
    pen = QPen(colour(1))
    pen.setWidthF(2.5)
    line_series.setPen(pen)
    line_series.setPointsVisible(True)
    for index, value in enumerate(line[1]):
        line_series.append(QPointF(index, float(value)))
    chart.addSeries(line_series)
    category_axis = _category_axis(categories)
    if len(categories) > ROTATE_AFTER:
        category_axis.setLabelsAngle(-90)
    chart.addAxis(category_axis, Qt.AlignmentFlag.AlignBottom)
    left = _value_axis(bar_title, "%.0f")
    _fit(left, bars[1])
    chart.addAxis(left, Qt.AlignmentFlag.AlignLeft)
    right = _value_axis(line_title, "%.0f")
    _fit(right, line[1])
    right.setLinePenColor(colour(1))
    chart.addAxis(right, Qt.AlignmentFlag.AlignRight)
    series.attachAxis(category_axis)
    series.attachAxis(left)
    line_series.attachAxis(category_axis)
    line_series.attachAxis(right)
    return chart


def pie_chart(title: str, slices: Sequence[tuple[str, float]]) -> QChart:
    """A pie whose slice labels carry their share; tiny slices keep their label in the legend."""
    chart = new_chart(title)
    series = QPieSeries()
    total = sum(value for _name, value in slices) or 1.0
    for index, (name, value) in enumerate(slices):
        piece = series.append(f"{name} {value / total:.0%}", float(value))
        piece.setColor(colour(index))
        piece.setLabelVisible(value / total >= 0.04)
    series.setPieSize(0.7)
    chart.addSeries(series)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
    return chart


def configure_view(view: QWidget) -> None:
    """Smooth lines and a sensible minimum size for a QChartView."""
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(240)
