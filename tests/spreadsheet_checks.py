"""Read exported CSV and XLSX back as a spreadsheet would, and check that no cell can run."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell

# Written out here rather than imported, so the tests state the rule the code must keep.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
HYPERLINK = '=HYPERLINK("http://evil.example","d")'
# Printable text a shopkeeper or an office clerk can type (the kiosk trims tabs and newlines).
TYPED_ATTACKS = [
    HYPERLINK,
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    '＝HYPERLINK("http://evil.example","d")',
    "＋1+1",
    "－1+1",
    "＠SUM(1+1)",
]
ATTACKS = [*TYPED_ATTACKS, "\t=1+1", "\r=1+1"]
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")  # a spreadsheet reads it as a number


def csv_rows(data: bytes) -> list[list[str]]:
    """Return a CSV download's rows as text."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def csv_typed_rows(data: bytes) -> list[list[str | float]]:
    """Return a CSV download's rows with quoted fields as text and bare fields as numbers."""
    text = io.StringIO(data.decode("utf-8-sig"), newline="")
    return list(csv.reader(text, quoting=csv.QUOTE_NONNUMERIC))


def xlsx_cells(data: bytes) -> list[list[Cell]]:
    """Return the cells of an XLSX download's first sheet, row by row."""
    return [list(row) for row in load_workbook(io.BytesIO(data)).active.iter_rows()]


def assert_csv_cannot_run(rows: list[list[str]]) -> None:
    """Assert that no CSV cell but a number starts like a formula (a leading quote marks text)."""
    for row in rows:
        for text in row:
            if NUMBER.fullmatch(text):
                continue
            assert not text.startswith(FORMULA_STARTS), f"{text!r} would run as a formula"


def assert_xlsx_cannot_run(cells: list[list[Cell]]) -> None:
    """Assert that no XLSX cell is a formula, and text that looks like one stays text if edited."""
    for row in cells:
        for cell in row:
            assert cell.data_type != "f", f"{cell.coordinate} {cell.value!r} is a formula"
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
