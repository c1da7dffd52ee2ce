"""A central database upgraded past c0007 starts in $KIOSK_CENTRAL_TIMEZONE; a later one keeps its.

c0007 itself reads no environment (it sets Asia/Shanghai); central seeds the zone after the
upgrade that created the setting, recounting the months as `kiosk central timezone` does.
"""

from __future__ import annotations

import sqlite3

from alembic import command
from alembic.config import Config

from core.db.engine import make_engine
from sync.central import localtime, server
from sync.central.queries import totals

EXCHANGE = (
    "INSERT INTO exchanges (id, number, kiosk_id, store_id, household_id, resident_id, total,"
    " status, created_at) VALUES ('e1', 'N1', 'K1', 1, 'H1', 'R1', 60, 'completed',"
    " '2025-03-31 23:30:00.000000')"
)


def _at(url: str, revision: str) -> None:
    engine = make_engine(url)
    localtime.install(engine)
    cfg = Config()
    cfg.set_main_option("script_location", str(server.MIGRATIONS))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        conn.commit()
    engine.dispose()


def _months(path) -> list[tuple[str, int]]:
    with sqlite3.connect(path) as con:
        return con.execute("SELECT month, completed FROM exchange_totals").fetchall()


def test_an_upgrade_through_c0007_seeds_the_zone_from_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "central.db"
    url = f"sqlite:///{path}"
    _at(url, "c0006_uuid_ids")
    with sqlite3.connect(path) as con:  # 05:30 on 1 April in Urumqi, still March in UTC
        con.execute(EXCHANGE)
    monkeypatch.setenv(localtime.ENV, "Asia/Urumqi")
    central = server.open_central(url)
    with central.engine.connect() as conn:
        assert totals.programme_zone(conn) == "Asia/Urumqi"
    assert _months(path) == [("2025-04", 1)]


def test_a_database_past_c0007_keeps_its_zone_whatever_the_environment(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'central.db'}"
    _at(url, "c0007_local_months")
    monkeypatch.setenv(localtime.ENV, "Asia/Urumqi")
    central = server.open_central(url)
    with central.engine.connect() as conn:
        assert totals.programme_zone(conn) == localtime.DEFAULT_ZONE


def test_a_name_that_is_no_zone_leaves_the_default(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'central.db'}"
    monkeypatch.setenv(localtime.ENV, "Mars/Olympus")
    central = server.open_central(url)
    with central.engine.connect() as conn:
        assert totals.programme_zone(conn) == localtime.DEFAULT_ZONE
