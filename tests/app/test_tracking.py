"""Tracking numbers: carrier formats, check digits, label-barcode unwrapping, overlaps, URLs."""

from __future__ import annotations

import re

import pytest

from app.errors import ValidationError
from app.shipping.tracking import (
    CARRIER_DEFINITIONS,
    CARRIERS,
    TrackingMatch,
    identify_tracking,
    normalize_tracking,
    tracking_url,
    validate_tracking,
)

# (scanned/typed, carrier, format, normalised number, verified, index of the check character)
EXAMPLES = [
    ("1Z999AA10123456784", "ups", "UPS 1Z", "1Z999AA10123456784", True, -1),
    ("1Z5R89390357567127", "ups", "UPS 1Z", "1Z5R89390357567127", True, -1),
    ("K1506235620", "ups", "UPS Mail Innovations", "K1506235620", True, -1),
    ("9400111206206406260787", "usps", "USPS IMpb", "9400111206206406260787", True, -1),
    ("420787459400111206206406260787", "usps", "USPS IMpb", "9400111206206406260787", True, -1),
    ("9505511069605048600624", "usps", "USPS IMpb", "9505511069605048600624", True, -1),
    ("03071790000523483741", "usps", "USPS 20-digit", "03071790000523483741", True, -1),
    ("9101123456789000000013", "usps", "USPS legacy (91)", "9101123456789000000013", True, -1),
    ("71969010756003077385", "usps", "USPS legacy (91)", "71969010756003077385", True, -1),
    ("RB123456785US", "usps", "UPU S10", "RB123456785US", True, 10),
    ("RB123456785GB", "royal_mail", "UPU S10", "RB123456785GB", True, 10),
    ("RR473124829GB", "royal_mail", "UPU S10", "RR473124829GB", True, 10),
    ("AB123456785GB", "royal_mail", "UPU S10", "AB123456785GB", True, 10),
    ("RB123456785CA", "canada_post", "UPU S10", "RB123456785CA", True, 10),
    ("986578788855", "fedex", "FedEx Express", "986578788855", True, -1),
    ("799531274483", "fedex", "FedEx Express", "799531274483", True, -1),
    ("041441760228964", "fedex", "FedEx Ground", "041441760228964", True, -1),
    ("9611020987654312345672", "fedex", "FedEx Ground 96", "9611020987654312345672", True, -1),
    (
        "1001901781990001000300617767839437",
        "fedex",
        "FedEx 34-digit barcode",
        "617767839437",
        True,
        -1,
    ),
    ("000123450000000027", "fedex", "FedEx Ground SSCC-18", "000123450000000027", True, -1),
    ("00000123450000000027", "fedex", "FedEx Ground SSCC-18", "000123450000000027", True, -1),
    ("3318810025", "dhl", "DHL Express", "3318810025", True, -1),
    ("73891051146", "dhl", "DHL Express", "73891051146", True, -1),
    ("JJD0099999999", "dhl", "DHL piece id", "JJD0099999999", False, None),
    ("0073938000549297", "canada_post", "Canada Post", "0073938000549297", True, -1),
    ("09980000020033F", "dpd", "DPD", "09980000020033F", True, -1),
    ("09980000020033", "dpd", "DPD (without check character)", "09980000020033", False, None),
    ("320595463938", "purolator", "Purolator", "320595463938", True, -1),
    ("C11031500001879", "ontrac", "OnTrac", "C11031500001879", True, -1),
    ("TBA000000000000", "amazon", "Amazon Logistics", "TBA000000000000", False, None),
]
CHECKED = [e for e in EXAMPLES if e[5] is not None]
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _replace(text: str, index: int, char: str) -> str:
    index %= len(text)
    return text[:index] + char + text[index + 1 :]


def _expected_in(message: str) -> set[str]:
    """The check characters a 'wrong check digit' message says it expected."""
    tail = message.split(", expected ", 1)[1]
    return set(re.findall(r"(?:^|or )([0-9A-Z])\b", tail))


@pytest.mark.parametrize(("raw", "carrier", "fmt", "number", "verified", "_"), EXAMPLES)
def test_worked_examples_validate_with_their_carrier(raw, carrier, fmt, number, verified, _):
    match = validate_tracking(raw, carrier)
    assert (match.carrier_code, match.format_name, match.number, match.verified) == (
        carrier,
        fmt,
        number,
        verified,
    )
    assert validate_tracking(raw) == match  # also the best guess without a carrier
    assert identify_tracking(raw)[0] == match
    assert match in identify_tracking(raw.lower())


