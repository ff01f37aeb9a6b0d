"""Carrier tracking numbers: recognise the carrier, verify check digits, build tracking links."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from urllib.parse import quote

from app.errors import ValidationError

FIELD = "tracking_number"


@dataclass(frozen=True, slots=True)
class TrackingFormat:
    """One number format of a carrier.

    Each pattern is matched in full against the cleaned number (no spaces, upper case). Named
    groups: `data` (what the check digit is computed over), `check` (the printed check
    character), optional `number` (the part people track with, when the scan carries more, e.g. a
    routing prefix) and `country` (UPU S10: the issuing post).
    """

    name: str
    patterns: tuple[str, ...]
    checksum: str | None = None  # a key of _CHECKSUMS; None: the format has no check digit
    check_name: str = "check digit"
    priority: int = 0  # orders equally verified alternatives; higher first, then table order


@dataclass(frozen=True, slots=True)
class Carrier:
    """A carrier, the number formats it uses and its tracking page."""

    code: str
    name: str
    formats: tuple[TrackingFormat, ...]
    url_template: str | None  # "%s" stands for the number
    hint: str  # what its numbers look like, for error messages


@dataclass(frozen=True, slots=True)
class TrackingMatch:
    """A carrier and format a tracking number fits."""

    carrier_code: str
    carrier_name: str
    format_name: str
    number: str  # normalised: what to store, show and track with
    verified: bool  # True: check digit valid; False: shape fits, format has no check digit
    tracking_url: str | None


# --- check-digit algorithms: each maps the data characters to the expected check character ---


def _ups_value(char: str) -> int:
    return int(char) if char.isdigit() else (ord(char) - 3) % 10


def _ups_mod10(data: str) -> str:
    """UPS: letters (ord - 3) mod 10; every 2nd character from the left counts double."""
    total = sum(_ups_value(c) * (2 if i % 2 else 1) for i, c in enumerate(data))
    return str((10 - total % 10) % 10)


def _gs1_mod10(data: str) -> str:
    """GS1: weights 3,1,3,… starting at the digit next to the check digit.

    Canada Post (3,1 from the left on 15 digits) and FedEx Ground (1,3 from the left on 14
    digits) are this rule written from the other end.
    """
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(data)))
    return str((10 - total % 10) % 10)


def _usps91_mod10(data: str) -> str:
    """USPS legacy: GS1 mod 10 with the application identifier 91 in front, printed or not."""
    return _gs1_mod10(data if len(data) == 21 else "91" + data)


def _fedex_mod11(data: str) -> str:
    """FedEx: weights 1,3,7 repeating from the right, sum mod 11 mod 10.

    That is 3,1,7 from the left on the 11 digits of a 12-digit number and 1,7,3 from the left
    on the 13 digits checked in the 34-digit label barcode.
    """
    weights = (1, 3, 7)
    total = sum(int(c) * weights[i % 3] for i, c in enumerate(reversed(data)))
    return str(total % 11 % 10)


def _mod7(data: str) -> str:
    return str(int(data) % 7)


def _s10_mod11(data: str) -> str:
    total = sum(int(c) * w for c, w in zip(data, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    check = 11 - total % 11
    return "0" if check == 10 else "5" if check == 11 else str(check)


def _luhn(data: str) -> str:
    total = 0
    for i, char in enumerate(reversed(data)):
        value = int(char) * (2 if i % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _iso7064_mod37_36(data: str) -> str:
    """ISO/IEC 7064 MOD 37,36 (DPD): an alphanumeric check character."""
    carry = 36
    for char in data:
        carry += _ALNUM.index(char)
        if carry > 36:
            carry -= 36
        carry *= 2
        if carry > 36:
            carry -= 37
    return _ALNUM[(37 - carry) % 36]


_CHECKSUMS: dict[str, Callable[[str], str]] = {
    "ups_mod10": _ups_mod10,
    "gs1_mod10": _gs1_mod10,
    "usps91_mod10": _usps91_mod10,
    "fedex_mod11": _fedex_mod11,
    "mod7": _mod7,
    "s10_mod11": _s10_mod11,
    "luhn": _luhn,
    "iso7064_mod37_36": _iso7064_mod37_36,
}

# --- the carrier table ---

_IMPB = r"(?P<number>(?P<data>9[2-5][0-9]{19}(?:[0-9]{4}){0,2})(?P<check>[0-9]))"
_S10 = "UPU S10"

CARRIER_DEFINITIONS: tuple[Carrier, ...] = (
    Carrier(
        "ups",
        "UPS",
        (
            TrackingFormat(
                "UPS 1Z", (r"1Z(?P<data>[A-Z0-9]{15})(?P<check>[A-Z0-9])",), "ups_mod10"
            ),
            TrackingFormat(
                "UPS Mail Innovations",
                (r"[AHJKTV](?P<data>[0-9]{9})(?P<check>[0-9])",),
                "ups_mod10",
            ),
        ),
        "https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums=%s",
        "UPS numbers are 1Z + 16 letters/digits",
    ),
    Carrier(
        "usps",
        "USPS",
        (
            # A scanner reads the GS1-128 label as 420 + destination ZIP5/ZIP9 + the IMpb.
            TrackingFormat(
                "USPS IMpb",
                (_IMPB, r"420[0-9]{5}" + _IMPB, r"420[0-9]{9}" + _IMPB),
                "gs1_mod10",
            ),
            TrackingFormat("USPS 20-digit", (r"(?P<data>[0-9]{19})(?P<check>[0-9])",), "gs1_mod10"),
            TrackingFormat(
                "USPS legacy (91)",
                (r"(?P<data>91[0-9]{19})(?P<check>[0-9])", r"(?P<data>[0-9]{19})(?P<check>[0-9])"),
                "usps91_mod10",
            ),
        ),
        "https://tools.usps.com/go/TrackConfirmAction?tLabels=%s",
        "USPS numbers are 20 digits, 22, 26 or 30 digits starting 91–95, "
        "or 2 letters + 9 digits + US",
    ),
    Carrier(
        "fedex",
        "FedEx",
        (
            TrackingFormat(
                "FedEx Express", (r"(?P<data>[0-9]{11})(?P<check>[0-9])",), "fedex_mod11"
            ),
            TrackingFormat("FedEx Ground", (r"(?P<data>[0-9]{14})(?P<check>[0-9])",), "gs1_mod10"),
            TrackingFormat(
                "FedEx Ground 96", (r"96[0-9]{5}(?P<data>[0-9]{14})(?P<check>[0-9])",), "gs1_mod10"
            ),
            # Label barcode (Express 100…, Ground GSN 96…): the check covers the last 13 data
            # digits and the last 12 digits are the 12-digit number customers track with.
            TrackingFormat(
                "FedEx 34-digit barcode",
                (
                    r"(?:100[0-9]{2}|96[0-9]{3})[0-9]{15}"
                    r"(?P<data>[0-9]{2}(?=(?P<number>[0-9]{12}))[0-9]{11})(?P<check>[0-9])",
                ),
                "fedex_mod11",
            ),
            # SSCC-18, on its own or behind the GS1 application identifier 00 (20 digits).
            TrackingFormat(
                "FedEx Ground SSCC-18",
                (r"(?:00)?(?P<number>(?P<data>[0-9]{17})(?P<check>[0-9]))",),
                "gs1_mod10",
                priority=1,
            ),
            # SmartPost / Ground Economy parcels carry a USPS IMpb number that FedEx tracks too.
            TrackingFormat(
                "FedEx Ground Economy (SmartPost)",
                (r"(?P<data>92[0-9]{19})(?P<check>[0-9])",),
                "gs1_mod10",
            ),
        ),
        "https://www.fedex.com/apps/fedextrack/?tracknumbers=%s",
        "FedEx numbers are 12, 15 or 18 digits, 20 starting 00, 22 starting 92 or 96, "
        "or a 34-digit label barcode",
    ),
    Carrier(
        "dhl",
        "DHL",
        (
            TrackingFormat("DHL Express", (r"(?P<data>[0-9]{9,10})(?P<check>[0-9])",), "mod7"),
            TrackingFormat("DHL piece id", (r"J[A-Z]{2,3}[0-9]{9,10}",)),
            TrackingFormat(
                "DHL eCommerce",
                (r"(?:GM|LX|RX|UV|CN|SG|TH|IN|HK|MY)[A-Z0-9]{10,39}", r"[0-9]{14}"),
                priority=-1,
            ),
        ),
        "http://www.dhl.com/en/express/tracking.html?brand=DHL&AWB=%s",
        "DHL Express numbers are 10 or 11 digits; piece ids are J + 2–3 letters + 9–10 digits",
    ),
    Carrier(
        "canada_post",
        "Canada Post",
        (TrackingFormat("Canada Post", (r"(?P<data>[0-9]{15})(?P<check>[0-9])",), "gs1_mod10"),),
        "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor=%s",
        "Canada Post numbers are 16 digits, or 2 letters + 9 digits + CA",
    ),
    Carrier(
        "royal_mail",
        "Royal Mail",
        (),  # UPU S10 numbers ending in GB (domestic tracked items use the same shape)
        "https://www.royalmail.com/track-your-item#/tracking-results/%s",
        "Royal Mail numbers are 2 letters + 9 digits + GB",
    ),
    Carrier(
        "dpd",
        "DPD",
        (
            TrackingFormat(
                "DPD",
                (r"(?P<data>[0-9]{14})(?P<check>[A-Z0-9])",),
                "iso7064_mod37_36",
                check_name="check character",
            ),
            TrackingFormat("DPD (without check character)", (r"[0-9]{14}",)),
        ),
        "https://www.dpdgroup.com/nl/mydpd/my-parcels/track?lang=en&parcelNumber=%s",
        "DPD numbers are 14 digits + 1 check character",
    ),
    Carrier(
        "purolator",
        "Purolator",
        (
            TrackingFormat("Purolator", (r"(?P<data>[0-9]{11})(?P<check>[0-9])",), "luhn"),
            TrackingFormat("Purolator (letters)", (r"[A-Z]{3}[0-9]{9}",)),
        ),
        "https://www.purolator.com/en/shipping/tracker?searchValue=%s",
        "Purolator numbers are 12 digits, or 3 letters + 9 digits",
    ),
    Carrier(
        "ontrac",
        "OnTrac",
        (TrackingFormat("OnTrac", (r"(?P<data>[CD][0-9]{13})(?P<check>[0-9])",), "ups_mod10"),),
        "http://www.ontrac.com/tracking/?number=%s",
        "OnTrac numbers are C or D + 14 digits",
    ),
    Carrier(
        "amazon",
        "Amazon Logistics",
        (TrackingFormat("Amazon Logistics", (r"TBA[0-9]{12}",)),),
        None,
        "Amazon Logistics numbers are TBA + 12 digits",
    ),
    Carrier(
        "upu_s10",
        "Other postal service (UPU S10)",
        (
            TrackingFormat(
                _S10,
                (r"[A-Z]{2}(?P<data>[0-9]{8})(?P<check>[0-9])(?P<country>[A-Z]{2})",),
                "s10_mod11",
            ),
        ),
        None,
        "international post numbers are 2 letters + 9 digits + a 2-letter country code",
    ),
)

# The post that issued a UPU S10 number, by its last two letters; other countries stay "upu_s10".
S10_COUNTRY_CARRIERS: Mapping[str, str] = {"US": "usps", "GB": "royal_mail", "CA": "canada_post"}

# ISO 3166-1 alpha-2 codes: an S10 number must end with one of them (UPU members use these).
_COUNTRY_CODES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
    GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
    KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
    MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
    TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
    ZW
    """.split()
)

