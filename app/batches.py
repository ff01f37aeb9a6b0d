"""Slices for IN (...) lists, so a query over many ids stays well under every database's
parameter limit (SQLite's is 32,766; PostgreSQL's 65,535)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
CHUNK = 500


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """Consecutive slices of `items`, `size` at a time."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
