"""Questions and outside calls of the shipments screens; one function each for tests to stub."""

from __future__ import annotations

import logging

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QLineEdit, QWidget

from app.shipping.dto import ShipmentView
from ui.shipping.ship_form import ShipDialog, ShipRequest

log = logging.getLogger(__name__)

CSV_FILTER = "CSV files (*.csv);;All files (*)"


def ask_void_reason(parent: QWidget | None, shipment: ShipmentView) -> str | None:
    """Why the shipment is voided; None when the user backed out."""
    after = (
        " Its units go back into the bins they left and are reserved for the order again."
        if shipment.status == "shipped"
        else " The order can be packed again."
    )
    reason, ok = QInputDialog.getText(
        parent,
        f"Void {shipment.number}",
        f"Void {shipment.number} of order {shipment.order_number}?{after}\nReason:",
        QLineEdit.EchoMode.Normal,
    )
    return reason.strip() if ok and reason.strip() else None


def ask_ship(parent: QWidget | None, shipment: ShipmentView) -> ShipRequest | None:
    """Carrier, tracking number, service and mail choice for a packed shipment."""
    dialog = ShipDialog(shipment, parent)
    return dialog.request() if dialog.exec() == QDialog.DialogCode.Accepted else None


def choose_csv_file(parent: QWidget | None, caption: str) -> str:
    """A CSV file to read, or "" when the user cancelled."""
    chosen, _ = QFileDialog.getOpenFileName(parent, caption, "", CSV_FILTER)
    return chosen


def open_url(url: str) -> bool:
    """Open a web page (a carrier's tracking page) in the default browser."""
    return QDesktopServices.openUrl(QUrl(url))


def smtp_password() -> str | None:
    """The SMTP password from the system keyring (app.secrets key "mail.smtp"), or None when
    there is none or no keyring. May block on the keyring: call it off the GUI thread."""
    from app.errors import DomainError
    from app.secrets import get_secret

    try:
        return get_secret("mail.smtp")
    except DomainError as exc:  # no keyring backend: send without a password
        log.warning("%s", exc)
        return None
