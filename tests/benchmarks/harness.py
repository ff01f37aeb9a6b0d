"""Timing helpers and the results table every benchmark adds a row to."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Row:
    name: str
    value: float
    unit: str
    target: str
    baseline_name: str = ""
    baseline_value: float | None = None
    note: str = ""

    @property
    def ratio(self) -> str:
        """How many times the raw baseline's cost this measurement has (1.0× = as fast as raw)."""
        if not self.baseline_value or not self.value:
            return ""
        if self.unit.endswith("/s"):  # a rate: higher is better
            return f"{self.baseline_value / self.value:.1f}×"
        return f"{self.value / self.baseline_value:.1f}×"


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)

    def record(
        self,
        name: str,
        value: float,
        *,
        unit: str = "ms",
        target: str = "",
        baseline_name: str = "",
        baseline_value: float | None = None,
        note: str = "",
    ) -> Row:
        row = Row(name, value, unit, target, baseline_name, baseline_value, note)
        self.rows.append(row)
        return row


RESULTS = Results()


def per_call_ms(fn: Callable[[], object], *, repeat: int = 200, warmup: int = 10) -> float:
    """Median milliseconds of one call over `repeat` calls (after a warm-up)."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def timed_ms(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def format_table(rows: list[Row]) -> str:
    header = ("measurement", "value", "target", "baseline", "ratio", "note")
    lines = [header]
    for row in rows:
        value = (
            f"{row.value:,.2f} {row.unit}" if row.value < 100 else f"{row.value:,.0f} {row.unit}"
        )
        baseline = (
            f"{row.baseline_name} {row.baseline_value:,.3f} {row.unit}"
            if row.baseline_value is not None
            else ""
        )
        lines.append((row.name, value, row.target, baseline, row.ratio, row.note))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    out = []
    for index, line in enumerate(lines):
        out.append(
            "  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True))
        )
        if index == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(out)
