"""CSV import/export of products and stock counts against a real database and real files."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.audit import list_events
from app.doctor import run_doctor
from app.errors import DataImportError, ValidationError
from app.inventory.csv_io import (
    PRODUCT_COLUMNS,
    export_products,
    export_stock,
    import_products,
    import_stock,
    preview_product_import,
    preview_stock_import,
)
from app.inventory.dto import ProductInput
from app.inventory.gtin import gs1_check_digit
from app.inventory.ledger import list_moves
from app.inventory.products import (
    add_scan_code,
    create_product,
    find_product_by_code,
    get_product,
    set_archived,
)
from app.inventory.reservations import reserve_stock
from app.inventory.search import search_product_ids
from app.purchasing.dto import SupplierInput
from app.purchasing.suppliers import create_supplier
from app.uow import unit_of_work
from db.models import AuditEvent, Product, ProductBarcode, StockMove
from tests.app.inventory_fixtures import ACTOR, build_shop, order_line, stock

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "csv"
HEADER = ",".join(PRODUCT_COLUMNS)


def _supplier(session_factory, name: str = "Nordic Enamel, Ltd.") -> int:
    with unit_of_work(session_factory) as s:
        return create_supplier(s, SupplierInput(name=name), actor=ACTOR).id


def _counts(session_factory) -> tuple[int, int, int, int]:
    """Products, scan codes, stock moves and audit events: what an import may write."""
    with unit_of_work(session_factory, write=False) as s:
        return tuple(
            s.scalar(select(func.count()).select_from(model))
            for model in (Product, ProductBarcode, StockMove, AuditEvent)
        )


def _import(session_factory, source, **kwargs):
    with unit_of_work(session_factory) as s:
        return import_products(s, source, actor=ACTOR, **kwargs)


def _detail(session_factory, sku: str):
    with unit_of_work(session_factory, write=False) as s:
        ref = find_product_by_code(s, sku)
        assert ref is not None, sku
        return get_product(s, ref.id)


def _problems(exc_info) -> set[tuple[int, str]]:
    return {(p.row, p.column) for p in exc_info.value.problems}


# --------------------------------------------------------------------------- products


def test_import_creates_products_with_every_field(session_factory):
    supplier_id = _supplier(session_factory)
    source = FIXTURES / "products.csv"
    with unit_of_work(session_factory, write=False) as s:
        preview = preview_product_import(s, source)
    assert preview.ok, preview.problems
    assert (preview.creates, preview.updates, preview.unchanged) == (4, 0, 0)
    assert [r.row for r in preview.rows] == [2, 3, 4, 5]  # spreadsheet rows; row 4 spans 2 lines
    assert _counts(session_factory)[0] == 0  # a preview writes nothing

    result = _import(session_factory, source)

    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    assert result.changes.products and not result.changes.stock
    mug = _detail(session_factory, "MUG-350")
    assert mug.name == "Enamel Camp Mug, 350 ml"
    assert (mug.gtin, mug.weight_g, mug.price_minor, mug.cost_minor) == (
        "4006381333931",
        180,
        1299,
        410,
    )
    assert (mug.reorder_point, mug.reorder_quantity) == (10, 48)
    assert (mug.supplier_id, mug.supplier_sku) == (supplier_id, "NE-350")
    assert mug.scan_codes == ("2000000000015", "SUP-MUG-350")
    assert not mug.allow_backorder and not mug.archived
    zoe = _detail(session_factory, "ZOE-MUG")
    assert zoe.name == "Zoë Łukasiewicz Mug"
    assert (zoe.gtin, zoe.price_minor, zoe.cost_minor, zoe.allow_backorder) == (
        None,
        1550,
        600,
        True,
    )
    lid = _detail(session_factory, "LID-1")
    assert lid.name == 'Lid "deluxe" for the 350 ml mug'  # the embedded line break became a space
    assert lid.supplier_id == supplier_id  # supplier names match ignoring case
    assert _detail(session_factory, "BEANIE-OLD").archived
    with unit_of_work(session_factory, write=False) as s:
        assert find_product_by_code(s, "2000000000015").sku == "MUG-350"
        assert search_product_ids(s, "zoe łukas") == [zoe.id]  # FTS triggers saw Core inserts
        assert run_doctor(s).ok
        events = [e for e in list_events(s) if e.action == "product.import"]
    assert len(events) == 1
    assert "4 created, 0 updated, 0 unchanged" in events[0].summary
    assert events[0].details["created_skus"] == ["MUG-350", "ZOE-MUG", "LID-1", "BEANIE-OLD"]


def test_reimporting_the_same_file_changes_nothing(session_factory):
    _supplier(session_factory)
    source = FIXTURES / "products.csv"
    _import(session_factory, source)
    before = _counts(session_factory)
    with unit_of_work(session_factory, write=False) as s:
        stamps = {sku: at for sku, at in s.execute(select(Product.sku, Product.updated_at))}

    result = _import(session_factory, source)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 4)
    assert result.changes.empty
    assert _counts(session_factory) == before  # no audit event either
    with unit_of_work(session_factory, write=False) as s:
        assert {sku: at for sku, at in s.execute(select(Product.sku, Product.updated_at))} == stamps


def test_edited_file_updates_only_the_changed_fields(session_factory):
    _supplier(session_factory)
    _import(session_factory, FIXTURES / "products.csv")
    edited = (
        (FIXTURES / "products.csv")
        .read_text(encoding="utf-8")
        .replace("12.99,4.10", "13.49,4.10")  # MUG-350 price
        .replace("SUP-MUG-350|2000000000015", "SUP-MUG-350|MUG350-OLD")  # and one scan code
        .replace("15.5,6,0,0,yes,no", "15.5,6,0,0,yes,yes")  # ZOE-MUG archived
    )
    with unit_of_work(session_factory, write=False) as s:
        preview = preview_product_import(s, io.StringIO(edited))
    assert {(r.sku, r.action, r.changes) for r in preview.rows} == {
        ("MUG-350", "update", ("price", "scan_codes")),
        ("ZOE-MUG", "update", ("archived",)),
        ("LID-1", "unchanged", ()),
        ("BEANIE-OLD", "unchanged", ()),
    }
    lid_before = _detail(session_factory, "LID-1")

    result = _import(session_factory, io.StringIO(edited))

    assert (result.created, result.updated, result.unchanged) == (0, 2, 2)
    mug = _detail(session_factory, "MUG-350")
    assert (mug.price_minor, mug.cost_minor, mug.weight_g) == (1349, 410, 180)
    assert mug.scan_codes == ("MUG350-OLD", "SUP-MUG-350")
    assert _detail(session_factory, "ZOE-MUG").archived
    assert _detail(session_factory, "LID-1") == lid_before
    with unit_of_work(session_factory, write=False) as s:
        assert find_product_by_code(s, "2000000000015") is None  # the removed code is gone
        event = next(e for e in list_events(s) if e.action == "product.import")
    assert event.details["updated_skus"] == {
        "MUG-350": ["price", "scan_codes"],
        "ZOE-MUG": ["archived"],
    }


def test_columns_left_out_are_kept_and_skus_match_ignoring_case(session_factory):
    shop = build_shop(session_factory)
    with unit_of_work(session_factory) as s:
        add_scan_code(s, shop.mug, "MUG-LEGACY", actor=ACTOR)

    result = _import(session_factory, io.StringIO("SKU,Name,Price\nmug-1,Enamel Camp Mug,9.5\n"))

    assert (result.created, result.updated) == (0, 1)
    mug = _detail(session_factory, "MUG-1")
    assert (mug.sku, mug.name, mug.price_minor) == ("MUG-1", "Enamel Camp Mug", 950)
    assert mug.gtin == "4006381333931" and mug.scan_codes == ("MUG-LEGACY",)


def test_semicolon_file_with_bom_and_decimal_commas(session_factory):
    result = _import(session_factory, FIXTURES / "products_semicolon_bom.csv")

    assert result.created == 2
    mug = _detail(session_factory, "MUG-350")
    assert (mug.name, mug.price_minor, mug.scan_codes) == (
        "Enamel Camp Mug, 350 ml",
        1299,
        ("SUP-MUG-350",),
    )
    zoe = _detail(session_factory, "ZOE-MUG")
    assert (zoe.name, zoe.price_minor) == ("Zoë Łukasiewicz Mug; white", 1550)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiter_is_detected(session_factory, delimiter):
    rows = [
        ["sku", "name", "price"],
        ["A-1", '"Mug, blue; large\tbold"', "1.00"],
        ["A-2", "Plate", "2.00"],
    ]
    text = "\ufeff" + "\n".join(delimiter.join(r) for r in rows) + "\n"

    result = _import(session_factory, io.StringIO(text))

    assert result.created == 2
    assert _detail(session_factory, "A-1").name == "Mug, blue; large bold"


def test_malformed_rows_are_all_listed_and_nothing_is_written(session_factory):
    build_shop(session_factory)
    before = _counts(session_factory)
    source = FIXTURES / "products_bad.csv"

    with pytest.raises(DataImportError) as caught, unit_of_work(session_factory) as s:
        import_products(s, source, actor=ACTOR)

    problems = caught.value.problems
    assert _problems(caught) == {
        (1, "colour"),
        (3, "sku"),
        (4, "price"),
        (5, "price"),
        (6, "supplier"),
        (7, "gtin"),
        (8, "sku"),
        (9, "cost"),
        (11, "gtin"),
    }
    text = "\n".join(str(p) for p in problems)
    assert "row 1, colour: unknown column" in text
    assert "row 3, sku: SKU is required" in text
    assert "row 4, price: -5.00 is negative" in text
    assert "row 5, price: 12.345 has 3 decimal places" in text
    assert "row 6, supplier: supplier 'Nobody Inc' does not exist" in text
    assert (
        "row 7, gtin: EAN-13 4006381333932 has a wrong check digit: 2, expected 1 (4006381333931)"
        in text
    )
    assert "row 8, sku: SKU GOOD-1 is also on row 2" in text
    assert "row 9, cost: 'about four' is not an amount" in text
    assert "row 11, gtin: GTIN 5901234123457 is also on row 10" in text
    assert problems == sorted(problems, key=lambda p: p.row)
    assert str(caught.value).startswith(f"{source}: 9 problem(s): row 1, colour")
    assert _counts(session_factory) == before
    with unit_of_work(session_factory, write=False) as s:
        preview = preview_product_import(s, source)
    assert not preview.ok and list(preview.problems) == problems
    assert [(r.row, r.action) for r in preview.rows] == [(2, "create"), (10, "create")]


def test_every_problem_of_one_row_is_reported(session_factory):
    text = f"{HEADER}\n,,12345,x,-1,1.999,-2,3.5,maybe,perhaps,,,4006381333932|{'9' * 70}\n"

    with pytest.raises(DataImportError) as caught, unit_of_work(session_factory) as s:
        import_products(s, io.StringIO(text), actor=ACTOR)

    assert [str(p) for p in caught.value.problems] == [
        "row 2, sku: SKU is required",
        "row 2, name: name is required",
        "row 2, gtin: GTIN '12345' has 5 digits; EAN-8, UPC-A, EAN-13 and GTIN-14 have 8, 12, "
        "13 or 14",
        "row 2, weight_g: 'x' is not a whole number",
        "row 2, price: -1 is negative; amounts must be 0 or more",
        "row 2, cost: 1.999 has 3 decimal places; at most 2 (write amounts like 1299.99, without "
        "thousands separators)",
        "row 2, reorder_point: -2 is negative; it must be 0 or more",
        "row 2, reorder_quantity: '3.5' is not a whole number",
        "row 2, allow_backorder: 'maybe' is not yes or no",
        "row 2, archived: 'perhaps' is not yes or no",
        "row 2, scan_codes: EAN-13 4006381333932 has a wrong check digit: 2, expected 1 "
        "(4006381333931)",
        "row 2, scan_codes: scan code 99999999999999999999… is longer than 64 characters",
    ]


def test_spreadsheet_damage_is_explained(session_factory):
    text = (
        "sku,name,gtin,,price,Name\n"
        "A-1,Mug,4.00638E+12,stray,1,\n"
        'A-2,Plate,,,"1,299.00",\n'
        'A-3,Bowl,,,"1 299,5",\n'
    )
    with unit_of_work(session_factory, write=False) as s:
        preview = preview_product_import(s, io.StringIO(text))

    assert [str(p) for p in preview.problems] == [
        "row 1, name: the column appears more than once",
        "row 1, column 4: has values but no name in the header row",
        "row 2, gtin: 4.00638E+12 looks like a number a spreadsheet shortened; format the column "
        "as text and enter the full GTIN",
        "row 3, price: '1,299.00' is not an amount; write it like 12.99",
    ]
    assert [(r.row, r.sku) for r in preview.rows] == [(4, "A-3")]


def test_codes_already_used_by_other_products_are_refused(session_factory):
    shop = build_shop(session_factory)
    with unit_of_work(session_factory) as s:
        add_scan_code(s, shop.cap, "CAP-LEGACY", actor=ACTOR)
    before = _counts(session_factory)
    text = (
        "sku,name,gtin,scan_codes\n"
        "NEW-1,Copies the mug's GTIN,4006381333931,\n"
        "NEW-2,UPC of the cap as EAN-13,0036000291452,\n"
        "NEW-3,Steals a scan code,,CAP-LEGACY\n"
        "NEW-4,Scan code is a SKU,,mug-1\n"
        "MUG-1,Enamel Camp Mug 350 ml,4006381333931,4006381333931\n"
        "CAP-1,Beanie,036000291452,CAP-LEGACY|2000000000022\n"
    )

    with pytest.raises(DataImportError) as caught, unit_of_work(session_factory) as s:
        import_products(s, io.StringIO(text), actor=ACTOR)

    assert [str(p) for p in caught.value.problems] == [
        "row 2, gtin: GTIN 4006381333931 already scans to product MUG-1",
        "row 3, gtin: GTIN 0036000291452 already scans to product CAP-1",
        "row 4, scan_codes: scan code CAP-LEGACY already scans to product CAP-1",
        "row 5, scan_codes: scan code mug-1 is the SKU on row 6; scanning it would be ambiguous",
        "row 6, gtin: GTIN 4006381333931 is also on row 2 (gtin)",
        "row 6, scan_codes: scan code 4006381333931 is this row's gtin",
        "row 7, gtin: GTIN 036000291452 is also on row 3 (gtin)",
        "row 7, scan_codes: scan code CAP-LEGACY is also on row 4 (scan_codes)",
    ]
    assert _counts(session_factory) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "file not found"),
        (b"sku,name\nMUG-1,Caf\xe9 mug\n", "not UTF-8 text (line 2 has byte 0xE9)"),
        (b"", "the file is empty"),
        (b"\xef\xbb\xbf\r\n  \r\n", "the file is empty"),
    ],
)
def test_unreadable_files_name_the_file(session_factory, tmp_path, content, message):
    path = tmp_path / "products.csv"
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(ValidationError) as caught, unit_of_work(session_factory) as s:
        preview_product_import(s, path)

    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_header_without_the_required_columns(session_factory):
    with pytest.raises(DataImportError) as caught, unit_of_work(session_factory) as s:
        import_products(s, io.StringIO("name,price\nMug,1.00\n"), actor=ACTOR)
    assert [str(p) for p in caught.value.problems] == ["row 1, sku: required column is missing"]
    with pytest.raises(DataImportError, match="row 2, sku: the file has a header but no product"):
        _import(session_factory, io.StringIO("sku,name\n"))


def test_export_then_import_round_trips_unchanged(session_factory, tmp_path):
    _supplier(session_factory)
    soren = _supplier(session_factory, "Søren & Co")
    _import(session_factory, FIXTURES / "products.csv")
    with unit_of_work(session_factory) as s:
        zoe = find_product_by_code(s, "ZOE-MUG")
        add_scan_code(s, zoe.id, "036000291453-X", actor=ACTOR)
        set_archived(s, zoe.id, True, actor=ACTOR)
        create_product(
            s,
            ProductInput(
                sku="ODD-1",
                name='=SUM(1;2) & <b>"quoted"</b>',
                price_minor=5,
                supplier_id=soren,
                supplier_sku="S|1",
            ),
            actor=ACTOR,
        )
        create_product(s, ProductInput(sku="a-lower", name="Lower-case SKU"), actor=ACTOR)
    path = tmp_path / "export" / "products.csv"
    path.parent.mkdir()
    before = _counts(session_factory)

    with unit_of_work(session_factory, write=False) as s:
        written = export_products(s, path)
        stream = io.StringIO(newline="")
        export_products(s, stream)

    assert written == 6
    assert path.read_bytes().startswith(b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n")
    assert path.read_bytes().decode("utf-8-sig") == stream.getvalue()
    assert not list(path.parent.glob("*.part"))
    lines = stream.getvalue().splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == sorted(
        line.split(",")[0] for line in lines[1:]
    )
    assert 'MUG-350,"Enamel Camp Mug, 350 ml",4006381333931,180,12.99,4.10,10,48,no,no,' in (
        stream.getvalue()
    )
    result = _import(session_factory, path)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 6)
    assert result.changes.empty
    assert _counts(session_factory) == before


def test_export_refuses_an_unwritable_path(session_factory, tmp_path):
    with (
        pytest.raises(ValidationError, match="cannot be written"),
        unit_of_work(session_factory, write=False) as s,
    ):
        export_products(s, tmp_path / "missing-folder" / "products.csv")


@pytest.mark.slow
def test_ten_thousand_products_import_quickly(session_factory, tmp_path):
    rows = [HEADER]
    for i in range(10_000):
        data = f"20{i:010d}"
        gtin = data + str(gs1_check_digit(data))
        rows.append(
            f'SKU-{i:05d},"Product {i}, size {i % 7}",{gtin},{i % 900},{i % 50}.{i % 100:02d},'
            f"1.25,{i % 10},{i % 20},no,no,,,ALT-{i:05d}"
        )
    path = tmp_path / "big.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")

    started = time.perf_counter()
    result = _import(session_factory, path)
    created_in = time.perf_counter() - started
    started = time.perf_counter()
    again = _import(session_factory, path)
    unchanged_in = time.perf_counter() - started
    changed = path.read_text(encoding="utf-8").replace(",1.25,", ",1.30,")
    started = time.perf_counter()
    updated = _import(session_factory, io.StringIO(changed))
    updated_in = time.perf_counter() - started

    print(
        f"\n10,000 product rows: create {created_in:.2f} s, re-import (unchanged) "
        f"{unchanged_in:.2f} s, update every row {updated_in:.2f} s"
    )
    assert (result.created, again.unchanged, updated.updated) == (10_000, 10_000, 10_000)
    with unit_of_work(session_factory, write=False) as s:
        assert find_product_by_code(s, "ALT-04321").sku == "SKU-04321"
        assert len(search_product_ids(s, "product 9999")) == 1
        assert run_doctor(s).ok


# --------------------------------------------------------------------------- stock


def _stock_import(session_factory, source, **kwargs):
    with unit_of_work(session_factory) as s:
        return import_stock(s, source, actor=ACTOR, **kwargs)


def test_stock_import_posts_count_moves_once(session_factory):
    shop = build_shop(session_factory)
    stock(session_factory, shop.mug, shop.a1, 10)
    source = FIXTURES / "stock_count.csv"
    with unit_of_work(session_factory, write=False) as s:
        preview = preview_stock_import(s, source)
    assert preview.ok, preview.problems
    assert [
        (r.row, r.sku, r.location, r.bin, r.counted, r.on_hand, r.difference) for r in preview.rows
    ] == [
        (2, "MUG-1", "MAIN", "A-01", 7, 10, -3),
        (3, "CAP-1", "MAIN", "A-02", 5, 0, 5),
        (4, "MUG-1", "STORE", "S-1", 0, 0, 0),
    ]
    assert (preview.moves, preview.units_added, preview.units_removed) == (2, 5, 3)

    result = _stock_import(session_factory, source, note="spring count")

    assert (result.rows, result.moves, result.units_added, result.units_removed) == (3, 2, 5, 3)
    assert result.changes.stock
    with unit_of_work(session_factory, write=False) as s:
        moves = [m for m in list_moves(s) if m.reason == "count"]
        assert {(m.sku, m.quantity, m.from_bin, m.to_bin, m.note) for m in moves} == {
            ("MUG-1", 3, "MAIN/A-01", None, "spring count"),
            ("CAP-1", 5, None, "MAIN/A-02", "spring count"),
        }
        assert {b.bin_code: b.on_hand for b in get_product(s, shop.mug).bins} == {"A-01": 7}
        assert {b.bin_code: b.on_hand for b in get_product(s, shop.cap).bins} == {"A-02": 5}
        assert run_doctor(s).ok
        assert [e.action for e in list_events(s, limit=1)] == ["stock.import"]
    before = _counts(session_factory)

    again = _stock_import(session_factory, source)

    assert (again.moves, again.changes.empty) == (0, True)
    assert _counts(session_factory) == before


def test_counting_below_reserved_stock_is_refused_and_nothing_posted(session_factory):
    shop = build_shop(session_factory)
    stock(session_factory, shop.mug, shop.a1, 5)
    line = order_line(session_factory, shop.mug, 4)
    with unit_of_work(session_factory) as s:
        reserve_stock(s, line, shop.main, 4)
    before = _counts(session_factory)
    text = "sku,location,bin,quantity\nCAP-1,MAIN,A-02,3\nMUG-1,MAIN,A-01,2\n"

    with pytest.raises(DataImportError) as caught:
        _stock_import(session_factory, io.StringIO(text))

    assert [str(p) for p in caught.value.problems] == [
        "row 3, quantity: counting 2 would leave 2 of MUG-1 at MAIN but 4 are reserved for "
        "orders; recount, or release those orders first"
    ]
    assert _counts(session_factory) == before
    # Stock counted into another bin of the same location covers the reservation.
    result = _stock_import(session_factory, io.StringIO(text + "MUG-1,MAIN,A-02,2\n"))
    assert result.moves == 3
    with unit_of_work(session_factory, write=False) as s:
        assert run_doctor(s).ok


def test_stock_rows_with_unknown_references_are_listed(session_factory):
    shop = build_shop(session_factory)
    stock(session_factory, shop.mug, shop.a1, 5)
    text = (
        "SKU;Location;Bin;Quantity;Counted by\n"
        "NOPE-1;MAIN;A-01;1\n"
        "MUG-1;ATTIC;A-01;1\n"
        "MUG-1;MAIN;Z-99;1\n"
        "MUG-1;MAIN;A-01;-1\n"
        "MUG-1;MAIN;A-01;lots\n"
        "MUG-1;MAIN;A-01;\n"
        "MUG-1;MAIN;A-01;4\n"
        "mug-1;main;a-01;4\n"
        ";MAIN;A-01;1\n"
    )
    before = _counts(session_factory)

    with pytest.raises(DataImportError) as caught:
        _stock_import(session_factory, io.StringIO(text))

    assert [str(p) for p in caught.value.problems] == [
        "row 1, Counted by: unknown column; the columns are sku, location, bin, quantity",
        "row 2, sku: no product has SKU NOPE-1",
        "row 3, location: no location has code ATTIC",
        "row 4, bin: no bin Z-99 at MAIN",
        "row 5, quantity: -1 is negative; it must be 0 or more",
        "row 6, quantity: 'lots' is not a whole number",
        "row 7, quantity: a whole number ≥ 0 is required",
        "row 9, bin: MUG-1 in MAIN/A-01 is also on row 8",
        "row 10, sku: sku is required",
    ]
    assert _counts(session_factory) == before


def test_export_stock_is_a_count_sheet_that_reimports_unchanged(session_factory, tmp_path):
    shop = build_shop(session_factory)
    stock(session_factory, shop.mug, shop.a2, 4)
    stock(session_factory, shop.cap, shop.a1, 2)
    stock(session_factory, shop.mug, shop.a1, 1)
    stock(session_factory, shop.cap, shop.store_shelf, 6)
    stock(session_factory, shop.mug, shop.quarantine, 1)
    path = tmp_path / "stock.csv"

    with unit_of_work(session_factory, write=False) as s:
        assert export_stock(s, path) == 5

    assert path.read_text(encoding="utf-8-sig").splitlines() == [
        "sku,name,location,bin,quantity",
        "CAP-1,Merino Wool Beanie — Zoë edition,MAIN,A-01,2",
        "MUG-1,Enamel Camp Mug 350 ml,MAIN,A-01,1",
        "MUG-1,Enamel Camp Mug 350 ml,MAIN,A-02,4",
        "MUG-1,Enamel Camp Mug 350 ml,MAIN,Q-1,1",
        "CAP-1,Merino Wool Beanie — Zoë edition,STORE,S-1,6",
    ]
    before = _counts(session_factory)
    with unit_of_work(session_factory, write=False) as s:
        assert preview_stock_import(s, path).moves == 0
    assert _stock_import(session_factory, path).moves == 0
    assert _counts(session_factory) == before
