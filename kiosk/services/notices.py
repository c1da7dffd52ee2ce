"""The office's notices for this store's idle screen: announcements and the next collective
exchange day, as the feed delivered them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain import errors
from kiosk.services.context import Kiosk
from kiosk.services.receipts import local_time
from kiosk.storage.models import Announcement, ExchangeDay

SHOWN = 5  # announcements on the idle screen at once, newest first


class NoPicture(errors.DomainError):
    """An announcement not held here, or one without a picture."""

    code = "no_picture"
    message = "This announcement has no picture."


def next_exchange_day(s: Session, k: Kiosk, now: datetime) -> dict[str, Any] | None:
    """Return the next collective exchange day not yet over (today's until it closes)."""
    local = local_time(k, now)
    for row in s.scalars(
        select(ExchangeDay)
        .where(ExchangeDay.active, ExchangeDay.day >= local.date())
        .order_by(ExchangeDay.day, ExchangeDay.opens)
    ):
        if row.day == local.date() and row.closes <= f"{local:%H:%M}":
            continue
        return {
            "day": row.day.isoformat(),
            "opens": row.opens,
            "closes": row.closes,
            "note": row.note,
        }
    return None


def next_exchange_day_line(s: Session, k: Kiosk, now: datetime) -> str | None:
    """Return the next exchange day as the receipt prints it: 2026-12-10 09:00-12:00."""
    found = next_exchange_day(s, k, now)
    return f"{found['day']} {found['opens']}-{found['closes']}" if found else None


def board(k: Kiosk) -> dict[str, Any]:
    """Return the announcements showing today, newest first, and the next exchange day."""
    with k.uow(write=False) as uow:
        s = uow.session
        now = k.clock.now()
        today = local_time(k, now).date()
        rows = s.scalars(
            select(Announcement)
            .where(Announcement.active, Announcement.starts <= today, Announcement.ends >= today)
            .order_by(Announcement.starts.desc(), Announcement.id)
            .limit(SHOWN)
        ).all()
        return {
            "announcements": [
                {
                    "id": a.id,
                    "text": a.text,
                    "starts": a.starts.isoformat(),
                    "ends": a.ends.isoformat(),
                    "picture": f"/api/announcements/{a.id}/picture" if a.picture_type else None,
                }
                for a in rows
            ],
            "next_exchange_day": next_exchange_day(s, k, now),
        }


def picture(k: Kiosk, announcement_id: str) -> tuple[bytes, str]:
    """Return an announcement's picture and its media type, or raise NoPicture."""
    with k.uow(write=False) as uow:
        row = uow.session.execute(
            select(Announcement.picture, Announcement.picture_type).where(
                Announcement.id == announcement_id[:40]
            )
        ).first()
    if row is None or row.picture is None or row.picture_type is None:
        raise NoPicture()
    return row.picture, row.picture_type


def showing(k: Kiosk, text: str) -> bool:
    """Say whether text is an announcement showing today (the screen may have it read out)."""
    if not text or len(text) > 500:
        return False
    with k.uow(write=False) as uow:
        today = local_time(k, k.clock.now()).date()
        found = uow.session.scalar(
            select(Announcement.id)
            .where(
                Announcement.text == text,
                Announcement.active,
                Announcement.starts <= today,
                Announcement.ends >= today,
            )
            .limit(1)
        )
        return found is not None
