"""Tables out as CSV (UTF-8 with BOM, so spreadsheets read the Chinese) or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from flask import Response


def csv_response(name: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Response:
    """Return rows as a CSV download."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    data = ("\ufeff" + buf.getvalue()).encode("utf-8")
    return _download(data, f"{name}.csv", "text/csv; charset=utf-8")


def xlsx_response(name: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Response:
    """Return rows as an XLSX download."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = name[:31]
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_plain(v) for v in row])
    for column in sheet.columns:
        width = max(len(str(c.value or "")) for c in column) + 4
        sheet.column_dimensions[column[0].column_letter].width = min(width * 1.6, 60)
    buf = io.BytesIO()
    book.save(buf)
    return _download(
        buf.getvalue(),
        f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def table_response(fmt: str, name: str, header, rows) -> Response:
    """Return a CSV or XLSX download as asked."""
    return (xlsx_response if fmt == "xlsx" else csv_response)(name, header, rows)


def _plain(value: Any) -> Any:
    return value if isinstance(value, int | float | str) or value is None else str(value)


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    from urllib.parse import quote

    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=report; filename*=UTF-8''{quote(filename)}"
    )
    return response
