"""Inventory benchmarks: type-ahead search and barcode lookup over the 100k-product shop."""

from __future__ import annotations

import random
import sqlite3

from app.inventory.products import find_product_by_code
from app.inventory.queries import ProductFilter, list_product_page
from app.inventory.search import fts_query, search_product_ids
from app.uow import unit_of_work
from db.models import Product
from tests.benchmarks.harness import RESULTS, per_call_ms


def _prefixes(word: str) -> list[str]:
    return [word[:i] for i in range(1, len(word) + 1)]


def test_search_keystroke(bench_db, bench_paths):
    with unit_of_work(bench_db.session_factory, write=False) as s:
        names = [n for (n,) in s.query(Product.name).limit(2000)]
    rng = random.Random(3)
    typed = []
    for name in rng.sample(names, 20):
        first = name.split()[0]
        second = name.split()[1] if len(name.split()) > 1 else ""
        typed += _prefixes(first) + [f"{first} {p}" for p in _prefixes(second)[:4]]
    raw = sqlite3.connect(bench_paths.db_file)
    queries = [fts_query(t) for t in typed]
    index = iter(range(10**9))

    def raw_search():
        q = queries[next(index) % len(queries)]
        raw.execute(
            "SELECT rowid FROM product_fts WHERE product_fts MATCH ? ORDER BY rowid LIMIT 200", (q,)
        ).fetchall()

    baseline = per_call_ms(raw_search, repeat=len(queries))
    with unit_of_work(bench_db.session_factory, write=False) as s:
        keys = iter(range(10**9))

        def ids_only():
            search_product_ids(s, typed[next(keys) % len(typed)], limit=200)

        def full_page():
            list_product_page(s, ProductFilter(search=typed[next(keys) % len(typed)]), limit=200)

        ids_ms = per_call_ms(ids_only, repeat=len(typed))
        page_ms = per_call_ms(full_page, repeat=len(typed))
    raw.close()
    RESULTS.record(
        "search keystroke: matching ids (200)",
        ids_ms,
        target="≤ 5 ms",
        baseline_name="raw sqlite3 FTS",
        baseline_value=baseline,
    )
    RESULTS.record(
        "search keystroke: page with stock figures",
        page_ms,
        target="≤ 5 ms",
        baseline_name="raw sqlite3 FTS",
        baseline_value=baseline,
    )


def test_barcode_lookup(bench_db, bench_paths):
    with unit_of_work(bench_db.session_factory, write=False) as s:
        codes = [g for (g,) in s.query(Product.gtin).filter(Product.gtin.is_not(None)).limit(5000)]
    raw = sqlite3.connect(bench_paths.db_file)
    counter = iter(range(10**9))

    def raw_lookup():
        raw.execute(
            "SELECT id FROM product WHERE gtin = ?", (codes[next(counter) % len(codes)],)
        ).fetchone()

    baseline = per_call_ms(raw_lookup, repeat=2000)
    raw.close()
    with unit_of_work(bench_db.session_factory, write=False) as s:

        def lookup():
            assert find_product_by_code(s, codes[next(counter) % len(codes)]) is not None

        value = per_call_ms(lookup, repeat=2000)
    RESULTS.record(
        "barcode lookup (GTIN → product)",
        value,
        target="≤ 1 ms",
        baseline_name="raw sqlite3",
        baseline_value=baseline,
    )
