"""Order CSV import (Packbench template, Shopify, WooCommerce) and export, on real databases."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.audit import list_events
from app.database import open_database
from app.doctor import run_doctor
from app.errors import DataImportError, DomainError, ValidationError
from app.inventory.dto import ProductInput
from app.inventory.ledger import receive_stock
from app.inventory.locations import create_bin, create_location
from app.inventory.products import create_product
from app.orders.csv_export import export_orders
from app.orders.csv_import import (
    PACKBENCH_COLUMNS,
    allocate_imported,
    detect_format,
    import_orders,
    parse_amount,
    parse_timestamp,
    preview_order_import,
)
from app.orders.queries import OrderFilter, get_order
from app.paths import resolve_paths
from app.uow import unit_of_work
from db.models import (
    AuditEvent,
    Channel,
    Customer,
    NumberSequence,
    OrderLine,
    SalesDay,
    SalesOrder,
)
from db.sales_summary import sales_summary_problems

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "orders"
PACKBENCH = FIXTURES / "packbench_orders.csv"
SHOPIFY = FIXTURES / "shopify_orders_export.csv"
WOO = FIXTURES / "woocommerce_orders_export.csv"
SEMICOLON = FIXTURES / "packbench_semicolon_bom.csv"
BAD = FIXTURES / "packbench_bad.csv"
ACTOR = "clerk"


@pytest.fixture
def catalog(session_factory) -> dict[str, int]:
    with unit_of_work(session_factory) as s:
        return {
            sku: create_product(
                s, ProductInput(sku=sku, name=name, price_minor=price), actor=ACTOR
            ).id
            for sku, name, price in (
                ("MUG-1", "Enamel mug", 1200),
                ("CAP-1", "Cap", 2500),
                ("LAMP-1", "Desk lamp", 129900),
            )
        }


def _import(session_factory, source, **kwargs):
    with unit_of_work(session_factory) as s:
        return import_orders(s, source, actor=ACTOR, **kwargs)


def _preview(session_factory, source, **kwargs):
    with unit_of_work(session_factory, write=False) as s:
        return preview_order_import(s, source, **kwargs)


def _counts(session_factory) -> tuple[int, ...]:
    """Everything an order import may write."""
    with unit_of_work(session_factory, write=False) as s:
        counts = tuple(
            s.scalar(select(func.count()).select_from(model))
            for model in (SalesOrder, OrderLine, Customer, AuditEvent, Channel)
        )
        sequence = s.scalar(select(NumberSequence.next_value).where(NumberSequence.name == "order"))
    return (*counts, sequence)


def _orders(session_factory):
    """{external id: OrderView} of every order."""
    with unit_of_work(session_factory, write=False) as s:
        rows = s.execute(select(SalesOrder.id, SalesOrder.external_id)).all()
        return {external_id: get_order(s, order_id) for order_id, external_id in rows}


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return next(csv.reader(f, delimiter=";" if "semicolon" in path.name else ","))


# --------------------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (PACKBENCH, "packbench"),
        (SHOPIFY, "shopify"),
        (WOO, "woocommerce"),
        (SEMICOLON, "packbench"),
    ],
)
def test_detects_each_format_from_the_header(path, expected):
    assert detect_format(_header(path)) == expected


def test_unknown_header_names_the_key_columns_of_every_format():
    with pytest.raises(ValidationError) as error:
        detect_format(["Order", "Item", "Qty"])
    message = str(error.value)
    for column in ("order_id, sku, quantity", "Name", "lineitem_quantity", "item_quantity"):
        assert column.lower() in message.lower()
    with pytest.raises(ValidationError, match="One Row per Item"):
        detect_format(["order_id", "order_date", "status", "line_items"])


def test_format_argument_overrides_detection(session_factory, catalog):
    with pytest.raises(DataImportError) as error:
        _import(session_factory, SHOPIFY, format="packbench")
    assert {p.column for p in error.value.problems} >= {"order_id", "sku", "quantity"}
    assert all(p.row == 1 for p in error.value.problems)
    with pytest.raises(ValidationError, match="unknown order file format"):
        _import(session_factory, SHOPIFY, format="magento")


# --------------------------------------------------------------------------- Packbench template


def test_packbench_template_imports_orders_as_written(session_factory, catalog):
    result = _import(session_factory, PACKBENCH)
    assert (result.created, result.skipped_existing, result.lines, result.unmatched_lines) == (
        3,
        0,
        6,
        1,
    )
    assert "Imported 3 order(s) (6 lines, 1 unmatched)" in result.message
    assert "allocate" in result.message and result.changes.orders
    orders = _orders(session_factory)
    assert set(orders) == {"WEB-1001", "WEB-1002", "WEB-1003"}
    assert [orders[k].id for k in ("WEB-1001", "WEB-1002", "WEB-1003")] == list(result.order_ids)
    with unit_of_work(session_factory, write=False) as s:
        # the lines went into the reports' summary in one statement, and its trigger is back
        assert s.scalar(select(func.sum(SalesDay.units))) == 8
        assert sales_summary_problems(s.connection()) == []

    zoe = orders["WEB-1001"]
    assert zoe.channel == "CSV import" and zoe.number == "SO-000001" and zoe.status == "open"
    assert zoe.placed_at == datetime(2024, 3, 5, 14, 22, tzinfo=UTC)
    assert zoe.email == "Zoe@Example.com" and zoe.phone == "+1 650 555 0100"
    ship = zoe.ship_to
    assert (ship.name, ship.company, ship.address1, ship.address2) == (
        "Zoë Łukasiewicz",
        "Łukasiewicz & Daughters, Inc.",
        "1600 Amphitheatre Pkwy",
        "Suite 5, Building B",
    )
    assert (ship.city, ship.region, ship.postal_code, ship.country) == (
        "Mountain View",
        "CA",
        "94043",
        "US",
    )
    assert zoe.notes == "Leave at the back door,\nring twice"
    assert (zoe.currency, zoe.payment_status, zoe.paid_minor) == ("USD", "paid", 135320)
    # lines 24.00 + (25.00 − 1.00) + 1,299.00 = 1,347.00; − 2.00 + 5.00 + 3.20
    assert (
        zoe.subtotal_minor,
        zoe.discount_minor,
        zoe.shipping_minor,
        zoe.tax_minor,
        zoe.total_minor,
    ) == (134700, 200, 500, 320, 135320)
    assert [(li.line_no, li.sku, li.name, li.quantity) for li in zoe.lines] == [
        (1, "MUG-1", "Enamel mug", 2),
        (2, "CAP-1", "Cap", 1),  # no name in the file: the catalog's
        (3, "LAMP-1", "Desk lamp, brass", 1),
    ]
    assert [(li.unit_price_minor, li.discount_minor) for li in zoe.lines] == [
        (1200, 0),
        (2500, 100),
        (129900, 0),
    ]
    assert [li.product_id for li in zoe.lines] == [
        catalog["MUG-1"],
        catalog["CAP-1"],
        catalog["LAMP-1"],
    ]
    assert zoe.risk_flags == ("unusually high value",)
    assert all(li.allocated == 0 for li in zoe.lines)

    jose = orders["WEB-1002"]
    assert jose.placed_at == datetime(2024, 3, 6, 8, 15, tzinfo=UTC)
    assert (jose.ship_to.name, jose.ship_to.country, jose.bill_country) == (
        "José Ñúñez",
        "DE",
        "ES",
    )
    assert (jose.currency, jose.payment_status, jose.paid_minor, jose.total_minor) == (
        "EUR",
        "pending",
        0,
        1890,
    )
    gift = jose.lines[1]
    assert (gift.product_id, gift.sku, gift.name, gift.unit_price_minor) == (
        None,
        "GIFT-WRAP",
        "Gift wrap, recycled paper",
        250,
    )
    assert jose.risk_flags == ("billing country ES differs from shipping country DE",)

    ken = orders["WEB-1003"]
    assert (ken.currency, ken.subtotal_minor, ken.shipping_minor, ken.total_minor) == (
        "JPY",
        2400,
        800,
        3200,
    )
    assert ken.ship_to.region == "東京都" and ken.placed_at == datetime(2024, 3, 7, tzinfo=UTC)

    with unit_of_work(session_factory, write=False) as s:
        customer = s.get(Customer, zoe.customer_id)
        assert (customer.email, customer.name, customer.city) == (
            "zoe@example.com",
            "Zoë Łukasiewicz",
            "Mountain View",
        )
        channel = s.scalar(select(Channel).where(Channel.name == "CSV import"))
        assert channel.kind == "csv"
        assert (
            s.scalar(select(NumberSequence.next_value).where(NumberSequence.name == "order")) == 4
        )
        events = list_events(s, entity_type="order", entity_id=zoe.id)
        assert [e.action for e in events] == ["order.import"]
        assert events[0].details["rows"] == [2, 3, 4]
        assert events[0].details["file"] == str(PACKBENCH)
        assert "packbench_orders.csv (rows 2–4, order WEB-1001)" in events[0].summary
        assert run_doctor(s).ok


def test_semicolon_file_with_bom_and_decimal_comma(session_factory, catalog):
    result = _import(session_factory, SEMICOLON)
    assert result.created == 1 and result.lines == 2
    order = _orders(session_factory)["DE-77"]
    assert [li.unit_price_minor for li in order.lines] == [129900, 1299]
    assert (order.shipping_minor, order.total_minor, order.paid_minor) == (490, 131689, 131689)
    assert order.ship_to.name == "Søren Müller"
    assert order.placed_at == datetime(2024, 4, 1, 6, 0, tzinfo=UTC)


def test_streams_tabs_and_order_columns_on_the_first_row_only(session_factory, catalog):
    text = (
        "\ufefforder_id\tship_name\tship_address1\tship_city\tship_postal_code\tship_country\t"
        "sku\tquantity\tnotes\n"
        'T-1\tAnn Smith\t1 High St\tLondon\tSW1A 2AA\tGB\tMUG-1\t1\t"two\nlines"\n'
        "T-1\t\t\t\t\t\tCAP-1\t2\t\n"
    )
    result = _import(session_factory, io.BytesIO(text.encode("utf-8")))
    assert (result.created, result.lines) == (1, 2)
    order = _orders(session_factory)["T-1"]
    assert order.notes == "two\nlines" and order.ship_to.postal_code == "SW1A 2AA"
    # no unit_price column: the catalog price
    assert [li.unit_price_minor for li in order.lines] == [1200, 2500]
    assert order.total_minor == 6200 and order.payment_status == "pending"


def test_order_columns_that_differ_within_an_order_are_reported(session_factory, catalog):
    text = (
        "order_id,email,ship_name,ship_address1,ship_city,ship_postal_code,ship_country,sku,"
        "quantity\n"
        "D-1,a@example.com,Ann,1 High St,London,SW1A 2AA,GB,MUG-1,1\n"
        "D-1,b@example.com,,,,,,CAP-1,1\n"
    )
    with pytest.raises(DataImportError) as error:
        _import(session_factory, io.StringIO(text))
    (problem,) = error.value.problems
    assert (problem.row, problem.column) == (3, "email")
    assert "differs from 'a@example.com' on row 2" in problem.reason


def test_packbench_status_and_hold_columns(session_factory, catalog):
    head = "order_id,status,hold_reason,ship_name,ship_address1,ship_city,ship_postal_code,"
    head += "ship_country,sku,quantity\n"
    address = "Ann,1 High St,London,SW1A 2AA,GB"
    text = head + "".join(
        f"{order_id},{status},{hold},{address},MUG-1,1\n"
        for order_id, status, hold in (
            ("S-1", "", ""),
            ("S-2", "draft", ""),
            ("S-3", "packed", "Check the engraving"),
            ("S-4", "cancelled", ""),
            ("S-5", "shipped", ""),
        )
    )
    result = _import(session_factory, io.StringIO(text))
    assert result.created == 3
    assert result.skipped_orders == (("S-4", "cancelled"), ("S-5", "already shipped"))
    orders = _orders(session_factory)
    assert [(orders[k].status, orders[k].on_hold) for k in ("S-1", "S-2", "S-3")] == [
        ("open", False),
        ("draft", False),
        ("open", True),
    ]
    assert orders["S-3"].hold_reason == "Check the engraving"
    with pytest.raises(DataImportError, match="unknown status 'lost'"):
        _import(session_factory, io.StringIO(head + f"S-6,lost,,{address},MUG-1,1\n"))


def test_pickup_orders_need_no_address_and_use_the_store(session_factory, catalog):
    text = (
        "order_id,ship_name,delivery_method,pickup_location,sku,quantity\nP-1,Ann,pickup,,MUG-1,1\n"
    )
    with pytest.raises(DataImportError, match="set up a store location first"):
        _import(session_factory, io.StringIO(text))
    with unit_of_work(session_factory) as s:
        store = create_location(s, code="SHOP", name="Shop", kind="store", actor=ACTOR).id
    _import(session_factory, io.StringIO(text))
    with unit_of_work(session_factory, write=False) as s:
        order = s.scalar(select(SalesOrder).where(SalesOrder.external_id == "P-1"))
        assert (order.delivery_method, order.pickup_location_id) == ("pickup", store)


# --------------------------------------------------------------------------- Shopify


def test_shopify_export_imports_open_orders_and_skips_the_rest(session_factory, catalog):
    preview = _preview(session_factory, SHOPIFY)
    assert (preview.format, preview.channel) == ("shopify", "Shopify (CSV import)")
    assert (preview.new_orders, preview.already_imported, preview.skipped, preview.lines) == (
        2,
        0,
        2,
        4,
    )
    assert preview.unknown_skus == ((3, "TOTE-9"),)
    assert preview.totals == {"USD": 5629, "EUR": 6500}
    assert [(o.external_id, o.action, o.reason) for o in preview.orders if o.action == "skip"] == [
        ("5550000003", "skip", "cancelled in Shopify"),
        ("5550000004", "skip", "already fulfilled in Shopify"),
    ]

    result = _import(session_factory, SHOPIFY)
    assert (result.created, result.lines, result.unmatched_lines) == (2, 4, 1)
    assert result.skipped_orders == (
        ("5550000003", "cancelled in Shopify"),
        ("5550000004", "already fulfilled in Shopify"),
    )
    orders = _orders(session_factory)
    assert set(orders) == {"5550000001", "5550000002"}  # Shopify's order Id

    zoe = orders["5550000001"]
    assert zoe.channel == "Shopify (CSV import)"
    assert zoe.placed_at == datetime(2024, 3, 5, 19, 22, 31, tzinfo=UTC)  # 14:22:31 -0500
    assert (zoe.ship_to.address2, zoe.ship_to.postal_code, zoe.ship_to.region) == (
        "Suite 5, Building B",
        "94043",  # Shopify's leading apostrophe removed
        "CA",
    )
    assert zoe.phone == "+1 650-555-0100" and zoe.email == "zoe@example.com"
    assert zoe.notes == "Gift — please wrap,\nno invoice in the box"
    # 2 × 12.00 + 28.00 − 5.00 discount + 6.00 shipping + 3.29 taxes
    assert (zoe.subtotal_minor, zoe.discount_minor, zoe.shipping_minor, zoe.tax_minor) == (
        5200,
        500,
        600,
        329,
    )
    assert (zoe.total_minor, zoe.payment_status, zoe.paid_minor) == (5629, "paid", 5629)
    assert [(li.sku, li.name, li.product_id is None) for li in zoe.lines] == [
        ("MUG-1", "Enamel mug", False),
        ("TOTE-9", "Canvas tote, natural", True),
    ]
    assert zoe.risk_flags == ()  # Shopify risk "Low"

    jose = orders["5550000002"]
    # EU prices include tax: Total 65.00 = Subtotal 60.00 + Shipping 5.00, Taxes inside
    assert (jose.subtotal_minor, jose.shipping_minor, jose.tax_minor, jose.total_minor) == (
        6000,
        500,
        0,
        6500,
    )
    assert (jose.payment_status, jose.paid_minor, jose.refunded_minor) == (
        "partially_refunded",
        6500,
        1750,
    )
    assert (jose.ship_to.city, jose.ship_to.region, jose.ship_to.postal_code) == (
        "Madrid",
        "M",
        "28013",
    )
    assert jose.placed_at == datetime(2024, 3, 6, 9, 5, tzinfo=UTC)
    assert jose.risk_flags == ("channel risk: medium",)


def test_shopify_total_that_does_not_add_up_is_a_problem(session_factory, catalog, tmp_path):
    text = SHOPIFY.read_text(encoding="utf-8").replace(",56.29,FALL5,", ",57.29,FALL5,")
    path = tmp_path / "orders_export.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataImportError) as error:
        _import(session_factory, path)
    (problem,) = error.value.problems
    assert (problem.row, problem.column) == (2, "Total")
    assert problem.reason.startswith("total 57.29 does not match the lines 52.00 − discount 5.00")


def test_shopify_orders_with_nothing_to_ship_are_skipped(session_factory, catalog, tmp_path):
    rows = list(csv.reader(io.StringIO(SHOPIFY.read_text(encoding="utf-8"))))
    column = rows[0].index("Lineitem requires shipping")
    for row in rows[1:3]:  # both items of #1001
        row[column] = "false"
    path = tmp_path / "orders_export.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    result = _import(session_factory, path)
    assert result.created == 1
    assert ("5550000001", "nothing to ship (no item requires shipping)") in result.skipped_orders


# --------------------------------------------------------------------------- WooCommerce


def test_woocommerce_export_maps_statuses_amounts_and_addresses(session_factory, catalog):
    result = _import(session_factory, WOO)
    assert (result.created, result.lines, result.unmatched_lines) == (3, 5, 1)
    assert dict(result.skipped_orders) == {
        "2003": "already completed in WooCommerce",
        "2004": "awaiting payment in WooCommerce",
        "2005": "cancelled in WooCommerce",
    }
    orders = _orders(session_factory)
    zoe = orders["2001"]
    assert zoe.channel == "WooCommerce (CSV import)" and not zoe.on_hold
    assert zoe.placed_at == datetime(2024, 3, 5, 14, 22, 31, tzinfo=UTC)  # no offset: UTC
    assert (zoe.ship_to.name, zoe.ship_to.address2) == ("Zoë Łukasiewicz", "Suite 5, Building B")
    assert zoe.notes == "Please use the side gate,\nthe dog is friendly"
    # the coupon shows as the difference of item_subtotal 25.00 and item_total 22.50
    assert [(li.sku, li.unit_price_minor, li.discount_minor) for li in zoe.lines] == [
        ("MUG-1", 1200, 0),
        ("CAP-1", 2500, 250),
    ]
    # tax_total 3.73 + shipping_tax_total 0.40
    assert (zoe.subtotal_minor, zoe.shipping_minor, zoe.tax_minor, zoe.total_minor) == (
        4650,
        500,
        413,
        5563,
    )
    assert (zoe.payment_status, zoe.paid_minor) == ("paid", 5563)

    jose = orders["2002"]
    assert jose.on_hold and jose.hold_reason == "on hold in WooCommerce (awaiting payment)"
    assert (jose.status, jose.payment_status, jose.paid_minor) == ("open", "pending", 0)
    assert (jose.ship_to.company, jose.ship_to.country, jose.currency) == (
        "Ñúñez, Frères & Cie",
        "FR",
        "EUR",
    )
    # the 2.50 gift-wrapping fee is charged with shipping; its tax is inside tax_total
    assert (jose.subtotal_minor, jose.shipping_minor, jose.tax_minor, jose.total_minor) == (
        5500,
        650,
        730,
        6880,
    )
    assert [(li.sku, li.product_id is None) for li in jose.lines] == [
        ("GC-25", True),
        ("MUG-1", False),
    ]

    ada = orders["2006"]  # no shipping address: WooCommerce ships to the billing one
    assert (ada.ship_to.name, ada.ship_to.address1, ada.ship_to.postal_code) == (
        "Ada Lovelace",
        "12 St James's Square",
        "SW1Y 4LB",
    )
    assert ada.risk_flags == ("unusually high value",)


def test_woocommerce_plugin_statuses_are_imported_on_hold(session_factory, catalog, tmp_path):
    text = WOO.read_text(encoding="utf-8").replace(
        "2001,2001,2024-03-05 14:22:31,processing,", "2001,2001,2024-03-05 14:22:31,wc-printed,"
    )
    path = tmp_path / "orders.csv"
    path.write_text(text, encoding="utf-8")
    _import(session_factory, path)
    order = _orders(session_factory)["2001"]
    assert order.on_hold and order.hold_reason == (
        "WooCommerce status 'printed' is not a standard one; check it"
    )
    assert order.payment_status == "pending"


# --------------------------------------------------------------------------- idempotency


@pytest.mark.parametrize("path", [PACKBENCH, SHOPIFY, WOO])
def test_importing_the_same_file_again_changes_nothing(session_factory, catalog, path):
    first = _import(session_factory, path)
    before = _counts(session_factory)
    again = _import(session_factory, path)
    assert _counts(session_factory) == before
    assert (again.created, again.skipped_existing, again.lines) == (0, first.created, 0)
    assert again.changes.empty and again.order_ids == ()
    assert f"{first.created} already imported" in again.message
    preview = _preview(session_factory, path)
    assert preview.new_orders == 0 and preview.already_imported == first.created
    numbers = {o.reason for o in preview.orders if o.action == "existing"}
    assert numbers == {o.number for o in _orders(session_factory).values()}


def test_customers_are_reused_by_email_across_files(session_factory, catalog):
    _import(session_factory, PACKBENCH)  # Zoe@Example.com
    _import(session_factory, SHOPIFY)  # zoe@example.com
    orders = _orders(session_factory)
    assert orders["WEB-1001"].customer_id == orders["5550000001"].customer_id
    with unit_of_work(session_factory, write=False) as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 4


def test_an_order_cancelled_after_import_is_reported_not_changed(
    session_factory, catalog, tmp_path
):
    _import(session_factory, SHOPIFY)
    text = SHOPIFY.read_text(encoding="utf-8").replace(
        "Shopify Payments,c2465.1", "Shopify Payments,c2465.1"
    )
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    rows[1][header.index("Cancelled at")] = "2024-03-06 08:00:00 -0500"
    path = tmp_path / "later_export.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    result = _import(session_factory, path)
    assert result.created == 0 and result.skipped_existing == 2
    (warning,) = result.warnings
    assert "5550000001 is cancelled in the file but SO-000001 is still open" in warning
    assert _orders(session_factory)["5550000001"].status == "open"


# --------------------------------------------------------------------------- unknown SKUs


def test_unknown_skus_kept_as_unmatched_or_skipped(session_factory, catalog):
    text = (
        "order_id,ship_name,ship_address1,ship_city,ship_postal_code,ship_country,sku,name,"
        "quantity,unit_price\n"
        "U-1,Ann,1 High St,London,SW1A 2AA,GB,MUG-1,,1,12.00\n"
        "U-1,,,,,,NOPE-1,Mystery box,1,5.00\n"
        "U-2,Bo,2 High St,London,SW1A 2AA,GB,NOPE-2,Other box,1,5.00\n"
    )
    preview = _preview(session_factory, io.StringIO(text))
    assert preview.unknown_skus == ((3, "NOPE-1"), (4, "NOPE-2"))

    skipped = _import(session_factory, io.StringIO(text), unknown_skus="skip")
    assert (skipped.created, skipped.lines, skipped.skipped_lines) == (1, 1, 2)
    assert skipped.skipped_orders == (("U-2", "no lines left after skipping unknown SKUs"),)
    order = _orders(session_factory)["U-1"]
    assert [li.sku for li in order.lines] == ["MUG-1"] and order.total_minor == 1200

    with unit_of_work(session_factory) as s:
        channel = Channel(kind="csv", name="Other file")
        s.add(channel)
        s.flush()
        other = channel.id
    kept = _import(session_factory, io.StringIO(text), channel_id=other)
    assert (kept.created, kept.lines, kept.unmatched_lines, kept.skipped_lines) == (2, 3, 2, 0)
    with unit_of_work(session_factory, write=False) as s:
        lines = s.execute(
            select(OrderLine.sku, OrderLine.name, OrderLine.product_id)
            .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
            .where(SalesOrder.channel_id == other)
            .order_by(OrderLine.id)
        ).all()
    assert lines == [
        ("MUG-1", "Enamel mug", catalog["MUG-1"]),
        ("NOPE-1", "Mystery box", None),
        ("NOPE-2", "Other box", None),
    ]


def test_unknown_sku_without_a_name_cannot_be_kept(session_factory, catalog):
    text = "order_id,ship_name,ship_address1,ship_city,ship_postal_code,ship_country,sku,quantity\n"
    text += "N-1,Ann,1 High St,London,SW1A 2AA,GB,NOPE-1,1\n"
    with pytest.raises(DataImportError) as error:
        _import(session_factory, io.StringIO(text))
    assert [(p.row, p.column) for p in error.value.problems] == [(2, "name")]
    assert _import(session_factory, io.StringIO(text), unknown_skus="skip").created == 0


# --------------------------------------------------------------------------- problems


def test_malformed_rows_are_all_listed_and_nothing_is_written(session_factory, catalog):
    before = _counts(session_factory)
    with pytest.raises(DataImportError) as error:
        _import(session_factory, BAD)
    assert _counts(session_factory) == before
    problems = [(p.row, p.column) for p in error.value.problems]
    assert problems == [
        (2, "quantity"),
        (3, "sku"),
        (4, "ship_postal_code"),
        (5, "total"),
        (6, "placed_at"),
    ]
    reasons = [p.reason for p in error.value.problems]
    assert reasons[0].startswith("'two' is not a whole number")
    assert reasons[1] == "a line needs a SKU or a name"
    assert reasons[2].startswith("postal code '9404' is not valid for US")
    assert reasons[3] == (
        "total 40.00 does not match the lines 25.00 − discount 0.00 + shipping 5.00 + tax 0.00 "
        "= 30.00"
    )
    assert reasons[4].startswith("'05/03/2024' is not a date and time")
    assert "5 problem(s): row 2, quantity: 'two' is not a whole number" in str(error.value)
    preview = _preview(session_factory, BAD)
    assert not preview.ok and len(preview.problems) == 5


def test_total_within_one_minor_unit_is_accepted_and_booked_to_tax(session_factory, catalog):
    head = "order_id,ship_name,ship_address1,ship_city,ship_postal_code,ship_country,"
    head += "sku,quantity,unit_price,tax,total\n"
    text = head + "R-1,Ann,1 High St,London,SW1A 2AA,GB,MUG-1,3,3.33,0.99,10.99\n"
    _import(session_factory, io.StringIO(text))
    order = _orders(session_factory)["R-1"]
    assert (order.subtotal_minor, order.tax_minor, order.total_minor) == (999, 100, 1099)
    bad = head + "R-2,Ann,1 High St,London,SW1A 2AA,GB,MUG-1,3,3.33,0.99,11.00\n"
    with pytest.raises(DataImportError, match=r"total 11\.00 does not match"):
        _import(session_factory, io.StringIO(bad))


def test_unreadable_files_are_refused(session_factory, tmp_path):
    with pytest.raises(ValidationError, match="file not found"):
        _import(session_factory, tmp_path / "missing.csv")
    latin = tmp_path / "latin1.csv"
    latin.write_bytes("order_id,sku,quantity\nA,Zoë,1\n".encode("latin-1"))
    with pytest.raises(ValidationError, match="not UTF-8"):
        _import(session_factory, latin)
    with pytest.raises(ValidationError, match="empty"):
        _import(session_factory, io.StringIO("\n\n"))
    with pytest.raises(ValidationError, match="channel #99 does not exist"):
        _import(session_factory, PACKBENCH, channel_id=99)


# --------------------------------------------------------------------------- dry run, cancel


def test_dry_run_and_preview_write_nothing(session_factory, catalog):
    before = _counts(session_factory)
    preview = _preview(session_factory, PACKBENCH)
    assert (preview.new_orders, preview.lines) == (3, 6) and preview.ok
    assert preview.totals == {"USD": 135320, "EUR": 1890, "JPY": 3200}
    result = _import(session_factory, PACKBENCH, dry_run=True)
    assert _counts(session_factory) == before
    assert result.dry_run and result.created == 3 and result.order_ids == ()
    assert result.message.startswith("Would import 3 order(s)") and result.changes.empty
    real = _import(session_factory, PACKBENCH)
    assert real.order_ids and _orders(session_factory)["WEB-1001"].number == "SO-000001"


def test_cancelled_import_writes_nothing(session_factory, catalog):
    before = _counts(session_factory)
    seen = []

    def progress(text: str, fraction: float) -> None:
        seen.append(text)

    with pytest.raises(DomainError, match="cancelled"):
        _import(
            session_factory,
            PACKBENCH,
            progress=progress,
            cancelled=lambda: "Writing orders" in seen,
        )
    assert _counts(session_factory) == before


# --------------------------------------------------------------------------- allocation


def test_allocate_imported_reserves_stock_and_reports_shortfalls(session_factory, catalog):
    with unit_of_work(session_factory) as s:
        main = create_location(s, code="MAIN", name="Main", country="US", actor=ACTOR).id
        shelf = create_bin(s, location_id=main, code="A-01", actor=ACTOR).id
        for sku, qty in (("MUG-1", 10), ("CAP-1", 1), ("LAMP-1", 1)):
            receive_stock(s, product_id=catalog[sku], bin_id=shelf, quantity=qty, actor=ACTOR)
    imported = _import(session_factory, WOO)
    with unit_of_work(session_factory) as s:
        result = allocate_imported(s, imported.order_ids, actor=ACTOR)
    # 2001: 2 mugs + 1 cap; 2002: 3 mugs (the gift card is unmatched); 2006: the lamp
    assert (result.orders, result.allocated, result.short, result.units) == (3, 3, 0, 7)
    assert result.message == "3 imported order(s): 3 allocated, 0 short"
    orders = _orders(session_factory)
    assert [li.allocated for li in orders["2001"].lines] == [2, 1]
    assert orders["2001"].fulfil_location == "MAIN"

    more = _import(session_factory, SHOPIFY)
    with unit_of_work(session_factory) as s:
        short = allocate_imported(s, more.order_ids, actor=ACTOR)
        events = list_events(s, entity_type="order", entity_id=more.order_ids[0])
        assert run_doctor(s).ok
    # 5 mugs left of 10; the cap is gone: #1002 wants 1 cap + 2 mugs
    assert (short.allocated, short.short) == (1, 1)
    assert short.shortfalls == (("SO-000005", "CAP-1", 1),)
    assert short.message == "2 imported order(s): 1 allocated, 1 short (SO-000005 CAP-1 ×1)"
    assert [e.action for e in events] == ["order.allocate", "order.import"]


# --------------------------------------------------------------------------- export


def _second_shop(template_db: Path, tmp_path: Path):
    paths = resolve_paths(data_dir=tmp_path / "shop-b", env={})
    paths.ensure()
    shutil.copyfile(template_db, paths.db_file)
    return open_database(paths)


def test_export_then_import_into_another_shop_round_trips(
    session_factory, catalog, template_db, tmp_path
):
    _import(session_factory, PACKBENCH)
    _import(session_factory, SHOPIFY)
    _import(session_factory, WOO)
    target = tmp_path / "export.csv"
    with unit_of_work(session_factory, write=False) as s:
        assert export_orders(s, target) == 8
        assert export_orders(s, io.StringIO(), filt=OrderFilter(search="SO-000001")) == 1
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines()[0] == ",".join(PACKBENCH_COLUMNS)
    original = {o.number: o for o in _orders(session_factory).values()}

    shop_b = _second_shop(template_db, tmp_path)
    try:
        with unit_of_work(shop_b.session_factory) as s:
            for sku, name, price in (("MUG-1", "Mug", 1), ("CAP-1", "Cap", 1)):
                create_product(s, ProductInput(sku=sku, name=name, price_minor=price), actor=ACTOR)
        result = _import(shop_b.session_factory, target)
        assert (result.created, result.lines) == (8, 15)
        copied = _orders(shop_b.session_factory)
        again = _import(shop_b.session_factory, target)
        assert again.created == 0 and again.skipped_existing == 8
    finally:
        shop_b.close()
    assert set(copied) == set(original)  # the order numbers are the external ids
    for number, before in original.items():
        after = copied[number]
        for attr in (
            "status",
            "on_hold",
            "hold_reason",
            "payment_status",
            "delivery_method",
            "email",
            "phone",
            "ship_to",
            "bill_country",
            "currency",
            "subtotal_minor",
            "discount_minor",
            "shipping_minor",
            "tax_minor",
            "total_minor",
            "paid_minor",
            "refunded_minor",
            "notes",
            "placed_at",
        ):
            assert getattr(after, attr) == getattr(before, attr), (number, attr)
        # risk flags are worked out again; here the three orders to Zoë's address arrive in
        # one file, so each of them is flagged (in shop A only the last one to arrive was)
        assert set(before.risk_flags) <= set(after.risk_flags)
        assert [
            (li.sku, li.name, li.quantity, li.unit_price_minor, li.discount_minor)
            for li in after.lines
        ] == [
            (li.sku, li.name, li.quantity, li.unit_price_minor, li.discount_minor)
            for li in before.lines
        ]
        # LAMP-1 is not in shop B's catalog: kept as an unmatched line
        assert [li.product_id is None for li in after.lines] == [
            li.sku not in ("MUG-1", "CAP-1") for li in before.lines
        ]


# --------------------------------------------------------------------------- cell parsers


@pytest.mark.parametrize(
    ("text", "exponent", "comma", "expected"),
    [
        ("12.99", 2, False, 1299),
        ("1,299.00", 2, False, 129900),
        ("1,234,567.5", 2, False, 123456750),
        ("$ 12.5", 2, False, 1250),
        ("-3.00", 2, False, -300),
        ("(3.00)", 2, False, -300),
        (".5", 2, False, 50),
        ("12,99", 2, True, 1299),
        ("1.299,00", 2, True, 129900),
        ("1 299,00", 2, True, 129900),
        ("12", 2, True, 1200),
        ("1,200", 0, False, 1200),
        ("1200.00", 0, False, 1200),
        ("7.125", 3, False, 7125),
    ],
)
def test_parse_amount(text, exponent, comma, expected):
    assert parse_amount(text, exponent, decimal_comma=comma) == expected


@pytest.mark.parametrize(
    ("text", "exponent", "comma", "message"),
    [
        ("12,99", 2, False, "not an amount; write it like 12.99"),
        ("1,29.00", 2, False, "not an amount"),
        ("12.99", 2, True, "decimal comma"),
        ("12.999", 2, False, "has 3 decimal places"),
        ("1200.5", 0, False, "no minor units"),
        ("abc", 2, False, "not an amount"),
    ],
)
def test_parse_amount_refuses(text, exponent, comma, message):
    with pytest.raises(ValueError, match=message):
        parse_amount(text, exponent, decimal_comma=comma)


def test_parse_amount_rounds_other_systems_float_artefacts():
    assert parse_amount("8.333333", 2, round_extra=True) == 833
    assert parse_amount("8.335", 2, round_extra=True) == 834


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05 14:22:31 -0500", datetime(2024, 3, 5, 19, 22, 31, tzinfo=UTC)),
        ("2024-03-05T14:22:31+01:00", datetime(2024, 3, 5, 13, 22, 31, tzinfo=UTC)),
        ("2024-03-05T14:22:31Z", datetime(2024, 3, 5, 14, 22, 31, tzinfo=UTC)),
        ("2024-03-05 14:22:31 UTC", datetime(2024, 3, 5, 14, 22, 31, tzinfo=UTC)),
        ("2024-03-05 14:22", datetime(2024, 3, 5, 14, 22, tzinfo=UTC)),
        ("2024-03-05", datetime(2024, 3, 5, tzinfo=UTC)),
    ],
)
def test_parse_timestamp(text, expected):
    value = parse_timestamp(text)
    assert value == expected and value.tzinfo is UTC


def test_semicolon_file_with_dot_decimals_is_read_as_dots(session_factory, catalog):
    text = "order_id;ship_name;ship_address1;ship_city;ship_postal_code;ship_country;sku;"
    text += "quantity;unit_price\nS-1;Ann;1 High St;London;SW1A 2AA;GB;MUG-1;1;1,299.50\n"
    _import(session_factory, io.StringIO(text))
    assert _orders(session_factory)["S-1"].lines[0].unit_price_minor == 129950


def test_bulk_insert_falls_back_to_core_when_a_default_is_needed(session_factory):
    from app.orders.csv_import import _insert

    with unit_of_work(session_factory) as s:
        # created_at is left to the model's Python-side default: the compiled fast path cannot
        # supply it, so the rows go through SQLAlchemy's own executemany
        _insert(s, Customer.__table__, [{"name": "Zoë Łukasiewicz", "email": None}], None)
    with unit_of_work(session_factory, write=False) as s:
        customer = s.scalar(select(Customer))
    assert customer.name == "Zoë Łukasiewicz" and customer.created_at.tzinfo is UTC
