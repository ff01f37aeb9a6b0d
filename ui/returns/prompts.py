"""Questions the returns pages ask people; one function each so tests can stub the modal part."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QWidget

from app.returns.dto import ReturnView
from ui.returns.dialogs import RefundDialog, RefundRequest, RejectDialog, StoreCreditDialog
from ui.widgets.questions import confirm as confirm  # re-exported: tests stub it here


def ask_reject_reason(parent: QWidget | None, number: str) -> str | None:
    """Why `number` is rejected; None when the user backed out."""
    dialog = RejectDialog(number, parent)
    return dialog.reason() if dialog.exec() == QDialog.DialogCode.Accepted else None


def ask_refund(
    parent: QWidget | None, view: ReturnView, default_minor: int
) -> RefundRequest | None:
    """Amount (at most the refundable amount) and method; None when the user backed out."""
    dialog = RefundDialog(view, default_minor, parent)
    return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None


def ask_store_credit(parent: QWidget | None, view: ReturnView, default_minor: int) -> int | None:
    """Store credit in minor units; None when the user backed out."""
    dialog = StoreCreditDialog(view, default_minor, parent)
    return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None
