"""partitions: the ledger, exchanges and stock moves partitioned by month (PostgreSQL)

Revision ID: c0018_partitions
Revises: c0020_kiosk_claims
Create Date: 2026-12-04 17:30:00

Each of the three tables becomes a table partitioned by RANGE on created_at, one partition per
(UTC) calendar month holding rows, named `<table>_YYYY_MM`, plus `<table>_default`, which takes
a row of any other date so that none is lost (central makes the months ahead as it starts).
Every row is copied; the summary triggers are recreated on the new tables after the copy, so
the summaries count nothing twice.

A partitioned table's unique keys must hold its partition key, so:
- the primary keys become (id, created_at), and the ledger's (kiosk_id, seq) key becomes
  (kiosk_id, seq, created_at). An id or a kiosk's sequence number held in another month is
  refused by ingest, which looks both up across all months under the kiosk's lock (central's
  own chain takes its sequence under the chain head's lock). Within a month the keys still hold
  in the database; sync_entries, not partitioned, still keys each pushed entry exactly once.
- exchange_lines can no longer refer to exchanges(id) by foreign key; the statement trigger
  ek_line_exchange refuses a line whose exchange does not exist, as the key did.

On SQLite (the demo) nothing changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "c0018_partitions"
down_revision = "c0020_kiosk_claims"
branch_labels = None
depends_on = None

TABLES = ("ledger_entries", "exchanges", "stock_moves")

# Each table's keys and indexes, as the partitioned table holds them and as the plain one did.
PARTED = {
    "ledger_entries": [
        "ALTER TABLE ledger_entries ADD CONSTRAINT pk_ledger_entries PRIMARY KEY (id, created_at)",
        "ALTER TABLE ledger_entries ADD CONSTRAINT uq_ledger_entries_kiosk_id"
        " UNIQUE (kiosk_id, seq, created_at)",
        "CREATE INDEX ix_ledger_entries_household_created"
        " ON ledger_entries (household_id, created_at)",
        "ALTER TABLE ledger_entries ADD CONSTRAINT fk_ledger_entries_household_id_households"
        " FOREIGN KEY (household_id) REFERENCES households (id)",
    ],
    "exchanges": [
        "ALTER TABLE exchanges ADD CONSTRAINT pk_exchanges PRIMARY KEY (id, created_at)",
        "CREATE INDEX ix_exchanges_store_created ON exchanges (store_id, created_at)"
        " INCLUDE (status, id, household_id, total)",
    ],
    "stock_moves": [
        "ALTER TABLE stock_moves ADD CONSTRAINT pk_stock_moves PRIMARY KEY (id, created_at)",
        "CREATE INDEX ix_stock_moves_batch ON stock_moves (kiosk_id, batch_id)",
    ],
}
PLAIN = {
    "ledger_entries": [
        "ALTER TABLE ledger_entries ADD CONSTRAINT pk_ledger_entries PRIMARY KEY (id)",
        "ALTER TABLE ledger_entries ADD CONSTRAINT uq_ledger_entries_kiosk_id"
        " UNIQUE (kiosk_id, seq)",
        "CREATE INDEX ix_ledger_entries_household_created"
        " ON ledger_entries (household_id, created_at)",
        "ALTER TABLE ledger_entries ADD CONSTRAINT fk_ledger_entries_household_id_households"
        " FOREIGN KEY (household_id) REFERENCES households (id)",
    ],
    "exchanges": [
        "ALTER TABLE exchanges ADD CONSTRAINT pk_exchanges PRIMARY KEY (id)",
        "CREATE INDEX ix_exchanges_store_created ON exchanges (store_id, created_at)"
        " INCLUDE (status, id, household_id, total)",
    ],
    "stock_moves": [
        "ALTER TABLE stock_moves ADD CONSTRAINT pk_stock_moves PRIMARY KEY (id)",
        "CREATE INDEX ix_stock_moves_batch ON stock_moves (kiosk_id, batch_id)",
    ],
}
INDEXES = {
    "ledger_entries": (
        "pk_ledger_entries",
        "uq_ledger_entries_kiosk_id",
        "ix_ledger_entries_household_created",
    ),
    "exchanges": ("pk_exchanges", "ix_exchanges_store_created"),
    "stock_moves": ("pk_stock_moves", "ix_stock_moves_batch"),
}
# The summary triggers (c0004 onwards); their functions stay as they are.
TRIGGERS = {
    "ledger_entries": [
        "CREATE TRIGGER ek_ledger_totals AFTER INSERT ON ledger_entries"
        " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ek_ledger_totals()"
    ],
    "exchanges": [
        "CREATE TRIGGER ek_exchange_inserted AFTER INSERT ON exchanges"
        " REFERENCING NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION ek_exchange_inserted()",
        "CREATE TRIGGER ek_exchange_updated AFTER UPDATE ON exchanges"
        " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION ek_exchange_updated()",
    ],
    "stock_moves": [
        "CREATE TRIGGER ek_move_totals AFTER INSERT ON stock_moves"
        " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ek_move_totals()"
    ],
}
LINE_FK = (
    "ALTER TABLE exchange_lines ADD CONSTRAINT fk_exchange_lines_exchange_id_exchanges"
    " FOREIGN KEY (exchange_id) REFERENCES exchanges (id)"
)
# One probe per distinct exchange of the statement's lines: a join could be planned as a scan
# of every exchange, the transition table having no statistics.
LINE_EXCHANGE_FUNCTION = """
CREATE FUNCTION ek_line_exchange() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    wanted uuid;
BEGIN
    FOR wanted IN SELECT DISTINCT exchange_id FROM new_rows LOOP
        PERFORM 1 FROM exchanges WHERE id = wanted;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'exchange line refers to exchange % which does not exist', wanted
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END LOOP;
    RETURN NULL;
