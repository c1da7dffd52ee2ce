"""The office's notices as its page lists them: announcements and exchange days, newest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sync.central.context import Central
from sync.central.models import Announcement, ExchangeDay, Store

SHOWN = 50


def listing(c: Central) -> dict[str, Any]:
    """Return the newest announcements and exchange days with their stores' names."""
    with c.uow(write=False) as uow:
        s = uow.session
        stores = dict(s.execute(select(Store.id, Store.name)).all())
        announcements = [
            {
                "text": a.text,
                "starts": a.starts.isoformat(),
                "ends": a.ends.isoformat(),
                "stores": [stores.get(i, str(i)) for i in a.store_ids or []],
                "villages": list(a.villages or []),
                "picture": a.picture_type is not None,
            }
            for a in s.scalars(
                select(Announcement).order_by(Announcement.created_at.desc()).limit(SHOWN)
            )
        ]
        days = [
            {
                "store": stores.get(d.store_id, str(d.store_id)),
                "day": d.day.isoformat(),
                "hours": f"{d.opens}-{d.closes}",
                "note": d.note,
            }
            for d in s.scalars(select(ExchangeDay).order_by(ExchangeDay.day.desc()).limit(SHOWN))
        ]
        return {"announcements": announcements, "days": days, "stores": sorted(stores.values())}
