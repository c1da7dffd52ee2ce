"""Open the central database (migrating it) and build the central web app."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from sqlalchemy import Engine

from core.clock import Clock
from core.db.engine import make_engine, readonly
from core.db.migrate import upgrade
from sync.central import localtime
from sync.central.context import Central
from sync.central.queries import totals

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")


def migrate(engine: Engine) -> None:
    """Bring the central schema up to the newest migration."""
    localtime.install(engine)  # SQLite's summary triggers call programme_month
    upgrade(engine, MIGRATIONS)


def open_central(url: str, clock: Clock | None = None) -> Central:
    """Connect to the central database, creating the SQLite folder and migrating."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        # A list of rows goes in as multi-row INSERTs (up to 1,000 rows each), not one statement
        # per row: the summary triggers run per statement (migration c0004_dashboard), and a
        # pushed batch then costs each of them a handful of runs instead of one per row.
        engine.dialect.use_insertmanyvalues_wo_returning = True
    migrate(engine)
    with readonly(engine).connect() as conn:
        zone = totals.programme_zone(conn)
    asked = os.environ.get(localtime.ENV, "").strip()
    if asked and asked != zone:
        log.warning(
            "%s=%s, but the programme's figures count in %s: run `kiosk central timezone %s`"
            " to change it",
            localtime.ENV,
            asked,
            zone,
            asked,
        )
    return Central(engine) if clock is None else Central(engine, clock)
