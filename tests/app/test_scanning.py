"""Scan classification: document prefixes, commands, bins, product codes."""

from __future__ import annotations

import pytest

from app.scanning import Command, Scan, ScanKind, bin_barcode, classify_scan, command_barcode


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SO-000123", Scan(ScanKind.ORDER, "SO-000123")),
        (" so-000123\n", Scan(ScanKind.ORDER, "SO-000123")),
        ("PL-000002", Scan(ScanKind.PICK_LIST, "PL-000002")),
        ("SH-000009", Scan(ScanKind.SHIPMENT, "SH-000009")),
        ("RMA-000001", Scan(ScanKind.RMA, "RMA-000001")),
        ("PO-000004", Scan(ScanKind.PURCHASE_ORDER, "PO-000004")),
        ("CMD-DONE", Scan(ScanKind.COMMAND, "DONE")),
        ("cmd-undo", Scan(ScanKind.COMMAND, "UNDO")),
        ("BIN/US-WH/A-01-03", Scan(ScanKind.BIN, "A-01-03", location_code="US-WH")),
        ("4006381333931", Scan(ScanKind.PRODUCT, "4006381333931")),
        ("so-shirt-red", Scan(ScanKind.PRODUCT, "so-shirt-red")),  # a SKU, not an order
        ("CMD-FLY", Scan(ScanKind.PRODUCT, "CMD-FLY")),
        ("BIN/ONLY", Scan(ScanKind.PRODUCT, "BIN/ONLY")),
    ],
)
def test_classify(raw, expected):
    assert classify_scan(raw) == expected


def test_empty_scan_is_ignored():
    assert classify_scan(" \t\r\n") is None


def test_printed_codes_classify_back():
    for command in Command:
        assert classify_scan(command_barcode(command)) == Scan(ScanKind.COMMAND, command.value)
    assert classify_scan(bin_barcode("MAIN", "A-01")).kind == ScanKind.BIN
