"""report summaries kept by triggers: sales_day, product_stock, first_shipped_at

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types
from db.first_shipment import drop_first_shipment_triggers, install_first_shipment
from db.sales_summary import drop_sales_summary_triggers, install_sales_summary
from db.stock_summary import drop_stock_summary_triggers, install_stock_summary

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sales_day",
        sa.Column("product_key", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel_key", sa.Integer(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("revenue_minor", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "product_key", "sku", "day", "channel_key", name=op.f("pk_sales_day")
        ),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_sales_day_day",
        "sales_day",
        ["day", "channel_key", "product_key", "sku", "units", "revenue_minor"],
        unique=False,
    )
    op.create_table(
        "product_stock",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("sellable", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_product_stock_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_product_stock")),
    )
    op.add_column("sales_order", sa.Column("first_shipped_at", db.types.UTCDateTime(timezone=True)))
    op.create_index(
        "ix_sales_order_first_shipped_at",
        "sales_order",
        ["first_shipped_at", "placed_at", "status", "channel_id"],
        unique=False,
    )
    # Triggers, then the existing rows summed in (one statement each; ~4 s for 1M lines).
    # (These install today's trigger definitions; 0007 re-installs them with the bulk flag.)
    install_sales_summary(op.get_bind())
    install_stock_summary(op.get_bind())
    install_first_shipment(op.get_bind())


def downgrade() -> None:
    drop_first_shipment_triggers(op.get_bind())
    op.drop_index("ix_sales_order_first_shipped_at", table_name="sales_order")
    with op.batch_alter_table("sales_order") as batch_op:
        batch_op.drop_column("first_shipped_at")
    drop_stock_summary_triggers(op.get_bind())
    op.drop_table("product_stock")
    drop_sales_summary_triggers(op.get_bind())
    op.drop_index("ix_sales_day_day", table_name="sales_day")
    op.drop_table("sales_day")
