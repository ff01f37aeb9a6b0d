"""Type-ahead product search: FTS5 prefix match on SQLite, LIKE elsewhere; keyset-paged ids."""

from __future__ import annotations

import re

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from db.models import Product
from db.search import SEARCH_TABLE

_TOKEN = re.compile(r"\w+", re.UNICODE)


def fts_query(user_text: str) -> str | None:
    """'merino bea' -> '"merino"* "bea"*' (every word a prefix, all words required)."""
    tokens = _TOKEN.findall(user_text.lower())
    if not tokens:
        return None
    return " ".join(f'"{token}"*' for token in tokens)


def search_product_ids(
    session: Session,
    user_text: str,
    *,
    limit: int = 200,
    after_id: int | None = None,
    include_archived: bool = False,
) -> list[int]:
    """Ids of products whose SKU, name or GTIN words start with every word typed, by id.

    Accents are ignored ("zoe" finds "Zoë"). Pass the last id of a page as `after_id` for the next.
    """
    if session.get_bind().dialect.name == "sqlite":
        match = fts_query(user_text)
        if match is None:
            return []
        sql = (
            f"SELECT f.rowid FROM {SEARCH_TABLE} f"
            + ("" if include_archived else " JOIN product p ON p.id = f.rowid")
            + f" WHERE {SEARCH_TABLE} MATCH :match AND f.rowid > :after"
            + ("" if include_archived else " AND p.archived = 0")
            + " ORDER BY f.rowid LIMIT :limit"
        )
        rows = session.execute(text(sql), {"match": match, "after": after_id or 0, "limit": limit})
        return [row[0] for row in rows]
    return _like_search(
        session, user_text, limit=limit, after_id=after_id, include_archived=include_archived
    )


def _like_search(
    session: Session, user_text: str, *, limit: int, after_id: int | None, include_archived: bool
) -> list[int]:
    words = user_text.split()
    if not words:
        return []
    query = select(Product.id).order_by(Product.id).limit(limit)
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = "%" + escaped + "%"
        query = query.where(
            or_(
                Product.sku.ilike(pattern, escape="\\"),
                Product.name.ilike(pattern, escape="\\"),
                Product.gtin.like(pattern, escape="\\"),
            )
        )
    if after_id is not None:
        query = query.where(Product.id > after_id)
    if not include_archived:
        query = query.where(Product.archived.is_(False))
    return list(session.scalars(query))