@pytest.mark.parametrize(("raw", "carrier", "fmt", "number", "verified", "at"), CHECKED)
def test_a_wrong_check_character_names_the_expected_one(raw, carrier, fmt, number, verified, at):
    original = raw[at]
    refused = 0
    for char in _ALNUM[:10] if original.isdigit() else _ALNUM:
        if char == original:
            continue
        typo = _replace(raw, at, char)
        try:
            match = validate_tracking(typo, carrier)
        except ValidationError as exc:
            refused += 1
            assert exc.field == "tracking_number"
            assert f"has a wrong check digit: {char}, expected" in str(exc) or (
                f"has a wrong check character: {char}, expected" in str(exc)
            )
            assert original in _expected_in(str(exc)), str(exc)
        else:
            # Only a 20-digit USPS number has two readings: a typo may fit the other one.
            usps20 = {"USPS 20-digit", "USPS legacy (91)"}
            assert len(raw) == 20 and {fmt, match.format_name} == usps20
    assert refused >= 8


@pytest.mark.parametrize(("raw", "carrier", "fmt", "number", "verified", "at"), CHECKED)
def test_a_changed_digit_is_caught(raw, carrier, fmt, number, verified, at):
    index = (at % len(raw)) - 1  # the data digit next to the check character
    digit = raw[index]
    typo = _replace(raw, index, str((int(digit) + 1) % 10))
    with pytest.raises(ValidationError, match="has a wrong check") as caught:
        validate_tracking(typo, carrier)
    printed = raw[at]
    assert printed not in _expected_in(str(caught.value))


def test_check_digit_messages_are_exact():
    with pytest.raises(ValidationError) as caught:
        validate_tracking("1Z999AA10123456785", "ups")
    assert str(caught.value) == (
        "UPS tracking number 1Z999AA10123456785 has a wrong check digit: 5, expected 4"
    )
    with pytest.raises(ValidationError) as caught:
        validate_tracking("RB123456784GB", "royal_mail")
    assert str(caught.value) == (
        "Royal Mail tracking number RB123456784GB has a wrong check digit: 4, expected 5"
    )
    with pytest.raises(ValidationError) as caught:
        validate_tracking("09980000020033G", "dpd")
    assert str(caught.value).endswith("has a wrong check character: G, expected F")
    # A 20-digit USPS number has two readings; the message names both expected digits.
    with pytest.raises(ValidationError) as caught:
        validate_tracking("03071790000523483742", "usps")
    assert str(caught.value).endswith(
        "wrong check digit: 2, expected 1 (as USPS 20-digit) or 3 (as USPS legacy (91))"
    )
    # Without a carrier the guess is named and the user is told what to do.
    with pytest.raises(ValidationError) as caught:
        validate_tracking("1Z999AA10123456785")
    assert str(caught.value) == (
        "1Z999AA10123456785 looks like a UPS tracking number but has a wrong check digit: 5, "
        "expected 4 — check it or choose the carrier"
    )


@pytest.mark.parametrize(
    ("valid", "invalid", "carrier"),
    [
        ("1Z999AA10123456784", "1Z999AA10123456794", "ups"),  # UPS mod 10, letters mapped
        ("K1506235620", "K1506235621", "ups"),  # UPS mod 10 on digits
        ("C11031500001879", "C11031500001878", "ontrac"),  # UPS mod 10 with the letter
        ("9400111206206406260787", "9400111206206406260797", "usps"),  # GS1 mod 10
        ("9101123456789000000013", "9101123456789000000014", "usps"),  # GS1 with AI 91
        ("986578788855", "996578788855", "fedex"),  # weights 3,1,7 mod 11 mod 10
        (
            "1001901781990001000300617767839437",
            "1001901781990001000300617767839438",
            "fedex",
        ),  # 1,7,3 mod 11 mod 10 on 13 digits
        ("041441760228964", "041441760228963", "fedex"),  # weights 1,3 from the left
        ("9611020987654312345672", "9611020987654312345682", "fedex"),  # Ground 96
        ("000123450000000027", "000000000000000001", "fedex"),  # SSCC GS1 mod 10
        ("3318810025", "3318810024", "dhl"),  # mod 7, 10 digits
        ("73891051146", "73891051145", "dhl"),  # mod 7, 11 digits
        ("RR473124829GB", "RR473124828GB", "royal_mail"),  # S10 mod 11
        ("0073938000549297", "0073938000549296", "canada_post"),  # weights 3,1 from the left
        ("09980000020033F", "09980000020033E", "dpd"),  # ISO 7064 MOD 37,36
        ("320595463938", "320595463937", "purolator"),  # Luhn
    ],
)
def test_each_check_digit_algorithm_accepts_and_rejects(valid, invalid, carrier):
    assert validate_tracking(valid, carrier).verified
    with pytest.raises(ValidationError, match="has a wrong check"):
        validate_tracking(invalid, carrier)
    assert all(m.carrier_code != carrier for m in identify_tracking(invalid))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" 1z 999 aa1 0123 4567 84 ", "1Z999AA10123456784"),
        ("1z999-aa1-0123-4567-84", "1Z999AA10123456784"),
        ("\t9400 1112 0620 6406 2607 87\r\n", "9400111206206406260787"),
        ("420 78745 9400 1112 0620 6406 2607 87", "9400111206206406260787"),
        ("42078745\x1d9400111206206406260787", "9400111206206406260787"),  # GS (FNC1)
        ("420787451234\x1d9400111206206406260787", "9400111206206406260787"),  # ZIP9
        ("(420) 78745 94001112062064062607871236", "94001112062064062607871236"),  # 26 digits
        ("1001901781990001000300617767839437", "617767839437"),
        ("(00) 0 0012345 000000002 7", "000123450000000027"),
        ("rb 123 456 785 gb", "RB123456785GB"),
        ("0998 0000 0200 33 f", "09980000020033F"),
        ("09 9800 0002 0033 F", "09980000020033F"),
        ("3318\u2013810025", "3318810025"),  # en dash
        ("1Z999", "1Z999"),  # not valid, but still cleaned
    ],
)
def test_normalize(raw, expected):
    assert normalize_tracking(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "420787451234\x1d9400111206206406260787",
        "42078745 94001112062064062607871236",
        "42078745940011120620640626078712345670",  # 420 + ZIP5 + 30-digit IMpb
    ],
)
def test_usps_label_barcodes_are_unwrapped_and_verified(raw):
    match = validate_tracking(raw, "usps")
    assert match.number == normalize_tracking(raw)
    assert match.verified and match.format_name == "USPS IMpb"