END $$
"""
LINE_EXCHANGE_TRIGGER = (
    "CREATE TRIGGER ek_line_exchange AFTER INSERT ON exchange_lines"
    " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ek_line_exchange()"
)


def _months(conn, table: str) -> list[tuple[int, int]]:
    """Return every (year, month) holding a row of the table (the default takes the rest)."""
    rows = conn.execute(
        sa.text(f"SELECT DISTINCT date_trunc('month', created_at) AS m FROM {table} ORDER BY m")
    ).scalars()
    return [(m.year, m.month) for m in rows]


def _set_aside(table: str, suffix: str) -> None:
    op.execute(f"ALTER TABLE {table} RENAME TO {table}_{suffix}")
    for index in INDEXES[table]:
        op.execute(f"ALTER INDEX {index} RENAME TO {index}_{suffix}")


def _own_sequence(table: str) -> None:
    if table == "stock_moves":  # the id sequence would go with the table it belonged to
        op.execute(f"ALTER SEQUENCE stock_moves_id_seq OWNED BY {table}.id")


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE exchange_lines DROP CONSTRAINT fk_exchange_lines_exchange_id_exchanges")
    for table in TABLES:
        _set_aside(table, "plain")
        op.execute(
            f"CREATE TABLE {table} (LIKE {table}_plain INCLUDING DEFAULTS)"
            " PARTITION BY RANGE (created_at)"
        )
        for statement in PARTED[table]:
            op.execute(statement)
        for y, m in _months(conn, f"{table}_plain"):
            after = (y + 1, 1) if m == 12 else (y, m + 1)
            op.execute(
                f"CREATE TABLE {table}_{y:04d}_{m:02d} PARTITION OF {table} FOR VALUES"
                f" FROM ('{y:04d}-{m:02d}-01') TO ('{after[0]:04d}-{after[1]:02d}-01')"
            )
        op.execute(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
        op.execute(f"INSERT INTO {table} SELECT * FROM {table}_plain")
        _own_sequence(table)
        op.execute(f"DROP TABLE {table}_plain")
        for statement in TRIGGERS[table]:
            op.execute(statement)
        op.execute(f"ANALYZE {table}")
    op.execute(LINE_EXCHANGE_FUNCTION)
    op.execute(LINE_EXCHANGE_TRIGGER)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER ek_line_exchange ON exchange_lines")
    op.execute("DROP FUNCTION ek_line_exchange()")
    for table in TABLES:
        _set_aside(table, "parted")
        op.execute(f"CREATE TABLE {table} (LIKE {table}_parted INCLUDING DEFAULTS)")
        op.execute(f"INSERT INTO {table} SELECT * FROM {table}_parted")
        for statement in PLAIN[table]:
            op.execute(statement)
        _own_sequence(table)
        op.execute(f"DROP TABLE {table}_parted")
        for statement in TRIGGERS[table]:
            op.execute(statement)
        op.execute(f"ANALYZE {table}")
    op.execute(LINE_FK)
