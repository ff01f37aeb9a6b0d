"""Print jobs: build a document's data and write its PDF in one call (CLI and UI share these).

Paper size defaults to the shop's setting. Each job reads the database once and renders
without it, so the UI can run the whole job off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from app.documents import builders
from app.settings import get_setting

Output = Path | str | BinaryIO


def _paper(session: Session, paper: str | None) -> str:
    return paper or get_setting(session, "paper_size")


def pick_list_pdf(
    session: Session,
    order_ids: Iterable[int],
    out: Output,
    *,
    paper: str | None = None,
    per_order: bool = False,
    number: str | None = None,
) -> None:
    """A batch pick list (or one list per order) for the orders' reserved stock."""
    from app.documents.pick_list import render_order_pick_lists, render_pick_list

    doc = builders.build_pick_list(session, list(order_ids), number=number)
    render = render_order_pick_lists if per_order else render_pick_list
    render(doc, out, paper=_paper(session, paper))


def packing_slips_pdf(
    session: Session, order_ids: Iterable[int], out: Output, *, paper: str | None = None
) -> None:
    from app.documents.packing_slip import render_packing_slips

    render_packing_slips(
        builders.build_packing_slips(session, list(order_ids)), out, paper=_paper(session, paper)
    )


def shipping_labels_pdf(
    session: Session, order_ids: Iterable[int], out: Output, *, size: str = "4x6"
) -> None:
    from app.documents.shipping_label import render_shipping_labels

    render_shipping_labels(
        [builders.build_shipping_label(session, oid) for oid in order_ids], out, size=size
    )


def product_labels_pdf(
    session: Session,
    products: Iterable[int] | Mapping[int, int],
    out: Output,
    *,
    layout: str = "avery-5160",
    skip: int = 0,
) -> None:
    from app.documents.labels import render_product_labels

    render_product_labels(
        builders.build_product_labels(session, products), out, layout=layout, skip=skip
    )


def bin_labels_pdf(
    session: Session,
    out: Output,
    *,
    location_id: int | None = None,
    bin_ids: Iterable[int] | None = None,
    layout: str = "avery-5160",
    skip: int = 0,
) -> None:
    from app.documents.labels import render_bin_labels

    render_bin_labels(
        builders.build_bin_labels(session, location_id=location_id, bin_ids=bin_ids),
        out,
        layout=layout,
        skip=skip,
    )


def return_slip_pdf(
    session: Session, rma_id: int, out: Output, *, paper: str | None = None
) -> None:
    from app.documents.return_slip import render_return_slip

    render_return_slip(
        builders.build_return_slip(session, rma_id), out, paper=_paper(session, paper)
    )


def command_sheet_pdf(session: Session, out: Output, *, paper: str | None = None) -> None:
    from app.documents.command_sheet import render_command_sheet

    render_command_sheet(out, paper=_paper(session, paper))
