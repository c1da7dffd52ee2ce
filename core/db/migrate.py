"""Migrations run under a lock, so several processes starting at once upgrade a database once."""

from __future__ import annotations

import zlib
from pathlib import Path

from sqlalchemy import Engine, text


def lock_key(folder: Path) -> int:
    """Return the advisory-lock key of one program's migrations (stable across releases)."""
    return zlib.crc32(f"exchange-kiosk:migrations:{folder.parent.name}".encode())


def upgrade(engine: Engine, folder: Path) -> str | None:
    """Bring the schema of the migrations in folder up to their newest revision; return the
    revision it was at before (None: an empty database), read under the lock.

    On PostgreSQL the upgrade holds a session advisory lock: a second process (another gunicorn
    worker) waits, then finds the schema already at head and does nothing.
    """
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext

    cfg = Config()
    cfg.set_main_option("script_location", str(folder))
    locked = engine.dialect.name == "postgresql"
    key = lock_key(folder)
    with engine.connect() as conn:
        if locked:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            conn.commit()
        try:
            before = MigrationContext.configure(conn).get_current_revision()
            conn.rollback()  # end the read's transaction: the migrations run in their own
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        finally:
            if locked:
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                conn.commit()
    return before
