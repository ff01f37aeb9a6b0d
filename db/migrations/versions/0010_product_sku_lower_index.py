"""index on lower(product.sku) for case-insensitive SKU lookups

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_product_sku_lower", "product", [sa.text("lower(sku)")])


def downgrade() -> None:
    op.drop_index("ix_product_sku_lower", table_name="product")
