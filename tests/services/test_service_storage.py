"""The SQLite database under the services: migrations, schema and durability settings."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from service_helpers import balance
from sqlalchemy import inspect, text

from kiosk.bootstrap import bootstrap
from kiosk.config import load
from kiosk.services import catalog, doctor
from kiosk.storage.models import Base


def make_runtime(data_dir):
    return bootstrap(load(None, env={}, kiosk={"data_dir": str(data_dir), "id": "T01"}))


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from kiosk.storage.migrate import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def test_bootstrapping_twice_on_the_same_file_keeps_the_data(tmp_path):
    first = make_runtime(tmp_path)
    catalog.register_household(first.kiosk, "H1", "王家", [("H1-1", "王一", None)], 30)
    first.close()
    second = make_runtime(tmp_path)
    try:
        assert balance(second.kiosk, "H1") == 30
        with second.kiosk.engine.connect() as conn:
            assert conn.execute(
                text("SELECT version_num FROM alembic_version")
            ).scalars().all() == [head_revision()]
        assert doctor.check(second.kiosk) == []
    finally:
        second.close()


def test_the_models_match_the_migrated_schema(kiosk):
    with kiosk.kiosk.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []


def test_the_migrated_schema_has_every_table_of_the_models(kiosk):
    tables = set(inspect(kiosk.kiosk.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


@pytest.mark.parametrize(
    ("pragma", "expected"), [("journal_mode", "wal"), ("synchronous", 2), ("foreign_keys", 1)]
)
def test_every_sqlite_connection_is_durable(kiosk, pragma, expected):
    with kiosk.kiosk.engine.connect() as conn:
        assert conn.execute(text(f"PRAGMA {pragma}")).scalar() == expected  # 2 is FULL


def test_a_write_unit_of_work_takes_the_write_lock_at_once(kiosk):
    other = sqlite3.connect(kiosk.kiosk.engine.url.database, timeout=0, isolation_level=None)
    try:
        with kiosk.kiosk.uow() as uow:
            uow.session.execute(text("SELECT 1"))  # a read, yet the write lock is held
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_a_read_unit_of_work_does_not_block_writers(kiosk):
    with kiosk.kiosk.uow(write=False) as reader:
        reader.session.execute(text("SELECT count(*) FROM households"))
        catalog.register_household(kiosk.kiosk, "H2", "李家", [("H2-1", "李一", None)])
    assert balance(kiosk.kiosk, "H2") == 0


def test_a_unit_of_work_rolls_back_unless_committed(kiosk):
    with kiosk.kiosk.uow() as uow:
        uow.session.execute(
            text("INSERT INTO kiosk_state (kiosk_id, last_seq, last_hash) VALUES ('X', 0, '')")
        )
    with kiosk.kiosk.engine.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM kiosk_state WHERE kiosk_id = 'X'")).scalar()
            == 0
        )


def test_after_commit_hooks_run_only_after_a_commit(kiosk):
    ran: list[str] = []
    with kiosk.kiosk.uow() as uow:
        uow.after_commit(lambda: ran.append("rolled back"))
    assert ran == []
    with kiosk.kiosk.uow() as uow:
        uow.after_commit(lambda: ran.append("committed"))
        uow.commit()
    assert ran == ["committed"]
