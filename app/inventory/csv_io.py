"""CSV import and export of products and stock counts: every row is checked, then all or nothing."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import and_, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from app import csvtext
from app.audit import record_event
from app.batches import chunks
from app.changes import ChangeSet
from app.errors import DataImportError, OutOfStock, RowProblem, ValidationError
from app.inventory.dto import ProductInput
from app.inventory.gtin import gtin_variants, normalize_gtin
from app.inventory.ledger import post_move
from app.inventory.products import clean_product_input
from db.enums import BinKind, MoveReason
from db.models import (
    Bin,
    Location,
    Product,
    ProductBarcode,
    Reservation,
    StockLevel,
    Supplier,
)
from db.types import utcnow

PRODUCT_COLUMNS = (
    "sku",
    "name",
    "gtin",
    "weight_g",
    "price",
    "cost",
    "reorder_point",
    "reorder_quantity",
    "allow_backorder",
    "archived",
    "supplier",
    "supplier_sku",
    "scan_codes",
)
PRODUCT_REQUIRED = ("sku", "name")
STOCK_COLUMNS = ("sku", "location", "bin", "quantity")
STOCK_EXPORT_COLUMNS = ("sku", "name", "location", "bin", "quantity")
CODE_SEPARATOR = "|"

# CSV column -> product attribute. scan_codes live in their own table.
_PRODUCT_FIELDS = {
    "sku": "sku",
    "name": "name",
    "gtin": "gtin",
    "weight_g": "weight_g",
    "price": "price_minor",
    "cost": "cost_minor",
    "reorder_point": "reorder_point",
    "reorder_quantity": "reorder_quantity",
    "allow_backorder": "allow_backorder",
    "archived": "archived",
    "supplier": "supplier_id",
    "supplier_sku": "supplier_sku",
}
_FIELD_COLUMNS = {attr: column for column, attr in _PRODUCT_FIELDS.items()}
# What a new product gets for a column the file does not have (or leaves empty).
_PRODUCT_DEFAULTS: dict[str, Any] = {
    "gtin": None,
    "weight_g": 0,
    "price_minor": 0,
    "cost_minor": 0,
    "reorder_point": 0,
    "reorder_quantity": 0,
    "allow_backorder": False,
    "archived": False,
    "supplier_id": None,
    "supplier_sku": None,
}
# Stand-ins that pass clean_product_input, so one run can report every bad field of a row.
_PLACEHOLDERS: dict[str, Any] = {"sku": "_", "name": "_", "gtin": None}

_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}
_SHORTENED_NUMBER = re.compile(r"\d+(?:[.,]\d+)?[eE]\+?\d+")
_MONEY = re.compile(r"(\d*)(?:[.,](\d*))?")
_CHUNK = 2000  # values per IN (...) query; well below every database's parameter limit
_AUDIT_SAMPLE = 100  # SKUs named in an import's audit event; the counts cover the rest


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class ProductImportRow:
    """What importing one valid row would do; `changes` names the CSV columns that differ."""

    row: int
    action: str  # "create" | "update" | "unchanged"
    sku: str
    changes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportPreview:
    """A dry run of a product import: the valid rows' actions and every problem found."""

    rows: tuple[ProductImportRow, ...]
    problems: tuple[RowProblem, ...]

    @property
    def creates(self) -> int:
        return sum(1 for r in self.rows if r.action == "create")

    @property
    def updates(self) -> int:
        return sum(1 for r in self.rows if r.action == "update")

    @property
    def unchanged(self) -> int:
        return sum(1 for r in self.rows if r.action == "unchanged")

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    changes: ChangeSet
    message: str = ""


@dataclass(frozen=True, slots=True)
class StockImportRow:
    """One counted bin: what the file says, what the ledger holds, and the move it implies."""

    row: int
    sku: str
    location: str
    bin: str
    counted: int
    on_hand: int

    @property
    def difference(self) -> int:
        return self.counted - self.on_hand


@dataclass(frozen=True, slots=True)
class StockImportPreview:
    rows: tuple[StockImportRow, ...]
    problems: tuple[RowProblem, ...]

    @property
    def moves(self) -> int:
        """How many count moves the import would post (rows whose count differs)."""
        return sum(1 for r in self.rows if r.difference)

    @property
    def units_added(self) -> int:
        return sum(r.difference for r in self.rows if r.difference > 0)

    @property
    def units_removed(self) -> int:
        return -sum(r.difference for r in self.rows if r.difference < 0)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class StockImportResult:
    rows: int
    moves: int
    units_added: int
    units_removed: int
    changes: ChangeSet
    message: str = ""


# --------------------------------------------------------------------------- reading CSV


@dataclass(slots=True)
class _Table:
    name: str  # how messages name the file
    columns: tuple[str, ...]
    rows: list[tuple[int, dict[str, str]]]  # (spreadsheet row number, cells by column)
    problems: list[RowProblem]
    missing: tuple[str, ...]  # required columns the header lacks: rows cannot be read


