"""Text every screen formats the same way: local times and counted nouns."""

from __future__ import annotations

from datetime import UTC, datetime


def local_time(
    moment: datetime | None,
    *,
    seconds: bool = False,
    with_time: bool = True,
    short: bool = False,
) -> str:
    """A stored UTC timestamp in the computer's time zone: '2025-03-14 09:05'; "" for none.
    `with_time=False` gives the date only; `short` gives just the time for today."""
    if moment is None:
        return ""
    if moment.tzinfo is None:  # stored values are aware; be lenient with test data
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone()
    if not with_time:
        return local.strftime("%Y-%m-%d")
    if short and local.date() == datetime.now().astimezone().date():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def plural(number: int, noun: str) -> str:
    """'1 order', '1,200 orders'."""
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"
