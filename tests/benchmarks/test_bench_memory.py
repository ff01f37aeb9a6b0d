"""Peak memory after browsing 10,000 orders and 10,000 products in the real main window."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.benchmarks.harness import RESULTS

ROOT = Path(__file__).resolve().parents[2]
PROBE = ROOT / "tests" / "benchmarks" / "memory_probe.py"


def _run(*args: str) -> str:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(PROBE), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _peak(output: str) -> float:
    return float(next(line for line in output.splitlines() if line.startswith("peak")).split()[1])


def test_peak_rss_after_browsing(bench_paths):
    baseline = _peak(_run("-"))
    output = _run(str(bench_paths.data_dir), "50")
    rows = next(line for line in output.splitlines() if line.startswith("rows")).split()[1:]
    RESULTS.record(
        "peak RSS after browsing orders and inventory",
        _peak(output),
        unit="MB",
        target="≤ 300 MB",
        baseline_name="QApplication alone",
        baseline_value=baseline,
        note=f"{rows[0]} orders and {rows[1]} products loaded in the tables",
    )