def _read_table(
    source: str | Path | TextIO,
    columns: Sequence[str],
    required: Sequence[str],
    ignored: Sequence[str] = (),
) -> _Table:
    """Parse a CSV with a header row into cells by column; header problems are row-1 problems.

    Raises ValidationError (naming the file) when it cannot be read or has no header.
    """
    name, text = csvtext.read_text(source)
    known = set(columns) | set(ignored)
    delimiter = csvtext.choose_delimiter(text, known)
    problems: list[RowProblem] = []
    rows: list[tuple[int, dict[str, str]]] = []
    header: list[str] | None = None
    header_text: list[str] = []
    header_row = 0
    unnamed_with_values: set[int] = set()
    reader = csvtext.records(text, delimiter)
    try:
        for record_no, record in enumerate(reader, start=1):
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = [csvtext.header_key(c) for c in record]
                header_text = [c.strip() for c in record]
                header_row = record_no
                continue
            cells: dict[str, str] = {}
            for index, cell in enumerate(record):
                key = header[index] if index < len(header) else ""
                if key in known:
                    cells.setdefault(key, cell.strip())
                elif cell.strip() and not key:
                    unnamed_with_values.add(index)
            rows.append((record_no, cells))
    except csv.Error as exc:
        raise ValidationError(
            f"{name}: cannot be read as CSV near line {reader.line_num}: {exc}", field="file"
        ) from None
    if header is None:
        raise ValidationError(f"{name}: the file is empty (no header row)", field="file")
    seen: set[str] = set()
    for key, text_key in zip(header, header_text, strict=True):
        if not key:
            continue
        if key not in known:
            problems.append(
                RowProblem(
                    header_row, text_key, f"unknown column; the columns are {', '.join(columns)}"
                )
            )
        elif key in seen:
            problems.append(RowProblem(header_row, key, "the column appears more than once"))
        seen.add(key)
    for index in sorted(unnamed_with_values):
        problems.append(
            RowProblem(
                header_row,
                f"column {index + 1}",
                "has values but no name in the header row",
            )
        )
    missing = tuple(key for key in required if key not in seen)
    problems += [RowProblem(header_row, key, "required column is missing") for key in missing]
    present = tuple(k for k in header if k in known)
    return _Table(name, tuple(dict.fromkeys(present)), rows, problems, missing)


def _sort(problems: list[RowProblem], columns: Sequence[str]) -> None:
    """By row, then in the file's usual column order, as a clerk reads the sheet."""
    order = {column: index for index, column in enumerate(columns)}
    problems.sort(key=lambda p: (p.row, order.get(p.column, len(order))))


# --------------------------------------------------------------------------- cell parsers


def _whole(text: str, *, default: int | None = 0) -> int:
    """A whole number ≥ 0; raises ValueError with the reason."""
    if not text:
        if default is None:
            raise ValueError("a whole number ≥ 0 is required")
        return default
    compact = text.replace(" ", "")
    if re.fullmatch(r"-\d+", compact):
        raise ValueError(f"{text} is negative; it must be 0 or more")
    if not compact.isdigit():
        raise ValueError(f"{text!r} is not a whole number")
    return int(compact)


def _money(text: str) -> int:
    """`12.99` (or `12,99`) in the shop currency -> 1299 minor units; empty -> 0."""
    if not text:
        return 0
    compact = text.replace(" ", "")
    if compact.startswith("-") and _MONEY.fullmatch(compact[1:]):
        raise ValueError(f"{text} is negative; amounts must be 0 or more")
    match = _MONEY.fullmatch(compact)
    if match is None or not (match.group(1) or match.group(2)):
        raise ValueError(f"{text!r} is not an amount; write it like 12.99")
    whole, decimals = match.group(1) or "0", match.group(2) or ""
    if len(decimals) > 2:
        raise ValueError(
            f"{text} has {len(decimals)} decimal places; at most 2 (write amounts like 1299.99, "
            "without thousands separators)"
        )
    return int(whole) * 100 + int(decimals.ljust(2, "0"))


def _format_money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def _flag(text: str) -> bool:
    value = text.lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValueError(f"{text!r} is not yes or no")


def _code_text(text: str, kind: str) -> str:
    if _SHORTENED_NUMBER.fullmatch(text):
        raise ValueError(
            f"{text} looks like a number a spreadsheet shortened; format the column as text "
            f"and enter the full {kind}"
        )
    return text


def _scan_code(text: str) -> str:
    """Validate one extra scan code the way add_scan_code does."""
    code = _code_text(text.strip(), "code")
    if len(code) > 64:
        raise ValueError(f"scan code {code[:20]}… is longer than 64 characters")
    if code.isdigit() and len(code) in (8, 12, 13, 14):
        try:
            code = normalize_gtin(code, field="scan_codes")
        except ValidationError as exc:
            raise ValueError(str(exc)) from None
    return code


