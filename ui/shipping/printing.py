"""Print hooks: documents rendered to PDF off the GUI thread, saved in exports, then printed."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QWidget

from app.errors import DomainError
from app.settings import get_setting
from ui.errors import user_message
from ui.ops import BackgroundOp, Ops, QueryOp
from ui.widgets import pdf
from ui.widgets.pdf import print_pdf

log = logging.getLogger(__name__)

SLIP, LABEL, PICK_LIST = "slip", "label", "pick_list"
TITLES = {SLIP: "packing slip", LABEL: "shipping label", PICK_LIST: "pick list"}
PRINTER_KEY = "printing/{kind}/printer"


class PrintingUnavailable(DomainError):
    """The document renderers (app.documents) cannot be loaded."""


@dataclass(frozen=True, slots=True)
class PrintJob:
    kind: str  # SLIP, LABEL or PICK_LIST
    order_id: int | None = None
    shipment_id: int | None = None
    pick_list_id: int | None = None


@dataclass(frozen=True, slots=True)
class PrintOutcome:
    printed: bool
    message: str


def exports_dir(ops: Ops) -> Path:
    """The data dir's exports folder (created on demand)."""
    ops.exports_dir.mkdir(parents=True, exist_ok=True)
    return ops.exports_dir


def build_document(session: Any, job: PrintJob) -> tuple[Any, str, str]:
    """Read what the document needs (reader thread): (doc DTO, file name, paper)."""
    try:
        from app.documents import builders
    except ImportError as exc:
        raise PrintingUnavailable(f"printing is not available yet ({exc})") from exc
    paper = get_setting(session, "paper_size")
    if job.kind == SLIP:
        doc = builders.build_packing_slip(session, job.order_id)
        return doc, f"packing-slip-{doc.order_number}.pdf", paper
    if job.kind == LABEL:
        doc = builders.build_shipping_label(session, job.order_id, shipment_id=job.shipment_id)
        name = doc.shipment_number or doc.order_number
        return doc, f"label-{name}.pdf", paper
    if job.kind == PICK_LIST:
        from app.picking.services import get_pick_list

        view = get_pick_list(session, job.pick_list_id)
        doc = builders.build_pick_list(
            session,
            [order_id for order_id, _number, _slot in view.orders],
            number=view.number,
            created_at=view.created_at,
        )
        return doc, f"pick-list-{view.number}.pdf", paper
    raise ValueError(f"unknown document kind {job.kind!r}")


def render_document(kind: str, doc: Any, path: Path, paper: str) -> Path:
    """Write the PDF (network/background pool: no session held while drawing)."""
    partial = path.with_name(path.name + ".part")  # never leave half a PDF behind
    try:
        if kind == SLIP:
            from app.documents.packing_slip import render_packing_slip

            render_packing_slip(doc, partial, paper=paper)
        elif kind == LABEL:
            from app.documents.shipping_label import render_shipping_label

            render_shipping_label(doc, partial)
        else:
            from app.documents.pick_list import render_pick_list

            render_pick_list(doc, partial, paper=paper)
    except ImportError as exc:
        raise PrintingUnavailable(f"printing is not available yet ({exc})") from exc
    partial.replace(path)
    return path


def ui_settings(widget: QWidget | None) -> QSettings:
    """The main window's QSettings (ui.ini in the data dir), else the application default."""
    window = widget.window() if widget is not None else None
    settings = getattr(window, "settings", None)
    return settings if isinstance(settings, QSettings) else QSettings()


def send_to_printer(
    parent: QWidget | None, path: Path, kind: str, settings: QSettings, *, choose: bool = False
) -> PrintOutcome:
    """Print `path` on the printer last used for `kind`; the print dialog opens the first time
    (or with `choose`). Tests replace this function: it may open a modal dialog."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo

    title = TITLES.get(kind, kind)
    key = PRINTER_KEY.format(kind=kind)
    available = [info.printerName() for info in QPrinterInfo.availablePrinters()]
    if not available:
        return PrintOutcome(False, f"No printer found — {title} saved as {path}")
    last = str(settings.value(key, "") or "")
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    if last in available:
        printer.setPrinterName(last)
    if choose or last not in available:
        dialog = QPrintDialog(printer, parent)
        dialog.setWindowTitle(f"Print {title}")
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return PrintOutcome(False, f"Not printed — {title} saved as {path}")
        settings.setValue(key, printer.printerName())
    print_pdf(printer, path)
    return PrintOutcome(True, f"{title.capitalize()} sent to {printer.printerName()}")


class DocumentPrinter(QObject):
    """Render (reader, then background pool) and print; `finished(printed, message)` after."""

    finished = Signal(bool, str)

    def __init__(self, ops: Ops, widget: QWidget) -> None:
        super().__init__(widget)
        self.ops = ops
        self.widget = widget
        self.last_path: Path | None = None

    def preview_document(self, job: PrintJob) -> None:
        """Render the document and show it on screen (QtPdf) with Print… in the preview."""
        self.print_document(job, preview=True)

    def print_document(self, job: PrintJob, *, choose: bool = False, preview: bool = False) -> None:
        QueryOp(
            self,
            lambda session: build_document(session, job),
            lambda built: self._on_built(job, built, choose, preview),
            self._on_failed,
        ).run(self.ops)

    def _on_built(
        self, job: PrintJob, built: tuple[Any, str, str], choose: bool, preview: bool
    ) -> None:
        doc, name, paper = built
        path = exports_dir(self.ops) / name
        BackgroundOp(
            self,
            lambda: render_document(job.kind, doc, path, paper),
            lambda written: self._on_rendered(job, written, choose, preview),
            self._on_failed,
        ).run(self.ops)

    def _on_rendered(self, job: PrintJob, path: Path, choose: bool, preview: bool) -> None:
        self.last_path = path
        if preview:
            pdf.preview_pdf(self.widget, path, TITLES.get(job.kind, job.kind).capitalize())
            self.finished.emit(False, f"Preview of {path.name}")
            return
        try:
            outcome = send_to_printer(
                self.widget, path, job.kind, ui_settings(self.widget), choose=choose
            )
        except Exception as exc:
            self._on_failed(exc)
            return
        self.finished.emit(outcome.printed, outcome.message)

    def _on_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, DomainError):
            log.error("printing failed", exc_info=(type(exc), exc, exc.__traceback__))
        self.finished.emit(False, f"Printing failed: {user_message(exc, self.ops.log_path)}")
