"""product_sales: all-time units per product, kept by triggers on sales_day

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 18:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.product_sales import drop_product_sales_triggers, install_product_sales

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "product_sales",
        sa.Column("product_key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("product_key", name=op.f("pk_product_sales")),
    )
    install_product_sales(op.get_bind())  # the triggers, and the totals from sales_day


def downgrade() -> None:
    drop_product_sales_triggers(op.get_bind())
    op.drop_table("product_sales")