def _code_keys(code: str) -> tuple[str, ...]:
    """Every form a scan of `code` may take (a UPC-A also reads as EAN-13 with a leading 0)."""
    return tuple(gtin_variants(code)) if code.isdigit() else (code,)


def _canonical(code: str) -> str:
    return "0" + code if code.isdigit() and len(code) == 12 else code


# --------------------------------------------------------------------------- products


@dataclass(slots=True)
class _ProductRow:
    row: int
    sku: str
    values: dict[str, Any]  # product attributes given by the file (cleaned)
    codes: tuple[str, ...] | None  # extra scan codes, when the file has the column
    existing: dict[str, Any] | None = None
    existing_codes: tuple[str, ...] = ()
    action: str = "create"
    changes: tuple[str, ...] = ()


@dataclass(slots=True)
class _ProductAnalysis:
    name: str
    rows: list[_ProductRow]
    problems: list[RowProblem]


class _Suppliers:
    """Supplier names -> ids: exact spelling first, then ignoring case."""

    def __init__(self, session: Session) -> None:
        self.exact: dict[str, int] = {}
        self.folded: dict[str, list[int]] = {}
        for supplier_id, name in session.execute(select(Supplier.id, Supplier.name)):
            self.exact[name] = supplier_id
            self.folded.setdefault(name.casefold(), []).append(supplier_id)

    def find(self, name: str) -> int | None:
        name = " ".join(name.split())
        if not name:
            return None
        if name in self.exact:
            return self.exact[name]
        matches = self.folded.get(name.casefold(), [])
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise ValueError(f"several suppliers are called {name!r}; use the exact spelling")
        raise ValueError(f"supplier {name!r} does not exist; add it under Purchasing first")


def _parse_product(
    row_no: int, cells: dict[str, str], suppliers: _Suppliers
) -> tuple[_ProductRow, list[RowProblem]]:
    problems: list[RowProblem] = []
    parsed: dict[str, Any] = {}

    def parse(column: str, parser, *args) -> None:
        if column not in cells:
            return
        try:
            parsed[_PRODUCT_FIELDS[column]] = parser(cells[column], *args)
        except ValueError as exc:
            problems.append(RowProblem(row_no, column, str(exc)))

    for column in ("weight_g", "reorder_point", "reorder_quantity"):
        parse(column, _whole)
    for column in ("price", "cost"):
        parse(column, _money)
    for column in ("allow_backorder", "archived"):
        parse(column, _flag)
    parse("supplier", suppliers.find)
    gtin = cells.get("gtin", "")
    try:
        _code_text(gtin, "GTIN")
    except ValueError as exc:
        problems.append(RowProblem(row_no, "gtin", str(exc)))
        gtin = ""
    data = ProductInput(
        sku=cells.get("sku", ""),
        name=cells.get("name", ""),
        gtin=gtin or None,
        weight_g=parsed.get("weight_g", 0),
        price_minor=parsed.get("price_minor", 0),
        cost_minor=parsed.get("cost_minor", 0),
        reorder_point=parsed.get("reorder_point", 0),
        reorder_quantity=parsed.get("reorder_quantity", 0),
        allow_backorder=parsed.get("allow_backorder", False),
        supplier_id=parsed.get("supplier_id"),
        supplier_sku=cells.get("supplier_sku"),
    )
    # clean_product_input stops at the first bad field; swap in a stand-in and ask again so
    # the clerk sees every problem of the row at once.
    cleaned = None
    for _attempt in range(len(_PLACEHOLDERS) + 1):
        try:
            cleaned = clean_product_input(data)
            break
        except ValidationError as exc:
            problems.append(RowProblem(row_no, _FIELD_COLUMNS.get(exc.field, "?"), str(exc)))
            if exc.field not in _PLACEHOLDERS:
                break
            data = replace(data, **{exc.field: _PLACEHOLDERS[exc.field]})
    values: dict[str, Any] = {}
    if cleaned is not None:
        for column in cells:
            attr = _PRODUCT_FIELDS.get(column)
            if attr == "archived":
                values[attr] = parsed.get("archived", False)
            elif attr is not None:
                values[attr] = getattr(cleaned, attr)
    codes: tuple[str, ...] | None = None
    if "scan_codes" in cells:
        found: list[str] = []
        for part in cells["scan_codes"].split(CODE_SEPARATOR):
            if not part.strip():
                continue
            try:
                found.append(_scan_code(part))
            except ValueError as exc:
                problems.append(RowProblem(row_no, "scan_codes", str(exc)))
        codes = tuple(dict.fromkeys(found))
    return _ProductRow(row_no, cells.get("sku", "").strip(), values, codes), problems


