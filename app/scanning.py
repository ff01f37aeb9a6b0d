"""What a scanned code is: the prefixes printed on our documents, commands, or a product code.

Documents carry Code 128 codes whose prefix tells the station what was scanned: order numbers
(SO-), pick lists (PL-), shipments (SH-), return authorizations (RMA-), purchase orders (PO-),
bins (BIN/<location>/<bin>) and the command sheet (CMD-DONE, …). Anything else is looked up as a
product code (GTIN, extra code, SKU). Scanners may send lower case (Caps Lock) or stray spaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ScanKind(StrEnum):
    ORDER = "order"
    PICK_LIST = "pick_list"
    SHIPMENT = "shipment"
    RMA = "rma"
    PURCHASE_ORDER = "purchase_order"
    BIN = "bin"
    COMMAND = "command"
    PRODUCT = "product"  # to be resolved against the catalog


class Command(StrEnum):
    DONE = "DONE"
    PRINT = "PRINT"
    UNDO = "UNDO"
    NEXT = "NEXT"
    CANCEL = "CANCEL"


DOCUMENT_PREFIXES = {
    "SO-": ScanKind.ORDER,
    "PL-": ScanKind.PICK_LIST,
    "SH-": ScanKind.SHIPMENT,
    "RMA-": ScanKind.RMA,
    "PO-": ScanKind.PURCHASE_ORDER,
}
COMMAND_PREFIX = "CMD-"
BIN_PREFIX = "BIN/"


@dataclass(frozen=True, slots=True)
class Scan:
    kind: ScanKind
    value: str  # the normalised document number, command name, product code or bin code
    location_code: str | None = None  # for bins


def bin_barcode(location_code: str, bin_code: str) -> str:
    """The text printed in a bin label's barcode."""
    return f"{BIN_PREFIX}{location_code}/{bin_code}"


def command_barcode(command: Command) -> str:
    return f"{COMMAND_PREFIX}{command.value}"


def classify_scan(raw: str) -> Scan | None:
    """Classify a scan; None for an empty one. Product codes keep their case (SKUs may be
    lower case); document numbers and commands are upper-cased."""
    text = raw.strip().replace("\t", "")
    if not text:
        return None
    upper = text.upper()
    if upper.startswith(COMMAND_PREFIX):
        name = upper[len(COMMAND_PREFIX) :]
        if name in Command.__members__:
            return Scan(ScanKind.COMMAND, name)
    if upper.startswith(BIN_PREFIX):
        parts = upper[len(BIN_PREFIX) :].split("/")
        if len(parts) == 2 and all(parts):
            return Scan(ScanKind.BIN, parts[1], location_code=parts[0])
    for prefix, kind in DOCUMENT_PREFIXES.items():
        rest = upper[len(prefix) :]
        if upper.startswith(prefix) and rest.isdigit():
            return Scan(kind, upper)
    return Scan(ScanKind.PRODUCT, text)
