"""How many orders went to one ship-to address within a day: the risk rule both bulk intakes
(CSV import, channel sync) need for a batch of new orders, counted over the batch and the
orders already in the shop with one query per chunk of addresses."""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.batches import chunks
from db.models import SalesOrder

DAY = timedelta(days=1)


class AddressTimes:
    """Add the batch's orders, `load_shop` once, then ask `within_a_day` per order."""

    def __init__(self) -> None:
        self._times: dict[tuple[str, str | None], list[datetime]] = {}

    def add(self, address1: str | None, postal_code: str | None, at: datetime | None) -> None:
        if address1 and at is not None:
            self._times.setdefault((address1, postal_code or None), []).append(at)

    def load_shop(self, session: Session) -> None:
        """Orders already in the shop to the batch's addresses, within a day of its orders."""
        if not self._times:
            return
        placed = [t for ts in self._times.values() for t in ts]
        addresses = sorted({address1 for address1, _postal in self._times})
        for chunk in chunks(addresses):
            for address1, postal_code, placed_at in session.execute(
                select(
                    SalesOrder.ship_address1, SalesOrder.ship_postal_code, SalesOrder.placed_at
                ).where(
                    SalesOrder.ship_address1.in_(chunk),
                    SalesOrder.placed_at > min(placed) - DAY,
                    SalesOrder.placed_at <= max(placed) + DAY,
                )
            ):
                found = self._times.get((address1, postal_code))
                if found is not None:
                    found.append(placed_at)
        for values in self._times.values():
            values.sort()

    def within_a_day(
        self, address1: str | None, postal_code: str | None, at: datetime | None
    ) -> int:
        """Orders to this address placed within a day either side of `at` (itself included)."""
        if not address1 or at is None:
            return 0
        ts = self._times[(address1, postal_code or None)]
        return bisect_right(ts, at + DAY) - bisect_right(ts, at - DAY)
