"""ChangeSet: which kinds of records a mutation touched, so each view decides whether to refresh."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class ChangeSet:
    orders: bool = False
    products: bool = False
    stock: bool = False
    locations: bool = False
    pick_lists: bool = False
    shipments: bool = False
    returns: bool = False
    purchasing: bool = False
    channels: bool = False
    settings: bool = False
    everything: bool = False  # a restore or demo load: every view reloads

    def __or__(self, other: ChangeSet) -> ChangeSet:
        return ChangeSet(
            **{f.name: getattr(self, f.name) or getattr(other, f.name) for f in fields(self)}
        )

    def touches(self, *kinds: str) -> bool:
        return self.everything or any(getattr(self, kind) for kind in kinds)

    @property
    def empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))


NO_CHANGES = ChangeSet()
EVERYTHING = ChangeSet(everything=True)