def test_spaces_dashes_and_case_do_not_matter():
    expected = validate_tracking("1Z999AA10123456784", "ups")
    assert validate_tracking(" 1z999-aa1 012 345 678 4 ", "ups") == expected
    assert identify_tracking("rr 473 124 829 gb")[0].number == "RR473124829GB"


def _formats(raw: str) -> list[tuple[str, str, bool]]:
    return [(m.carrier_code, m.format_name, m.verified) for m in identify_tracking(raw)]


def test_overlapping_formats_return_alternatives():
    # 12 digits valid for FedEx Express (3,1,7) and Purolator (Luhn)
    assert _formats("100000000172") == [
        ("fedex", "FedEx Express", True),
        ("purolator", "Purolator", True),
    ]
    assert validate_tracking("100000000172", "purolator").carrier_code == "purolator"
    # 15 digits valid for FedEx Ground and DPD (digit check character)
    assert _formats("041441760229275") == [("fedex", "FedEx Ground", True), ("dpd", "DPD", True)]
    assert validate_tracking("041441760229275", "dpd").number == "041441760229275"
    # 20 digits: AI 00 + SSCC (FedEx) and a USPS 20-digit number, each with its own number
    matches = identify_tracking("00000123450000000027")
    assert [(m.carrier_code, m.number) for m in matches] == [
        ("fedex", "000123450000000027"),
        ("usps", "00000123450000000027"),
    ]
    assert validate_tracking("00000123450000000027", "usps").format_name == "USPS 20-digit"
    # 22 digits starting 92: a USPS IMpb number that FedEx Ground Economy (SmartPost) uses too
    assert _formats("9261292700768711948021") == [
        ("usps", "USPS IMpb", True),
        ("fedex", "FedEx Ground Economy (SmartPost)", True),
    ]
    assert validate_tracking("9261292700768711948021", "fedex").carrier_code == "fedex"
    # 14 digits without a check character: shape only, for DPD and DHL eCommerce
    assert _formats("09980000020033") == [
        ("dpd", "DPD (without check character)", False),
        ("dhl", "DHL eCommerce", False),
    ]


def test_verified_matches_come_before_shape_only_ones():
    assert _formats("LX123456785DE") == [
        ("upu_s10", "UPU S10", True),
        ("dhl", "DHL eCommerce", False),
    ]
    assert validate_tracking("LX123456785DE", "dhl").verified is False


def test_a_20_digit_usps_number_fits_only_one_reading():
    assert _formats("03071790000523483741") == [("usps", "USPS 20-digit", True)]
    assert _formats("71969010756003077385") == [("usps", "USPS legacy (91)", True)]


@pytest.mark.parametrize(
    ("raw", "carrier", "name", "url"),
    [
        (
            "RB123456785US",
            "usps",
            "USPS",
            "https://tools.usps.com/go/TrackConfirmAction?tLabels=RB123456785US",
        ),
        (
            "RB123456785GB",
            "royal_mail",
            "Royal Mail",
            "https://www.royalmail.com/track-your-item#/tracking-results/RB123456785GB",
        ),
        (
            "RB123456785CA",
            "canada_post",
            "Canada Post",
            "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor="
            "RB123456785CA",
        ),
        ("RB123456785DE", "upu_s10", "Postal service (DE)", None),
        ("EE123456785FR", "upu_s10", "Postal service (FR)", None),
    ],
)
def test_s10_country_picks_the_post(raw, carrier, name, url):
    match = validate_tracking(raw)
    assert (match.carrier_code, match.carrier_name, match.format_name) == (carrier, name, "UPU S10")
    assert match.tracking_url == url
    assert validate_tracking(raw, "upu_s10") == match  # "other post" accepts any S10 number


