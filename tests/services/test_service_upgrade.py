"""A database made by an older version upgrades in place and keeps its books."""

from __future__ import annotations

import sqlite3

import pytest
from alembic import command
from alembic.config import Config

from core.db.engine import make_engine
from kiosk.bootstrap import bootstrap
from kiosk.config import load
from kiosk.services import catalog, doctor, shop_settings, staff, terminal
from kiosk.storage.migrate import MIGRATIONS
from printer.simulator import SimulatedPrinter


def test_a_first_version_database_with_sent_and_pending_rows_upgrades_in_place(tmp_path):
    db = tmp_path / "kiosk.db"
    engine = make_engine(f"sqlite:///{db}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    engine.dispose()
    with sqlite3.connect(db) as con:
        con.executescript(
            """
            INSERT INTO households VALUES ('H1', '王家', 70, '2026-01-01 00:00:00');
            INSERT INTO outbox (id, entry_id, kind, payload, created_at, sent_at) VALUES
              (1, 'e1', 'adjust', '{"ledger": {"household_id": "H1", "points": 100}}',
               '2026-01-01 00:00:00', '2026-01-01 00:01:00'),
              (2, 'e2', 'exchange', '{"ledger": {"household_id": "H1", "points": -30}}',
               '2026-01-02 00:00:00', NULL),
              (3, 'e3', 'restock', '{"product_code": "OIL"}', '2026-01-02 00:00:00', NULL);
            """
        )

    runtime = bootstrap(
        load(None, env={}, kiosk={"data_dir": str(tmp_path), "id": "T01"}),
        printer=SimulatedPrinter(),
    )
    try:
        with sqlite3.connect(db) as con:
            rows = con.execute(
                "SELECT id, status, household_id, points FROM outbox ORDER BY id"
            ).fetchall()
            head = con.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        assert rows == [(1, "sent", "H1", 100), (2, "pending", "H1", -30), (3, "pending", None, 0)]
        assert head != "0001"
        # The upgraded kiosk keeps working on the same file.
        catalog.register_household(runtime.kiosk, "H2", "李家", [("H2-1", "李一", None)], 20)
        catalog.save_product(runtime.kiosk, "SALT", "食用盐", 5)
        assert terminal.cancel(runtime.kiosk) is False
        assert [p for p in doctor.check(runtime.kiosk) if "H2" in p] == []
    finally:
        runtime.close()


def _database_at(db, revision: str) -> None:
    engine = make_engine(f"sqlite:///{db}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()


def test_a_database_with_its_pin_in_sync_state_keeps_the_pin_and_settings_after_upgrading(
    tmp_path,
):
    db = tmp_path / "kiosk.db"
    _database_at(db, "0003")
    with sqlite3.connect(db) as con:
        con.executemany(
            "INSERT INTO sync_state (key, value) VALUES (?, ?)",
            [
                ("admin_pin_hash", staff.hash_pin("135790")),
                ("admin_pin_failures", "2"),
                ("admin_pin_locked_until", ""),
                ("admin_session_epoch", "7"),
                ("ui_voice", "off"),
                ("ui_low_stock", "9"),
                ("feed_cursor", "41"),
            ],
        )

    runtime = bootstrap(
        load(None, env={}, kiosk={"data_dir": str(tmp_path), "id": "T01"}),
        printer=SimulatedPrinter(),
    )
    try:
        k = runtime.kiosk
        assert staff.pin_is_set(k)
        assert staff.session_epoch(k) == 7  # signed-in sessions stay signed in
        assert shop_settings.current(k) == shop_settings.ShopSettings(voice=False, low_stock=9)
        with pytest.raises(staff.PinRefused) as wrong:
            staff.check_pin(k, "000000")
        assert wrong.value.tries_left == 2  # the two failures before the upgrade still count
        first = staff.check_pin(k, "135790")
        assert (first.name, first.role) == ("店主", "shopkeeper")  # the shop PIN's holder
        assert staff.members(k) == [first]
        with sqlite3.connect(db) as con:
            left = con.execute("SELECT key, value FROM sync_state").fetchall()
            kept = [key for (key,) in con.execute("SELECT key FROM kiosk_settings")]
        assert "admin_pin_hash" not in kept  # the hash now lives with its person only
        assert left == [("feed_cursor", "41")]  # sync state holds only what sync keeps
    finally:
        runtime.close()


def test_the_settings_migration_goes_back_down_with_the_pin(tmp_path):
    db = tmp_path / "kiosk.db"
    _database_at(db, "0004")
    with sqlite3.connect(db) as con:
        con.execute("INSERT INTO kiosk_settings VALUES ('admin_pin_hash', 'scrypt$x')")
    engine = make_engine(f"sqlite:///{db}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    engine.dispose()
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT key, value FROM sync_state").fetchall() == [
            ("admin_pin_hash", "scrypt$x")
        ]
