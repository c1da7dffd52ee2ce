"""The central server's use-case context: database, clock, and the change feed writer."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from core.clock import Clock, SystemClock
from core.db.uow import UnitOfWork
from sync.central.bulk import insert_rows
from sync.central.models import Change
from sync.central.soon import Soon
from sync.central.store_set import fan_out, for_someone
from sync.central.tokens import TokenCache

if TYPE_CHECKING:
    from sync.central.replica import Replica

CENTRAL_CHAIN = "CENTRAL"
FEED_LOCK = 72_616_001  # advisory lock that keeps change ids in commit order on PostgreSQL


@dataclass
class Central:
    """The central server's database and clock."""

    engine: Engine
    clock: Clock = field(default_factory=SystemClock)
    tokens: TokenCache = field(default_factory=TokenCache)  # recently verified bearer tokens
    replica: Replica | None = None  # where the office's read-only views read, when there is one
    soon: Soon = field(default_factory=Soon, repr=False, compare=False)  # work after decisions
    # Kiosks this process has noted reading their store's feed (Kiosk.store_feed is set).
    store_feed_noted: set[str] = field(default_factory=set, repr=False, compare=False)
    # Kiosks this process has noted reading the whole feed (their Kiosk.last_seen is set).
    whole_feed_noted: set[str] = field(default_factory=set, repr=False, compare=False)

    def uow(self, *, write: bool = True) -> UnitOfWork:
        """Return a new unit of work on the central database."""
        return UnitOfWork(self.engine, write=write)

    def on_replica(self) -> Central:
        """Return this server reading from its replica (queries only: a replica takes no write)."""
        if self.replica is None:
            return self
        return replace(self, engine=self.replica.engine, replica=None)

    def close(self) -> None:
        """Close the database connections this server holds, after the work decisions left."""
        self.soon.settle()
        self.engine.dispose()
        if self.replica is not None:
            self.replica.close()


def emit(
    s: Session,
    kind: str,
    data: dict[str, Any],
    at,
    *,
    origin_kiosk: str | None = None,
    store_id: int | None = None,
    copies: bool = True,
) -> None:
    """Append to the change feed; on PostgreSQL take the feed lock first.

    A change to a household (its record, a resident, a card) meant for every store is copied
    to the feed of each store whose set holds the household (`sync.central.store_set`);
    copies=False says that none can (a household made in this transaction).

    Kiosks read the feed by cursor, so a change must never become visible after a change with a
    higher id. SQLite serialises writers already; PostgreSQL hands out ids outside transaction
    order, so writers of the feed serialise on an advisory lock held until commit.
    """
    lock_feed(s)
    row = {"kind": kind, "data": data, "origin_kiosk": origin_kiosk, "store_id": store_id}
    if for_someone(s, [row]):
        s.add(Change(**row, created_at=at))
    if not copies:  # a household new in this transaction: no store's set holds it yet
        return
    made = fan_out(s, [{**row, "created_at": at}])
    if made:
        insert_rows(s, Change, made)


def emit_many(s: Session, rows: list[dict[str, Any]]) -> None:
    """Append many changes to the feed in one insert (after the feed lock, as emit does)."""
    if not rows:
        return
    lock_feed(s)
    s.flush()  # changes added one by one earlier in the transaction keep their order
    insert_rows(s, Change, for_someone(s, rows) + fan_out(s, rows))


def lock_feed(s: Session) -> None:
    """Take the feed lock for the rest of the transaction (PostgreSQL; SQLite needs none).

    Whoever reads which stores hold a household before writing changes for them holds it
    first, so a household joining a store and a change to it cannot miss each other.
    """
    if s.bind.dialect.name == "postgresql" and not s.info.get("feed_locked"):
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": FEED_LOCK})
        s.info["feed_locked"] = True
