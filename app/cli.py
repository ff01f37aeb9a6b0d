"""Command line: argument parsing for the GUI and the automation subcommands (no Qt here)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from app import __version__

EXIT_OK = 0
EXIT_FAILED = 1  # the command ran and found or hit a problem


class CommandError(Exception):
    """A one-line reason a command could not do its job."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} must not be negative")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="packbench",
        description="Order handling for small businesses. Without a command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"Packbench {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="folder for the database, backups and logs "
        "(default: $PACKBENCH_HOME or the user data folder)",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: $PACKBENCH_DB_URL or SQLite in the data dir)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser("demo", help="fill an empty database with a realistic demo shop")
    demo.add_argument("--products", type=_positive_int, default=2_000, metavar="N")
    demo.add_argument("--orders", type=_positive_int, default=10_000, metavar="N")
    demo.add_argument("--seed", type=int, default=7)

    database = commands.add_parser("db", help="database schema: upgrade or show the version")
    db_commands = database.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", help="back up, then upgrade the schema to this version")
    db_commands.add_parser("current", help="show the schema version and whether it is current")

    backup = commands.add_parser("backup", help="copy the database safely while it may be in use")
    backup.add_argument(
        "file",
        nargs="?",
        type=Path,
        help="where to write (default: the backups folder in the data dir)",
    )

    restore = commands.add_parser("restore", help="replace the database with a backup copy")
    restore.add_argument("file", type=Path)

    doctor = commands.add_parser(
        "doctor", help="check the database for inconsistencies (exit 1 if any)"
    )
    doctor.add_argument(
        "--repair",
        action="store_true",
        help="first rebuild derived data (search index, sales and stock summaries)",
    )

    imports = commands.add_parser("import", help="import products, stock or orders from CSV")
    import_kinds = imports.add_subparsers(dest="kind", metavar="KIND", required=True)
    for kind, text in (
        ("products", "create or update products"),
        ("stock", "set counted quantities per bin (posts count moves)"),
        ("orders", "orders from a Packbench, Shopify or WooCommerce CSV export"),
    ):
        sub = import_kinds.add_parser(kind, help=text)
        sub.add_argument("file", type=Path)
        sub.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and show what would change; write nothing",
        )
        if kind == "orders":
            sub.add_argument(
                "--format",
                choices=("packbench", "shopify", "woocommerce"),
                help="default: detected from the header row",
            )
            sub.add_argument(
                "--unknown-skus",
                choices=("unmatched", "skip"),
                default="unmatched",
                help="keep lines whose SKU is not in the catalog as unmatched "
                "lines (default) or leave them out",
            )
            sub.add_argument(
                "--no-allocate",
                action="store_true",
                help="do not reserve stock for the imported orders",
            )

    sync = commands.add_parser("sync", help="pull orders from and push stock/tracking to channels")
    sync.add_argument(
        "channel",
        nargs="?",
        metavar="CHANNEL",
        help="channel name or id (default: every enabled channel)",
    )
    sync.add_argument(
        "--dry-run",
        action="store_true",
        help="show what would be pulled and pushed; change nothing",
    )
    sync.add_argument(
        "--full",
        action="store_true",
        help="pull every order again, not just the ones changed since last time",
    )
    sync.add_argument(
        "--listings",
        action="store_true",
        help="first link catalog products to the channel's products by SKU",
    )
    sync.add_argument("--no-push", action="store_true", help="pull only")

    printing = commands.add_parser("print", help="write documents as PDF (-o FILE.pdf)")
    documents = printing.add_subparsers(dest="document", metavar="DOCUMENT", required=True)
    for name, text, what in (
        ("picklist", "batch pick list for orders", "ORDER"),
        ("slips", "packing slips for orders", "ORDER"),
        ("labels", "shipping labels for orders", "ORDER"),
        ("product-labels", "product labels", "SKU"),
        ("bin-labels", "bin labels (all bins, or one location's)", None),
        ("return-slip", "return slip for an RMA", "RMA"),
        ("commands", "the packing station's command barcode sheet", None),
    ):
        sub = documents.add_parser(name, help=text)
        if what:
            sub.add_argument("items", nargs="+", metavar=what)
        sub.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.pdf")
        if name in ("picklist", "slips", "return-slip", "commands"):
            sub.add_argument("--paper", choices=("Letter", "A4"), help="default: the setting")
        if name == "picklist":
            sub.add_argument("--per-order", action="store_true", help="one list per order")
        if name == "labels":
            sub.add_argument("--size", choices=("4x6", "100x150"), default="4x6")
        if name in ("product-labels", "bin-labels"):
            sub.add_argument(
                "--layout",
                default="avery-5160",
                help="avery-5160, avery-l7159, avery-l7160, thermal-2.25x1.25, thermal-50x25",
            )
        if name == "product-labels":
            sub.add_argument("--copies", type=_positive_int, default=1)
        if name == "bin-labels":
            sub.add_argument("--location", metavar="CODE")

    exports = commands.add_parser("export", help="export products, stock or orders to CSV")
    export_kinds = exports.add_subparsers(dest="kind", metavar="KIND", required=True)
    for kind in ("products", "stock", "orders"):
        sub = export_kinds.add_parser(kind, help=f"write {kind} as CSV")
        sub.add_argument("file", type=Path)
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def run_command(
    args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the subcommand in `args`; errors are printed as one line and give a non-zero exit."""
    out = out or sys.stdout
    err = err or sys.stderr
    from app.database import DatabaseProblem
    from app.errors import DomainError
    from app.logging_setup import configure_logging
    from app.paths import resolve_paths

    paths = resolve_paths(args.data_dir, args.db)
    handler = HANDLERS[args.command]
    try:
        if paths.db_file is not None:
            paths.ensure()
            configure_logging(paths.logs, verbose=args.verbose)
        return handler(args, paths, out)
    except (CommandError, DatabaseProblem, DomainError) as exc:
        print(f"packbench {args.command}: error: {exc}", file=err)
        return EXIT_FAILED
    except OSError as exc:
        print(f"packbench {args.command}: error: {exc}", file=err)
        return EXIT_FAILED


def _open(paths, *, migrate: bool = True):
    from app.database import open_database

    return open_database(paths, migrate=migrate)


def _cmd_demo(args, paths, out: TextIO) -> int:
    db = _open(paths)
    try:
        from app.demo import generate_demo
        from app.uow import unit_of_work

        started = time.perf_counter()
        report = _progress_printer() if sys.stderr.isatty() else None
        with unit_of_work(db.session_factory) as session:
            summary = generate_demo(
                session, products=args.products, orders=args.orders, seed=args.seed, progress=report
            )
        elapsed = time.perf_counter() - started
    finally:
        db.close()
    print(
        f"Demo shop ready in {db.display_name}: {summary.products:,} products, "
        f"{summary.orders:,} orders ({summary.order_lines:,} lines), "
        f"{summary.customers:,} customers, {summary.shipments:,} shipments "
        f"in {elapsed:.1f} s",
        file=out,
    )
    return EXIT_OK


def _progress_printer() -> Callable[[str, float], None]:
    def report(text: str, fraction: float) -> None:
        print(f"\r{fraction:5.0%} {text:<60}", end="", file=sys.stderr, flush=True)
        if fraction >= 1:
            print(file=sys.stderr)

    return report


def _cmd_db(args, paths, out: TextIO) -> int:
    from db.migrate import check_not_newer, ensure_schema, read_schema_state

    db = _open(paths, migrate=False)
    try:
        if args.db_command == "current":
            state = read_schema_state(db.engine)
            check_not_newer(state)
            if state.is_current:
                print(f"schema {state.current} (current)", file=out)
            else:
                print(
                    f"schema {state.current or 'empty'}; this version uses {state.head}: "
                    "run 'packbench db upgrade'",
                    file=out,
                )
            return EXIT_OK
        result = ensure_schema(db.engine, paths.backups)
        if result is None:
            print("already up to date", file=out)
        else:
            saved = f"; backup in {result.backup}" if result.backup else ""
            print(
                f"upgraded {result.from_revision or 'empty database'} -> "
                f"{result.to_revision}{saved}",
                file=out,
            )
        return EXIT_OK
    finally:
        db.close()


def _cmd_backup(args, paths, out: TextIO) -> int:
    from db.backup import backup_database

    if args.file is not None and args.file.exists():
        raise CommandError(f"{args.file} already exists; choose a new file name")
    db = _open(paths)
    try:
        written = backup_database(db.engine, paths.backups, target=args.file)
    finally:
        db.close()
    print(f"backup written to {written}", file=out)
    return EXIT_OK


def _cmd_restore(args, paths, out: TextIO) -> int:
    import sqlite3

    from db.backup import backup_database, check_backup_file, restore_database
    from db.engine import make_engine
    from db.migrate import SchemaState, check_not_newer, head_revision

    target = paths.db_file
    if target is None:
        raise CommandError("restore works on the embedded SQLite database only")
    check_backup_file(args.file)
    conn = sqlite3.connect(f"file:{args.file}?mode=ro", uri=True)
    try:
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        conn.close()
    check_not_newer(
        SchemaState(
            current=revision[0] if revision else None, head=head_revision(), has_tables=True
        )
    )
    safety = None
    if target.exists():
        engine = make_engine(paths.db_url)
        try:
            safety = backup_database(engine, paths.backups, label="before-restore")
        finally:
            engine.dispose()
    restore_database(args.file, target)
    db = _open(paths)  # upgrades an older backup (with its own backup first)
    db.close()
    kept = f"; the previous database was saved to {safety}" if safety else ""
    print(f"restored {args.file} into {target}{kept}", file=out)
    return EXIT_OK


def _cmd_doctor(args, paths, out: TextIO) -> int:
    from app.audit import default_actor
    from app.doctor import repair_derived_data, run_doctor
    from app.uow import unit_of_work

    db = _open(paths)
    try:
        if args.repair:
            with unit_of_work(db.session_factory) as session:
                rows = repair_derived_data(session, actor=default_actor())
            print(
                f"rebuilt the search index, the sales ({rows:,} rows), order and stock summaries "
                "and the first shipment dates",
                file=out,
            )
        with unit_of_work(db.session_factory, write=False) as session:
            report = run_doctor(session)
    finally:
        db.close()
    for finding in report.findings:
        print(f"PROBLEM [{finding.check}] {finding.message}", file=out)
    if report.ok:
        print(
            f"ok: {len(report.checks_run)} checks passed ({', '.join(report.checks_run)})", file=out
        )
        return EXIT_OK
    print(f"{len(report.findings)} problem(s) found", file=out)
    return EXIT_FAILED


def _cmd_import(args, paths, out: TextIO) -> int:
    from app.audit import default_actor
    from app.errors import DataImportError
    from app.inventory import csv_io
    from app.uow import unit_of_work

    if not args.file.is_file():
        raise CommandError(f"{args.file} does not exist or is not a file")
    if args.kind == "orders":
        return _import_orders(args, paths, out)
    db = _open(paths)
    try:
        with unit_of_work(db.session_factory, write=not args.dry_run) as session:
            if args.dry_run:
                preview = (
                    csv_io.preview_product_import
                    if args.kind == "products"
                    else csv_io.preview_stock_import
                )(session, args.file)
                for problem in preview.problems:
                    print(f"PROBLEM {problem}", file=out)
                if args.kind == "products":
                    summary = (
                        f"{preview.creates} to create, {preview.updates} to update, "
                        f"{preview.unchanged} unchanged"
                    )
                else:
                    summary = f"{preview.moves} bin level(s) to correct"
                print(
                    f"dry run: {summary}; {len(preview.problems)} problem(s); nothing written",
                    file=out,
                )
                return EXIT_OK if preview.ok else EXIT_FAILED
            run = csv_io.import_products if args.kind == "products" else csv_io.import_stock
            try:
                result = run(session, args.file, actor=default_actor())
            except DataImportError as exc:
                for problem in exc.problems:
                    print(f"PROBLEM {problem}", file=out)
                raise CommandError(
                    f"{args.file}: {len(exc.problems)} problem(s); nothing was imported"
                ) from None
    finally:
        db.close()
    print(result.message, file=out)
    return EXIT_OK


def _import_orders(args, paths, out: TextIO) -> int:
    from app.audit import default_actor
    from app.errors import DataImportError
    from app.orders.csv_import import allocate_imported, import_orders, preview_order_import
    from app.uow import unit_of_work

    db = _open(paths)
    try:
        if args.dry_run:
            with unit_of_work(db.session_factory, write=False) as session:
                preview = preview_order_import(
                    session, args.file, format=args.format, unknown_skus=args.unknown_skus
                )
            for problem in preview.problems:
                print(f"PROBLEM {problem}", file=out)
            for row, sku in preview.unknown_skus:
                print(f"UNKNOWN SKU row {row}: {sku}", file=out)
            print(
                f"dry run ({preview.format}): {preview.new_orders} new order(s), "
                f"{preview.already_imported} already imported, {preview.skipped} skipped, "
                f"{preview.lines} line(s); {len(preview.problems)} problem(s); nothing written",
                file=out,
            )
            return EXIT_OK if preview.ok else EXIT_FAILED
        actor = default_actor()
        with unit_of_work(db.session_factory) as session:
            try:
                result = import_orders(
                    session,
                    args.file,
                    actor=actor,
                    format=args.format,
                    unknown_skus=args.unknown_skus,
                )
            except DataImportError as exc:
                for problem in exc.problems:
                    print(f"PROBLEM {problem}", file=out)
                raise CommandError(
                    f"{args.file}: {len(exc.problems)} problem(s); nothing was imported"
                ) from None
        print(result.message, file=out)
        if result.order_ids and not args.no_allocate:
            with unit_of_work(db.session_factory) as session:
                allocation = allocate_imported(session, result.order_ids, actor=actor)
            print(allocation.message, file=out)
    finally:
        db.close()
    return EXIT_OK


def _cmd_export(args, paths, out: TextIO) -> int:
    from app.inventory import csv_io
    from app.orders.csv_export import export_orders
    from app.uow import unit_of_work

    db = _open(paths)
    try:
        with unit_of_work(db.session_factory, write=False) as session:
            run = {
                "products": csv_io.export_products,
                "stock": csv_io.export_stock,
                "orders": export_orders,
            }[args.kind]
            count = run(session, args.file)
    finally:
        db.close()
    print(f"wrote {count} row(s) to {args.file}", file=out)
    return EXIT_OK


def _cmd_print(args, paths, out: TextIO) -> int:
    from app.documents import jobs
    from app.inventory.locations import list_locations
    from app.inventory.products import find_product_by_code
    from app.orders.queries import find_order_by_number
    from app.returns.queries import find_return
    from app.uow import unit_of_work

    def resolve(finder, items, what):
        ids = []
        for item in items:
            found = finder(item)
            if found is None:
                raise CommandError(f"no {what} {item}")
            ids.append(found)
        return ids

    db = _open(paths)
    try:
        with unit_of_work(db.session_factory, write=False) as s:
            orders = lambda items: resolve(lambda n: find_order_by_number(s, n), items, "order")  # noqa: E731
            kind, target = args.document, args.output
            if kind == "picklist":
                jobs.pick_list_pdf(
                    s, orders(args.items), target, paper=args.paper, per_order=args.per_order
                )
            elif kind == "slips":
                jobs.packing_slips_pdf(s, orders(args.items), target, paper=args.paper)
            elif kind == "labels":
                jobs.shipping_labels_pdf(s, orders(args.items), target, size=args.size)
            elif kind == "product-labels":
                ids = resolve(
                    lambda c: getattr(find_product_by_code(s, c), "id", None), args.items, "product"
                )
                jobs.product_labels_pdf(
                    s, {pid: args.copies for pid in ids}, target, layout=args.layout
                )
            elif kind == "bin-labels":
                location_id = None
                if args.location:
                    codes = {loc.code: loc.id for loc in list_locations(s)}
                    location_id = codes.get(args.location.upper())
                    if location_id is None:
                        raise CommandError(f"no location {args.location}")
                jobs.bin_labels_pdf(s, target, location_id=location_id, layout=args.layout)
            elif kind == "return-slip":
                (rma_id,) = resolve(lambda n: find_return(s, n), args.items[:1], "return")
                jobs.return_slip_pdf(s, rma_id, target, paper=args.paper)
            else:
                jobs.command_sheet_pdf(s, target, paper=args.paper)
    except ValueError as exc:  # a bad layout or size name
        raise CommandError(str(exc)) from None
    finally:
        db.close()
    print(f"wrote {args.output}", file=out)
    return EXIT_OK


def _cmd_sync(args, paths, out: TextIO) -> int:
    from app.channels.service import find_channel, run_sync
    from app.uow import unit_of_work

    db = _open(paths)
    try:
        channel_id = None
        if args.channel:
            with unit_of_work(db.session_factory, write=False) as session:
                channel_id = find_channel(session, args.channel).id
        report = run_sync(
            db.session_factory,
            channel_id,
            dry_run=args.dry_run,
            push=not args.no_push,
            full=args.full,
            listings=args.listings,
            progress=_progress_printer() if sys.stderr.isatty() else None,
        )
    finally:
        db.close()
    for line in report.lines():
        print(line, file=out)
    return EXIT_OK if report.ok else EXIT_FAILED


HANDLERS = {
    "demo": _cmd_demo,
    "db": _cmd_db,
    "backup": _cmd_backup,
    "restore": _cmd_restore,
    "doctor": _cmd_doctor,
    "import": _cmd_import,
    "export": _cmd_export,
    "print": _cmd_print,
    "sync": _cmd_sync,
}
