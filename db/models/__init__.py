"""Every model, imported here so `Base.metadata` is complete for Alembic and tests."""

from db.models.catalog import (
    Bin,
    Location,
    Product,
    ProductBarcode,
    ProductBinDefault,
    ProductStock,
    Reservation,
    StockLevel,
    StockMove,
    Supplier,
)
from db.models.channels import Channel, ChannelListing, OutboxMessage, SyncRun
from db.models.fulfilment import (
    PickList,
    PickListLine,
    PickListOrder,
    Shipment,
    ShipmentLine,
    ShipmentPackage,
)
from db.models.mail import MailMessage
from db.models.orders import Customer, OrderDay, OrderLine, ProductSales, SalesDay, SalesOrder
from db.models.purchasing import PurchaseOrder, PurchaseOrderLine
from db.models.returns import ReturnAuthorization, ReturnLine
from db.models.system import AppSetting, AppUser, AuditEvent, NumberSequence

__all__ = [
    "AppSetting",
    "AppUser",
    "AuditEvent",
    "Bin",
    "Channel",
    "ChannelListing",
    "Customer",
    "Location",
    "MailMessage",
    "NumberSequence",
    "OrderDay",
    "OrderLine",
    "OutboxMessage",
    "PickList",
    "PickListLine",
    "PickListOrder",
    "Product",
    "ProductBarcode",
    "ProductBinDefault",
    "ProductSales",
    "ProductStock",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "Reservation",
    "ReturnAuthorization",
    "ReturnLine",
    "SalesDay",
    "SalesOrder",
    "Shipment",
    "ShipmentLine",
    "ShipmentPackage",
    "StockLevel",
    "StockMove",
    "Supplier",
    "SyncRun",
]
