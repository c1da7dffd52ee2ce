"""Central's migrations build the schema they always built, on SQLite and PostgreSQL.

A fresh database is upgraded one revision at a time to c0009, then downgraded back to c0004;
after each step its tables, columns, indexes, constraints, trigger functions and triggers are
digested and compared with central_schema_digests.json. Those digests were taken from the
migrations as they were before c0005 and c0007 were frozen (when they still loaded c0004 and
rewrote its SQL), so a frozen migration that drifted by one character fails here.

    python tests/architecture/test_migrations_frozen_schema.py > \\
        tests/architecture/central_schema_digests.json   # only for a new migration's states
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

from core.db.engine import make_engine
from sync.central import localtime, server

DIGESTS = Path(__file__).with_name("central_schema_digests.json")
UP = [
    "c0001",
    "c0002",
    "c0003",
    "c0004_dashboard",
    "c0005_statements",
    "c0006_uuid_ids",
    "c0007_local_months",
    "c0008_office_sessions",
    "c0009_refusals_and_adjustments",
]
DOWN = UP[3:-1][::-1]

_PG_CATALOG = {
    "columns": """SELECT table_name, column_name, data_type, character_maximum_length,
                  is_nullable, column_default FROM information_schema.columns
                  WHERE table_schema = 'public' ORDER BY 1, 2""",
    "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
    "constraints": """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
                      FROM pg_constraint WHERE connamespace = 'public'::regnamespace
                      ORDER BY 1, 2""",
    "functions": """SELECT proname, prosrc FROM pg_proc
                    WHERE pronamespace = 'public'::regnamespace ORDER BY 1""",
    "triggers": """SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger
                   WHERE NOT tgisinternal ORDER BY 1""",
    "settings": "SELECT key, value FROM central_settings ORDER BY 1",
}


def _sqlite_schema(conn: Connection) -> list:
    rows = conn.execute(text("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY 1, 2"))
    out: list = []
    for kind, name, table, sql in rows:
        if kind == "table" and sql:
            # Batch mode rebuilds a table with its constraints in an order that varies by run.
            head, _, body = sql.partition("(")
            lines = sorted(line.strip().rstrip(",") for line in body.rsplit(")", 1)[0].split("\n"))
            out.append([kind, name, table, head, lines])
        else:
            out.append([kind, name, table, sql])
    if any(row[1] == "central_settings" for row in out):
        out.append([list(r) for r in conn.execute(text(_PG_CATALOG["settings"]))])
    return out


def _pg_schema(conn: Connection) -> dict:
    found = {}
    for part, sql in _PG_CATALOG.items():
        if (
            part == "settings"
            and not conn.execute(
                text("SELECT to_regclass('central_settings') IS NOT NULL")
            ).scalar()
        ):
            continue
        found[part] = [[str(v) for v in row] for row in conn.execute(text(sql))]
    return found


def schema_digests(url: str) -> dict[str, str]:
    """Return a digest of the schema after each step up to c0009 and back down to c0004."""
    engine = make_engine(url)
    localtime.install(engine)  # SQLite's summary triggers call programme_month
    cfg = Config()
    cfg.set_main_option("script_location", str(server.MIGRATIONS))
    describe = _sqlite_schema if engine.dialect.name == "sqlite" else _pg_schema
    digests = {}
    try:
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            for step, revision in [("up", r) for r in UP] + [("down", r) for r in DOWN]:
                (command.upgrade if step == "up" else command.downgrade)(cfg, revision)
                conn.commit()
                shape = json.dumps(describe(conn), sort_keys=True, ensure_ascii=False)
                conn.rollback()
                digests[f"{step} {revision}"] = hashlib.sha256(shape.encode()).hexdigest()
    finally:
        engine.dispose()
    return digests


def test_sqlite_schema_matches_the_migrations_before_they_were_frozen(tmp_path):
    expected = json.loads(DIGESTS.read_text())["sqlite"]
    assert schema_digests(f"sqlite:///{tmp_path / 'central.db'}") == expected


def test_postgresql_schema_matches_the_migrations_before_they_were_frozen():
    from tests.pg import PG_URL, new_database, pg_admin

    pg_admin().close()  # skips without a server (fails under CI)
    expected = json.loads(DIGESTS.read_text())["postgresql"]
    with new_database("kt_frozen") as name:
        assert schema_digests(PG_URL.format(name=name)) == expected


if __name__ == "__main__":
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.pg import PG_URL, new_database

    with tempfile.TemporaryDirectory() as folder, new_database("kt_frozen") as name:
        found = {
            "sqlite": schema_digests(f"sqlite:///{folder}/central.db"),
            "postgresql": schema_digests(PG_URL.format(name=name)),
        }
    print(json.dumps(found, indent=2))
