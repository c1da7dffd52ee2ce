"""The change feed kiosks pull, page by page from their cursor."""

from __future__ import annotations

import orjson
from sqlalchemy import Text, cast, select

from sync.central.context import Central
from sync.central.models import Change, Kiosk
from sync.protocol import MAX_FEED_PAGE


def changes_json(c: Central, kiosk_id: str, after: int, limit: int) -> bytes:
    """Return the changes after a cursor that concern a kiosk, and the cursor to ask from next.

    The page is JSON bytes, ready to send: `{"changes": [{"cursor", "data", "kind"}, …],
    "cursor", "more"}`.

    Every kiosk reads every other kiosk's ledger entries, so this is central's busiest read.
    Each change's data is spliced in as the database holds it (valid JSON: PostgreSQL's json
    type checks it on the way in), never decoded and encoded again.
    """
    limit = max(1, min(limit, MAX_FEED_PAGE))
    with c.uow(write=False) as uow:
        s = uow.session
        store_id = s.scalar(select(Kiosk.store_id).where(Kiosk.id == kiosk_id))
        rows = s.execute(
            select(
                Change.id,
                Change.kind,
                cast(Change.data, Text),
                Change.origin_kiosk,
                Change.store_id,
            )
            .where(Change.id > after)
            .order_by(Change.id)
            .limit(limit)
        ).all()
    kinds: dict[str, bytes] = {}
    out = [
        b'{"cursor":%d,"data":%s,"kind":%s}'
        % (
            change_id,
            data.encode(),
            kinds.get(kind) or kinds.setdefault(kind, orjson.dumps(kind)),
        )
        for change_id, kind, data, origin, change_store in rows
        if origin != kiosk_id and (change_store is None or change_store == store_id)
    ]
    cursor = rows[-1][0] if rows else after
    more = b"true" if len(rows) == limit else b"false"
    return b'{"changes":[%s],"cursor":%d,"more":%s}' % (b",".join(out), cursor, more)
