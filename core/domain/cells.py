"""Spreadsheet cells that cannot run: OWASP's CSV-injection rule, in one place for every export.

defusedcsv applies a similar rule, but only inside its CSV writer (our XLSX needs it too), leaves
out tab, carriage return and the full-width signs, and escapes "|", which changes the text shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

# OWASP's list, and the full-width signs, which some spreadsheet apps also read as formulas.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
QUOTE = "'"
NUMBERS = (int, float, Decimal)  # bool is an int: written as it is, never as text


def looks_like_formula(value: object) -> bool:
    """Return whether value is text that a spreadsheet could read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def cell_text(value: object) -> object:
    """Return value as a spreadsheet cell: numbers and None as they are, anything else as text."""
    if value is None or isinstance(value, NUMBERS):
        return value
    return value if isinstance(value, str) else str(value)


def csv_field(value: object) -> object:
    """Return value for a CSV field: text that could run gets a leading quote, numbers stay."""
    value = cell_text(value)
    return QUOTE + value if looks_like_formula(value) else value


def csv_row(values: Iterable[object]) -> list[object]:
    """Return a row of CSV fields, each passed through csv_field."""
    return [csv_field(value) for value in values]
