"""Tables written as CSV or XLSX, with no cell a spreadsheet could run as a formula."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import IO, Any

from core.domain.cells import cell_text, csv_row, looks_like_formula


def write_csv(fh: IO[str], header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> None:
    """Write a header and rows as CSV: text quoted, with a leading ' where it could run."""
    # Quoting every text field also keeps text whole where a spreadsheet splits on ";" instead.
    writer = csv.writer(fh, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(csv_row(header))
    writer.writerows(csv_row(row) for row in rows)


def write_xlsx(
    fh: IO[bytes], title: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]
) -> None:
    """Write a header (in bold) and rows as a one-sheet XLSX workbook, with no formula cells."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([_cell(sheet, value) for value in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    for column in sheet.columns:
        width = max(len(str(c.value or "")) for c in column) + 4
        sheet.column_dimensions[column[0].column_letter].width = min(width * 1.6, 60)
    book.save(fh)


def _cell(sheet, value: Any):
    """Return an XLSX cell: numbers as numbers, text always as a string, never a formula."""
    from openpyxl.cell.cell import Cell

    value = cell_text(value)
    cell = Cell(sheet, value=value)
    if isinstance(value, str):
        # openpyxl makes any text starting with "=" a formula (and "#N/A" an error): undo that.
        cell.data_type = "s"
        # Excel's own mark for text typed with a leading ': editing the cell keeps it text.
        cell.quotePrefix = looks_like_formula(value)
    return cell


def write_xlsx_sheet(
    fh: IO[bytes],
    title: str,
    rows: Iterable[Sequence[Any]],
    *,
    bold_rows: Sequence[int] = (1,),
    widths: Sequence[float] = (),
    money: Sequence[str] = (),
) -> None:
    """Write rows as a one-sheet workbook laid out as given (a heading, figures, a table):
    bold_rows by number, column widths from A, money cells (such as "B9") as 0.00."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    for number in bold_rows:
        for cell in sheet[number]:
            cell.font = Font(bold=True)
    for i, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    for ref in money:
        sheet[ref].number_format = "#,##0.00"
    book.save(fh)
