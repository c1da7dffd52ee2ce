"""The office's notices for the stores' idle screens: announcements and collective exchange days
(集中兑换), each delivered to its stores through the feed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain import errors, hours, rules
from sync.central.context import Central, emit
from sync.central.models import Announcement, ExchangeDay, Store
from sync.central.services.audit import audit

MAX_TEXT = 500
MAX_NOTE = 200
MAX_DAYS = 366  # an announcement shows for at most a year


@dataclass(frozen=True)
class Posted:
    """What the office posted: its id and the stores it goes to (empty: every store)."""

    id: str
    stores: tuple[str, ...]


def _day(value: object, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise errors.BadValue(field=field, reason="YYYY-MM-DD") from None


def _stores(s: Session, names: list[str] | tuple[str, ...]) -> list[Store]:
    found = []
    for name in names:
        store = s.scalar(select(Store).where(Store.name == name))
        if store is None:
            raise errors.BadValue(field="store", reason=f"no store is called {name}")
        found.append(store)
    return found


def announcement_change(a: Announcement) -> dict[str, object]:
    """Return an announcement as the feed carries it."""
    return {
        "id": a.id,
        "text": a.text,
        "starts": a.starts.isoformat(),
        "ends": a.ends.isoformat(),
        "active": a.active,
    }


def post_announcement(
    c: Central,
    text: object,
    starts: object,
    ends: object,
    stores: list[str] | tuple[str, ...] = (),
    actor: str = "cli",
) -> Posted:
    """Post an announcement for some stores' idle screens (none named: every store)."""
    words = rules.text_value(text, "text", required=True, limit=MAX_TEXT)
    first, last = _day(starts, "starts"), _day(ends, "ends")
    if last < first or (last - first).days > MAX_DAYS:
        raise errors.BadValue(field="ends", reason="after the start, within a year")
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        targets = _stores(s, stores)
        row = Announcement(
            id=str(uuid.uuid4()),
            text=words,
            starts=first,
            ends=last,
            store_ids=[t.id for t in targets],
            active=True,
            created_at=now,
        )
        s.add(row)
        s.flush()
        for store_id in [t.id for t in targets] or [None]:
            emit(s, "announcement", announcement_change(row), now, store_id=store_id)
        audit(s, now, actor, "announcement_post", row.id, stores=[t.name for t in targets])
        uow.commit()
        return Posted(row.id, tuple(t.name for t in targets))


def exchange_day_change(d: ExchangeDay) -> dict[str, object]:
    """Return an exchange day as the feed carries it."""
    return {
        "id": d.id,
        "day": d.day.isoformat(),
        "opens": d.opens,
        "closes": d.closes,
        "note": d.note,
        "active": d.active,
    }


def schedule_exchange_day(
    c: Central,
    store: str,
    day: object,
    opening_hours: object,
    note: object = "",
    actor: str = "cli",
) -> Posted:
    """Schedule a collective exchange day at a store (hours as 09:00-12:00)."""
    when = _day(day, "day")
    ranges = hours.parse_hours(opening_hours)
    if len(ranges) != 1:
        raise errors.BadValue(field="hours", reason="one range, HH:MM-HH:MM")
    ((opens, closes),) = ranges
    words = rules.text_value(note, "note", required=False, limit=MAX_NOTE)
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        (target,) = _stores(s, [store])
        row = ExchangeDay(
            id=str(uuid.uuid4()),
            store_id=target.id,
            day=when,
            opens=f"{opens:%H:%M}",
            closes=f"{closes:%H:%M}",
            note=words,
            active=True,
            created_at=now,
        )
        s.add(row)
        s.flush()
        emit(s, "exchange_day", exchange_day_change(row), now, store_id=target.id)
        audit(s, now, actor, "exchange_day", row.id, store=target.name, day=when.isoformat())
        uow.commit()
        return Posted(row.id, (target.name,))
