"""Open the real main window over a shop, browse orders and inventory, print peak RSS (MB).

Run by test_bench_memory.py in a fresh process: `python memory_probe.py DATA_DIR [PAGES]`.
With DATA_DIR "-" it only starts Qt (the baseline).
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path


def peak_mb() -> float:
    """This process's own peak RSS. Linux keeps ru_maxrss across exec, so a probe started by a
    pytest that had just generated the demo shop reported pytest's peak; VmHWM belongs to the
    new program's memory only."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    if sys.argv[1] == "-":
        QTimer.singleShot(0, app.quit)
        app.exec()
        print(f"peak {peak_mb():.1f}")
        return 0
    pages = int(sys.argv[2]) if len(sys.argv) > 2 else 50

    from app.database import open_database
    from app.paths import resolve_paths
    from ui.main_window import MainWindow
    from ui.ops import Ops, SynchronousExecutor

    paths = resolve_paths(data_dir=sys.argv[1], env={})
    db = open_database(paths)
    sync = SynchronousExecutor()  # deterministic: every page is loaded before the next step
    ops = Ops(db.session_factory, writer=sync, reader=sync, network=sync)
    window = MainWindow(
        ops,
        QSettings(str(paths.data_dir / "probe.ini"), QSettings.Format.IniFormat),
        database_name="probe",
    )
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    rows = {}
    for key in ("orders", "inventory"):
        panel = window.show_panel(key)
        app.processEvents()
        model = panel.model
        for _ in range(pages):
            if not model.canFetchMore():
                break
            model.fetchMore()
            app.processEvents()
        rows[key] = model.rowCount()
    print(f"rows {rows['orders']} {rows['inventory']}")
    print(f"peak {peak_mb():.1f}")
    window.close()
    ops.shutdown()
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