def _load_existing(session: Session, rows: list[_ProductRow], with_codes: bool) -> None:
    """Attach each row's current product (matched by SKU, ignoring case) in a few queries."""
    table = Product.__table__
    wanted = sorted({r.sku.lower() for r in rows})
    found: dict[str, dict[str, Any]] = {}
    for chunk in chunks(wanted, _CHUNK):
        query = select(table).where(func.lower(table.c.sku).in_(chunk))
        for product in session.execute(query).mappings():
            found[product["sku"].lower()] = dict(product)
    codes: dict[int, list[str]] = {}
    if with_codes and found:
        ids = sorted(p["id"] for p in found.values())
        for chunk in chunks(ids, _CHUNK):
            query = select(ProductBarcode.product_id, ProductBarcode.code).where(
                ProductBarcode.product_id.in_(chunk)
            )
            for product_id, code in session.execute(query):
                codes.setdefault(product_id, []).append(code)
    for row in rows:
        row.existing = found.get(row.sku.lower())
        if row.existing is not None:
            row.existing_codes = tuple(sorted(codes.get(row.existing["id"], ())))


def _row_codes(row: _ProductRow) -> list[tuple[str, str]]:
    """(column, code) pairs a row makes scannable: its GTIN and its extra codes."""
    pairs = []
    if row.values.get("gtin"):
        pairs.append(("gtin", row.values["gtin"]))
    pairs += [("scan_codes", code) for code in row.codes or ()]
    return pairs


def _describe(column: str, code: str) -> str:
    return f"GTIN {code}" if column == "gtin" else f"scan code {code}"


def _file_clashes(rows: list[_ProductRow]) -> list[RowProblem]:
    """The same SKU, GTIN or scan code twice in the file (or a code that is another row's SKU)."""
    problems: list[RowProblem] = []
    skus: dict[str, int] = {}
    for row in rows:
        if not row.sku:
            continue
        first = skus.setdefault(row.sku.lower(), row.row)
        if first != row.row:
            problems.append(RowProblem(row.row, "sku", f"SKU {row.sku} is also on row {first}"))
    codes: dict[str, tuple[int, str]] = {}
    for row in rows:
        own: set[str] = set()
        for column, code in _row_codes(row):
            key = _canonical(code)
            first_row, first_column = codes.setdefault(key, (row.row, column))
            if key in own:
                problems.append(
                    RowProblem(row.row, column, f"{_describe(column, code)} is this row's gtin")
                )
            elif first_row != row.row:
                problems.append(
                    RowProblem(
                        row.row,
                        column,
                        f"{_describe(column, code)} is also on row {first_row} ({first_column})",
                    )
                )
            own.add(key)
            sku_row = skus.get(code.lower())
            if sku_row is not None and sku_row != row.row:
                problems.append(
                    RowProblem(
                        row.row,
                        column,
                        f"{_describe(column, code)} is the SKU on row {sku_row}; scanning it "
                        "would be ambiguous",
                    )
                )
    return problems


def _database_clashes(session: Session, rows: list[_ProductRow]) -> list[RowProblem]:
    """Codes that already scan to another product (GTIN, extra code, or its SKU)."""
    keys = sorted({k for row in rows for _c, code in _row_codes(row) for k in _code_keys(code)})
    owners: dict[str, tuple[int, str]] = {}  # code form -> (product id, sku)
    sku_owners: dict[str, tuple[int, str]] = {}
    for chunk in chunks(keys, _CHUNK):
        for product_id, sku, gtin in session.execute(
            select(Product.id, Product.sku, Product.gtin).where(Product.gtin.in_(chunk))
        ):
            owners[gtin] = (product_id, sku)
        for product_id, sku, code in session.execute(
            select(Product.id, Product.sku, ProductBarcode.code)
            .join(ProductBarcode, ProductBarcode.product_id == Product.id)
            .where(ProductBarcode.code.in_(chunk))
        ):
            owners.setdefault(code, (product_id, sku))
        upper = sorted(set(chunk) | {k.upper() for k in chunk})
        for product_id, sku in session.execute(
            select(Product.id, Product.sku).where(Product.sku.in_(upper))
        ):
            sku_owners[sku] = (product_id, sku)
    problems: list[RowProblem] = []
    in_file = {row.sku.lower() for row in rows}
    for row in rows:
        own_id = row.existing["id"] if row.existing is not None else None
        for column, code in _row_codes(row):
            clash = next(
                (owners[k] for k in _code_keys(code) if k in owners and owners[k][0] != own_id),
                None,
            )
            if clash is not None:
                problems.append(
                    RowProblem(
                        row.row,
                        column,
                        f"{_describe(column, code)} already scans to product {clash[1]}",
                    )
                )
                continue
            by_sku = sku_owners.get(code) or sku_owners.get(code.upper())
            # A SKU that is also in the file was already reported by _file_clashes.
            if by_sku is not None and by_sku[0] != own_id and by_sku[1].lower() not in in_file:
                problems.append(
                    RowProblem(
                        row.row,
                        column,
                        f"{_describe(column, code)} is the SKU of product {by_sku[1]}; "
                        "scanning it would be ambiguous",
                    )
                )
    return problems


