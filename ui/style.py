"""Look and feel: the packaged stylesheet and the application icon."""

from __future__ import annotations

import logging
from importlib import resources

from PySide6.QtGui import QIcon

log = logging.getLogger(__name__)


def load_stylesheet() -> str:
    """The text of resources/style.qss, or "" when it is missing (the app still works)."""
    try:
        return resources.files("resources").joinpath("style.qss").read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError, OSError) as exc:
        log.warning("stylesheet not loaded: %s", exc)
        return ""


def app_icon() -> QIcon:
    """The window icon from resources/icons/packbench.svg (empty icon when missing)."""
    icon_file = resources.files("resources").joinpath("icons", "packbench.svg")
    if not icon_file.is_file():
        return QIcon()
    with resources.as_file(icon_file) as path:
        return QIcon(str(path))
