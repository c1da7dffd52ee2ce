"""A kiosk's sync round in one request: its push, a page of its store's feed, its heartbeat.

`POST /api/v1/sync` does what a kiosk's three requests do (`/push`, `/changes?scope=store`,
`/heartbeat`) with the same services: the batch goes through `ingest.push` in its own
transaction, exactly as a push; then the kiosk is noted seen (version and heartbeat fields) and
a page of its store's feed is read in one more transaction, after the households its store's
set is waiting to have announced are written to the feed (`store_feed.announce`), as a page of
`/changes` is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sync.central.context import Central
from sync.central.queries import feed
from sync.central.services import ingest, kiosks, store_feed


@dataclass
class Round:
    """A round's answer: the push's outcome and the feed page (JSON bytes, as /changes sends)."""

    results: list[dict[str, Any]] = field(default_factory=list)
    contiguous_seq: int = 0
    conflict: bool = False
    page: bytes = b""


def sync_round(
    c: Central,
    kiosk_id: str,
    store_id: int,
    entries: list[dict[str, Any]],
    encoded: list[bytes],
    after: int,
    limit: int,
    seen: dict[str, Any],
) -> Round:
    """Apply a validated round of a kiosk; return the push's answer and the feed page after it.

    seen: the heartbeat fields to record (version and what the heartbeat said). The push comes
    first, so the page carries what the batch wrote for the store (balances, refusals).
    """
    done = Round()
    if entries:
        outcome = ingest.push(c, kiosk_id, entries, encoded)
        done.results, done.conflict = outcome.results, outcome.conflict
    done.page, contiguous = page_and_heartbeat(c, kiosk_id, store_id, after, limit, seen)
    done.contiguous_seq = contiguous or 0
    return done


def page_and_heartbeat(
    c: Central,
    kiosk_id: str,
    store_id: int,
    after: int,
    limit: int,
    seen: dict[str, Any] | None,
) -> tuple[bytes, int | None]:
    """Return a page of a store's feed and, given heartbeat fields, note the kiosk seen with them
    (returning its contiguous sequence number).

    The households of the store's set waiting to be announced are written to the feed first,
    as `store_feed.announce` writes them. When none waits (the common case) it is one
    transaction: the heartbeat's UPDATE also says whether any waits, then the page is read.
    The kiosk is noted as one that reads its store's feed (kiosks.note_store_feed).
    """
    kiosks.note_store_feed(c, kiosk_id)
    if seen is None:
        with c.uow(write=False) as uow:
            if not store_feed.waiting(uow.session, store_id):
                return feed.store_page(uow.session, kiosk_id, store_id, after, limit), None
        store_feed.announce_waiting(c, store_id)
        with c.uow(write=False) as uow:
            return feed.store_page(uow.session, kiosk_id, store_id, after, limit), None
    with c.uow() as uow:
        s = uow.session
        statement = kiosks.seen_statement(
            kiosk_id, c.clock.now(), seen, store_feed.waiting_clause(store_id)
        )
        row = s.execute(statement).one_or_none()
        contiguous, waiting = row if row is not None else (None, False)
        if not waiting:
            page = feed.store_page(s, kiosk_id, store_id, after, limit)
            uow.commit()
            return page, contiguous
        uow.commit()
    store_feed.announce_waiting(c, store_id)
    with c.uow(write=False) as uow:
        return feed.store_page(uow.session, kiosk_id, store_id, after, limit), contiguous
