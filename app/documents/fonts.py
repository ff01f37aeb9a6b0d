"""The embedded PDF fonts (DejaVu Sans, shipped in resources/fonts/), registered once per process.

ReportLab's built-in Helvetica only covers Latin-1, so "Zoë Łukasiewicz" would lose its Ł. The
TTF is embedded as a subset in every PDF, so printers need no fonts installed.
"""

from __future__ import annotations

import threading
from pathlib import Path

import resources

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}

_lock = threading.Lock()
_registered = False


def font_dir() -> Path:
    """Folder holding the TTF files (inside the `resources` package, so packaging finds it)."""
    return Path(resources.__file__).parent / "fonts"


def register_fonts() -> None:
    """Register the document fonts with ReportLab; idempotent and safe to call from any thread.

    Raises FileNotFoundError naming the missing file when the installation is incomplete.
    """
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        from reportlab.lib.fonts import addMapping
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        for name, filename in _FILES.items():
            path = font_dir() / filename
            if not path.is_file():
                raise FileNotFoundError(
                    f"document font {path} is missing; reinstall Packbench to restore it"
                )
            pdfmetrics.registerFont(TTFont(name, str(path)))
        addMapping(REGULAR, 0, 0, REGULAR)
        addMapping(REGULAR, 1, 0, BOLD)
        addMapping(REGULAR, 0, 1, REGULAR)
        addMapping(REGULAR, 1, 1, BOLD)
        _registered = True