def _decide(row: _ProductRow) -> None:
    if row.existing is None:
        row.action, row.changes = "create", ()
        return
    changed = [
        column
        for column, attr in _PRODUCT_FIELDS.items()
        if attr in row.values and attr != "sku" and row.values[attr] != row.existing[attr]
    ]
    if row.codes is not None and set(row.codes) != set(row.existing_codes):
        changed.append("scan_codes")
    row.changes = tuple(changed)
    row.action = "update" if changed else "unchanged"


def _analyse_products(session: Session, source: str | Path | TextIO) -> _ProductAnalysis:
    table = _read_table(source, PRODUCT_COLUMNS, PRODUCT_REQUIRED)
    problems = list(table.problems)
    if table.missing:
        return _ProductAnalysis(table.name, [], problems)
    suppliers = _Suppliers(session)
    rows: list[_ProductRow] = []
    for row_no, cells in table.rows:
        row, row_problems = _parse_product(row_no, cells, suppliers)
        rows.append(row)
        problems += row_problems
    # Clashes are looked for on every row, bad ones too, so one pass reports everything.
    identified = [r for r in rows if r.sku]
    problems += _file_clashes(identified)
    _load_existing(session, identified, with_codes="scan_codes" in table.columns)
    problems += _database_clashes(session, identified)
    bad_rows = {p.row for p in problems}
    good = [r for r in identified if r.row not in bad_rows]
    for row in good:
        _decide(row)
    if not table.rows and not problems:
        problems.append(RowProblem(2, "sku", "the file has a header but no product rows"))
    _sort(problems, PRODUCT_COLUMNS)
    return _ProductAnalysis(table.name, good, problems)


def preview_product_import(session: Session, source: str | Path | TextIO) -> ImportPreview:
    """Check a products CSV without writing: what each valid row would do, and every problem.

    `source` is a file path (UTF-8, with or without BOM) or an open text stream. Raises
    ValidationError naming the file when it cannot be read at all (missing, not UTF-8, empty,
    no header); row-level problems are returned in `problems`, numbered like spreadsheet rows
    (the header is row 1).
    """
    analysis = _analyse_products(session, source)
    return ImportPreview(
        tuple(ProductImportRow(r.row, r.action, r.sku, r.changes) for r in analysis.rows),
        tuple(analysis.problems),
    )


def import_products(session: Session, source: str | Path | TextIO, *, actor: str) -> ImportResult:
    """Create and update products (and their extra scan codes) from a CSV, all or nothing.

    Products are matched by SKU ignoring case. Only the columns the file has are changed; an
    empty cell clears the field (no GTIN, 0, no, no supplier); a `scan_codes` column replaces
    the product's extra codes. Writes one `product.import` audit event when anything changed;
    importing the same file again changes nothing and writes nothing.

    Raises DataImportError listing every bad row (nothing is written) or ValidationError when
    the file cannot be read.
    """
    analysis = _analyse_products(session, source)
    if analysis.problems:
        raise DataImportError(analysis.name, analysis.problems)
    creates = [r for r in analysis.rows if r.action == "create"]
    updates = [r for r in analysis.rows if r.action == "update"]
    unchanged = len(analysis.rows) - len(creates) - len(updates)
    if not creates and not updates:
        return ImportResult(0, 0, unchanged, ChangeSet(), "Nothing changed")
    with session.begin_nested():
        now = utcnow()
        if creates:
            _insert_products(session, creates, now)
        if updates:
            _update_products(session, updates, now)
        record_event(
            session,
            actor=actor,
            action="product.import",
            entity_type="product",
            entity_id=None,
            summary=f"Imported products from {Path(analysis.name).name}: {len(creates)} "
            f"created, {len(updates)} updated, {unchanged} unchanged",
            details={
                "file": analysis.name,
                "created": len(creates),
                "updated": len(updates),
                "unchanged": unchanged,
                "created_skus": [r.sku for r in creates[:_AUDIT_SAMPLE]],
                "updated_skus": {r.sku: list(r.changes) for r in updates[:_AUDIT_SAMPLE]},
            },
        )
    return ImportResult(
        len(creates),
        len(updates),
        unchanged,
        ChangeSet(products=True),
        f"{len(creates)} created, {len(updates)} updated, {unchanged} unchanged",
    )


def _insert_products(session: Session, rows: list[_ProductRow], now: datetime) -> None:
    # Core executemany: ORM unit-of-work inserts are ~25x slower for thousands of rows. The FTS
    # triggers on the product table keep the search index in step.
    table = Product.__table__
    records = [
        {**_PRODUCT_DEFAULTS, **r.values, "created_at": now, "updated_at": now} for r in rows
    ]
    ids: dict[str, int] = {}
    for chunk in chunks(records, _CHUNK):
        result = session.execute(insert(table).returning(table.c.id, table.c.sku), list(chunk))
        ids.update((sku, product_id) for product_id, sku in result)
    codes = [
        {"product_id": ids[r.sku], "code": code, "note": None}
        for r in rows
        for code in r.codes or ()
    ]
    if codes:
        session.execute(insert(ProductBarcode.__table__), codes)


