"""order_day summary and the bulk-load flag for the summary triggers

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.order_summary import drop_order_summary_triggers, install_order_summary
from db.sales_summary import install_sales_summary

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    # A development build of 0006 briefly created these two; start them afresh.
    for table in ("summary_control", "order_day"):
        if inspector.has_table(table):
            op.drop_table(table)
    control = op.create_table(
        "summary_control",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("defer_bulk_sums", sa.Boolean(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_summary_control_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_summary_control")),
    )
    op.bulk_insert(control, [{"id": 1, "defer_bulk_sums": False}])
    op.create_table(
        "order_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel_key", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("revenue_minor", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "channel_key", "currency", name=op.f("pk_order_day")),
    )
    # The sales summary's triggers again (PostgreSQL's now honour the bulk flag), then the new
    # summary's triggers and its rows from the orders.
    install_sales_summary(bind)
    install_order_summary(bind)


def downgrade() -> None:
    drop_order_summary_triggers(op.get_bind())
    op.drop_table("order_day")
    op.drop_table("summary_control")
