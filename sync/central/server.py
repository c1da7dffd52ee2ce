"""Open the central database (migrating it) and build the central web app."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from core.clock import Clock
from core.db.engine import make_engine, readonly
from core.db.migrate import upgrade
from sync.central import localtime
from sync.central.context import Central
from sync.central.queries import totals

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")


# The revisions before c0007_local_months, which creates the programme's time zone setting.
BEFORE_ZONE_SETTING = frozenset(
    {
        None,
        "c0001_central_schema",
        "c0002_office_users",
        "c0003_salted_tokens",
        "c0004_dashboard",
        "c0005_statements",
        "c0006_uuid_ids",
    }
)


def migrate(engine: Engine) -> None:
    """Bring the central schema up to the newest migration."""
    localtime.install(engine)  # SQLite's summary triggers call programme_month
    if upgrade(engine, MIGRATIONS) in BEFORE_ZONE_SETTING:
        _seed_zone(engine)


def _seed_zone(engine: Engine) -> None:
    """Start a programme whose zone setting the upgrade just made in $KIOSK_CENTRAL_TIMEZONE.

    The migration sets Asia/Shanghai (it reads no environment); a zone named here is set as
    `kiosk central timezone` sets it, recounting the months. A name that is no zone (or one
    PostgreSQL does not know) leaves Asia/Shanghai, and open_central warns.
    """
    name = localtime.initial_zone()
    if name == localtime.DEFAULT_ZONE:
        return
    with engine.begin() as conn, contextlib.suppress(ValueError):
        totals.set_zone(conn, name)


def open_central(url: str, clock: Clock | None = None, read_url: str | None = None) -> Central:
    """Connect to the central database, creating the SQLite folder and migrating.

    read_url names a streaming replica of it (PostgreSQL) for the office's read-only views
    (sync.central.replica); it is not migrated: it replays the primary's schema.
    """
    replica = None
    if read_url:
        from sync.central.replica import Replica, read_engine

        replica = Replica(read_engine(read_url))  # refuses anything but PostgreSQL
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
    central = Central(engine, replica=replica)
    if clock is not None:
        central.clock = clock
    if engine.dialect.name == "postgresql":
        from sync.central.services import partitions

        try:
            partitions.ensure_ahead(central)
        except OperationalError as exc:  # the jobs try again; meanwhile the default keeps rows
            log.warning("the months ahead were not made at start-up: %s", exc)
    return central
