"""Money text: formatting per currency, typed input parsed to minor units."""

from __future__ import annotations

import pytest

from app.money import format_money, parse_amount, plain_amount


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (123450, "USD", "$1,234.50"),
        (1200, "JPY", "¥1,200"),
        (1299, "CHF", "12.99 CHF"),
        (12345, "KWD", "12.345 KWD"),
        (-5, "EUR", "-€0.05"),
    ],
)
def test_format(minor, currency, text):
    assert format_money(minor, currency) == text


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("12.5", "USD", 1250),
        ("12,50", "EUR", 1250),
        ("$1,200.00", "USD", 120000),
        ("1,200", "JPY", 1200),
        ("", "USD", 0),
        (" 0.05 ", "USD", 5),
    ],
)
def test_parse(text, currency, minor):
    assert parse_amount(text, currency) == minor
    assert parse_amount(plain_amount(minor, currency), currency) == minor


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("12.345", "USD", "USD amounts have 2 decimal places"),
        ("1.5", "JPY", "JPY amounts have no decimals"),
        ("-1", "USD", "must not be negative"),
        ("abc", "USD", "is not an amount"),
    ],
)
def test_bad_amounts(text, currency, message):
    with pytest.raises(ValueError, match=message):
        parse_amount(text, currency)
