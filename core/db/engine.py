"""Engines: SQLite in WAL mode with FULL sync and BEGIN IMMEDIATE writes; PostgreSQL as it is."""

from __future__ import annotations

import errno
from pathlib import Path

from sqlalchemy import Engine, create_engine, event

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
        return create_engine(url, pool_pre_ping=True)
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


def readonly(engine: Engine) -> Engine:
    """Return a view of the engine whose transactions do not take the write lock."""
    return engine.execution_options(readonly=True)


def sqlite_url(path: Path) -> str:
    """Return the SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"
