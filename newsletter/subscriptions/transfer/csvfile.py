"""Reading a subscriber CSV as a stream of numbered records.

UTF-8 with or without a byte-order mark; comma- or tab-separated, decided from the header
line; RFC 4180 quoting, so a quoted field may span lines. Records carry the number of the
line they start on (the header is line 1), which every rejection names.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

BOM = b"\xef\xbb\xbf"
MAX_FIELD = 10_000


class CsvFileError(ValueError):
    """The file as a whole cannot be read; the message names the line where known."""


@dataclass(frozen=True)
class CsvRecord:
    """One record: the line it starts on, its fields, or why it could not be split."""

    line: int
    fields: list[str]
    problem: str = ""


@dataclass
class CsvTable:
    """The header and a one-pass iterator over the records."""

    header: list[str]
    delimiter: str
    records: Iterator[CsvRecord]


def count_lines(stream: BinaryIO) -> int:
    """Physical lines in ``stream`` (a cheap estimate of the records, for progress)."""
    stream.seek(0)
    total = sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b""))
    stream.seek(0)
    return total


def open_table(stream: BinaryIO) -> CsvTable:
    """Read the header of ``stream`` and return the table; raises :class:`CsvFileError`."""
    lines = _decoded_lines(stream)
    first = next(lines, None)
    if first is None or not first.strip():
        raise CsvFileError("line 1: the file is empty; it needs a header line naming the columns")
    if "\r" in first.rstrip("\r\n"):
        raise CsvFileError(
            "line 1: lines end with a bare carriage return (the old Mac format); "
            "save the file as CSV UTF-8 and try again"
        )
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    try:
        header = next(csv.reader([first], delimiter=delimiter))
    except csv.Error as exc:  # e.g. a field beyond the csv module's size limit
        raise CsvFileError(f"line 1: the header line is not valid CSV ({exc})") from None
    return CsvTable(header, delimiter, _records(lines, delimiter))


def _decoded_lines(stream: BinaryIO) -> Iterator[str]:
    """Decode line by line, so an encoding error can name its line."""
    for number, raw in enumerate(stream, start=1):
        line = raw[len(BOM) :] if number == 1 and raw.startswith(BOM) else raw
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CsvFileError(
                f"line {number}: the file is not UTF-8 (byte {exc.start + 1} of the line); "
                "save it as UTF-8 and try again"
            ) from None


def _records(lines: Iterator[str], delimiter: str) -> Iterator[CsvRecord]:
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    while True:
        # reader.line_num counts the physical lines read so far, after the header.
        line = reader.line_num + 2
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # The reader resumes at the next line, so one broken record costs one record.
            yield CsvRecord(line, [], f"the line is not valid CSV ({exc}); check its quotes")
            continue
        if not fields or fields == [""]:
            continue
        if any(len(value) > MAX_FIELD for value in fields):
            yield CsvRecord(line, [], f"a field is longer than {MAX_FIELD} characters")
            continue
        yield CsvRecord(line, fields)
