"""local months: the figures' months are the programme's calendar months, not UTC's

Revision ID: c0007_local_months
Revises: c0006_uuid_ids
Create Date: 2026-11-25 09:00:00

The summary tables keyed their months by the UTC month of each stored time, so an exchange at
07:00 Beijing time on the 1st counted in the month before. The programme's time zone is now kept
in central_settings (key "timezone"; a new database takes $KIOSK_CENTRAL_TIMEZONE, else
Asia/Shanghai), every trigger that writes a month converts to it, and the five monthly summaries
are recounted.

On PostgreSQL each trigger reads the zone once per statement and hands it to its SQL as $1. On
SQLite the triggers call programme_month(stored, zone), a function the central server registers
on each connection (sync.central.localtime). The recount reads every ledger entry, exchange,
line and check-in once: on a large database, plan the upgrade for a quiet hour.
"""

import importlib.util
import re
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "c0007_local_months"
down_revision = "c0006_uuid_ids"
branch_labels = None
depends_on = None


def _load(name: str):
    spec = importlib.util.spec_from_file_location(
        f"ek_{name}", Path(__file__).with_name(f"{name}.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


C0004 = _load("c0004_dashboard")
C0005 = _load("c0005_statements")

DEFAULT_ZONE = "Asia/Shanghai"
ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*")
MONTHLY = (
    "ledger_totals",
    "exchange_totals",
    "checkin_totals",
    "goods_totals",
    "store_household_months",
)
# The month tables' recounts: c0004's and c0005's back-fills of them.
RECOUNT = tuple(sql for sql in C0004.BACKFILL + C0005.BACKFILL if "{m" in sql)
assert len(RECOUNT) == len(MONTHLY)

PG_UTC_MONTH = re.compile(r"to_char\(([\w.]+), 'YYYY-MM'\)")
SQLITE_UTC_MONTH = re.compile(r"strftime\('%Y-%m', ([\w.]+)\)")
ZONE_SETTING = "(SELECT value FROM central_settings WHERE key = 'timezone')"


def _zone(bind) -> str:
    """$KIOSK_CENTRAL_TIMEZONE if it names a region's zone (or UTC) that Python and, on
    PostgreSQL, the server both know; else Asia/Shanghai."""
    from os import environ
    from zoneinfo import ZoneInfo

    name = environ.get("KIOSK_CENTRAL_TIMEZONE", "").strip()
    if not ZONE_NAME.fullmatch(name) or (name != "UTC" and "/" not in name):
        return DEFAULT_ZONE
    try:
        ZoneInfo(name)
    except Exception:
        return DEFAULT_ZONE
    if bind.dialect.name == "postgresql":
        known = bind.execute(
            sa.text("SELECT count(*) FROM pg_timezone_names WHERE name = :name"), {"name": name}
        ).scalar()
        if not known:
            return DEFAULT_ZONE
    return name


# c0005's triggers, as they stand before this migration.
PG_BEFORE = {**C0004.PG_FUNCTIONS, **C0005.PG_CHANGED}
SQLITE_BEFORE = {
    name: C0005._sqlite_trigger(name) if name in C0005.SQLITE_ADDED else ddl
    for name, ddl in C0004.SQLITE_TRIGGERS.items()
}


def _pg_month(column: str, zone: str) -> str:
    """The column's month in the zone (an SQL expression), kept within the years 1-9999."""
    return (
        f"to_char(greatest(least({column} AT TIME ZONE 'UTC' AT TIME ZONE {zone},"
        f" timestamp '9999-12-31 23:59:59'), timestamp '0001-01-01 00:00:00'), 'YYYY-MM')"
    )


def _pg_local(body: str) -> str:
    return PG_UTC_MONTH.sub(lambda m: _pg_month(m.group(1), "$1"), body)


def _pg_function(name: str, body: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$\n"
        f"DECLARE zone text := coalesce({ZONE_SETTING}, '{DEFAULT_ZONE}');\n"
        f"BEGIN\nEXECUTE $sql$\n{_pg_local(body)}\n$sql$ USING zone;\nRETURN NULL;\nEND $fn$"
    )


def _sqlite_local(ddl: str) -> str:
    return SQLITE_UTC_MONTH.sub(rf"programme_month(\1, {ZONE_SETTING})", ddl)


def _recount(dialect: str, zone: str | None) -> None:
    """Recount the month tables: in the zone, or (zone None) in UTC as before."""
    if dialect == "postgresql":  # a fresh table: no dead copy of every row left behind
        op.execute(f"TRUNCATE {', '.join(MONTHLY)}")
    else:
        for table in MONTHLY:
            op.execute(f"DELETE FROM {table}")
    for sql in RECOUNT:
        if dialect == "postgresql" and zone:
            m, me = (_pg_month(c, f"'{zone}'") for c in ("created_at", "e.created_at"))
        elif dialect == "postgresql":
            m, me = (f"to_char({c}, 'YYYY-MM')" for c in ("created_at", "e.created_at"))
        elif zone:
            m, me = (f"programme_month({c}, '{zone}')" for c in ("created_at", "e.created_at"))
        else:
            m, me = (f"strftime('%Y-%m', {c})" for c in ("created_at", "e.created_at"))
        op.execute(sql.format(m=m, me=me))


def upgrade() -> None:
    zone = _zone(op.get_bind())
    settings = op.create_table(
        "central_settings",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_central_settings")),
    )
    op.bulk_insert(settings, [{"key": "timezone", "value": zone}])
    bind = op.get_bind()
    dialect = bind.dialect.name
    if dialect == "postgresql":
        for name, body in PG_BEFORE.items():
            if PG_UTC_MONTH.search(body):
                op.execute(_pg_function(name, body))
    else:
        from sync.central.localtime import register_sqlite

        register_sqlite(bind.connection.driver_connection)  # for the recount below
        for name, ddl in SQLITE_BEFORE.items():
            if SQLITE_UTC_MONTH.search(ddl):
                op.execute(f"DROP TRIGGER IF EXISTS {name}")
                op.execute(_sqlite_local(ddl))
    _recount(dialect, zone)
    if dialect == "postgresql":
        op.execute(f"ANALYZE {', '.join(MONTHLY)}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for name, body in PG_BEFORE.items():
            if PG_UTC_MONTH.search(body):
                op.execute(C0005._pg_function(name, body, execute=True))
    else:
        for name, ddl in SQLITE_BEFORE.items():
            if SQLITE_UTC_MONTH.search(ddl):
                op.execute(f"DROP TRIGGER IF EXISTS {name}")
                op.execute(ddl)
    _recount(dialect, None)
    if dialect == "postgresql":
        op.execute(f"ANALYZE {', '.join(MONTHLY)}")
    op.drop_table("central_settings")
