"""A kiosk and central written by an earlier release (kept as files) upgrade and finish syncing.

tests/fixtures/old_versions/build.py made the files with that release's own code: central at
schema c0001 (a SQLite file, and a PostgreSQL dump), the kiosk at 0002, the morning's work synced
and the afternoon's still in the kiosk's outbox, and the kiosk's enrolment token as that release
issued it.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from sync_helpers import (
    CentralServer,
    alerts,
    assert_converged,
    buy,
    central_count,
    open_kiosk,
    outbox_statuses,
    quiet_sync,
)

from core.clock import FixedClock
from kiosk import demo
from kiosk.services import doctor
from sync.central import models as cm

OLD_VERSIONS = Path(__file__).parents[1] / "fixtures" / "old_versions"


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as con:
        return con.execute(sql).fetchone()[0]


@pytest.fixture(params=["sqlite", "postgresql"])
def old_release(request, tmp_path):
    """Return (data folder, central URL, entries central held) of the earlier release's files."""
    data = tmp_path / "store"
    if request.param == "sqlite":
        shutil.copytree(OLD_VERSIONS / "302bc25", data)
        url = f"sqlite:///{data / 'central.db'}"
        return data, url, _count(data / "central.db", "SELECT count(*) FROM sync_entries")
    shutil.copytree(OLD_VERSIONS / "302bc25-pg", data)
    url, plain = request.getfixturevalue("empty_pg_database")
    with psycopg.connect(plain, autocommit=True) as con:
        con.execute((data / "central.sql").read_text())
    with psycopg.connect(plain) as con:
        (version,) = con.execute("SELECT version_num FROM alembic_version").fetchone()
        (held,) = con.execute("SELECT count(*) FROM sync_entries").fetchone()
    assert version == "c0001"
    return data, url, held


def test_the_old_outbox_reaches_the_upgraded_central_once_with_the_old_token(old_release):
    data, url, held_before = old_release
    sent = _count(data / "kiosk.db", "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL")
    unsent = _count(data / "kiosk.db", "SELECT count(*) FROM outbox WHERE sent_at IS NULL")
    assert held_before == sent > 0 and unsent > 0

    enrolment = json.loads((data / "demo-kiosk.json").read_text())
    server = CentralServer(url)
    server.start()
    runtime = open_kiosk(
        data,
        enrolment["kiosk_id"],
        demo.STORE,
        server.base,
        enrolment["token"],
        FixedClock(datetime(2026, 11, 2, 2, 0)),
    )
    try:
        assert outbox_statuses(runtime) == {"sent": sent, "pending": unsent}
        quiet_sync(runtime)
        assert runtime.sync.status.last_error in (None, "")
        # That release checked no activity day and let a kiosk revoke any card: central now
        # refuses the two check-ins it made on another day than their activity's (the kiosk
        # reverses them, so both books agree) and a revocation of a card of a household the
        # store never served (the office is alerted and decides).
        refused = alerts(server.central, "refused")
        assert sorted(a.detail.split(" #")[0] for a in refused) == [
            "card_revoke",
            "checkin",
            "checkin",
        ]
        assert alerts(server.central) == refused
        reversals = 2
        assert central_count(server.central, cm.SyncEntry) == sent + unsent + reversals
        assert outbox_statuses(runtime) == {"sent": sent + unsent + reversals - 3, "rejected": 3}
        assert_converged(server.central, runtime)
        assert doctor.check(runtime.kiosk) == []

        # The upgraded pair keeps working: a new exchange arrives once, as before.
        buy(runtime, demo.cards(runtime.kiosk, data)[0]["code"], {"SALT": 1})
        quiet_sync(runtime)
        assert central_count(server.central, cm.SyncEntry) == sent + unsent + reversals + 1
        assert_converged(server.central, runtime)
    finally:
        runtime.close()
        server.stop()
