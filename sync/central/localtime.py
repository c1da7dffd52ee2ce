"""Times for office staff: stored in UTC, shown and counted in the programme's own time zone.

The zone is the programme's, kept in the central database (central_settings, key "timezone"):
office pages show times in it, and the figures' months and a statement's days are its calendar
months and days, so an exchange at 07:00 Beijing time on the 1st counts in the month it was made
in. A new database takes $KIOSK_CENTRAL_TIMEZONE, else Asia/Shanghai; `kiosk central timezone`
changes it and recounts the monthly figures.

On SQLite the summary triggers call programme_month(), a function of this module registered on
every connection (`install`); PostgreSQL converts with its own time zone database.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, time
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine, event

DEFAULT_ZONE = "Asia/Shanghai"
ENV = "KIOSK_CENTRAL_TIMEZONE"
SETTING = "timezone"
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*")


def valid(name: str) -> bool:
    """Whether name is a region's time zone of the IANA database (Asia/Shanghai,
    Europe/Paris), or UTC. Names without a region (CET, EST5EDT) are refused: PostgreSQL reads
    them as fixed offsets, so its months would disagree with Python's in summer."""
    if not isinstance(name, str) or len(name) > 60 or not _NAME.fullmatch(name):
        return False
    if name != "UTC" and "/" not in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def initial_zone() -> str:
    """The zone a new central database starts with: $KIOSK_CENTRAL_TIMEZONE if it names one."""
    name = os.environ.get(ENV, "").strip()
    return name if valid(name) else DEFAULT_ZONE


def zone(name: str | None = None) -> ZoneInfo:
    """Return the zone named, else $KIOSK_CENTRAL_TIMEZONE, else Asia/Shanghai (an unknown
    name falls back to Asia/Shanghai too, rather than failing every page)."""
    return _zone(name or os.environ.get(ENV) or DEFAULT_ZONE)


@cache
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return ZoneInfo(DEFAULT_ZONE)


def local(at: datetime | None, fmt: str = "%Y-%m-%d %H:%M", name: str | None = None) -> str:
    """Format a stored time (naive UTC, or aware) in the office's zone; '' for no time."""
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(zone(name)).strftime(fmt)


def today(name: str | None = None, now: datetime | None = None) -> date:
    """The date it is now in the zone."""
    at = now if now is not None else datetime.now(UTC)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(zone(name)).date()


def utc_start(day: date | datetime, name: str | None = None) -> datetime:
    """The stored (naive UTC) time at which a day begins in the zone; a datetime's date counts."""
    if isinstance(day, datetime):
        day = day.date()
    return datetime.combine(day, time.min, zone(name)).astimezone(UTC).replace(tzinfo=None)


FIRST_MONTH, LAST_MONTH = "0001-01", "9999-12"  # a time past either end counts in these


def month_of(stored: Any, name: str) -> str | None:
    """YYYY-MM of a stored time (naive UTC; SQLite hands over its text) in the zone named; a
    time the zone would move past the calendar's ends counts in its first or last month."""
    if stored is None:
        return None
    try:
        at = stored if isinstance(stored, datetime) else datetime.fromisoformat(str(stored))
    except ValueError:
        return str(stored)[:7]
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    try:
        local_at = at.astimezone(zone(name))
    except OverflowError:
        return LAST_MONTH if at.year > 1 else FIRST_MONTH
    return f"{local_at.year:04d}-{local_at.month:02d}"


def pg_month(column: str, zone_sql: str) -> str:
    """PostgreSQL's YYYY-MM of a stored (naive UTC) time column in a zone (an SQL expression),
    kept within the years 1-9999 as month_of keeps it (to_char would write 10000-01, or a year
    before Christ, into a seven-character column)."""
    local_at = f"{column} AT TIME ZONE 'UTC' AT TIME ZONE {zone_sql}"
    clamped = (
        f"greatest(least({local_at}, timestamp '9999-12-31 23:59:59'),"
        f" timestamp '0001-01-01 00:00:00')"
    )
    return f"to_char({clamped}, 'YYYY-MM')"


def register_sqlite(dbapi_connection: Any) -> None:
    """Give a SQLite connection programme_month(stored, zone), as the summary triggers call it."""
    dbapi_connection.create_function("programme_month", 2, month_of, deterministic=True)


def install(engine: Engine) -> None:
    """Register programme_month on each new connection of a SQLite central database."""
    if engine.dialect.name != "sqlite" or event.contains(engine, "connect", _on_connect):
        return
    event.listen(engine, "connect", _on_connect)


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    register_sqlite(dbapi_connection)
