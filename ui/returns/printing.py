"""Return slips: rendered to a PDF in the exports folder off the GUI thread, previewed, printed."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QWidget,
)

from app.documents.builders import build_return_slip
from app.documents.dto import ReturnSlipDoc
from app.documents.return_slip import render_return_slip
from app.settings import get_setting
from ui.ops import BackgroundOp, Ops, QueryOp
from ui.widgets.pdf import preview_pdf

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
