"""The office's notices for the stores' idle screens: announcements and collective exchange days
(集中兑换), each delivered to its stores through the feed."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain import errors, hours, limits, rules
from sync.central.context import Central, emit
from sync.central.models import Announcement, Area, ExchangeDay, Store
from sync.central.photos import PhotoRefused, check_picture
from sync.central.scope import WHOLE, Scope, join_path, split_path
from sync.central.services.audit import audit
from sync.central.services.errors import Refusal, RegistryError
from sync.central.states import AreaLevel

MAX_TEXT = 500
MAX_NOTE = 200
MAX_DAYS = 366  # an announcement shows for at most a year
MAX_VILLAGES = 200  # villages one announcement names


@dataclass(frozen=True)
class Posted:
    """What the office posted: its id and the stores it goes to (none, and no villages named:
    every store), and the villages it names."""

    id: str
    stores: tuple[str, ...]
    villages: tuple[str, ...] = ()


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
        # PostgreSQL cannot compare text holding a NUL: such a name names no store.
        store = None if "\x00" in name else s.scalar(select(Store).where(Store.name == name))
        if store is None:
            raise errors.BadValue(field="store", reason=f"no store is called {name}")
        found.append(store)
    return found


def _villages(s: Session, paths: list[str] | tuple[str, ...], scope: Scope) -> list[Area]:
    found = []
    for path in paths:
        wanted = join_path(split_path(str(path)[:200]))
        if "\x00" in wanted:  # PostgreSQL cannot compare it; no area holds one
            raise RegistryError(Refusal.NO_VILLAGE, path=wanted.replace("\x00", "\ufffd"))
        area = s.scalar(select(Area).where(Area.path == wanted, Area.level == AreaLevel.VILLAGE))
        if area is None or not scope.covers_path(area.path):
            raise RegistryError(Refusal.NO_VILLAGE, path=wanted)
        if area not in found:
            found.append(area)
    return found


def _picture(data: bytes | None) -> tuple[bytes | None, str | None]:
    if data is None:
        return None, None
    try:
        return bytes(data), check_picture(data)
    except PhotoRefused as exc:
        if exc.too_large:
            raise RegistryError(Refusal.PICTURE_SIZE, kb=limits.MAX_PICTURE_BYTES // 1024) from None
        raise RegistryError(Refusal.PICTURE_TYPE) from None


def announcement_change(a: Announcement) -> dict[str, object]:
    """Return an announcement as the feed carries it (its picture as base64, or null)."""
    return {
        "id": a.id,
        "text": a.text,
        "starts": a.starts.isoformat(),
        "ends": a.ends.isoformat(),
        "active": a.active,
        "villages": list(a.villages or []),
        "picture_type": a.picture_type,
        "picture": base64.b64encode(a.picture).decode("ascii") if a.picture else None,
    }


def post_announcement(
    c: Central,
    text: object,
    starts: object,
    ends: object,
    stores: list[str] | tuple[str, ...] = (),
    actor: str = "cli",
    *,
    villages: list[str] | tuple[str, ...] = (),
    picture: bytes | None = None,
    scope: Scope = WHOLE,
) -> Posted:
    """Post an announcement for the idle screens of the stores named and of the stores in the
    villages named (neither named: every store), with an optional JPEG or PNG picture."""
    words = rules.text_value(text, "text", required=True, limit=MAX_TEXT)
    first, last = _day(starts, "starts"), _day(ends, "ends")
    if last < first or (last - first).days > MAX_DAYS:
        raise errors.BadValue(field="ends", reason="after the start, within a year")
    if len(villages) > MAX_VILLAGES:
        raise errors.BadValue(field="villages", reason=f"at most {MAX_VILLAGES}")
    data, media_type = _picture(picture)
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        named = _stores(s, stores)
        places = _villages(s, villages, scope)
        targets = list(named)
        if places:
            in_villages = s.scalars(
                select(Store).where(Store.area_id.in_([v.id for v in places])).order_by(Store.name)
            )
            targets += [t for t in in_villages if t not in targets]
        row = Announcement(
            id=str(uuid.uuid4()),
            text=words,
            starts=first,
            ends=last,
            store_ids=[t.id for t in named],
            villages=[v.path for v in places],
            active=True,
            created_at=now,
            picture_type=media_type,
            picture=data,
        )
        s.add(row)
        s.flush()
        # Nothing named reaches every store; villages without a store yet reach none.
        aimed, change = bool(named or places), announcement_change(row)
        for store_id in [t.id for t in targets] if aimed else [None]:
            emit(s, "announcement", change, now, store_id=store_id)
        audit(
            s,
            now,
            actor,
            "announcement_post",
            row.id,
            stores=[t.name for t in targets],
            villages=row.villages,
            picture=media_type,
        )
        uow.commit()
        return Posted(row.id, tuple(t.name for t in targets), tuple(row.villages))


def send_village_announcements(
    s: Session, store: Store, village: str, now, left: str | None = None
) -> int:
    """Send a store just placed in a village the announcements that name the village and still
    show (posted before the store was there), and withdraw from it those it had only as a store
    of the village it left; return how many changes were sent."""
    sent = 0
    rows = s.scalars(
        select(Announcement)
        .where(Announcement.active.is_(True), Announcement.ends >= now.date())
        .order_by(Announcement.created_at)
    )
    for row in rows:
        named = row.villages or []
        if store.id in (row.store_ids or []) or (village in named) == (left in named):
            continue  # the store's own, or the move changes nothing for it
        change = announcement_change(row)
        if village not in named:
            change = {**change, "active": False, "picture": None, "picture_type": None}
        emit(s, "announcement", change, now, store_id=store.id)
        sent += 1
    return sent


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