def _update_products(session: Session, rows: list[_ProductRow], now: datetime) -> None:
    assignments = []
    gone: list[dict[str, Any]] = []
    added: list[dict[str, Any]] = []
    for row in rows:
        assert row.existing is not None
        product_id = row.existing["id"]
        values = {
            attr: value
            for attr, value in row.values.items()
            if attr != "sku" and value != row.existing[attr]
        }
        if values:
            assignments.append({"id": product_id, **values, "updated_at": now})
        if row.codes is not None:
            wanted, current = set(row.codes), set(row.existing_codes)
            gone += [{"pid": product_id, "c": code} for code in sorted(current - wanted)]
            added += [
                {"product_id": product_id, "code": code, "note": None}
                for code in row.codes
                if code not in current
            ]
    if assignments:
        # ORM bulk UPDATE by primary key: one executemany per distinct set of changed columns.
        session.execute(update(Product), assignments)
    codes = ProductBarcode.__table__
    if gone:
        session.execute(
            delete(codes).where(
                and_(codes.c.product_id == bindparam("pid"), codes.c.code == bindparam("c"))
            ),
            gone,
        )
    if added:
        session.execute(insert(codes), added)
    # These statements bypass the unit of work; products the caller already loaded would show
    # their old values.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Product | ProductBarcode):
            session.expire(obj)


def export_products(session: Session, target: str | Path | TextIO) -> int:
    """Write every product (archived too) as CSV in the import's columns, sorted by SKU.

    A path is written as UTF-8 with BOM (so spreadsheets show accents), replacing the file only
    once complete; a text stream gets plain text (open it with newline=""). Importing the
    export changes nothing. Returns the number of products written.
    """
    codes: dict[int, list[str]] = {}
    for product_id, code in session.execute(
        select(ProductBarcode.product_id, ProductBarcode.code).order_by(ProductBarcode.code)
    ):
        codes.setdefault(product_id, []).append(code)
    query = (
        select(
            Product.id,
            Product.sku,
            Product.name,
            Product.gtin,
            Product.weight_g,
            Product.price_minor,
            Product.cost_minor,
            Product.reorder_point,
            Product.reorder_quantity,
            Product.allow_backorder,
            Product.archived,
            Supplier.name,
            Product.supplier_sku,
        )
        .outerjoin(Supplier, Supplier.id == Product.supplier_id)
        .order_by(Product.sku)
    )
    count = 0
    with csvtext.open_target(target) as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(PRODUCT_COLUMNS)
        for (
            product_id,
            sku,
            name,
            gtin,
            weight_g,
            price,
            cost,
            reorder_point,
            reorder_quantity,
            allow_backorder,
            archived,
            supplier,
            supplier_sku,
        ) in session.execute(query):
            writer.writerow(
                (
                    sku,
                    name,
                    gtin or "",
                    weight_g,
                    _format_money(price),
                    _format_money(cost),
                    reorder_point,
                    reorder_quantity,
                    "yes" if allow_backorder else "no",
                    "yes" if archived else "no",
                    supplier or "",
                    supplier_sku or "",
                    CODE_SEPARATOR.join(codes.get(product_id, ())),
                )
            )
            count += 1
    return count


# --------------------------------------------------------------------------- stock


@dataclass(slots=True)
class _StockRow:
    row: int
    sku: str
    location: str
    bin: str
    counted: int
    product_id: int = 0
    allow_backorder: bool = False
    location_id: int = 0
    bin_id: int = 0
    bin_kind: str = BinKind.STORAGE
    bin_active: bool = True
    on_hand: int = 0

    @property
    def difference(self) -> int:
        return self.counted - self.on_hand


@dataclass(slots=True)
class _StockAnalysis:
    name: str
    rows: list[_StockRow]
    problems: list[RowProblem]


def _analyse_stock(session: Session, source: str | Path | TextIO) -> _StockAnalysis:
    table = _read_table(source, STOCK_COLUMNS, STOCK_COLUMNS, ignored=("name",))
    problems = list(table.problems)
    if table.missing:
        return _StockAnalysis(table.name, [], problems)
    rows: list[_StockRow] = []
    for row_no, cells in table.rows:
        row_problems = [
            RowProblem(row_no, column, f"{column} is required")
            for column in ("sku", "location", "bin")
            if not cells[column]
        ]
        try:
            counted = _whole(cells["quantity"], default=None)
        except ValueError as exc:
            row_problems.append(RowProblem(row_no, "quantity", str(exc)))
            counted = 0
        if row_problems:
            problems += row_problems
            continue
        rows.append(
            _StockRow(
                row_no,
                cells["sku"],
                cells["location"].upper(),
                cells["bin"].upper(),
                counted,
            )
        )
    rows = _resolve_stock(session, rows, problems)
    _check_reservations(session, rows, problems)
    if not table.rows and not problems:
        problems.append(RowProblem(2, "sku", "the file has a header but no stock rows"))
    _sort(problems, STOCK_COLUMNS)
    bad = {p.row for p in problems}
    return _StockAnalysis(table.name, [r for r in rows if r.row not in bad], problems)


