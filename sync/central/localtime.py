"""Times for office staff: stored in UTC, shown in the programme's own time zone."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Shanghai"
ENV = "KIOSK_CENTRAL_TIMEZONE"


def zone(name: str | None = None) -> ZoneInfo:
    """Return the office's time zone: the name given, else $KIOSK_CENTRAL_TIMEZONE, else
    Asia/Shanghai (an unknown name falls back to it too, rather than failing every page)."""
    return _zone(name or os.environ.get(ENV) or DEFAULT_ZONE)


@cache
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def local(at: datetime | None, fmt: str = "%Y-%m-%d %H:%M", name: str | None = None) -> str:
    """Format a stored time (naive UTC, or aware) in the office's zone; '' for no time."""
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(zone(name)).strftime(fmt)
