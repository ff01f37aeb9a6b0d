"""Return slips: rendered to a PDF in the exports folder off the GUI thread, previewed, printed."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRect, QSize, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.documents.builders import build_return_slip
from app.documents.dto import ReturnSlipDoc
from app.documents.return_slip import render_return_slip
from app.settings import get_setting
from ui.ops import BackgroundOp, Ops, QueryOp

log = logging.getLogger(__name__)


def _build(session: Any, rma_id: int) -> tuple[ReturnSlipDoc, str]:
    return build_return_slip(session, rma_id), str(get_setting(session, "paper_size"))


def render_slip_file(doc: ReturnSlipDoc, paper: str, folder: Path) -> Path:
    """Write `folder/RMA-….pdf` (whole or not at all); runs on a worker thread."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{doc.rma_number}.pdf"
    partial = path.with_name(path.name + ".part")
    render_return_slip(doc, partial, paper=paper)
    partial.replace(path)
    return path


def preview_pdf(parent: QWidget | None, path: Path, title: str) -> None:
    """Show the PDF with Print… and Open folder (the hook tests replace)."""
    dialog = PdfPreviewDialog(path, title, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()


def print_pdf(document: QPdfDocument, printer: QPrinter) -> None:
    """Paint every page of `document` onto `printer`, each scaled to fit its page."""
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("the printer could not be started")
    try:
        dpi = printer.resolution()
        for page in range(document.pageCount()):
            if page:
                printer.newPage()
            points = document.pagePointSize(page)
            size = QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72))
            image = document.render(page, size)
            area = painter.viewport()
            scaled = size.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.drawImage(QRect(area.topLeft(), scaled), image)
    finally:
        painter.end()


class PdfPreviewDialog(QDialog):
    """A PDF on screen (QtPdf) with Print… (system printers) and Open folder."""

    def __init__(self, path: Path, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.setWindowTitle(title)
        self.resize(760, 900)
        self.document = QPdfDocument(self)
        self.document.load(str(path))
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.path_label = QLabel(f"Saved as {path}", objectName="hint")
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.print_button = QPushButton("&Print…")
        self.folder_button = QPushButton("Open &folder")
        self.buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.folder_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.path_label)
        layout.addWidget(self.buttons)
        self.buttons.rejected.connect(self.reject)
        self.print_button.clicked.connect(self._on_print_button_clicked)
        self.folder_button.clicked.connect(self._on_folder_button_clicked)
        self.print_button.setDefault(True)

    @Slot()
    def _on_print_button_clicked(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.path.stem)
        chooser = QPrintDialog(printer, self)
        if chooser.exec() == QDialog.DialogCode.Accepted:
            print_pdf(self.document, printer)

    @Slot()
    def _on_folder_button_clicked(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.path.parent)))


class ReturnSlipPrinter(QObject):
    """Print return slips for a widget: read the slip, render the PDF, preview it."""

    printed = Signal(object)  # Path of the PDF written

    def __init__(self, ops: Ops, exports_dir: Path, owner: QWidget) -> None:
        super().__init__(owner)
        self.ops = ops
        self.exports_dir = exports_dir
        self._owner = owner
        self.last_path: Path | None = None

    def print_slip(self, rma_id: int) -> None:
        QueryOp(self._owner, lambda s: _build(s, rma_id), self._on_built).run(self.ops)

    def _on_built(self, built: tuple[ReturnSlipDoc, str]) -> None:
        doc, paper = built
        folder = self.exports_dir
        BackgroundOp(
            self._owner,
            lambda: render_slip_file(doc, paper, folder),
            lambda path: self._on_rendered(path, doc.rma_number),
        ).run(self.ops)

    def _on_rendered(self, path: Path, number: str) -> None:
        log.info("return slip %s written to %s", number, path)
        self.last_path = path
        self.printed.emit(path)
        preview_pdf(self._owner, path, f"Return slip {number}")
