"""Read the office's CSV files, checking every row before anything is imported."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from core.domain import limits, quotas
from sync.central.scope import SEPARATOR, split_path
from sync.central.services.activities import AwardRow, SkippedRow, looks_like_card
from sync.central.services.areas import AreaRow
from sync.central.services.errors import RegistryError
from sync.central.services.goods import ProductRow
from sync.central.services.roster import RosterRow
from sync.central.services.rules import check_rule

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
            group = _group_path(row.get("group", ""))
            good.append(RosterRow(line, household, resident, phone, points, group))
        except ValueError as exc:
            problems.append(f"line {line}: {exc}")
    # A household's opening points count once, whichever of its rows carries them.
    rows_out = []
    for row in good:
        points = opening.get(row.household, (0, 0))[0]
        rows_out.append(
            RosterRow(row.line, row.household, row.resident, row.phone, points, row.group)
        )
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


RULE_COLUMNS = ("code", "name", "category", "points")  # evidence, approver, cap_* and active too
YES = {"", "1", "true", "yes", "y", "是"}
NO = {"0", "false", "no", "n", "否"}


def parse_rules(path: Path) -> Parsed:
    """Check a rule book (code, name, category, points, evidence, approver, cap_scope,
    cap_period, cap_count, active) row by row."""
    header, rows = read_csv(path)
    _need(header, RULE_COLUMNS)
    good, problems, seen = [], [], {}
    for line, row in rows:
        try:
            fields: dict[str, object] = dict(row)
            fields["points"] = _int(row.get("points", ""), "points", -(10**9), 10**9)
            count = row.get("cap_count", "")
            fields["cap_count"] = _int(count, "cap_count", 0, 10**9) if count else None
            active = row.get("active", "").lower()
            if active not in YES | NO:
                raise ValueError(f"active must be true or false, not {row.get('active')!r}")
            fields["active"] = active in YES
            try:
                spec = check_rule(fields)
            except RegistryError as exc:
                raise ValueError(str(exc)) from None
            if spec.code in seen:
                raise ValueError(f"code {spec.code} already given on line {seen[spec.code]}")
            seen[spec.code] = line
            good.append(spec)
        except ValueError as exc:
            problems.append(f"line {line}: {exc}")
    return Parsed(good, problems)


AREA_COLUMNS = ("county", "town", "village", "group")
MAX_AREA_NAME = 40


def _area_name(value: str, what: str) -> str:
    name = " ".join(value.split())
    if len(name) > MAX_AREA_NAME or not name.isprintable() or SEPARATOR in name:
        raise ValueError(
            f"{what} {value!r} must be at most {MAX_AREA_NAME} printable characters"
            f" without {SEPARATOR}"
        )
    return name


def _group_path(value: str) -> str:
    """Return a roster row's group path in its stored form ('' for none), or refuse it."""
    if not value.strip():
        return ""
    names = split_path(value)
    if len(names) != len(AREA_COLUMNS) or not all(names):
        raise ValueError(f"group {value!r} must be a path county/town/village/group")
    return SEPARATOR.join(_area_name(n, "group") for n in names)


def parse_areas(path: Path) -> Parsed:
    """Check an areas file (county, town, village, group) row by row; group may be blank."""
    header, rows = read_csv(path)
    _need(header, AREA_COLUMNS)
    good, problems = [], []
    for line, row in rows:
        try:
            names = [_area_name(row.get(col, ""), col) for col in AREA_COLUMNS]
            if not names[-1]:
                names.pop()
            missing = [col for col, name in zip(AREA_COLUMNS, names, strict=False) if not name]
            if missing:
                raise ValueError(f"{', '.join(missing)} is missing")
            good.append(AreaRow(line, tuple(names)))
        except ValueError as exc:
            problems.append(f"line {line}: {exc}")
    return Parsed(good, problems)


# Column names an office's spreadsheet may use for each thing that names a resident.
AWARD_COLUMNS = {
    "card": ("card", "card_code", "card code", "卡号", "积分卡", "积分卡号"),
    "resident_id": ("resident_id", "resident id", "id", "居民编号", "成员编号", "编号"),
    "household": ("household", "household_name", "户", "户名", "户主", "家庭"),
    "resident": ("resident", "name", "resident_name", "姓名", "居民", "成员", "名字"),
}


def parse_award_sheet(text: str) -> tuple[list[AwardRow], list[SkippedRow]]:
    """Read a CSV of residents to award: card codes, resident ids, or household and name.

    With a header row (any of AWARD_COLUMNS' names) the columns are found by name; without
    one, a row of one value is a card code or a resident id, and a row of two or more is
    household and resident name (or a card code first). Rows are numbered as the spreadsheet
    numbers them: the header is row 1 and is not counted as a row to award.
    """
    records = list(csv.reader(io.StringIO(text, newline="")))
    if not records:
        return [], []
    names = {name: field for field, names in AWARD_COLUMNS.items() for name in names}
    first = [cell.strip().lower() for cell in records[0]]
    columns: dict[str, int] = {}
    for i, cell in enumerate(first):
        if cell in names:
            columns.setdefault(names[cell], i)
    start = 1 if columns else 0
    rows: list[AwardRow] = []
    skipped: list[SkippedRow] = []
    for number, record in enumerate(records[start:], start=start + 1):
        cells = [cell.strip() for cell in record]
        if not any(cells):
            continue
        if columns:
            row = _award_row_by_header(number, cells, columns)
        else:
            row = _award_row_by_shape(number, [c for c in cells if c])
        if row is None:
            skipped.append(
                SkippedRow(number, "names no card, resident id, or household and resident")
            )
        else:
            rows.append(row)
    return rows, skipped


def _cell(cells: list[str], columns: dict[str, int], field: str) -> str:
    i = columns.get(field)
    return cells[i][: limits.MAX_NAME * 2] if i is not None and i < len(cells) else ""


def _award_row_by_header(number: int, cells: list[str], columns: dict[str, int]) -> AwardRow | None:
    card = _cell(cells, columns, "card")
    if card:
        return AwardRow(number, card=card)
    resident_id = _cell(cells, columns, "resident_id")
    if resident_id:
        return AwardRow(number, resident_id=resident_id)
    household, resident = _cell(cells, columns, "household"), _cell(cells, columns, "resident")
    if household and resident:
        return AwardRow(number, household=household, resident=resident)
    return None


def _award_row_by_shape(number: int, cells: list[str]) -> AwardRow | None:
    if not cells:
        return None
    if looks_like_card(cells[0]):
        return AwardRow(number, card=cells[0])
    if len(cells) == 1:
        return AwardRow(number, resident_id=cells[0][: limits.MAX_ID * 2])
    return AwardRow(number, household=cells[0], resident=cells[1])
