"""CSV exports that spreadsheet programs read right: UTF-8 with a BOM (accents), and no cell runs as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """The file's bytes: a header line, then one line per row; datetimes in ISO 8601, None as an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def safe_cell(value: object) -> object:
    """A member's text starting with = + - @ would run as a spreadsheet formula (CSV injection): quote it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
