"""Engines: SQLite in WAL mode with FULL sync and BEGIN IMMEDIATE writes; PostgreSQL as it is."""

from __future__ import annotations

import errno
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError

# SQLite's answers when the disk refuses a write: full, read-only, or the write itself failed.
FULL = {"SQLITE_FULL"}
READONLY_PREFIX = "SQLITE_READONLY"
WRITE_FAILED = {
    "SQLITE_IOERR_WRITE",
    "SQLITE_IOERR_FSYNC",
    "SQLITE_IOERR_DIR_FSYNC",
    "SQLITE_IOERR_TRUNCATE",
    "SQLITE_IOERR_SHMSIZE",
    "SQLITE_CANTOPEN",
}
DISK_ERRNOS = {errno.ENOSPC: "full", errno.EDQUOT: "full", errno.EROFS: "readonly"}


def storage_problem(exc: BaseException) -> str | None:
    """Return "full" or "readonly" when exc is the disk refusing a write, else None."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:  # SQLAlchemy wraps the driver's error
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in DISK_ERRNOS:
            return DISK_ERRNOS[exc.errno]
        name = getattr(exc, "sqlite_errorname", None)
        text = str(exc).lower()
        if name in FULL or "database or disk is full" in text:
            return "full"
        if (name or "").startswith(READONLY_PREFIX) or "readonly database" in text:
            return "readonly"
        if name in WRITE_FAILED:
            return "readonly"
        exc = getattr(exc, "orig", None) or exc.__cause__
    return None


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, synchronous=FULL and immediate write transactions."""
    if not url.startswith("sqlite"):
        return ping_when_idle(create_engine(url))
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself, so writes can take the lock at once.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "handle_error")
    def _storage(context) -> None:
        # A connection that met a full or read-only disk is replaced, not reused: SQLite may
        # have opened it read-only, and a fresh one sees the disk as it is when space returns.
        if storage_problem(context.original_exception):
            context.is_disconnect = True

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        if conn.get_execution_options().get("readonly"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


# A pooled connection idle this long is pinged before it is handed out again (a round trip);
# one used more recently is handed out as it is. A server connection that died meanwhile (the
# database restarted) then fails its request as OperationalError (central answers 503, try
# again), and the pool replaces every connection it held from before the failure.
PING_AFTER_IDLE = 10.0


def ping_when_idle(engine: Engine) -> Engine:
    """Ping a connection on checkout only after it has lain idle in the pool PING_AFTER_IDLE.

    `pool_pre_ping` pings on every checkout: one more round trip for every transaction, which
    on a busy central (several short transactions a request, hundreds of requests a second) is
    a tenth of the time its workers wait on the database, for connections used moments ago.
    A failed ping is a DisconnectionError: the pool discards the connection and makes a new one.
    """

    @event.listens_for(engine, "connect")
    def _connected(_dbapi_conn, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn, record) -> None:
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _handed_out(dbapi_conn, record, _proxy) -> None:
        since = record.info.get("idle_since")
        if since is not None and time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # the driver's own error: whatever it is, the connection is gone
            raise DisconnectionError(f"a pooled connection failed its ping: {exc}") from exc
        if alive is False:
            raise DisconnectionError("a pooled connection failed its ping")

    return engine


def readonly(engine: Engine) -> Engine:
    """Return a view of the engine whose transactions do not take the write lock."""
    return engine.execution_options(readonly=True)


def sqlite_url(path: Path) -> str:
    """Return the SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"
