"""Document benchmarks: 1,000 packing slips and a 1,000-order pick list vs a bare canvas."""

from __future__ import annotations

import io
import os
import random
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from sqlalchemy import insert

from app.documents.builders import build_packing_slips, build_pick_list
from app.documents.packing_slip import render_packing_slips
from app.documents.pick_list import render_pick_list
from app.inventory.gtin import gs1_check_digit
from app.settings import update_settings
from app.uow import unit_of_work
from db.models import (
    Bin,
    Location,
    OrderLine,
    Product,
    ProductBinDefault,
    Reservation,
    SalesOrder,
    StockLevel,
)
from db.types import utcnow
from tests.benchmarks.harness import RESULTS, timed_ms

ORDERS = 1_000
PRODUCTS = 1_000
BINS = 300
WORDS = "Enamel Merino Camp Mug Beanie Wool Linen Tote Fountain Pen Notebook Socks Candle".split()
NAMES = ["Zoë Łukasiewicz", "Smith & Sons <Ltd>", "Søren Müller", "José Ñúñez", "Ann Lee"]


@pytest.fixture
def documents_shop(session_factory):
    """1,000 open orders of ~5 reserved lines over 1,000 products in 300 bins (Core inserts)."""
    rng = random.Random(7)
    now = utcnow()
    with unit_of_work(session_factory) as s:
        update_settings(
            s,
            {
                "business.name": "Nordlicht Trading Co.",
                "business.address": "2150 NW Front Ave\nPortland, OR 97209",
            },
            actor="bench",
        )
        s.execute(insert(Location), [{"id": 1, "code": "WH", "name": "Warehouse"}])
        s.execute(
            insert(Bin),
            [
                {
                    "id": i,
                    "location_id": 1,
                    "code": f"{chr(65 + i // 30)}-{i % 30:02d}",
                    "walk_sequence": i * 10,
                }
                for i in range(1, BINS + 1)
            ],
        )
        products = []
        for i in range(1, PRODUCTS + 1):
            gtin = None
            if i % 2:
                body = f"40{i:010d}"
                gtin = body + str(gs1_check_digit(body))
            name = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6)))
            products.append(
                {"id": i, "sku": f"SKU-{i:05d}", "name": name, "gtin": gtin, "price_minor": 999}
            )
        s.execute(insert(Product), products)
        levels, defaults = [], []
        for i in range(1, PRODUCTS + 1):
            first = rng.randint(1, BINS)
            second = (first % BINS) + 1
            levels += [
                {"product_id": i, "bin_id": first, "on_hand": 6},
                {"product_id": i, "bin_id": second, "on_hand": 500},
            ]
            defaults.append({"product_id": i, "location_id": 1, "bin_id": first})
        s.execute(insert(StockLevel), levels)
        s.execute(insert(ProductBinDefault), defaults)
        orders, lines, reservations = [], [], []
        line_id = 0
        for order_id in range(1, ORDERS + 1):
            name = rng.choice(NAMES)
            orders.append(
                {
                    "id": order_id,
                    "number": f"SO-{990000 + order_id:06d}",
                    "status": "open",
                    "fulfil_location_id": 1,
                    "ship_name": name,
                    "ship_address1": f"{order_id} Main Street",
                    "ship_city": "Portland",
                    "ship_region": "OR",
                    "ship_postal_code": "97209",
                    "ship_country": "US",
                    "placed_at": now,
                    "notes": "Leave at the door." if order_id % 3 else None,
                }
            )
            for line_no, product in enumerate(
                rng.sample(range(1, PRODUCTS + 1), rng.randint(3, 7)), 1
            ):
                line_id += 1
                quantity = rng.randint(1, 3)
                lines.append(
                    {
                        "id": line_id,
                        "order_id": order_id,
                        "line_no": line_no,
                        "product_id": product,
                        "sku": f"SKU-{product:05d}",
                        "name": products[product - 1]["name"],
                        "quantity": quantity,
                        "allocated": quantity,
                        "unit_price_minor": 999,
                    }
                )
                reservations.append(
                    {
                        "order_line_id": line_id,
                        "product_id": product,
                        "location_id": 1,
                        "quantity": quantity,
                    }
                )
        s.execute(insert(SalesOrder), orders)
        s.execute(insert(OrderLine), lines)
        s.execute(insert(Reservation), reservations)
    return list(range(1, ORDERS + 1)), len(lines)


def bare_canvas_ms(pages: int) -> float:
    """The floor: a ReportLab canvas writing `pages` pages with a few Helvetica strings."""
    from reportlab.pdfgen.canvas import Canvas

    def run() -> None:
        canvas = Canvas(io.BytesIO(), pageCompression=1, invariant=1)
        for page in range(pages):
            canvas.setFont("Helvetica", 10)
            canvas.drawString(40, 750, "Packing slip")
            canvas.drawString(40, 730, f"SO-{page:06d}")
            canvas.drawString(40, 710, "Ship to: Ann Lee, 1 Main Street")
            canvas.drawString(40, 690, "1 x SKU-00001 Enamel Mug")
            canvas.showPage()
        canvas.save()

    run()  # warm up (imports, font metrics)
    return min(timed_ms(run) for _ in range(3))


def page_count(data: bytes) -> int:
    return len(pdfium.PdfDocument(data))


def keep(name: str, data: bytes) -> None:
    """Save the PDF for a look when PACKBENCH_BENCH_OUT names a folder."""
    folder = os.environ.get("PACKBENCH_BENCH_OUT")
    if folder:
        Path(folder, name).write_bytes(data)


def test_bench_packing_slips(session_factory, documents_shop):
    order_ids, line_count = documents_shop
    render_packing_slips([], io.BytesIO())  # warm up: fonts registered, modules imported
    docs = []

    def build() -> None:
        with unit_of_work(session_factory, write=False) as s:
            docs[:] = build_packing_slips(s, order_ids)

    out = io.BytesIO()
    build_ms = timed_ms(build)
    render_ms = timed_ms(lambda: render_packing_slips(docs, out))
    pages = page_count(out.getvalue())
    keep("packing-slips.pdf", out.getvalue())
    baseline = bare_canvas_ms(pages)
    note = f"{len(docs):,} orders, {line_count:,} lines, {pages:,} pages"
    RESULTS.record(
        "documents: 1,000 packing slips (build + render)",
        build_ms + render_ms,
        target="≤ 4 s",
        baseline_name="bare canvas",
        baseline_value=baseline,
        note=f"{note}; build {build_ms:,.0f} ms, render {render_ms:,.0f} ms",
    )
    assert pages >= ORDERS


def test_bench_batch_pick_list(session_factory, documents_shop):
    order_ids, line_count = documents_shop
    docs = []

    def build() -> None:
        with unit_of_work(session_factory, write=False) as s:
            docs[:] = [build_pick_list(s, order_ids, number="PL-000001")]

    out = io.BytesIO()
    build_ms = timed_ms(build)
    render_ms = timed_ms(lambda: render_pick_list(docs[0], out))
    pages = page_count(out.getvalue())
    keep("pick-list.pdf", out.getvalue())
    baseline = bare_canvas_ms(pages)
    RESULTS.record(
        "documents: batch pick list, 1,000 orders (build + render)",
        build_ms + render_ms,
        target="≤ 2 s",
        baseline_name="bare canvas",
        baseline_value=baseline,
        note=f"{len(docs[0].lines):,} pick lines from {line_count:,} order lines, {pages:,} "
        f"pages; build {build_ms:,.0f} ms, render {render_ms:,.0f} ms",
    )
    assert not docs[0].not_reserved
