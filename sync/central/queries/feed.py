"""The change feed kiosks pull, page by page from their cursor."""

from __future__ import annotations

import orjson
from sqlalchemy import Text, cast, select, text
from sqlalchemy.orm import Session

from sync.central.context import Central
from sync.central.models import Change, Kiosk
from sync.protocol import EVERY_STORE_KINDS, MAX_FEED_PAGE, STORE_ONLY_KINDS

# Written out, not bound: a prepared statement's generic plan can use the partial index
# ix_changes_everyone only if its condition is in the statement's text.
EVERY_STORE = text(
    "changes.store_id IS NULL AND changes.kind IN ("
    + ", ".join(f"'{kind}'" for kind in EVERY_STORE_KINDS)
    + ")"
)
# A page stops once its changes pass this many characters (it always holds one): a few
# announcements with pictures (up to 400 KB each as base64) then take a page or more of their
# own rather than one page of many megabytes.
PAGE_BYTES = 2 * 2**20


def _budget(rows: list, size) -> tuple[list, bool]:
    """Return the leading rows whose sizes fit a page (at least one), and whether some are left."""
    total = 0
    for n, row in enumerate(rows):
        total += size(row)
        if total > PAGE_BYTES and n > 0:
            return rows[:n], True
    return rows, False


def changes_json(c: Central, kiosk_id: str, after: int, limit: int) -> bytes:
    """Return the whole feed after a cursor as a kiosk of protocol 1 reads it.

    The page is JSON bytes, ready to send: `{"changes": [{"cursor", "data", "kind"}, …],
    "cursor", "more"}`. Every kiosk reads every other kiosk's ledger entries, so this read
    grows with the programme; kiosks that read their store's feed (store_changes_json) never
    come here. Each change's data is spliced in as the database holds it (valid JSON:
    PostgreSQL's json type checks it on the way in), never decoded and encoded again.
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
    full = len(rows) == limit
    rows, cut = _budget(
        rows,
        lambda r: len(r[2]) if r[3] != kiosk_id and r[4] in (None, store_id) else 0,
    )
    chosen = [
        (change_id, kind, data)
        for change_id, kind, data, origin, change_store in rows
        if origin != kiosk_id
        and (change_store is None or change_store == store_id)
        and kind not in STORE_ONLY_KINDS
    ]
    cursor = rows[-1][0] if rows else after
    return _page(chosen, cursor, full or cut)


def store_changes_json(c: Central, kiosk_id: str, store_id: int, after: int, limit: int) -> bytes:
    """Return a store's feed after a cursor (protocol 2), read in a transaction of its own.

    store_page says what the page holds.
    """
    with c.uow(write=False) as uow:
        return store_page(uow.session, kiosk_id, store_id, after, limit)


# The store's feed after a cursor: the store's own changes and those for every store, each an
# index range scan (ix_changes_store_cursor; the partial index ix_changes_everyone, whose
# condition is written out in EVERY_STORE), merged by id. Fixed text: nothing is built or
# compiled per request. SQLite takes the parenthesised pages only as subqueries, so both are.
STORE_PAGE = text(
    "SELECT id, kind, data, origin_kiosk FROM ("
    " SELECT * FROM (SELECT changes.id AS id, changes.kind AS kind,"
    " CAST(changes.data AS TEXT) AS data, changes.origin_kiosk AS origin_kiosk FROM changes"
    " WHERE changes.store_id = :store AND changes.id > :after"
    " ORDER BY changes.id LIMIT :limit) AS own"
    " UNION ALL"
    " SELECT * FROM (SELECT changes.id AS id, changes.kind AS kind,"
    " CAST(changes.data AS TEXT) AS data, changes.origin_kiosk AS origin_kiosk FROM changes"
    f" WHERE {EVERY_STORE.text} AND changes.id > :after"
    " ORDER BY changes.id LIMIT :limit) AS everyone"
    ") AS both_feeds ORDER BY id LIMIT :limit"
)


def store_page(s: Session, kiosk_id: str, store_id: int, after: int, limit: int) -> bytes:
    """Return a store's feed after a cursor (protocol 2): what its kiosks need, nothing else.

    That is the changes written for the store (its households' records and confirmed balances,
    its settings, refusals of its entries) and those for every store that a store's feed
    carries (goods, activities); never other kiosks' ledger entries. Two index range scans
    (by store and cursor; the partial index of the changes for every store), so a page costs
    what the store's own activity costs, not the programme's. Read in the caller's transaction.
    """
    limit = max(1, min(limit, MAX_FEED_PAGE))
    rows = s.execute(STORE_PAGE, {"store": store_id, "after": after, "limit": limit}).all()
    full = len(rows) == limit
    rows, cut = _budget(rows, lambda r: len(r[2]) if r[3] != kiosk_id else 0)
    chosen = [(i, kind, data) for i, kind, data, origin in rows if origin != kiosk_id]
    cursor = rows[-1][0] if rows else after
    return _page(chosen, cursor, full or cut)


def _page(rows: list[tuple[int, str, str]], cursor: int, more: bool) -> bytes:
    kinds: dict[str, bytes] = {}
    out = [
        b'{"cursor":%d,"data":%s,"kind":%s}'
        % (
            change_id,
            data.encode(),
            kinds.get(kind) or kinds.setdefault(kind, orjson.dumps(kind)),
        )
        for change_id, kind, data in rows
    ]
    return b'{"changes":[%s],"cursor":%d,"more":%s}' % (
        b",".join(out),
        cursor,
        b"true" if more else b"false",
    )
