"""The kiosk's schema: its Alembic migrations, applied on start."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from core.db.migrate import upgrade

MIGRATIONS = Path(__file__).with_name("migrations")


def migrate(engine: Engine) -> None:
    """Bring the kiosk's database schema up to the newest migration."""
    upgrade(engine, MIGRATIONS)
