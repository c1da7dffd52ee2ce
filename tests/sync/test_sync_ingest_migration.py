"""c0013: the lines' summary trigger reads only its batch's exchanges; check-ins by store and
household have an index. Upgrading and downgrading leave the schema as each side expects."""

from __future__ import annotations

import re

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from core.db.engine import make_engine
from sync.central import localtime, server
from tests.pg import PG_URL, new_database, pg_admin


def _config(conn) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(server.MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def _checkin_indexes(conn) -> set[str]:
    return {i["name"] for i in inspect(conn).get_indexes("checkins")}


def _line_trigger(conn) -> str:
    return conn.execute(
        text("SELECT prosrc FROM pg_proc WHERE proname = 'ek_line_totals'")
    ).scalar()


def _round_trip(url: str) -> None:
    engine = make_engine(url)
    localtime.install(engine)
    try:
        with engine.connect() as conn:
            cfg = _config(conn)
            command.upgrade(cfg, "c0013_ingest")
            conn.commit()
            assert "ix_checkins_store_household" in _checkin_indexes(conn)
            if engine.dialect.name == "postgresql":
                assert "e.id = ANY (ARRAY(SELECT exchange_id FROM new_rows))" in _line_trigger(conn)
            command.downgrade(cfg, "c0009_refusals_and_adjustments")
            conn.commit()
            assert "ix_checkins_store_household" not in _checkin_indexes(conn)
            if engine.dialect.name == "postgresql":
                assert "ANY" not in _line_trigger(conn)
            command.upgrade(cfg, "c0013_ingest")
            conn.commit()
            assert "ix_checkins_store_household" in _checkin_indexes(conn)
    finally:
        engine.dispose()


def test_the_migration_goes_up_and_down_on_sqlite(tmp_path):
    _round_trip(f"sqlite:///{tmp_path / 'central.db'}")


def test_the_migration_goes_up_and_down_on_postgresql():
    pg_admin().close()  # skips without a server (fails under CI)
    with new_database("kt_c0013") as name:
        _round_trip(PG_URL.format(name=name))


@pytest.mark.parametrize("central_url", ["postgresql"], indirect=True)
def test_a_batch_of_lines_reads_its_own_exchanges_through_the_key_not_the_table(central_server):
    """With many exchanges held, the lines' trigger plans an index lookup, not a table scan."""
    engine = central_server.central.engine
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO exchanges (id, number, kiosk_id, store_id, household_id,"
                " resident_id, total, status, created_at)"
                " SELECT gen_random_uuid(), 'X' || g, 'K1', 1, 'H000001', 'H000001-1', 5,"
                " 'completed', now() FROM generate_series(1, 20000) g"
            )
        )
        conn.execute(text("ANALYZE exchanges"))
    with engine.begin() as conn:
        conn.execute(text("LOAD 'auto_explain'"))
        for setting in ("log_min_duration = 0", "log_nested_statements = on"):
            conn.execute(text(f"SET LOCAL auto_explain.{setting}"))
        conn.execute(text("SET LOCAL client_min_messages = log"))
        raw = conn.connection.driver_connection
        plans: list[str] = []
        raw.add_notice_handler(lambda d: plans.append(d.message_primary or ""))
        conn.execute(
            text(
                "INSERT INTO exchange_lines (exchange_id, product_code, qty, points)"
                " SELECT id, 'OIL', 1, 5 FROM exchanges WHERE number IN ('X1', 'X2', 'X3')"
            )
        )
        conn.rollback()
    trigger = [p for p in plans if "INSERT INTO goods_totals" in p]
    assert trigger, plans
    with engine.connect() as conn:  # the table, or (partitioned by month) its months with rows
        held = set(
            conn.execute(text("SELECT DISTINCT tableoid::regclass::text FROM exchanges")).scalars()
        )
    scanned = set(re.findall(r"Seq Scan on (exchanges\w*)", trigger[0]))
    assert held and not scanned & held, trigger[0]
    assert "Index Cond: (id = ANY" in trigger[0]
