"""first-shipment triggers fire only for parcels that left

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 20:10:00
"""

from collections.abc import Sequence

from alembic import op

from db.first_shipment import install_first_shipment

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Same column, same answers: only the triggers change (packing steps no longer fire them).
    install_first_shipment(op.get_bind(), rebuild=False)


def downgrade() -> None:
    install_first_shipment(op.get_bind(), rebuild=False)