def test_s10_rejects_unknown_countries_and_other_posts():
    assert identify_tracking("RB123456785XX") == []
    with pytest.raises(ValidationError, match="unknown country code XX"):
        validate_tracking("RB123456785XX")
    with pytest.raises(ValidationError) as caught:
        validate_tracking("RB123456785GB", "usps")
    assert "is not a USPS tracking number" in str(caught.value)
    assert str(caught.value).endswith("it looks like a Royal Mail number")


def test_wrong_carrier_and_unknown_formats():
    with pytest.raises(ValidationError) as caught:
        validate_tracking("1Z999", "ups")
    assert str(caught.value) == (
        "1Z999 is not a UPS tracking number (UPS numbers are 1Z + 16 letters/digits)"
    )
    assert caught.value.field == "tracking_number"
    with pytest.raises(ValidationError) as caught:
        validate_tracking("986578788855", "ontrac")
    assert str(caught.value).endswith("— it looks like a FedEx number")
    with pytest.raises(ValidationError) as caught:
        validate_tracking("1Z999")
    assert str(caught.value) == (
        "1Z999 is not a tracking number format we know — check it or choose the carrier"
    )
    with pytest.raises(ValidationError, match="enter a tracking number"):
        validate_tracking("  - ")
    with pytest.raises(ValueError, match="unknown carrier code"):
        validate_tracking("1Z999AA10123456784", "pony_express")
    assert validate_tracking("1Z999AA10123456784", "").carrier_code == "ups"
    assert identify_tracking("hello") == []
    assert identify_tracking("１Z999AA10123456784") == []  # full-width digits are not digits here


URLS = {
    "ups": "https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums=1Z999AA10123456784",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111206206406260787",
    "fedex": "https://www.fedex.com/apps/fedextrack/?tracknumbers=986578788855",
    "dhl": "http://www.dhl.com/en/express/tracking.html?brand=DHL&AWB=3318810025",
    "canada_post": (
        "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor=0073938000549297"
    ),
    "royal_mail": "https://www.royalmail.com/track-your-item#/tracking-results/RB123456785GB",
    "dpd": (
        "https://www.dpdgroup.com/nl/mydpd/my-parcels/track?lang=en&parcelNumber=09980000020033F"
    ),
    "purolator": "https://www.purolator.com/en/shipping/tracker?searchValue=320595463938",
    "ontrac": "http://www.ontrac.com/tracking/?number=C11031500001879",
}


@pytest.mark.parametrize(("carrier", "url"), URLS.items())
def test_tracking_url_for_each_carrier(carrier, url):
    number = url.rsplit("=", 1)[-1].rsplit("/", 1)[-1]
    assert tracking_url(carrier, number) == url
    assert validate_tracking(number, carrier).tracking_url == url


def test_tracking_url_edge_cases():
    assert tracking_url("amazon", "TBA000000000000") is None
    assert tracking_url("upu_s10", "RB123456785DE") is None
    assert tracking_url("pony_express", "123") is None
    assert tracking_url("ups", " 1z999-aa1 ") == URLS["ups"].replace(
        "1Z999AA10123456784", "1Z999AA1"
    )
    edited = {"ups": "https://www.ups.com/track?tracknum=%s&loc=en_US"}
    assert tracking_url("ups", "1Z999AA10123456784", templates=edited) == (
        "https://www.ups.com/track?tracknum=1Z999AA10123456784&loc=en_US"
    )
    assert tracking_url("fedex", "986578788855", templates=edited) == URLS["fedex"]
    assert tracking_url("ups", "1Z&X", templates=edited) == (
        "https://www.ups.com/track?tracknum=1Z%26X&loc=en_US"
    )


def test_carriers_for_combo_boxes():
    codes = [code for code, _ in CARRIERS]
    assert {"ups", "usps", "fedex", "dhl", "royal_mail", "canada_post", "dpd", "upu_s10"} <= set(
        codes
    )
    assert len(codes) == len(set(codes))
    assert all(name for _, name in CARRIERS)
    assert codes == [carrier.code for carrier in CARRIER_DEFINITIONS]
    assert CARRIERS[0] == ("ups", "UPS")


def test_match_is_a_frozen_value():
    match = validate_tracking("3318810025")
    assert isinstance(match, TrackingMatch)
    with pytest.raises(AttributeError):
        match.number = "x"  # type: ignore[misc]
