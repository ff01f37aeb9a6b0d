"""ReportTab: one report's page — options, a chart, a table, exports; loads off the GUI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCharts import QChart, QChartView
from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.reports.queries import ReportFilter
from ui import errors
from ui.ops import Ops, QueryOp
from ui.reports import export
from ui.reports.charts import configure_view, empty_chart
from ui.reports.formatting import range_text
from ui.reports.table_model import SORT_ROLE, Column, ReportTableModel

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReportRequest:
    """What every tab reports on: the filter bar's range and channel, and today's UTC date."""

    filter: ReportFilter
    today: date
    channel_name: str = "All channels"


class ReportTab(QWidget):
    """Subclasses set key, title, columns and the flags, and implement query() and present().

    The tab loads only when shown with a request (or options) it has not loaded yet; a newer
    load supersedes an older one, whose result is then dropped.
    """

    key = ""
    title = ""
    columns: tuple[Column, ...] = ()
    uses_dates = True
    uses_channel = True
    stretch_column: int | None = None  # the column that takes spare width (a name, say)

    loaded = Signal(str)  # the tab's key, after a result is shown

    def __init__(self, ops: Ops, exports_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.exports_dir = exports_dir
        self.request: ReportRequest | None = None
        self.result: Any = None
        self.last_export: Path | None = None
        self._generation = 0
        self._loaded_key: tuple | None = None
        self._loading_key: tuple | None = None
        self._sized = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.options_layout = QHBoxLayout()
        self.options_layout.setSpacing(8)
        bar.addLayout(self.options_layout)
        bar.addStretch(1)
        self.csv_button = QPushButton("Export CSV…")
        self.png_button = QPushButton("Chart as PNG…")
        self.pdf_button = QPushButton("Chart as PDF…")
        self.csv_button.setToolTip("Save the table for a spreadsheet (UTF-8 CSV)")
        self.png_button.setToolTip("Save the chart as an image")
        self.pdf_button.setToolTip("Save the chart as a one-page PDF")
        for button in (self.csv_button, self.png_button, self.pdf_button):
            button.setEnabled(False)
            bar.addWidget(button)
        self.csv_button.clicked.connect(self._on_csv_button_clicked)
        self.png_button.clicked.connect(self._on_png_button_clicked)
        self.pdf_button.clicked.connect(self._on_pdf_button_clicked)
        layout.addLayout(bar)

        self.note_label = QLabel("", objectName="hint")
        self.note_label.setWordWrap(True)
        self.note_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.note_label)

        self.chart_view = QChartView(empty_chart(self.title, ""))
        configure_view(self.chart_view)
        self.model = ReportTableModel(self.columns, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        if self.stretch_column is not None:
            header.setSectionResizeMode(self.stretch_column, QHeaderView.ResizeMode.Stretch)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the query's order first
        self.table.setSortingEnabled(True)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.chart_view)
        splitter.addWidget(self.table)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([600, 340])  # scaled to the real height: the chart gets the most
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        layout.addWidget(splitter, 1)

    # -- to implement ------------------------------------------------------------------------

    def options(self) -> tuple:
        """The tab's own settings (part of what decides whether a reload is needed)."""
        return ()

    def query(self, request: ReportRequest) -> Callable[[Any], Any]:
        """A function of a session, run on the reader pool, returning what present() shows."""
        raise NotImplementedError

    def present(self, result: Any) -> None:
        """Fill the table (set_rows), the chart (set_chart) and the note from the result."""
        raise NotImplementedError

    # -- loading -----------------------------------------------------------------------------

    def set_request(self, request: ReportRequest) -> None:
        self.request = request

    def _key(self) -> tuple | None:
        if self.request is None:
            return None
        request = self.request
        filt = request.filter if self.uses_dates else ReportFilter()
        if not self.uses_channel:
            filt = ReportFilter(filt.date_from, filt.date_to)
        return (filt, request.today, self.options())

    @property
    def needs_load(self) -> bool:
        key = self._key()
        return key is not None and key != self._loaded_key and key != self._loading_key

    def invalidate(self) -> None:
        """Forget what was loaded so the next load() queries again."""
        self._loaded_key = None
        self._loading_key = None

    def load(self, *, force: bool = False) -> bool:
        """Query when the request or options changed since the last load; True if started."""
        key = self._key()
        if key is None or not (force or self.needs_load):
            return False
        assert self.request is not None
        self._generation += 1
        generation = self._generation
        self._loading_key = key
        self.note_label.setText("Loading…")
        QueryOp(
            self,
            self.query(self.request),
            lambda result: self._on_query_done(generation, key, result),
            lambda exc: self._on_query_failed(generation, exc),
        ).run(self.ops)
        return True

    def _on_query_done(self, generation: int, key: tuple, result: Any) -> None:
        if generation != self._generation:
            return  # superseded by a newer request; its own result is on its way
        self._loading_key = None
        self._loaded_key = key
        self.result = result
        self.note_label.setText("")
        self.present(result)
        for button in (self.csv_button, self.png_button, self.pdf_button):
            button.setEnabled(True)
        self.loaded.emit(self.key)

    def _on_query_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._loading_key = None
        self.note_label.setText("This report could not be loaded; press F5 to try again.")
        errors.show_error(self, exc, self.ops.log_path)

    # -- helpers for subclasses --------------------------------------------------------------

    def set_rows(self, rows: list[tuple]) -> None:
        self.model.set_rows(rows)
        if self.model.rowCount() and not self._sized:
            self._sized = True  # small tables: size to contents once, then leave it to people
            self.table.resizeColumnsToContents()

    def set_chart(self, chart: QChart) -> None:
        old = self.chart_view.chart()
        self.chart_view.setChart(chart)
        if old is not None and old is not chart:
            old.deleteLater()

    def set_note(self, text: str) -> None:
        self.note_label.setText(text)

    def period_text(self) -> str:
        """The range (and channel) the report covers, for notes and exported files."""
        if self.request is None:
            return ""
        parts = []
        if self.uses_dates:
            filt = self.request.filter
            parts.append(range_text(filt.date_from, filt.date_to))
        if self.uses_channel:
            parts.append(self.request.channel_name)
        return " · ".join(parts)

    def _suggested(self, suffix: str) -> Path:
        name = self.key
        if self.uses_dates and self.request is not None:
            filt = self.request.filter
            if filt.date_from and filt.date_to:
                name += f"_{filt.date_from:%Y-%m-%d}_{filt.date_to:%Y-%m-%d}"
        return self.exports_dir / f"{name}{suffix}"

    # -- exports -----------------------------------------------------------------------------

    def export_csv(self) -> Path | None:
        path = export.choose_save_path(
            self, f"Export {self.title}", self._suggested(".csv"), export.CSV_FILTER
        )
        if path is None:
            return None
        path = export.with_suffix(path, ".csv")
        return self._saved(
            path, lambda: export.write_csv(path, self.model.headers(), self.model.csv_rows())
        )

    def export_png(self) -> Path | None:
        path = export.choose_save_path(
            self, f"Save {self.title} chart", self._suggested(".png"), export.PNG_FILTER
        )
        if path is None:
            return None
        path = export.with_suffix(path, ".png")
        return self._saved(path, lambda: export.save_widget_png(self.chart_view, path))

    def export_pdf(self) -> Path | None:
        path = export.choose_save_path(
            self, f"Save {self.title} chart", self._suggested(".pdf"), export.PDF_FILTER
        )
        if path is None:
            return None
        path = export.with_suffix(path, ".pdf")
        return self._saved(
            path,
            lambda: export.save_chart_pdf(self.chart_view, path, self.title, self.period_text()),
        )

    def _saved(self, path: Path, write: Callable[[], None]) -> Path | None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write()
        except OSError as exc:
            log.warning("export to %s failed: %s", path, exc)
            reason = exc.strerror or str(exc)
            errors.show_message(self, errors.TITLE, f"Could not save {path}: {reason}")
            return None
        self.last_export = path
        self.note_label.setText(f"Saved {path}")
        return path

    @Slot()
    def _on_csv_button_clicked(self) -> None:
        self.export_csv()

    @Slot()
    def _on_png_button_clicked(self) -> None:
        self.export_png()

    @Slot()
    def _on_pdf_button_clicked(self) -> None:
        self.export_pdf()
