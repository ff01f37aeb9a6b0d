"""64-bit sums in the sales summaries; bulk loads use a transaction-local setting

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.order_summary import drop_order_summary_triggers, install_order_summary
from db.sales_summary import drop_sales_summary_triggers, install_sales_summary

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _retype(old: sa.types.TypeEngine, new: sa.types.TypeEngine) -> None:
    """Declared type of the sum columns. SQLite rebuilds the two tables (its INTEGER held 64
    bits already; sales_day stays WITHOUT ROWID); the triggers that write them are dropped
    first (SQLite checks trigger bodies when a table is renamed) and installed again after."""
    bind = op.get_bind()
    drop_sales_summary_triggers(bind)
    drop_order_summary_triggers(bind)
    for table in ("sales_day", "order_day"):
        kwargs = {"sqlite_with_rowid": False} if table == "sales_day" else {}
        with op.batch_alter_table(table, table_kwargs=kwargs) as batch:
            for column in ("units", "revenue_minor"):
                batch.alter_column(column, type_=new, existing_type=old, existing_nullable=False)


def upgrade() -> None:
    bind = op.get_bind()
    _retype(sa.Integer(), sa.BigInteger())
    op.drop_table("summary_control")
    # PostgreSQL's trigger functions now read the transaction-local setting, not the table.
    install_sales_summary(bind)
    install_order_summary(bind)


def downgrade() -> None:
    control = op.create_table(
        "summary_control",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("defer_bulk_sums", sa.Boolean(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_summary_control_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_summary_control")),
    )
    op.bulk_insert(control, [{"id": 1, "defer_bulk_sums": False}])
    _retype(sa.BigInteger(), sa.Integer())
    install_sales_summary(op.get_bind())
    install_order_summary(op.get_bind())
