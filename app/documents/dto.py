"""What each document prints: frozen dataclasses, built from the database or by hand in tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.scanning import bin_barcode

DEFAULT_SLIP_RETURNS = (
    "Not quite right? Contact us within 30 days of delivery for a return authorization (RMA) "
    "number. We will send you a return slip: put it in the parcel with the unused items."
)
DEFAULT_RMA_INSTRUCTIONS = (
    "Pack the items listed above securely in their original packaging if you can. Put this "
    "slip inside the parcel and write the RMA number on the outside, then send it to the "
    "address below. We will refund or exchange as agreed once the items have been checked."
)


@dataclass(frozen=True, slots=True)
class Business:
    """The sender printed on slips and labels (from the business settings)."""

    name: str
    address_lines: tuple[str, ...] = ()
    email: str = ""
    phone: str = ""
    logo_path: str = ""  # PNG/JPEG; empty or missing file: no logo

    @property
    def lines(self) -> tuple[str, ...]:
        """Name and address, for a ship-from or return-to block."""
        return (self.name, *self.address_lines)


# ---- pick lists ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PickOrder:
    """An order in a batch; its slot (1..N) is the tote or shelf it is collected into."""

    slot: int
    order_id: int
    number: str
    customer: str
    location_code: str | None
    units: int  # units to pick for it


@dataclass(frozen=True, slots=True)
class SlotQuantity:
    """Units of a pick line that go into one order's slot."""

    slot: int
    order_number: str
    order_line_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class PickLine:
    """Take `quantity` of a product from one bin and share it out over `slots`."""

    location_code: str
    bin_code: str
    walk_sequence: int
    product_id: int
    sku: str
    name: str
    gtin: str | None
    quantity: int
    slots: tuple[SlotQuantity, ...]

    @property
    def bin_barcode(self) -> str:
        return bin_barcode(self.location_code, self.bin_code)


@dataclass(frozen=True, slots=True)
class UnpickableLine:
    """Part of an order that is not reserved (or not a product): listed, never picked."""

    slot: int
    order_number: str
    line_no: int
    sku: str
    name: str
    quantity: int
    reason: str


@dataclass(frozen=True, slots=True)
class PickListDoc:
    """A batch pick list: lines in walk order (location, bin walk sequence, bin, SKU)."""

    number: str | None  # None: a preview not saved as a pick list (no barcode printed)
    created_at: datetime
    orders: tuple[PickOrder, ...]
    lines: tuple[PickLine, ...]
    not_reserved: tuple[UnpickableLine, ...] = ()

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)


# ---- packing slips and shipping labels ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class SlipLine:
    sku: str
    name: str
    quantity: int  # still to ship
    ordered: int


@dataclass(frozen=True, slots=True)
class PackingSlipDoc:
    business: Business
    order_number: str
    placed_at: datetime | None
    ship_to: tuple[str, ...]  # printed lines, name first (see formatting.address_lines)
    lines: tuple[SlipLine, ...]
    delivery_method: str = "ship"  # or "pickup"
    channel_ref: str = ""  # e.g. "Shopify #1001"
    email: str = ""
    phone: str = ""
    notes: str = ""
    return_instructions: str = DEFAULT_SLIP_RETURNS


@dataclass(frozen=True, slots=True)
class ShippingLabelDoc:
    ship_from: tuple[str, ...]  # name first
    ship_to: tuple[str, ...]  # name first
    order_number: str
    tracking_number: str | None = None
    carrier: str = ""
    service: str = ""
    shipment_number: str | None = None
    weight_g: int | None = None
    package_no: int = 1
    package_count: int = 1


# ---- product and bin labels ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProductLabel:
    sku: str
    name: str
    price_minor: int | None  # None: no price printed
    currency: str
    gtin: str | None = None  # printed as EAN/UPC when valid, else the SKU as Code 128


@dataclass(frozen=True, slots=True)
class BinLabel:
    location_code: str
    bin_code: str

    @property
    def barcode_text(self) -> str:
        return bin_barcode(self.location_code, self.bin_code)


# ---- returns ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReturnSlipLine:
    sku: str
    name: str
    quantity: int
    reason: str  # printable, e.g. "Damaged — lid cracked"


@dataclass(frozen=True, slots=True)
class ReturnSlipDoc:
    business: Business
    rma_number: str
    order_number: str
    customer: tuple[str, ...]  # name and address lines
    lines: tuple[ReturnSlipLine, ...]
    created_at: datetime | None = None
    return_to: tuple[str, ...] = ()  # empty: the business address
    instructions: str = DEFAULT_RMA_INSTRUCTIONS
    notes: str = ""