def _resolve_stock(
    session: Session, rows: list[_StockRow], problems: list[RowProblem]
) -> list[_StockRow]:
    """Look up products, locations, bins and current levels; unknown ones become problems."""
    products: dict[str, tuple[int, str, bool]] = {}
    for chunk in chunks(sorted({r.sku.lower() for r in rows}), _CHUNK):
        for product_id, sku, backorder in session.execute(
            select(Product.id, Product.sku, Product.allow_backorder).where(
                func.lower(Product.sku).in_(chunk)
            )
        ):
            products[sku.lower()] = (product_id, sku, backorder)
    locations: dict[str, int] = {
        code: id_ for code, id_ in session.execute(select(Location.code, Location.id))
    }
    bins: dict[tuple[int, str], tuple[int, str, bool]] = {}
    wanted_locations = sorted({locations[r.location] for r in rows if r.location in locations})
    for chunk in chunks(wanted_locations, _CHUNK):
        for bin_id, location_id, code, kind, active in session.execute(
            select(Bin.id, Bin.location_id, Bin.code, Bin.kind, Bin.active).where(
                Bin.location_id.in_(chunk)
            )
        ):
            bins[(location_id, code)] = (bin_id, kind, active)
    resolved: list[_StockRow] = []
    seen: dict[tuple[int, int], int] = {}
    for row in rows:
        product = products.get(row.sku.lower())
        location_id = locations.get(row.location)
        found_bin = bins.get((location_id, row.bin)) if location_id is not None else None
        if product is None:
            problems.append(RowProblem(row.row, "sku", f"no product has SKU {row.sku}"))
        if location_id is None:
            problems.append(RowProblem(row.row, "location", f"no location has code {row.location}"))
        elif found_bin is None:
            problems.append(RowProblem(row.row, "bin", f"no bin {row.bin} at {row.location}"))
        if product is None or found_bin is None or location_id is None:
            continue
        row.product_id, row.sku, row.allow_backorder = product
        row.location_id = location_id
        row.bin_id, row.bin_kind, row.bin_active = found_bin
        first = seen.setdefault((row.product_id, row.bin_id), row.row)
        if first != row.row:
            problems.append(
                RowProblem(
                    row.row, "bin", f"{row.sku} in {row.location}/{row.bin} is also on row {first}"
                )
            )
            continue
        resolved.append(row)
    levels: dict[tuple[int, int], int] = {}
    for chunk in chunks(sorted({r.product_id for r in resolved}), _CHUNK):
        for product_id, bin_id, on_hand in session.execute(
            select(StockLevel.product_id, StockLevel.bin_id, StockLevel.on_hand).where(
                StockLevel.product_id.in_(chunk)
            )
        ):
            levels[(product_id, bin_id)] = on_hand
    for row in resolved:
        row.on_hand = levels.get((row.product_id, row.bin_id), 0)
        if row.difference > 0 and not row.bin_active:
            problems.append(
                RowProblem(
                    row.row,
                    "bin",
                    f"bin {row.bin} at {row.location} is inactive; reactivate it to put "
                    "stock there",
                )
            )
    return resolved


def _check_reservations(
    session: Session, rows: list[_StockRow], problems: list[RowProblem]
) -> None:
    """Refuse counts that would leave less sellable stock at a location than is reserved.

    Mirrors post_move's protect_reservations rule on the final figures, so a preview shows the
    refusal before anything is posted.
    """
    lowering = [
        r
        for r in rows
        if r.difference < 0 and r.bin_kind != BinKind.QUARANTINE and not r.allow_backorder
    ]
    if not lowering:
        return
    pairs = {(r.product_id, r.location_id) for r in lowering}
    product_ids = sorted({p for p, _l in pairs})
    sellable: dict[tuple[int, int], int] = {}
    reserved: dict[tuple[int, int], int] = {}
    for chunk in chunks(product_ids, _CHUNK):
        for product_id, location_id, quantity in session.execute(
            select(StockLevel.product_id, Bin.location_id, func.sum(StockLevel.on_hand))
            .join(Bin, Bin.id == StockLevel.bin_id)
            .where(StockLevel.product_id.in_(chunk), Bin.kind != BinKind.QUARANTINE)
            .group_by(StockLevel.product_id, Bin.location_id)
        ):
            sellable[(product_id, location_id)] = int(quantity or 0)
        for product_id, location_id, quantity in session.execute(
            select(Reservation.product_id, Reservation.location_id, func.sum(Reservation.quantity))
            .where(Reservation.product_id.in_(chunk))
            .group_by(Reservation.product_id, Reservation.location_id)
        ):
            reserved[(product_id, location_id)] = int(quantity or 0)
    final = dict(sellable)
    for row in rows:
        if row.bin_kind != BinKind.QUARANTINE:
            key = (row.product_id, row.location_id)
            final[key] = final.get(key, 0) + row.difference
    for row in lowering:
        key = (row.product_id, row.location_id)
        held = reserved.get(key, 0)
        if final.get(key, 0) < held:
            problems.append(
                RowProblem(
                    row.row,
                    "quantity",
                    f"counting {row.counted} would leave {final.get(key, 0)} of {row.sku} at "
                    f"{row.location} but {held} are reserved for orders; recount, or release "
                    "those orders first",
                )
            )


