"""Tables out as downloads: CSV (UTF-8 with BOM, so spreadsheets read the Chinese) or XLSX."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from flask import Response

from sync.central.spreadsheet import write_csv, write_xlsx


def csv_response(name: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Response:
    """Return rows as a CSV download."""
    buf = io.StringIO()
    write_csv(buf, header, rows)
    data = ("\ufeff" + buf.getvalue()).encode("utf-8")
    return _download(data, f"{name}.csv", "text/csv; charset=utf-8")


def xlsx_response(name: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Response:
    """Return rows as an XLSX download."""
    buf = io.BytesIO()
    write_xlsx(buf, name, header, rows)
    return _download(
        buf.getvalue(),
        f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def table_response(fmt: str, name: str, header, rows) -> Response:
    """Return a CSV or XLSX download as asked."""
    return (xlsx_response if fmt == "xlsx" else csv_response)(name, header, rows)


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    from urllib.parse import quote

    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=report; filename*=UTF-8''{quote(filename)}"
    )
    return response


def file_response(data: bytes, filename: str, mimetype: str) -> Response:
    """Return bytes as a download named filename (any characters: sent as UTF-8)."""
    return _download(data, filename, mimetype)
