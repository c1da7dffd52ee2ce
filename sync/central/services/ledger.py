"""Central's own chain: office credits and corrections as ledger entries kiosks learn of."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from core.domain.ledger import GENESIS_HASH, EntryFacts, chain_hash, ledger_wire
from sync.central.bulk import insert_rows
from sync.central.context import CENTRAL_CHAIN, emit, emit_many, lock_feed
from sync.central.ledger_notes import Note, history_data
from sync.central.models import ChainHead, Change, Household, LedgerEntry
from sync.central.store_set import balance_rows, fan_out


def credit(
    s: Session,
    at: datetime,
    household: Household,
    points: int,
    kind: str,
    ref: str,
    *,
    new: bool = False,
    note: Note | None = None,
) -> LedgerEntry:
    """Append an entry to central's own chain and announce it to the kiosks.

    new: the household was made in this transaction (no store's set holds it yet).
    note: what the entry was for, told to the kiosks of each store whose set holds the
    household (only their feeds: kiosks reading the whole feed do not know the kind).
    """
    # Locked: two office corrections at once must not take the same sequence number.
    head = s.get(ChainHead, CENTRAL_CHAIN, with_for_update=True)
    if head is None:  # a database from before c0009, which makes the row
        head = ChainHead(kiosk_id=CENTRAL_CHAIN, last_seq=0, last_hash=GENESIS_HASH)
        s.add(head)
    entry = LedgerEntry(
        id=str(uuid.uuid4()),
        kiosk_id=CENTRAL_CHAIN,
        seq=head.last_seq + 1,
        household_id=household.id,
        kind=str(kind),
        points=points,
        ref=ref,
        created_at=at,
        prev_hash=head.last_hash,
    )
    entry.hash = chain_hash(head.last_hash, EntryFacts.of(entry))
    head.last_seq, head.last_hash = entry.seq, entry.hash
    household.balance += points
    s.add(entry)
    # The feed lock before the stores' sets are read (balance_rows): a store joining the
    # household meanwhile waits, then hears the new balance.
    lock_feed(s)
    emit(s, "ledger", ledger_wire(entry), at)  # for kiosks of protocol 1, while the feed is open
    if not new:
        emit_many(s, balance_rows(s, {household.id: household.balance}, at))
        if note is not None:
            change = {"kind": "history", "data": history_data(entry, note)}
            copies = fan_out(
                s, [{**change, "origin_kiosk": None, "store_id": None, "created_at": at}]
            )
            if copies:
                lock_feed(s)
                insert_rows(s, Change, copies)
    return entry