_BY_CODE: Mapping[str, Carrier] = {carrier.code: carrier for carrier in CARRIER_DEFINITIONS}

# For combo boxes: (code, display name), the common carriers first.
CARRIERS: list[tuple[str, str]] = [(c.code, c.name) for c in CARRIER_DEFINITIONS]

# Separators people type and scanners send: spaces, dashes, the GS1 group separator (FNC1) and
# the brackets printed around GS1 application identifiers in human-readable text.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\x1d()]+")


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.ASCII)


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A format whose shape the number fits, and what (if anything) is wrong with it."""

    match: TrackingMatch
    rank: tuple[int, int]  # (-priority, table position)
    problem: str | None = None  # e.g. "has a wrong check digit: 5, expected" (+ `expected`)
    s10: bool = False
    expected: str | None = None  # the check character the data calls for, when it differs


def _a(name: str) -> str:
    """`name` with its indefinite article ("a UPS", "an OnTrac")."""
    return f"{'an' if name[:1] in 'AEIO' else 'a'} {name}"


def _clean(raw: str) -> str:
    return _SEPARATORS.sub("", raw).upper()


def _s10_carrier(country: str) -> tuple[str, str]:
    code = S10_COUNTRY_CARRIERS.get(country)
    if code is None:
        return "upu_s10", f"Postal service ({country})"
    return code, _BY_CODE[code].name


def _candidates(cleaned: str) -> list[_Candidate]:
    found: list[_Candidate] = []
    seen: set[tuple[str, str, str]] = set()
    position = 0
    for carrier in CARRIER_DEFINITIONS:
        for fmt in carrier.formats:
            position += 1
            for pattern in fmt.patterns:
                hit = _compiled(pattern).fullmatch(cleaned)
                if hit is None:
                    continue
                groups = hit.groupdict()
                number = groups.get("number") or cleaned
                code, name = carrier.code, carrier.name
                country = groups.get("country")
                problem = expected = None
                if country is not None:
                    code, name = _s10_carrier(country)
                    if country not in _COUNTRY_CODES:
                        name = _S10
                        problem = (
                            f"has an unknown country code {country} (the last two letters name "
                            "the post that issued it)"
                        )
                if fmt.checksum is not None and problem is None:
                    expected = _CHECKSUMS[fmt.checksum](groups["data"])
                    if expected == groups["check"]:
                        expected = None
                    else:
                        problem = f"has a wrong {fmt.check_name}: {groups['check']}, expected"
                key = (code, fmt.name, number)
                if key in seen:
                    continue
                seen.add(key)
                match = TrackingMatch(
                    carrier_code=code,
                    carrier_name=name,
                    format_name=fmt.name,
                    number=number,
                    verified=fmt.checksum is not None,
                    tracking_url=tracking_url(code, number),
                )
                rank = (-fmt.priority, position)
                found.append(_Candidate(match, rank, problem, country is not None, expected))
    return found


def _describe(broken: list[_Candidate]) -> str:
    """What is wrong with the first broken reading, naming every expected check digit.

    A 20-digit USPS number, for one, has two readings with different check digits.
    """
    first = broken[0]
    if first.expected is None:
        return first.problem or ""
    same = [c for c in broken if c.problem == first.problem and c.expected is not None]
    if len({c.expected for c in same}) == 1:
        return f"{first.problem} {first.expected}"
    options = " or ".join(f"{c.expected} (as {c.match.format_name})" for c in same)
    return f"{first.problem} {options}"


def _ranked(candidates: list[_Candidate]) -> list[TrackingMatch]:
    good = [c for c in candidates if c.problem is None]
    good.sort(key=lambda c: (not c.match.verified, c.rank))
    return [c.match for c in good]


def normalize_tracking(raw: str) -> str:
    """The tracking number in `raw` as people track it.

    Removes spaces, dashes and GS1 separators, upper-cases, and unwraps label barcodes: a USPS
    GS1-128 scan (420 + ZIP5/ZIP9 + IMpb) keeps the IMpb part, a FedEx 34-digit barcode its last
    12 digits, GS1 00 + SSCC the 18-digit SSCC. Does not check that the result is valid. A
    20-digit number starting 00 could also be a USPS number; `identify_tracking` offers both.
    """
    cleaned = _clean(raw)
    if cleaned.startswith("420"):
        # 34 and 38 digits can be read with either ZIP length: prefer the reading that verifies.
        readings = (_compiled(_IMPB).fullmatch(cleaned[3 + length :]) for length in (9, 5))
        hits = [hit for hit in readings if hit is not None]
        for hit in hits:
            if _gs1_mod10(hit["data"]) == hit["check"]:
                return hit["number"]
        if hits:
            return hits[0]["number"]
    if _compiled(r"(?:100|96[0-9])[0-9]{31}").fullmatch(cleaned):
        return cleaned[-12:]
    if _compiled(r"00[0-9]{18}").fullmatch(cleaned):
        return cleaned[2:]
    return cleaned


def identify_tracking(raw: str) -> list[TrackingMatch]:
    """Every carrier and format `raw` fits, best first; empty when none.

    Numbers whose check digit is valid come first (`verified`), then formats that have no check
    digit and only prove the shape. Numbers with a wrong check digit are left out. Several
    formats overlap (a 12-digit number can be FedEx Express or Purolator; a 20-digit one USPS or
    FedEx), so the caller should offer the alternatives, preferring the carrier it expects.
    """
    return _ranked(_candidates(_clean(raw)))


def validate_tracking(raw: str, carrier: str | None = None) -> TrackingMatch:
    """The best match of `raw`, restricted to `carrier` (a code from `CARRIERS`) when given.

    Without a carrier (None or ""), returns the first of `identify_tracking(raw)`.
    For carrier "upu_s10" any S10 number matches, returned with the post it resolves to.
    Raises ValidationError (field "tracking_number") saying what is wrong: a wrong check digit
    (naming the expected one), a number that is not the chosen carrier's, or an unknown format.
    Raises ValueError for an unknown carrier code.
    """
    carrier = carrier or None  # "" from an "any carrier" combo entry
    if carrier is not None and carrier not in _BY_CODE:
        raise ValueError(f"unknown carrier code {carrier!r}")
    cleaned = _clean(raw)
    if not cleaned:
        raise ValidationError("enter a tracking number", field=FIELD)
    candidates = _candidates(cleaned)
    if carrier is None:
        ranked = _ranked(candidates)
        if ranked:
            return ranked[0]
        broken = [c for c in candidates if c.problem is not None]
        if broken:
            first = broken[0]
            broken = [c for c in broken if c.match.carrier_code == first.match.carrier_code]
            raise ValidationError(
                f"{first.match.number} looks like {_a(first.match.carrier_name)} tracking "
                f"number but {_describe(broken)} — check it or choose the carrier",
                field=FIELD,
            )
        raise ValidationError(
            f"{cleaned} is not a tracking number format we know — check it or choose the carrier",
            field=FIELD,
        )
    mine = [
        c for c in candidates if c.match.carrier_code == carrier or (c.s10 and carrier == "upu_s10")
    ]
    ranked = _ranked(mine)
    if ranked:
        return ranked[0]
    broken = [c for c in mine if c.problem is not None]
    if broken:
        first = broken[0]
        raise ValidationError(
            f"{first.match.carrier_name} tracking number {first.match.number} {_describe(broken)}",
            field=FIELD,
        )
    chosen = _BY_CODE[carrier]
    message = f"{cleaned} is not a {chosen.name} tracking number ({chosen.hint})"
    others = list(dict.fromkeys(m.carrier_name for m in _ranked(candidates)))
    if others:
        message += f" — it looks like {_a(' or '.join(others))} number"
    raise ValidationError(message, field=FIELD)


def tracking_url(
    carrier_code: str, number: str, templates: Mapping[str, str] | None = None
) -> str | None:
    """The carrier's tracking page for `number`, or None when the carrier has no template.

    `templates` (carrier code -> URL with "%s" for the number) overrides the built-in ones, e.g.
    with templates the user edited. The number is only cleaned (spaces, dashes, case), not
    unwrapped, so pass the match's `number`.
    """
    template = None
    if templates is not None:
        template = templates.get(carrier_code)
    if template is None:
        carrier = _BY_CODE.get(carrier_code)
        template = carrier.url_template if carrier is not None else None
    if not template:
        return None
    return template.replace("%s", quote(_clean(number), safe=""))
