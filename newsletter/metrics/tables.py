"""Tables of figures, rendered as HTML and downloadable as CSV from the same object."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from flask_babel.speaklater import LazyString

Label: TypeAlias = str | LazyString


@dataclass(frozen=True)
class Column:
    """One column: the row key, its heading, and how its values are shown."""

    key: str
    label: Label
    kind: str = "text"  # text, int, rate (a fraction shown as %), time


@dataclass
class Table:
    """A named table; ``name`` is its CSV file name and its anchor on the page."""

    name: str
    title: Label
    columns: Sequence[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    note: Label = ""


def format_cell(value: Any, kind: str) -> str:
    """A value as a person reads it in the HTML table."""
    if value is None or value == "":
        return "–"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "rate":
        return format_rate(float(value))
    if kind == "time":
        return str(value.strftime("%Y-%m-%d %H:%M UTC")) if hasattr(value, "strftime") else value
    return str(value)


def format_rate(value: float | None) -> str:
    """A fraction as a percentage with the precision small rates need (0.08%, 2.3%)."""
    if value is None:
        return "–"
    percent = value * 100
    if percent == 0:
        return "0%"
    if percent < 1:
        return f"{percent:.2f}%"
    return f"{percent:.1f}%"


def to_csv(table: Table) -> str:
    """The table as CSV: headings in the page's language, raw numbers, ISO times.

    Cells starting with = + - @ are prefixed with ' so spreadsheets do not run them.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([str(column.label) for column in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(row.get(column.key)) for column in table.columns])
    return out.getvalue()


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    if isinstance(value, float):
        return f"{value:.6f}"
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
