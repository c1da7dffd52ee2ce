"""The change feed kiosks pull, and the snapshot a new kiosk starts from."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sync.central.context import Central
from sync.central.models import Change, Kiosk
from sync.protocol import MAX_FEED_PAGE


def changes_for(c: Central, kiosk_id: str, after: int, limit: int) -> dict[str, Any]:
    """Return the changes after a cursor that concern a kiosk, and the cursor to ask from next."""
    limit = max(1, min(limit, MAX_FEED_PAGE))
    with c.uow(write=False) as uow:
        s = uow.session
        kiosk = s.get(Kiosk, kiosk_id)
        rows = s.scalars(
            select(Change).where(Change.id > after).order_by(Change.id).limit(limit)
        ).all()
        out = [
            {"cursor": row.id, "kind": row.kind, "data": row.data}
            for row in rows
            if row.origin_kiosk != kiosk_id
            and (row.store_id is None or row.store_id == kiosk.store_id)
        ]
        cursor = rows[-1].id if rows else after
        return {"changes": out, "cursor": cursor, "more": len(rows) == limit}
