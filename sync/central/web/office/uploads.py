"""CSV uploads to office pages: checked for kind, size and encoding before anything reads them."""

from __future__ import annotations

import io

from flask import abort

from sync.central.web.office.base import _

# What browsers send for a .csv file (Windows with Excel says vnd.ms-excel).
CSV_TYPES = {
    "",
    "text/csv",
    "text/plain",
    "application/csv",
    "application/vnd.ms-excel",
    "application/octet-stream",
}


def check_upload(upload, limit: int) -> None:
    """Refuse an upload that is not UTF-8 CSV (415) or is bigger than the limit (413)."""
    kind = (upload.mimetype or "").lower()
    if not upload.filename.lower().endswith(".csv") or kind not in CSV_TYPES:
        abort(415, description=_("Only CSV files (UTF-8) can be imported here."))
    upload.stream.seek(0, io.SEEK_END)
    size = upload.stream.tell()
    upload.stream.seek(0)
    if size > limit:
        abort(413, description=_("The file is too large: at most {mb} MB.", mb=limit // 2**20))
    try:
        text = upload.stream.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        text = "\x00"
    if "\x00" in text:  # not text (UTF-16 from a spreadsheet is full of NULs); nor storable
        abort(415, description=_("The file is not UTF-8 text: save it as CSV UTF-8."))
    upload.stream.seek(0)
