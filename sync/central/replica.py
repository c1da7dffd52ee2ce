"""The read replica: where the office's read-only views read, and how fresh it is.

A streaming replica of the central database (`--read-database-url`) takes the office's figures,
reports, exports and listings off the primary. Everything that writes, that a kiosk reads (its
pushes, its change feed, its card lookups), sign-in and sessions, and every page that shows what
was just written stay on the primary. Without a replica every read goes to the primary.

Each read on the replica first asks the replica how far behind it is. A replica that cannot be
reached is left alone for RETRY_SECONDS and the reads go to the primary, which the page says.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

RETRY_SECONDS = 10.0  # after a failed probe, how long reads go to the primary without asking
CONNECT_TIMEOUT = 3  # seconds to wait for the replica's answer before reading the primary

# No WAL pending (all received is replayed): up to date, however long ago the last commit was.
# Otherwise the lag is how long ago the last replayed commit was made on the primary.
FRESHNESS_SQL = text(
    "SELECT pg_is_in_recovery(),"
    " coalesce(pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn(), false),"
    " extract(epoch FROM now() - pg_last_xact_replay_timestamp()),"
    " CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END"
)


class Source(StrEnum):
    """Where a request's office reads came from."""

    REPLICA = "replica"
    FALLBACK = "fallback"  # the replica was configured but could not be reached


@dataclass(frozen=True)
class Freshness:
    """How fresh the figures on a page are."""

    source: Source
    up_to_date: bool = True
    lag_seconds: float | None = None  # behind the primary by this much (None: unknown)
    paused: bool = False


def read_engine(url: str) -> Engine:
    """Create the engine for the replica: PostgreSQL only, answering within CONNECT_TIMEOUT."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    if make_url(url).get_backend_name() != "postgresql":
        raise ValueError("the read database must be a PostgreSQL streaming replica")
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT})


class Replica:
    """The replica's engine, and whether it answered lately."""

    def __init__(self, engine: Engine, retry_seconds: float = RETRY_SECONDS) -> None:
        self.engine = engine
        self.retry_seconds = retry_seconds
        self._down_until = 0.0
        self._lock = threading.Lock()

    def freshness(self) -> Freshness:
        """Ask the replica how far behind it is; FALLBACK when it cannot answer."""
        with self._lock:
            if time.monotonic() < self._down_until:
                return Freshness(Source.FALLBACK, up_to_date=True)
        try:
            with self.engine.connect() as conn:
                recovering, replayed_all, lag, paused = conn.execute(FRESHNESS_SQL).one()
        except DBAPIError as exc:
            log.warning("read replica unreachable, reading the primary: %s", exc.orig)
            self.mark_down()
            return Freshness(Source.FALLBACK, up_to_date=True)
        if not recovering:  # a primary given as the read database: it is the latest there is
            return Freshness(Source.REPLICA)
        if replayed_all:
            return Freshness(Source.REPLICA, paused=bool(paused))
        seconds = None if lag is None else max(0.0, float(lag))
        return Freshness(Source.REPLICA, up_to_date=False, lag_seconds=seconds, paused=bool(paused))

    def mark_down(self) -> None:
        """Send reads to the primary for the next retry_seconds."""
        with self._lock:
            self._down_until = time.monotonic() + self.retry_seconds

    def close(self) -> None:
        """Close the connections held to the replica."""
        self.engine.dispose()
