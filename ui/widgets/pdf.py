"""PDF on screen and on paper: a QtPdf preview dialog and printing a PDF file's pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF, QRect, QSize, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QPageLayout, QPageSize, QPainter
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

from app.errors import DomainError


def print_pdf(printer: Any, path: Path) -> None:
    """Draw each page of the PDF at `path` onto `printer` at its resolution, the page size
    taken from the PDF (a 4×6 label prints as 4×6, a Letter slip as Letter)."""
    document = QPdfDocument()
    if document.load(str(path)) != QPdfDocument.Error.None_:
        raise DomainError(f"cannot read {path} to print it")
    printer.setFullPage(True)
    printer.setPageLayout(
        QPageLayout(
            QPageSize(document.pagePointSize(0), QPageSize.Unit.Point),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
        )
    )
    painter = QPainter()
    if not painter.begin(printer):
        raise DomainError(f"the printer {printer.printerName()} did not accept the job")
    try:
        dpi = printer.resolution()
        for page in range(document.pageCount()):
            if page:
                printer.newPage()
            points = document.pagePointSize(page)
            size = QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72))
            area = painter.viewport()
            scaled = size.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.drawImage(QRect(area.topLeft(), scaled), document.render(page, size))
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
            print_pdf(printer, self.path)

    @Slot()
    def _on_folder_button_clicked(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.path.parent)))


def preview_pdf(parent: QWidget | None, path: Path, title: str) -> PdfPreviewDialog:
    """Show the PDF window-modally (no nested event loop); tests replace this hook."""
    dialog = PdfPreviewDialog(path, title, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
