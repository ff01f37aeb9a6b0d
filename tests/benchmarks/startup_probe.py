"""Run the real GUI start-up (main.py's path) and quit as soon as the main window is interactive.

Used by test_bench_startup.py in a fresh process, so the measurement includes interpreter start,
imports, opening the database and the first paint, like a user double-clicking the app.
"""

from __future__ import annotations

import sys
import time


def main() -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.paths import resolve_paths
    from ui.application import run_gui

    app = QApplication(sys.argv[:1])
    seen: dict[str, float] = {}

    def poll() -> None:
        # CLOCK_MONOTONIC is system-wide: the parent compares these with its spawn time, so
        # shutting down afterwards (waiting for background queries) is not counted.
        window = next((w for w in app.topLevelWidgets() if w.isVisible()), None)
        if window is None:
            return
        if "interactive" not in seen:
            app.processEvents()  # the first paint of the shown window
            seen["interactive"] = time.monotonic()
            print("interactive at", seen["interactive"], flush=True)
            print("window:", type(window).__name__, flush=True)
        if getattr(window, "ready", False):  # database open, first panel built
            print("ready at", time.monotonic(), flush=True)
            timer.stop()
            app.quit()

    timer = QTimer(interval=2)
    timer.timeout.connect(poll)
    timer.start()
    return run_gui(resolve_paths(data_dir=sys.argv[1], env={}))


if __name__ == "__main__":
    sys.exit(main())
