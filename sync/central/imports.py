"""Read the office's CSV files, checking every row before anything is imported."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from core.domain import limits, quotas
from sync.central.services.goods import ProductRow
from sync.central.services.roster import RosterRow

PHONE = limits.PHONE


@dataclass
class Parsed:
    """Rows that are fine and problems found, each naming its line."""

    rows: list
    problems: list[str]


def read_csv(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Return the header and (line number, row) pairs of a UTF-8 CSV, BOM or not."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(
            f"{path} is not UTF-8 text (save it from the spreadsheet as CSV UTF-8)"
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    rows = []
    for row in reader:
        values = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if not any(values.values()):
            continue
        rows.append((reader.line_num, values))
    return header, rows


def _need(header: list[str], columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in header]
    if missing:
        raise ValueError(
            f"the file needs the column(s) {', '.join(missing)}; expected {', '.join(columns)}"
        )


def _text(value: str, what: str, limit: int = limits.MAX_NAME) -> str:
    text = " ".join(value.split())
    if not text:
        raise ValueError(f"{what} is missing")
    if len(text) > limit or not text.isprintable():
        raise ValueError(f"{what} is longer than {limit} characters or unprintable")
    return text


def _int(value: str, what: str, low: int, high: int, blank: int | None = None) -> int:
    if value == "" and blank is not None:
        return blank
    if not re.fullmatch(r"-?\d{1,9}", value):
        raise ValueError(f"{what} must be a whole number, not {value!r}")
    number = int(value)
    if not low <= number <= high:
        raise ValueError(f"{what} must be from {low} to {high}")
    return number


def parse_roster(path: Path) -> Parsed:
    """Check a roster (household, resident, phone, opening_points) row by row."""
    header, rows = read_csv(path)
    _need(header, ("household", "resident"))
    good, problems = [], []
    opening: dict[str, tuple[int, int]] = {}
    for line, row in rows:
        try:
            household = _text(row.get("household", ""), "household")
            resident = _text(row.get("resident", ""), "resident")
            phone = row.get("phone", "")
            if not PHONE.fullmatch(phone):
                raise ValueError(f"phone {phone!r} is not a phone number")
            points = _int(
                row.get("opening_points", ""), "opening_points", *limits.OPENING_POINTS, blank=0
            )
            if points and household in opening and opening[household][0] != points:
                first = opening[household]
                raise ValueError(
                    f"opening_points {points} differs from {first[0]} given for "
                    f"{household} on line {first[1]}"
                )
            if points:
                opening.setdefault(household, (points, line))
            good.append(RosterRow(line, household, resident, phone, points))
        except ValueError as exc:
            problems.append(f"line {line}: {exc}")
    # A household's opening points count once, whichever of its rows carries them.
    rows_out = []
    for row in good:
        points = opening.get(row.household, (0, 0))[0]
        rows_out.append(RosterRow(row.line, row.household, row.resident, row.phone, points))
    return Parsed(rows_out, problems)


PRODUCT_COLUMNS = ("code", "name", "category", "points", "unit")


def _quota(row: dict[str, str]) -> tuple[int | None, str | None]:
    """Return a row's optional quota (columns quota and quota_period: week or month)."""
    limit, period = row.get("quota", ""), row.get("quota_period", "").lower()
    if not limit and not period:
        return None, None
    if period not in ("week", "month"):
        raise ValueError("quota_period must be week or month when a quota is given")
    return _int(limit, "quota", 1, quotas.MAX_QUOTA), period


def parse_products(path: Path) -> Parsed:
    """Check a goods catalogue (code, name, category, points, unit; optionally quota and
    quota_period) row by row."""
    header, rows = read_csv(path)
    _need(header, PRODUCT_COLUMNS)
    good, problems, seen = [], [], {}
    for line, row in rows:
        try:
            code = row.get("code", "").upper()
            if not limits.is_code(code):
                raise ValueError(f"code {row.get('code')!r} must be 1 to 32 letters, digits, . _ -")
            if code in seen:
                raise ValueError(f"code {code} already given on line {seen[code]}")
            seen[code] = line
            good.append(
                ProductRow(
                    line,
                    code,
                    _text(row.get("name", ""), "name"),
                    _text(row.get("category", ""), "category", limits.MAX_CATEGORY),
                    _int(row.get("points", ""), "points", *limits.PRODUCT_POINTS),
                    _text(row.get("unit", ""), "unit", limits.MAX_UNIT),
                    *_quota(row),
                )
            )
        except ValueError as exc:
            problems.append(f"line {line}: {exc}")
    return Parsed(good, problems)
