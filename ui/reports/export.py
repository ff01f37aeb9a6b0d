"""Report exports: the save dialog hook, CSV for spreadsheets, charts as PNG and PDF."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtWidgets import QFileDialog, QWidget

CSV_FILTER = "CSV files (*.csv)"
PNG_FILTER = "PNG images (*.png)"
PDF_FILTER = "PDF documents (*.pdf)"


def choose_save_path(
    parent: QWidget | None, caption: str, suggested: Path, name_filter: str
) -> Path | None:
    """Ask where to save; None when cancelled. The one place a save dialog opens (tests
    replace this hook)."""
    chosen, _ = QFileDialog.getSaveFileName(parent, caption, str(suggested), name_filter)
    return Path(chosen) if chosen else None


def with_suffix(path: Path, suffix: str) -> Path:
    """`path` ending in `suffix` (a typed name without one gets it)."""
    return path if path.suffix.lower() == suffix else path.with_name(path.name + suffix)


def _partial(path: Path) -> Path:
    return path.with_name(f".{path.name}.part")


def write_csv(path: Path, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Write a UTF-8 CSV with a byte-order mark (so spreadsheets read accents right), whole or
    not at all. Raises OSError when the file cannot be written."""
    partial = _partial(path)
    try:
        with open(partial, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(headers)
            writer.writerows(rows)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def save_widget_png(widget: QWidget, path: Path) -> None:
    """The widget as it looks on screen (QWidget.grab) as a PNG. Raises OSError on failure."""
    partial = _partial(path)
    try:
        if not widget.grab().save(str(partial), "PNG"):
            raise OSError(f"could not write {path}")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def save_chart_pdf(view, path: Path, title: str, subtitle: str = "") -> None:
    """A landscape A4 page: the title, the subtitle, then the chart drawn as vectors from the
    QChartView's scene. Raises OSError on failure."""
    partial = _partial(path)
    try:
        writer = QPdfWriter(str(partial))
        writer.setTitle(title)
        writer.setCreator("Packbench")
        writer.setResolution(300)
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Landscape,
                QMarginsF(12, 12, 12, 12),
                QPageLayout.Unit.Millimeter,
            )
        )
        painter = QPainter()
        if not painter.begin(writer):
            raise OSError(f"could not write {path}")
        try:
            _paint_page(painter, view, title, subtitle)
        finally:
            painter.end()
        del writer  # closes the file
        if not partial.exists() or partial.stat().st_size == 0:
            raise OSError(f"could not write {path}")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _paint_page(painter: QPainter, view, title: str, subtitle: str) -> None:
    page = QRectF(painter.viewport())
    heading = QFont()
    heading.setPointSizeF(16)
    heading.setBold(True)
    painter.setFont(heading)
    line = painter.fontMetrics().height()
    painter.drawText(QRectF(page.left(), page.top(), page.width(), line), title)
    top = page.top() + line * 1.3
    small = QFont()
    small.setPointSizeF(9)
    painter.setFont(small)
    note = " · ".join(
        part for part in (subtitle, f"printed {datetime.now():%d %b %Y %H:%M}") if part
    )
    small_line = painter.fontMetrics().height()
    painter.drawText(QRectF(page.left(), top, page.width(), small_line), note)
    top += small_line * 2
    target = QRectF(page.left(), top, page.width(), page.bottom() - top)
    scene = view.scene()
    source = QRectF(view.mapToScene(view.viewport().rect()).boundingRect())
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    scene.render(painter, target, source, Qt.AspectRatioMode.KeepAspectRatio)
