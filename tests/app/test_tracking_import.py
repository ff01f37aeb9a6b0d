"""Tracking numbers from CSV ship packed shipments; all-or-nothing; re-import changes nothing."""

from __future__ import annotations

import io

import pytest

from app.errors import DataImportError
from app.orders.queries import get_order
from app.shipping.services import complete_packing, start_packing, verify_item
from app.shipping.tracking_import import import_tracking_numbers, preview_tracking_import
from app.uow import unit_of_work
from tests.app.test_shipping import ACTOR, new_order, shop  # noqa: F401 (fixture)

UPS = "1Z999AA10123456784"


def packed_order(session_factory, product_id) -> int:
    order_id = new_order(session_factory, (product_id, 1))
    with unit_of_work(session_factory) as s:
        shipment = start_packing(s, order_id, actor=ACTOR)
        for line in shipment.lines:
            verify_item(s, shipment.id, line.sku)
        complete_packing(s, shipment.id, actor=ACTOR)
    return order_id


def test_import_ships_and_reimport_is_a_no_op(session_factory, shop):  # noqa: F811
    first = packed_order(session_factory, shop["mug"])
    packed_order(session_factory, shop["cap"])
    csv_text = (
        "order,shipment,carrier,tracking number\n"
        f"SO-000001,,ups,{UPS}\n,SH-000002,fedex,9865 7878 8855\n"
    )
    with unit_of_work(session_factory) as s:
        result = import_tracking_numbers(s, io.StringIO(csv_text), actor=ACTOR)
        assert result.message == "shipped 2, 0 already shipped"
        assert get_order(s, first).status == "shipped"
    with unit_of_work(session_factory) as s:
        again = import_tracking_numbers(s, io.StringIO(csv_text), actor=ACTOR)
    assert again.message == "shipped 0, 2 already shipped" and again.changes.empty
    assert result.shipped == ("SH-000001", "SH-000002")


def test_bad_rows_are_all_listed_and_nothing_ships(session_factory, shop):  # noqa: F811
    packed_order(session_factory, shop["mug"])
    csv_text = (
        "order;carrier;tracking_number\n"
        f"SO-000001;ups;1Z999AA10123456785\nSO-000077;ups;{UPS}\nSO-000001;;{UPS}\n"
    )
    with unit_of_work(session_factory, write=False) as s:
        preview = preview_tracking_import(s, io.StringIO(csv_text))
    assert [str(p) for p in preview.problems] == [
        "row 2, tracking_number: UPS tracking number 1Z999AA10123456785 has a wrong check "
        "digit: 5, expected 4",
        "row 3, order: no order SO-000077",
        "row 4, carrier: carrier is required",
    ]
    with pytest.raises(DataImportError, match="3 problem"), unit_of_work(session_factory) as s:
        import_tracking_numbers(s, io.StringIO(csv_text), actor=ACTOR)
    with unit_of_work(session_factory, write=False) as s:
        assert get_order(s, 1).status == "packed"
