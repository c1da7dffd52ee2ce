"""A store's published exchange hours: ranges of local time such as 09:00-11:30,14:00-17:00."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from core.domain import errors

MAX_RANGES = 4


def parse_hours(text: object) -> tuple[tuple[time, time], ...]:
    """Return the hours as (opens, closes) pairs, checked: each opens before it closes."""
    if not isinstance(text, str) or not text.strip():
        raise errors.BadValue(field="hours", reason="missing")
    ranges = []
    for part in text.replace("，", ",").replace("－", "-").replace("—", "-").split(","):
        try:
            opens, closes = (time.fromisoformat(t.strip()) for t in part.split("-"))
        except ValueError:
            raise errors.BadValue(field="hours", reason="HH:MM-HH:MM") from None
        if opens >= closes or opens.second or closes.second:
            raise errors.BadValue(field="hours", reason="HH:MM-HH:MM")
        ranges.append((opens, closes))
    if len(ranges) > MAX_RANGES:
        raise errors.BadValue(field="hours", reason="too many")
    return tuple(sorted(ranges))


def shown(ranges: tuple[tuple[time, time], ...]) -> str:
    """Return the hours as the screen shows them: 09:00-11:30, 14:00-17:00."""
    return ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in ranges)


def is_open(ranges: tuple[tuple[time, time], ...], at: datetime) -> bool:
    """Tell whether a local time falls in the hours (opening included, closing not)."""
    now = at.time()
    return any(a <= now < b for a, b in ranges)


def next_opening(ranges: tuple[tuple[time, time], ...], at: datetime) -> datetime | None:
    """Return the next local time the hours open after ``at`` (None without hours)."""
    if not ranges:
        return None
    today: date = at.date()
    for days in (0, 1):
        day = today + timedelta(days=days)
        for a, _ in ranges:
            opening = datetime.combine(day, a)
            if opening > at:
                return opening
    return None  # unreachable: tomorrow's first opening is always later
