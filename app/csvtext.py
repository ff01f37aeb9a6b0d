"""Reading CSV files people export from spreadsheets and shops: UTF-8 with or without BOM,
comma, semicolon or tab, clear one-line errors naming the file. Shared by every importer."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from app.errors import ValidationError

DELIMITERS = (",", ";", "\t")
SNIFF_CHARS = 16 * 1024

Source = str | Path | TextIO


def source_name(source: Source) -> str:
    if isinstance(source, str | Path):
        return str(source)
    return str(getattr(source, "name", "") or "CSV data")


def decode(data: bytes, name: str) -> str:
    """UTF-8 text (a BOM is dropped); ValidationError naming the first bad byte's line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ValidationError(
            f"{name}: not UTF-8 text (line {line} has byte 0x{data[exc.start]:02X}); "
            "save it as “CSV UTF-8” and try again",
            field="file",
        ) from None


def read_text(source: Source) -> tuple[str, str]:
    """(name, text) of a file path or open file; ValidationError when it cannot be read, is
    not UTF-8 or is empty."""
    name = source_name(source)
    if isinstance(source, str | Path):
        try:
            data = Path(source).read_bytes()
        except FileNotFoundError:
            raise ValidationError(f"{name}: file not found", field="file") from None
        except IsADirectoryError:
            raise ValidationError(f"{name}: is a folder, not a CSV file", field="file") from None
        except OSError as exc:
            raise ValidationError(
                f"{name}: cannot be read ({exc.strerror or exc})", field="file"
            ) from None
        text = decode(data, name)
    else:
        try:
            content = source.read()
        except UnicodeDecodeError:
            raise ValidationError(
                f"{name}: not UTF-8 text; save it as “CSV UTF-8” and try again", field="file"
            ) from None
        text = decode(content, name) if isinstance(content, bytes) else content
        text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ValidationError(f"{name}: the file is empty (no header row)", field="file")
    return name, text


def header_key(cell: str) -> str:
    """`Reorder Point`, `reorder-point` and `REORDER_POINT` all name the same column."""
    return re.sub(r"[\s\-]+", "_", cell.strip().lower())


def records(text: str, delimiter: str) -> Iterator[list[str]]:
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def first_record(text: str, delimiter: str) -> list[str]:
    """The first non-empty record (the header), read from the start of the text only."""
    try:
        for record in records(text[:SNIFF_CHARS], delimiter):
            if any(cell.strip() for cell in record):
                return record
    except csv.Error:
        pass
    return []


def choose_delimiter(text: str, known: Iterable[str]) -> str:
    """The delimiter that splits the header into the most known column names; on a tie the
    sniffed one, then ',' before ';' before tab."""
    sample = text[:SNIFF_CHARS]
    if len(text) > SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # whole lines only
    candidates: list[str] = []
    try:
        candidates.append(csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter)
    except csv.Error:
        pass
    candidates += [d for d in DELIMITERS if d not in candidates]
    names = set(known)

    def score(delimiter: str) -> tuple[int, int]:
        cells = first_record(text, delimiter)
        return (sum(header_key(c) in names for c in cells), len(cells))

    return max(candidates, key=lambda d: (*score(d), -candidates.index(d)))


@contextmanager
def open_target(target: Source) -> Iterator[TextIO]:
    """Write CSV to an open file, or to a path as UTF-8 with a BOM (spreadsheets then show
    accents) that is replaced only once complete; ValidationError when it cannot be written."""
    if not isinstance(target, str | Path):
        yield target
        return
    path = Path(target)
    partial = path.with_name(path.name + ".part")
    try:
        with open(partial, "w", encoding="utf-8-sig", newline="") as out:
            yield out
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ValidationError(
            f"{path}: cannot be written ({exc.strerror or exc})", field="file"
        ) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