def preview_stock_import(session: Session, source: str | Path | TextIO) -> StockImportPreview:
    """Check a stock count CSV (sku, location, bin, quantity) without writing anything.

    Each valid row reports the counted quantity, the current on hand in that bin and the
    difference a count move would post. Unknown SKUs, locations and bins, duplicate rows and
    counts that would leave less than is reserved are returned as `problems`. Raises
    ValidationError naming the file when it cannot be read at all.
    """
    analysis = _analyse_stock(session, source)
    return StockImportPreview(
        tuple(
            StockImportRow(r.row, r.sku, r.location, r.bin, r.counted, r.on_hand)
            for r in analysis.rows
        ),
        tuple(analysis.problems),
    )


def import_stock(
    session: Session, source: str | Path | TextIO, *, actor: str, note: str = "stock import"
) -> StockImportResult:
    """Set bins to the counted quantities: one `count` ledger move per difference, all or nothing.

    Bins and products not in the file are left alone. Increases are posted before decreases so
    stock counted into one bin of a location covers reservations before another bin is
    lowered. Writes one `stock.import` audit event when anything moved; importing the same
    file again posts nothing.

    Raises DataImportError listing every bad row (including counts refused because stock is
    reserved for orders, OutOfStock) with nothing written, or ValidationError when the file
    cannot be read.
    """
    analysis = _analyse_stock(session, source)
    if analysis.problems:
        raise DataImportError(analysis.name, analysis.problems)
    moving = sorted((r for r in analysis.rows if r.difference), key=lambda r: r.difference < 0)
    if not moving:
        return StockImportResult(len(analysis.rows), 0, 0, 0, ChangeSet(), "Nothing changed")
    reference = Path(analysis.name).name[:100]
    problems: list[RowProblem] = []
    move_ids: list[int] = []
    with session.begin_nested():
        for row in moving:
            bins = {"to_bin_id": row.bin_id} if row.difference > 0 else {"from_bin_id": row.bin_id}
            try:
                move_ids.append(
                    post_move(
                        session,
                        product_id=row.product_id,
                        quantity=abs(row.difference),
                        reason=MoveReason.COUNT,
                        reference=reference,
                        note=note,
                        actor=actor,
                        protect_reservations=True,
                        **bins,
                    )
                )
            except (OutOfStock, ValidationError) as exc:
                problems.append(RowProblem(row.row, "quantity", str(exc)))
        if problems:
            # Leaving the block by an exception rolls the savepoint back: nothing is posted.
            raise DataImportError(analysis.name, sorted(problems, key=lambda p: p.row))
        added = sum(r.difference for r in moving if r.difference > 0)
        removed = -sum(r.difference for r in moving if r.difference < 0)
        record_event(
            session,
            actor=actor,
            action="stock.import",
            entity_type="stock",
            entity_id=None,
            summary=f"Counted stock from {reference}: {len(moving)} bin(s) corrected, "
            f"+{added} / -{removed} units",
            details={
                "file": analysis.name,
                "rows": len(analysis.rows),
                "moves": len(move_ids),
                "units_added": added,
                "units_removed": removed,
                "first_move_id": min(move_ids),
                "last_move_id": max(move_ids),
            },
        )
    return StockImportResult(
        len(analysis.rows),
        len(move_ids),
        added,
        removed,
        ChangeSet(stock=True),
        f"{len(move_ids)} bin(s) corrected (+{added} / -{removed})",
    )


def export_stock(session: Session, target: str | Path | TextIO) -> int:
    """Write every non-zero stock level as CSV: sku, name, location, bin, quantity.

    Sorted by location, bin walk sequence and SKU, so it doubles as a count sheet; importing
    it unchanged posts nothing. Paths and streams are written as for export_products. Returns
    the number of rows written.
    """
    query = (
        select(Product.sku, Product.name, Location.code, Bin.code, StockLevel.on_hand)
        .join(Product, Product.id == StockLevel.product_id)
        .join(Bin, Bin.id == StockLevel.bin_id)
        .join(Location, Location.id == Bin.location_id)
        .where(StockLevel.on_hand != 0)
        .order_by(Location.code, Bin.walk_sequence, Bin.code, Product.sku)
    )
    count = 0
    with csvtext.open_target(target) as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(STOCK_EXPORT_COLUMNS)
        for record in session.execute(query):
            writer.writerow(tuple(record))
            count += 1
    return count
