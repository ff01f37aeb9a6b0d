"""Small RMA dialogs: reject (reason), refund (amount up to what is refundable, method), credit."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.money import parse_amount, plain_amount
from app.returns.dto import ReturnView
from ui.returns.formatting import money

REJECT_REASONS = (
    "Outside the return window",
    "Item used or worn",
    "Not bought from us",
    "Customer withdrew the return",
)
REFUND_METHODS = ("Original payment", "Card", "Cash", "Bank transfer")


@dataclass(frozen=True, slots=True)
class RefundRequest:
    amount_minor: int
    method: str


def _editable_combo(presets: tuple[str, ...], placeholder: str) -> QComboBox:
    combo = QComboBox()
    combo.setEditable(True)
    combo.addItems(list(presets))
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    combo.lineEdit().setPlaceholderText(placeholder)
    return combo


class _Dialog(QDialog):
    """Intro text, a form, an error line and OK/Cancel; OK follows `_check()`."""

    def __init__(self, title: str, intro: str, ok_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        self.intro_label = QLabel(intro)
        self.intro_label.setWordWrap(True)
        self.form = QFormLayout()
        self.error_label = QLabel(objectName="fieldError")
        self.error_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button: QPushButton = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro_label)
        layout.addLayout(self.form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    def _check(self) -> str:
        """'' when the input is fine, else what is wrong."""
        return ""

    def _update(self) -> None:
        problem = self._check()
        self.error_label.setText(problem)
        self.ok_button.setEnabled(not problem)

    @Slot()
    def _on_buttons_accepted(self) -> None:
        if not self._check():
            self.accept()


class RejectDialog(_Dialog):
    """Why the return is refused; the reason goes into the RMA's notes."""

    def __init__(self, number: str, parent: QWidget | None = None) -> None:
        super().__init__(
            f"Reject {number}",
            f"Reject return {number}? Its units can then go on another return.",
            "Reject return",
            parent,
        )
        self.reason_combo = _editable_combo(REJECT_REASONS, "Type or choose a reason")
        self.reason_combo.setCurrentIndex(-1)
        self.form.addRow("&Reason:", self.reason_combo)
        self.reason_combo.currentTextChanged.connect(self._on_reason_combo_current_text_changed)
        self._update()
        self.error_label.setText("")

    def reason(self) -> str:
        return self.reason_combo.currentText().strip()

    def _check(self) -> str:
        return "" if self.reason() else "Say why the return is rejected."

    @Slot(str)
    def _on_reason_combo_current_text_changed(self, _text: str) -> None:
        self._update()


class _AmountDialog(_Dialog):
    """An amount in the order's currency, between 0 (exclusive) and `maximum` (if given)."""

    def __init__(
        self,
        title: str,
        intro: str,
        ok_text: str,
        view: ReturnView,
        default_minor: int,
        maximum: int | None,
        parent: QWidget | None,
    ) -> None:
        super().__init__(title, intro, ok_text, parent)
        self.currency = view.currency
        self.maximum = maximum
        self.amount_edit = QLineEdit(plain_amount(max(default_minor, 0), view.currency))
        self.amount_edit.setPlaceholderText(plain_amount(0, view.currency))
        self.form.addRow(f"&Amount ({view.currency}):", self.amount_edit)
        self.amount_edit.textChanged.connect(self._on_amount_edit_text_changed)

    def amount_minor(self) -> int | None:
        try:
            return parse_amount(self.amount_edit.text(), self.currency)
        except ValueError:
            return None

    def _check(self) -> str:
        try:
            amount = parse_amount(self.amount_edit.text(), self.currency)
        except ValueError as exc:
            return f"{exc}."
        if amount <= 0:
            return "Enter an amount above 0."
        if self.maximum is not None and amount > self.maximum:
            return (
                f"At most {money(self.maximum, self.currency)} can be refunded; "
                f"{money(amount, self.currency)} is too much."
            )
        return ""

    @Slot(str)
    def _on_amount_edit_text_changed(self, _text: str) -> None:
        self._update()


class RefundDialog(_AmountDialog):
    """Refund money for an RMA: never more than the order's paid − refunded amount."""

    def __init__(self, view: ReturnView, default_minor: int, parent: QWidget | None = None) -> None:
        refundable = view.refundable_minor
        intro = (
            f"Refund for {view.number} (order {view.order_number}). "
            f"Returned goods are worth {money(default_minor, view.currency)}."
        )
        super().__init__(
            f"Refund {view.number}",
            intro,
            "Refund",
            view,
            min(default_minor, refundable),
            refundable,
            parent,
        )
        self.limit_label = QLabel(
            f"At most {money(refundable, view.currency)} refundable "
            f"(paid {money(view.order_paid_minor, view.currency)}, "
            f"refunded {money(view.order_refunded_minor, view.currency)})."
        )
        self.limit_label.setObjectName("hint")
        self.form.addRow("", self.limit_label)
        self.method_combo = _editable_combo(REFUND_METHODS, "How does the money go back?")
        self.form.addRow("&Method:", self.method_combo)
        self.method_combo.currentTextChanged.connect(self._on_method_combo_current_text_changed)
        self._update()

    def value(self) -> RefundRequest | None:
        amount = self.amount_minor()
        if amount is None or self._check():
            return None
        return RefundRequest(amount, self.method_combo.currentText().strip())

    def _check(self) -> str:
        problem = super()._check()
        if problem:
            return problem
        if not self.method_combo.currentText().strip():
            return "Say how the money goes back."
        return ""

    @Slot(str)
    def _on_method_combo_current_text_changed(self, _text: str) -> None:
        self._update()


class StoreCreditDialog(_AmountDialog):
    """Store credit for an RMA (recorded here; redeemed in the shop's own system)."""

    def __init__(self, view: ReturnView, default_minor: int, parent: QWidget | None = None) -> None:
        intro = (
            f"Store credit for {view.number} (order {view.order_number}). Packbench records "
            "the amount; the customer redeems it in your shop system."
        )
        super().__init__(
            f"Store credit for {view.number}",
            intro,
            "Give store credit",
            view,
            default_minor,
            None,
            parent,
        )
        self._update()

    def value(self) -> int | None:
        return None if self._check() else self.amount_minor()
