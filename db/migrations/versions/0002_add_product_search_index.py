"""add product search index (SQLite FTS5; other databases search with LIKE)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 13:58:00
"""

from collections.abc import Sequence

from alembic import op

from db.search import drop_product_search, install_product_search

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    install_product_search(op.get_bind())


def downgrade() -> None:
    drop_product_search(op.get_bind())
