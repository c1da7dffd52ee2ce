"""The office's table downloads keep text that looks like a formula as text, numbers as numbers."""

from __future__ import annotations

import re
from pathlib import Path

from sync.central.web.export import csv_response, xlsx_response
from tests.spreadsheet_checks import (
    ATTACKS,
    assert_csv_cannot_run,
    assert_xlsx_cannot_run,
    csv_rows,
    csv_typed_rows,
    xlsx_cells,
)

ROOT = Path(__file__).resolve().parents[2]
HEADER = ["名称", "数量", "金额", "备注"]
ROWS = [[text, -5, 2.5, None] for text in ATTACKS] + [["-5", 0, -0.5, "普通文字"]]
# What writes a table in any form; only the module that applies the formula rule may.
WRITERS = re.compile(
    r"csv\.writer\(|DictWriter\(|from csv import|\bopenpyxl\b|Workbook\(|xlsxwriter|"
    r"\.to_csv\(|\.to_excel\("
)
RULE_HOLDERS = {"sync/central/spreadsheet.py"}


def test_a_csv_table_puts_a_quote_before_text_that_starts_like_a_formula():
    rows = csv_rows(csv_response("t", HEADER, ROWS).data)
    assert_csv_cannot_run(rows)
    assert [row[0] for row in rows[1:]] == ["'" + text for text in ATTACKS] + ["'-5"]
    assert rows[-1][3] == "普通文字"


def test_a_csv_table_quotes_text_and_leaves_numbers_and_negative_numbers_bare():
    typed = csv_typed_rows(csv_response("t", HEADER, ROWS).data)
    assert typed[0] == HEADER
    assert all(row[1:3] == [-5.0, 2.5] for row in typed[1:-1])
    assert typed[-1] == ["'-5", 0.0, -0.5, "普通文字"]


def test_an_xlsx_table_writes_text_that_starts_like_a_formula_as_a_string_cell():
    cells = xlsx_cells(xlsx_response("t", HEADER, ROWS).data)
    assert_xlsx_cannot_run(cells)
    # XML keeps a carriage return only as a line break, so "\r=1+1" reads back as "\n=1+1".
    expected = [text.replace("\r", "\n") for text in ATTACKS] + ["-5"]
    assert [row[0].value for row in cells[1:]] == expected
    assert all(row[0].data_type == "s" for row in cells[1:])
    assert cells[-1][3].value == "普通文字" and not cells[-1][3].quotePrefix


def test_an_xlsx_table_keeps_negative_numbers_numeric():
    cells = xlsx_cells(xlsx_response("t", HEADER, ROWS).data)
    for row in cells[1:-1]:
        assert (row[1].value, row[1].data_type) == (-5, "n")
        assert (row[2].value, row[2].data_type) == (2.5, "n")
    assert (cells[-1][2].value, cells[-1][2].data_type) == (-0.5, "n")


def test_every_table_writer_in_the_code_goes_through_the_formula_rule():
    writers = {
        path.relative_to(ROOT).as_posix()
        for folder in ("kiosk", "sync", "terminal_ui", "printer")
        for path in (ROOT / folder).rglob("*.py")
        if WRITERS.search(path.read_text(encoding="utf-8"))
    }
    assert writers == RULE_HOLDERS
