"""The store's local time: today's date, a day's stored bounds, times as the screens show them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from kiosk.services.context import Kiosk


def shown_time(k: Kiosk, at: datetime | None) -> str:
    """Return a stored (naive UTC) time as the store's local "YYYY-MM-DD HH:MM"; None is ""."""
    if at is None:
        return ""
    return at.replace(tzinfo=UTC).astimezone(k.zone).strftime("%Y-%m-%d %H:%M")


def today(k: Kiosk) -> date:
    """Return the store's local date."""
    return k.clock.now().replace(tzinfo=UTC).astimezone(k.zone).date()


def day_bounds(k: Kiosk, day: date) -> tuple[datetime, datetime]:
    """Return the stored (naive UTC) start and end of a local day, midnight to midnight."""

    def utc(d: date) -> datetime:
        local = datetime(d.year, d.month, d.day, tzinfo=k.zone)
        return local.astimezone(UTC).replace(tzinfo=None)

    return utc(day), utc(day + timedelta(days=1))
