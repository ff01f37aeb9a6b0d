"""Document data builders: the only code of app.documents that reads the database.

Each returns frozen DTOs that the renderers turn into PDFs (on any thread, without a session).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.batches import chunks
from app.documents.dto import (
    DEFAULT_RMA_INSTRUCTIONS,
    BinLabel,
    Business,
    PackingSlipDoc,
    PickLine,
    PickListDoc,
    PickOrder,
    ProductLabel,
    ReturnSlipDoc,
    ReturnSlipLine,
    ShippingLabelDoc,
    SlipLine,
    SlotQuantity,
    UnpickableLine,
)
from app.documents.formatting import address_lines, text_lines
from app.errors import NotFound, OutOfStock, ValidationError
from app.inventory.reservations import pick_bins, plan_picks
from app.orders.address import Address
from app.settings import get_settings
from db.enums import DeliveryMethod, OrderStatus, ShipmentStatus
from db.models import (
    Bin,
    Channel,
    Location,
    OrderLine,
    Product,
    Reservation,
    ReturnAuthorization,
    ReturnLine,
    SalesOrder,
    Shipment,
)
from db.types import utcnow

CHUNK = 500  # ids per IN (...) list: well under every database's parameter limit
PICKABLE = frozenset({OrderStatus.OPEN, OrderStatus.PICKING, OrderStatus.PARTIALLY_SHIPPED})
REASONS = {
    "damaged": "Damaged",
    "wrong_item": "Wrong item",
    "not_as_described": "Not as described",
    "no_longer_needed": "No longer needed",
    "other": "Other",
}


def business_info(session: Session) -> Business:
    """The sender from the business settings (name, address lines, contact, logo path)."""
    settings = get_settings(session)
    return Business(
        name=str(settings["business.name"] or ""),
        address_lines=text_lines(settings["business.address"]),
        email=str(settings["business.email"] or ""),
        phone=str(settings["business.phone"] or ""),
        logo_path=str(settings["business.logo_path"] or ""),
    )


def _ship_to(order: SalesOrder) -> Address | None:
    if not (order.ship_name or order.ship_address1):
        return None
    return Address(
        name=order.ship_name or "",
        address1=order.ship_address1 or "",
        city=order.ship_city or "",
        postal_code=order.ship_postal_code or "",
        country=order.ship_country or "",
        region=order.ship_region or "",
        address2=order.ship_address2 or "",
        company=order.ship_company or "",
    )


def _location_lines(location: Location | None) -> tuple[str, ...]:
    if location is None:
        return ()
    place = " ".join(p for p in (location.postal_code, location.city) if p)
    return tuple(
        p
        for p in (location.name, location.address1, location.address2, place, location.country)
        if p
    )


def _orders_by_id(session: Session, order_ids: Sequence[int]) -> dict[int, SalesOrder]:
    orders: dict[int, SalesOrder] = {}
    for chunk in chunks(order_ids):
        orders.update(
            (o.id, o) for o in session.scalars(select(SalesOrder).where(SalesOrder.id.in_(chunk)))
        )
    missing = [i for i in order_ids if i not in orders]
    if missing:
        raise NotFound(f"order #{missing[0]} does not exist")
    return orders


def _lines_by_order(session: Session, order_ids: Sequence[int]) -> dict[int, list[OrderLine]]:
    lines: dict[int, list[OrderLine]] = defaultdict(list)
    for chunk in chunks(order_ids):
        for line in session.scalars(
            select(OrderLine)
            .where(OrderLine.order_id.in_(chunk))
            .order_by(OrderLine.order_id, OrderLine.line_no)
        ):
            lines[line.order_id].append(line)
    return lines


# ---- pick lists ---------------------------------------------------------------------------


def build_pick_list(
    session: Session,
    order_ids: Iterable[int],
    *,
    number: str | None = None,
    created_at: datetime | None = None,
) -> PickListDoc:
    """Plan a batch pick for the orders (slots 1..N in the given order).

    Picks what is reserved for each line at its order's fulfilment location and not picked
    yet, from bins chosen by `pick_bins` (default bin first, then walk order), one line per
    product and bin. Lines on hold, unlinked, unreserved or of orders in a status that is not
    picked are listed in `not_reserved` with the reason. Reads only.

    Raises ValidationError for an empty selection, NotFound for an unknown order, and
    OutOfStock (naming product, location and orders) when the bins no longer hold what is
    reserved — stock moved without its reservation; count the bins or re-allocate.
    """
    ids = list(dict.fromkeys(order_ids))
    if not ids:
        raise ValidationError("choose at least one order for the pick list", field="order_ids")
    orders = _orders_by_id(session, ids)
    lines = _lines_by_order(session, ids)
    location_ids = {o.fulfil_location_id for o in orders.values() if o.fulfil_location_id}
    locations = {
        loc.id: loc
        for loc in session.scalars(select(Location).where(Location.id.in_(location_ids)))
    }
    reserved: dict[tuple[int, int], int] = {}  # (order line, location) -> units
    for chunk in chunks(ids):
        for line_id, location_id, quantity in session.execute(
            select(Reservation.order_line_id, Reservation.location_id, Reservation.quantity)
            .join(OrderLine, OrderLine.id == Reservation.order_line_id)
            .where(OrderLine.order_id.in_(chunk))
        ):
            reserved[(line_id, location_id)] = quantity

    pick_orders: list[PickOrder] = []
    unpickable: list[UnpickableLine] = []
    # (location, product) -> [(slot, order number, order line id, units)] in slot order
    wanted: dict[tuple[int, int], list[tuple[int, str, int, int]]] = defaultdict(list)
    for slot, order_id in enumerate(ids, start=1):
        order = orders[order_id]
        location = locations.get(order.fulfil_location_id)
        units = 0
        for line in lines.get(order_id, []):
            open_units = line.quantity - max(line.picked, line.shipped)
            if open_units <= 0:
                continue
            take, reason = _pickable(order, line, location, reserved)
            take = min(take, open_units)
            if take > 0:
                wanted[(location.id, line.product_id)].append((slot, order.number, line.id, take))
                units += take
            if take < open_units:
                unpickable.append(
                    UnpickableLine(
                        slot,
                        order.number,
                        line.line_no,
                        line.sku,
                        line.name,
                        open_units - take,
                        reason or "not reserved",
                    )
                )
        customer = order.ship_name or order.email or ""
        code = location.code if location is not None else None
        pick_orders.append(PickOrder(slot, order.id, order.number, customer, code, units))

    pick_lines = _plan_bins(session, wanted, locations)
    return PickListDoc(
        number=number,
        created_at=created_at or utcnow(),
        orders=tuple(pick_orders),
        lines=tuple(pick_lines),
        not_reserved=tuple(unpickable),
    )


def _pickable(
    order: SalesOrder,
    line: OrderLine,
    location: Location | None,
    reserved: Mapping[tuple[int, int], int],
) -> tuple[int, str]:
    """Units of the line that can be picked now, and why the rest cannot."""
    if order.on_hold:
        return 0, f"order on hold: {order.hold_reason or 'no reason given'}"
    if order.status not in PICKABLE:
        return 0, f"order is {order.status.replace('_', ' ')}"
    if line.product_id is None:
        return 0, "not linked to a product; link it, then allocate"
    if location is None:
        return 0, "not allocated to a location"
    held = reserved.get((line.id, location.id), 0)
    picked_not_shipped = max(line.picked - line.shipped, 0)
    take = max(held - picked_not_shipped, 0)
    return take, f"not reserved at {location.code} (short)"


def _plan_bins(
    session: Session,
    wanted: Mapping[tuple[int, int], list[tuple[int, str, int, int]]],
    locations: Mapping[int, Location],
) -> list[PickLine]:
    if not wanted:
        return []
    product_ids = sorted({product_id for _, product_id in wanted})
    products = {}
    for chunk in chunks(product_ids):
        products.update(
            (p.id, p) for p in session.scalars(select(Product).where(Product.id.in_(chunk)))
        )
    keys = list(wanted)
    totals = [
        (product_id, location_id, sum(s[3] for s in wanted[(location_id, product_id)]))
        for location_id, product_id in keys
    ]
    plans: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for start in range(0, len(keys), CHUNK):
        part = totals[start : start + CHUNK]
        try:
            found = plan_picks(session, part)  # pick_bins for many products in two queries
        except OutOfStock:
            found = [_pick_one(session, want, wanted, products, locations) for want in part]
        plans.update(zip(keys[start : start + CHUNK], found, strict=True))
    bin_ids = sorted({bin_id for plan in plans.values() for bin_id, _ in plan})
    bins = {}
    for chunk in chunks(bin_ids):
        bins.update((b.id, b) for b in session.scalars(select(Bin).where(Bin.id.in_(chunk))))

    result: list[PickLine] = []
    for (location_id, product_id), plan in plans.items():
        product = products[product_id]
        shares = iter(wanted[(location_id, product_id)])
        share, left = None, 0
        for bin_id, quantity in plan:
            slots: list[SlotQuantity] = []
            remaining = quantity
            while remaining > 0:  # hand out the bin's units to the orders in slot order
                if left == 0:
                    share = next(shares)
                    left = share[3]
                give = min(left, remaining)
                slots.append(SlotQuantity(share[0], share[1], share[2], give))
                left -= give
                remaining -= give
            place = bins[bin_id]
            result.append(
                PickLine(
                    location_code=locations[location_id].code,
                    bin_code=place.code,
                    walk_sequence=place.walk_sequence,
                    product_id=product_id,
                    sku=product.sku,
                    name=product.name,
                    gtin=product.gtin,
                    quantity=quantity,
                    slots=tuple(slots),
                )
            )
    result.sort(key=lambda p: (p.location_code, p.walk_sequence, p.bin_code, p.sku))
    return result


def _pick_one(session, want, wanted, products, locations) -> list[tuple[int, int]]:
    """`pick_bins` for one product, turning a shortage into a message naming what and who."""
    product_id, location_id, total = want
    try:
        return pick_bins(session, product_id, location_id, total)
    except OutOfStock as exc:
        product = products[product_id]
        shares = wanted[(location_id, product_id)]
        numbers = ", ".join(share[1] for share in shares[:5])
        more = f" and {len(shares) - 5} more" if len(shares) > 5 else ""
        raise OutOfStock(
            f"cannot plan the pick of {product.sku} ({product.name}) at "
            f"{locations[location_id].code}: {exc}. Units are reserved for {numbers}{more}, "
            "but the bins no longer hold them; count the bins or re-allocate these orders."
        ) from None


# ---- packing slips ------------------------------------------------------------------------


def build_packing_slip(session: Session, order_id: int) -> PackingSlipDoc:
    """The packing slip of one order (lines still to ship); raises NotFound."""
    return build_packing_slips(session, [order_id])[0]


def build_packing_slips(session: Session, order_ids: Iterable[int]) -> list[PackingSlipDoc]:
    """Packing slips for many orders in the given order, read with a few bulk queries.

    Lines show the units still to ship (ordered − shipped); fully shipped lines are left out.
    Raises NotFound for an unknown order.
    """
    ids = list(dict.fromkeys(order_ids))
    if not ids:
        return []
    business = business_info(session)
    orders = _orders_by_id(session, ids)
    lines = _lines_by_order(session, ids)
    channel_ids = {o.channel_id for o in orders.values() if o.channel_id}
    channels = dict(
        session.execute(select(Channel.id, Channel.name).where(Channel.id.in_(channel_ids))).all()
    )
    pickup_ids = {o.pickup_location_id for o in orders.values() if o.pickup_location_id}
    pickups = {
        loc.id: loc for loc in session.scalars(select(Location).where(Location.id.in_(pickup_ids)))
    }
    docs = []
    for order_id in ids:
        order = orders[order_id]
        pickup = order.delivery_method == DeliveryMethod.PICKUP
        if pickup:
            place = pickups.get(order.pickup_location_id)
            ship_to = (
                order.ship_name or order.email or "Customer",
                f"Collects at {place.name}" if place is not None else "Collects in store",
            )
        else:
            address = _ship_to(order)
            ship_to = address_lines(address) if address else (order.email or "",)
        channel = channels.get(order.channel_id)
        reference = ""
        if channel and order.external_id:
            reference = f"{channel} #{order.external_id}"
        elif order.external_id:
            reference = order.external_id
        docs.append(
            PackingSlipDoc(
                business=business,
                order_number=order.number,
                placed_at=order.placed_at,
                ship_to=ship_to,
                lines=tuple(
                    SlipLine(line.sku, line.name, line.quantity - line.shipped, line.quantity)
                    for line in lines.get(order_id, [])
                    if line.quantity > line.shipped
                ),
                delivery_method=order.delivery_method,
                channel_ref=reference,
                email=order.email or "",
                phone=order.phone or "",
                notes=order.notes or "",
            )
        )
    return docs


# ---- shipping labels ----------------------------------------------------------------------


def build_shipping_label(
    session: Session, order_id: int, *, shipment_id: int | None = None
) -> ShippingLabelDoc:
    """The address label of an order, with the tracking number of `shipment_id` (or of the
    order's latest shipment that is not voided, if any).

    Ship-from is the business address, or the fulfilment location's address when the business
    address is not set. Raises NotFound, or ValidationError for a pickup order or one without a
    ship-to address.
    """
    order = session.get(SalesOrder, order_id)
    if order is None:
        raise NotFound(f"order #{order_id} does not exist")
    if order.delivery_method == DeliveryMethod.PICKUP:
        raise ValidationError(f"order {order.number} is collected in store; it needs no label")
    address = _ship_to(order)
    if address is None:
        raise ValidationError(f"order {order.number} has no ship-to address")
    business = business_info(session)
    ship_from: tuple[str, ...] = business.lines
    if not business.address_lines and order.fulfil_location_id:
        location = session.get(Location, order.fulfil_location_id)
        ship_from = (business.name, *_location_lines(location)[1:])
    query = select(Shipment).where(Shipment.order_id == order.id)
    if shipment_id is not None:
        shipment = session.scalar(query.where(Shipment.id == shipment_id))
        if shipment is None:
            raise NotFound(f"shipment #{shipment_id} of order {order.number} does not exist")
    else:
        shipment = session.scalar(
            query.where(Shipment.status != ShipmentStatus.VOIDED).order_by(Shipment.id.desc())
        )
    return ShippingLabelDoc(
        ship_from=ship_from,
        ship_to=address_lines(address),
        order_number=order.number,
        tracking_number=shipment.tracking_number if shipment else None,
        carrier=(shipment.carrier or "") if shipment else "",
        service=(shipment.service or "") if shipment else "",
        shipment_number=shipment.number if shipment else None,
        weight_g=shipment.weight_g if shipment else None,
        package_count=shipment.package_count if shipment else 1,
    )


# ---- labels -------------------------------------------------------------------------------


def build_product_labels(
    session: Session, products: Iterable[int] | Mapping[int, int]
) -> list[ProductLabel]:
    """Labels for product ids (one each) or {product id: copies}, in the given order, priced in
    the shop currency. Raises NotFound for an unknown product."""
    copies = dict(products) if isinstance(products, Mapping) else dict.fromkeys(products, 1)
    ids = list(copies)
    found = {}
    for chunk in chunks(ids):
        found.update(
            (p.id, p) for p in session.scalars(select(Product).where(Product.id.in_(chunk)))
        )
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"product #{missing[0]} does not exist")
    currency = str(get_settings(session)["currency"])
    labels = []
    for product_id in ids:
        p = found[product_id]
        label = ProductLabel(p.sku, p.name, p.price_minor, currency, p.gtin)
        labels.extend([label] * max(copies[product_id], 0))
    return labels


def build_bin_labels(
    session: Session, *, location_id: int | None = None, bin_ids: Iterable[int] | None = None
) -> list[BinLabel]:
    """Labels for the given bins, or every active bin of a location (or of all locations), in
    location and walk order."""
    query = select(Location.code, Bin.code).join(Location, Location.id == Bin.location_id)
    if bin_ids is not None:
        query = query.where(Bin.id.in_(list(bin_ids)))
    else:
        query = query.where(Bin.active.is_(True))
    if location_id is not None:
        query = query.where(Bin.location_id == location_id)
    query = query.order_by(Location.code, Bin.walk_sequence, Bin.code)
    return [BinLabel(location, code) for location, code in session.execute(query)]


# ---- returns ------------------------------------------------------------------------------


def build_return_slip(session: Session, rma_id: int) -> ReturnSlipDoc:
    """The return slip of an RMA: its lines with reasons, the customer, where to send it.

    Returns go to the business address (or the order's fulfilment location when that is not
    set). Raises NotFound.
    """
    rma = session.get(ReturnAuthorization, rma_id)
    if rma is None:
        raise NotFound(f"return authorization #{rma_id} does not exist")
    order = session.get(SalesOrder, rma.order_id)
    rows = session.execute(
        select(ReturnLine, OrderLine.sku, OrderLine.name)
        .join(OrderLine, OrderLine.id == ReturnLine.order_line_id)
        .where(ReturnLine.rma_id == rma.id)
        .order_by(OrderLine.line_no, ReturnLine.id)
    ).all()
    lines = []
    for line, sku, name in rows:
        reason = REASONS.get(line.reason, line.reason.replace("_", " ").capitalize())
        if line.reason_note:
            reason = f"{reason} — {line.reason_note}"
        lines.append(ReturnSlipLine(sku, name, line.quantity, reason))
    business = business_info(session)
    return_to: tuple[str, ...] = ()
    if not business.address_lines and order.fulfil_location_id:
        location = session.get(Location, order.fulfil_location_id)
        return_to = (business.name, *_location_lines(location)[1:])
    address = _ship_to(order)
    customer = address_lines(address) if address else (order.ship_name or order.email or "",)
    return ReturnSlipDoc(
        business=business,
        rma_number=rma.rma_number,
        order_number=order.number,
        customer=customer,
        lines=tuple(lines),
        created_at=rma.created_at,
        return_to=return_to,
        instructions=DEFAULT_RMA_INSTRUCTIONS,
        notes="",
    )
