"""Command line: exit codes and one-line messages, and nothing overwritten on bad input."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from db.migrate import head_revision
from main import main

ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "shop"


def _add_product(db_file: Path, sku: str) -> None:
    conn = sqlite3.connect(db_file)
    conn.execute(
        "INSERT INTO product (sku, name, weight_g, price_minor, cost_minor, reorder_point, "
        "reorder_quantity, allow_backorder, archived, created_at, updated_at) VALUES "
        "(?, 'x', 0, 0, 0, 0, 0, 0, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
        (sku,),
    )
    conn.commit()
    conn.close()


def _skus(db_file: Path) -> list[str]:
    conn = sqlite3.connect(db_file)
    try:
        return [r[0] for r in conn.execute("SELECT sku FROM product ORDER BY sku")]
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["demo", "--orders", "-5"], "-5 must not be negative"),
        (["demo", "--products", "many"], "'many' is not a whole number"),
        (["db"], "the following arguments are required"),
        (["restore"], "the following arguments are required: file"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(capsys, data_dir, argv, message):
    code, _, err = run(capsys, "--data-dir", str(data_dir), *argv)
    assert code == 2
    assert message in err
    assert not (data_dir / "packbench.sqlite3").exists()


def test_db_current_and_upgrade(capsys, data_dir):
    head = head_revision()
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "db", "current")
    assert (code, out.strip()) == (
        0,
        f"schema empty; this version uses {head}: run 'packbench db upgrade'",
    )
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "db", "upgrade")
    assert (code, out.strip()) == (0, f"upgraded empty database -> {head}")
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "db", "upgrade")
    assert (code, out.strip()) == (0, "already up to date")
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "db", "current")
    assert (code, out.strip()) == (0, f"schema {head} (current)")


def test_corrupt_database_is_one_line_error_and_untouched(capsys, data_dir):
    data_dir.mkdir()
    db_file = data_dir / "packbench.sqlite3"
    db_file.write_bytes(b"\x00garbage" * 1000)
    before = db_file.read_bytes()
    for command in (["doctor"], ["db", "upgrade"], ["backup"], ["demo", "--products", "5"]):
        code, _, err = run(capsys, "--data-dir", str(data_dir), *command)
        assert code == 1, command
        assert len(err.strip().splitlines()) == 1, err
        assert "is not a Packbench database or is damaged" in err
    assert db_file.read_bytes() == before


def test_newer_database_is_refused(capsys, data_dir):
    assert run(capsys, "--data-dir", str(data_dir), "db", "upgrade")[0] == 0
    db_file = data_dir / "packbench.sqlite3"
    conn = sqlite3.connect(db_file)
    conn.execute("UPDATE alembic_version SET version_num = 'abcdef999999'")
    conn.commit()
    conn.close()
    before = db_file.read_bytes()
    code, _, err = run(capsys, "--data-dir", str(data_dir), "doctor")
    assert code == 1
    assert "written by a newer Packbench (schema abcdef999999)" in err
    assert db_file.read_bytes() == before


def test_unusable_data_dir(capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, _, err = run(capsys, "--data-dir", str(blocker / "shop"), "doctor")
    assert code == 1
    assert err.startswith("packbench doctor: error: ")
    assert len(err.strip().splitlines()) == 1


def test_backup_and_restore_round_trip(capsys, data_dir, tmp_path):
    assert run(capsys, "--data-dir", str(data_dir), "db", "upgrade")[0] == 0
    db_file = data_dir / "packbench.sqlite3"
    _add_product(db_file, "BEFORE")
    copy = tmp_path / "copy.sqlite3"
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "backup", str(copy))
    assert code == 0 and str(copy) in out
    code, _, err = run(capsys, "--data-dir", str(data_dir), "backup", str(copy))
    assert code == 1 and "already exists" in err

    _add_product(db_file, "AFTER")
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "restore", str(copy))
    assert code == 0, out
    assert "the previous database was saved to" in out
    assert _skus(db_file) == ["BEFORE"]
    safety = list((data_dir / "backups").glob("packbench-before-restore-*.sqlite3"))
    assert len(safety) == 1 and _skus(safety[0]) == ["AFTER", "BEFORE"]


def test_restore_refuses_junk_and_leaves_database(capsys, data_dir, tmp_path):
    assert run(capsys, "--data-dir", str(data_dir), "db", "upgrade")[0] == 0
    db_file = data_dir / "packbench.sqlite3"
    _add_product(db_file, "KEEP")
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"nope" * 100)
    code, _, err = run(capsys, "--data-dir", str(data_dir), "restore", str(junk))
    assert code == 1 and "is not a usable database" in err
    code, _, err = run(capsys, "--data-dir", str(data_dir), "restore", str(tmp_path / "missing"))
    assert code == 1 and "does not exist" in err
    assert _skus(db_file) == ["KEEP"]


def test_doctor_reports_a_seeded_problem(capsys, data_dir):
    assert run(capsys, "--data-dir", str(data_dir), "doctor")[0] == 0
    db_file = data_dir / "packbench.sqlite3"
    conn = sqlite3.connect(db_file)
    conn.execute(
        "INSERT INTO location (code, name, kind, country, active) "
        "VALUES ('MAIN', 'Main', 'warehouse', 'US', 1)"
    )
    conn.execute(
        "INSERT INTO bin (location_id, code, kind, walk_sequence, active) "
        "VALUES (1, 'A-1', 'storage', 1, 1)"
    )
    conn.commit()
    conn.close()
    _add_product(db_file, "LOST-1")
    conn = sqlite3.connect(db_file)
    conn.execute("INSERT INTO stock_level (product_id, bin_id, on_hand) VALUES (1, 1, 5)")
    conn.commit()
    conn.close()
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "doctor")
    assert code == 1
    assert (
        "PROBLEM [stock ledger] product LOST-1 in bin A-1: level says 5, ledger moves add "
        "up to 0" in out
    )
    assert "1 problem(s) found" in out


def test_environment_selects_the_data_dir(tmp_path):
    env = {"PACKBENCH_HOME": str(tmp_path / "from-env"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "db", "upgrade"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "from-env" / "packbench.sqlite3").is_file()


def test_help_and_version_run_as_a_program():
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    for command in ("demo", "db", "backup", "restore", "doctor"):
        assert command in result.stdout
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.startswith("Packbench ")


def test_import_and_export_products(capsys, data_dir, tmp_path):
    source = tmp_path / "products.csv"
    source.write_text(
        "sku,name,gtin,price\n"
        'MUG-1,Enamel mug,4006381333931,12.99\nCAP-1,"Beanie, wool — Zoë",,9.50\n'
        "BAD-1,Bad,4006381333932,1\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "--data-dir", str(data_dir), "import", "products", str(source))
    assert code == 1
    assert "PROBLEM row 4, gtin: EAN-13 4006381333932 has a wrong check digit: 2, expected 1" in out
    assert "1 problem(s); nothing was imported" in err
    code, out, _ = run(
        capsys, "--data-dir", str(data_dir), "import", "products", str(source), "--dry-run"
    )
    assert code == 1 and "dry run: 2 to create" in out
    source.write_text(
        "\n".join(source.read_text(encoding="utf-8").splitlines()[:3]) + "\n", encoding="utf-8"
    )
    assert (
        run(capsys, "--data-dir", str(data_dir), "import", "products", str(source))[1].strip()
        == "2 created, 0 updated, 0 unchanged"
    )
    assert (
        run(capsys, "--data-dir", str(data_dir), "import", "products", str(source))[1].strip()
        == "Nothing changed"
    )
    target = tmp_path / "export.csv"
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "export", "products", str(target))
    assert (code, out.strip()) == (0, f"wrote 2 row(s) to {target}")
    assert "Beanie, wool — Zoë" in target.read_text(encoding="utf-8-sig")
    code, _, err = run(
        capsys, "--data-dir", str(data_dir), "import", "stock", str(tmp_path / "missing.csv")
    )
    assert code == 1 and "does not exist" in err


def _shop_with_an_order(data_dir: Path) -> None:
    from app.database import open_database
    from app.inventory.dto import ProductInput
    from app.inventory.ledger import receive_stock
    from app.inventory.locations import create_bin, create_location
    from app.inventory.products import create_product
    from app.orders.address import Address
    from app.orders.dto import LineInput, OrderInput
    from app.orders.services import create_order
    from app.paths import resolve_paths
    from app.uow import unit_of_work

    db = open_database(resolve_paths(data_dir=data_dir, env={}))
    with unit_of_work(db.session_factory) as s:
        loc = create_location(s, code="MAIN", name="Main", actor="t").id
        shelf = create_bin(s, location_id=loc, code="A-01", actor="t").id
        mug = create_product(
            s, ProductInput(sku="MUG-1", name="Mug", gtin="4006381333931"), actor="t"
        ).id
        receive_stock(s, product_id=mug, bin_id=shelf, quantity=5, actor="t")
        create_order(
            s,
            OrderInput(
                (LineInput(product_id=mug, quantity=2),),
                ship_to=Address("José Ñúñez", "1 Main St", "Austin", "73301", "US", "TX"),
            ),
            actor="t",
        )
    db.close()


def _decoded(pdf: Path) -> set[str]:
    import pypdfium2 as pdfium
    import zxingcpp

    document = pdfium.PdfDocument(str(pdf))
    try:
        return {
            result.text
            for page in document
            for result in zxingcpp.read_barcodes(page.render(scale=203 / 72).to_pil())
        }
    finally:
        document.close()


def test_print_documents(capsys, data_dir, tmp_path):
    _shop_with_an_order(data_dir)
    cases = [
        (["slips", "SO-000001"], {"SO-000001"}),
        (["picklist", "so-000001"], {"4006381333931", "BIN/MAIN/A-01"}),
        (["labels", "SO-000001", "--size", "100x150"], {"SO-000001"}),
        (["product-labels", "MUG-1", "--copies", "2"], {"4006381333931"}),
        (["bin-labels", "--location", "main"], {"BIN/MAIN/A-01"}),
        (["commands", "--paper", "A4"], {"CMD-DONE", "CMD-UNDO"}),
    ]
    for argv, expected in cases:
        target = tmp_path / f"{argv[0]}.pdf"
        code, out, err = run(capsys, "--data-dir", str(data_dir), "print", *argv, "-o", str(target))
        assert (code, out.strip()) == (0, f"wrote {target}"), err
        assert expected <= _decoded(target), argv
    code, _, err = run(
        capsys,
        "--data-dir",
        str(data_dir),
        "print",
        "slips",
        "SO-000404",
        "-o",
        str(tmp_path / "x.pdf"),
    )
    assert code == 1 and "no order SO-000404" in err
    code, _, err = run(
        capsys,
        "--data-dir",
        str(data_dir),
        "print",
        "product-labels",
        "MUG-1",
        "--layout",
        "avery-9999",
        "-o",
        str(tmp_path / "y.pdf"),
    )
    assert code == 1 and "label layout must be one of" in err


def test_import_and_export_orders(capsys, data_dir, tmp_path):
    fixtures = ROOT / "tests" / "fixtures" / "orders"
    shopify = str(fixtures / "shopify_orders_export.csv")
    code, out, _ = run(
        capsys, "--data-dir", str(data_dir), "import", "orders", shopify, "--dry-run"
    )
    assert code == 0 and "dry run (shopify): 2 new order(s)" in out
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "import", "orders", shopify)
    assert code == 0 and out.startswith("Imported 2 order(s)")
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "import", "orders", shopify)
    assert code == 0 and "Imported 0 order(s)" in out and "2 already imported" in out
    code, out, err = run(
        capsys, "--data-dir", str(data_dir), "import", "orders", str(fixtures / "packbench_bad.csv")
    )
    assert code == 1 and out.startswith("PROBLEM row ") and "nothing was imported" in err
    target = tmp_path / "orders.csv"
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "export", "orders", str(target))
    assert code == 0 and out.startswith("wrote ")


def test_sync_pulls_from_a_channel(capsys, data_dir):
    from app.channels.service import create_channel
    from app.database import open_database
    from app.paths import resolve_paths
    from app.uow import unit_of_work
    from tests.fixtures.channel_servers import WooCommerceEmulator, install_memory_keyring

    _backend, restore = install_memory_keyring()
    try:
        with WooCommerceEmulator() as woo:
            woo.add_order(lines=[{"sku": "ANY-1", "quantity": 1, "price": "2"}])
            db = open_database(resolve_paths(data_dir=data_dir, env={}))
            with unit_of_work(db.session_factory) as s:
                create_channel(
                    s,
                    "woocommerce",
                    "Woo",
                    woo.url,
                    {"consumer_key": woo.consumer_key, "consumer_secret": woo.consumer_secret},
                    actor="t",
                )
            db.close()
            code, out, _ = run(capsys, "--data-dir", str(data_dir), "sync", "woo", "--dry-run")
            assert code == 0, out
            code, out, _ = run(capsys, "--data-dir", str(data_dir), "sync")
            assert code == 0, out
            assert "Woo" in out
            code, _, err = run(capsys, "--data-dir", str(data_dir), "sync", "nope")
            assert code == 1 and "no channel 'nope' (channels: Woo)" in err
    finally:
        restore()
    with unit_of_work(
        open_database(resolve_paths(data_dir=data_dir, env={})).session_factory, write=False
    ) as s:
        from app.orders.queries import OrderFilter, count_orders

        assert count_orders(s, OrderFilter()) == 1


def test_doctor_repair_rebuilds_a_damaged_sales_summary(capsys, data_dir):
    assert (
        run(capsys, "--data-dir", str(data_dir), "demo", "--products", "20", "--orders", "40")[0]
        == 0
    )
    db_file = data_dir / "packbench.sqlite3"
    conn = sqlite3.connect(db_file)
    (rows_before,) = conn.execute("SELECT count(*) FROM sales_day").fetchone()
    conn.execute("DROP TRIGGER sales_day_line_ai")
    conn.execute("DELETE FROM sales_day WHERE day = (SELECT max(day) FROM sales_day)")
    conn.commit()
    conn.close()
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "doctor")
    assert code == 1
    assert "PROBLEM [sales summary] sales summary is missing triggers sales_day_line_ai" in out
    assert "does not match the order lines" in out
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "doctor", "--repair")
    assert code == 0, out
    assert f"the sales ({rows_before:,} rows), order and stock summaries" in out
    assert out.rstrip().endswith(")") and "ok: " in out
    conn = sqlite3.connect(db_file)
    assert conn.execute("SELECT action FROM audit_event ORDER BY id DESC LIMIT 1").fetchone() == (
        "doctor.repair",
    )
    conn.close()
