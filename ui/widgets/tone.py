"""Tones (ok, warning, error …) that stylesheets colour widgets by, through a `tone` property."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget


def set_tone(widget: QWidget, tone: str) -> None:
    """Set the `tone` property styles key on, and re-polish so it shows."""
    if widget.property("tone") == tone:
        return
    widget.setProperty("tone", tone)
    widget.style().unpolish(widget)  # dynamic properties only restyle after a re-polish
    widget.style().polish(widget)


def show_toned(label: QLabel, text: str, tone: str = "") -> None:
    """Show `text` on a message label coloured by tone: '', ok, warning or error."""
    label.setText(text)
    set_tone(label, tone)
