"""statements: goods and households per month for partner-store statements; triggers replanned

Revision ID: c0005_statements
Revises: c0004_dashboard
Create Date: 2026-11-23 02:10:00

A store's statement for a year summed a year of exchanges and their lines (0.8 s at ten million
ledger entries). Two more summaries let whole months come from small tables:

- goods_totals: per kiosk × store × month × product, goods and points of completed exchanges
  (keyed by kiosk, like exchange_totals, so kiosks of one store never wait on each other's rows);
- store_household_months: per store × month × household, completed exchanges (the households a
  store served in a period are the distinct ones above 0).

The statement reads whole months from these and exchange_totals, and only the partial months at
the ends of a period from the raw rows.

With every figure read from summaries, six indexes no query used any more are dropped: each
cost ingest a write per row, and two (stock moves' and exchanges' by household) landed at random.

On PostgreSQL every summary trigger now runs its SQL through EXECUTE, planned afresh each time.
PL/pgSQL otherwise keeps the plan made on its first run: made while a table was still empty, the
exchange lines' trigger kept hashing the whole exchanges table for every batch, and ingest slowed
as the table grew.
"""

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "c0005_statements"
down_revision = "c0004_dashboard"
branch_labels = None
depends_on = None


def _c0004():
    spec = importlib.util.spec_from_file_location(
        "ek_c0004_dashboard", Path(__file__).with_name("c0004_dashboard.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BACKFILL = (
    """INSERT INTO goods_totals (kiosk_id, store_id, month, product_code, qty, points)
       SELECT e.kiosk_id, e.store_id, {me}, l.product_code, sum(l.qty), sum(l.points)
       FROM exchange_lines l JOIN exchanges e ON e.id = l.exchange_id
       WHERE e.status = 'completed'
       GROUP BY e.kiosk_id, e.store_id, {me}, l.product_code""",
    """INSERT INTO store_household_months (store_id, month, household_id, exchanges)
       SELECT store_id, {m}, household_id, count(*) FROM exchanges
       WHERE status = 'completed' GROUP BY store_id, {m}, household_id""",
)

# -- PostgreSQL -------------------------------------------------------------------------------

# c0004's exchange delta, with the household-months CTE (and, for updates, the goods delta)
# before its final insert.
PG_HOUSEHOLD_MONTHS = """
    months AS (
      INSERT INTO store_household_months AS t (store_id, month, household_id, exchanges)
      SELECT store_id, to_char(created_at, 'YYYY-MM'), household_id, sum(sign) FROM delta
      WHERE status = 'completed' GROUP BY 1, 2, 3 HAVING sum(sign) <> 0 ORDER BY 1, 2, 3
      ON CONFLICT (store_id, month, household_id) DO UPDATE SET
        exchanges = t.exchanges + excluded.exchanges
      RETURNING 1)"""


def _exchange_delta(old: str, goods: str) -> str:
    cut = "RETURNING 1)\n    INSERT INTO store_households"
    assert old.count(cut) == 1
    before, after = old.split(cut)
    return (
        f"{before}RETURNING 1),{goods}{PG_HOUSEHOLD_MONTHS}"
        f"\n    INSERT INTO store_households{after}"
    )


# A void (or un-void) moves its exchange's lines out of (or into) the month's goods.
PG_GOODS_DELTA = """
    goods_delta AS (
      INSERT INTO goods_totals AS t (kiosk_id, store_id, month, product_code, qty, points)
      SELECT d.kiosk_id, d.store_id, to_char(d.created_at, 'YYYY-MM'), l.product_code,
             sum(d.sign * l.qty), sum(d.sign * l.points)
      FROM delta d JOIN exchange_lines l ON l.exchange_id = d.id
      WHERE d.status = 'completed' GROUP BY 1, 2, 3, 4
      HAVING sum(d.sign * l.qty) <> 0 OR sum(d.sign * l.points) <> 0 ORDER BY 1, 2, 3, 4
      ON CONFLICT (kiosk_id, store_id, month, product_code) DO UPDATE SET
        qty = t.qty + excluded.qty, points = t.points + excluded.points
      RETURNING 1),"""

C0004 = _c0004()
PG_CHANGED = {
    # New exchanges have no lines yet: the lines' own trigger adds their goods.
    "ek_exchange_inserted": _exchange_delta(
        C0004.PG_EXCHANGE_DELTA.format(rows=C0004.PG_INSERTED_ROWS),
        goods="",
    ),
    "ek_exchange_updated": _exchange_delta(
        C0004.PG_EXCHANGE_DELTA.format(rows=C0004.PG_UPDATED_ROWS),
        goods=PG_GOODS_DELTA,
    ),
    "ek_line_totals": """
    WITH lines AS (
      SELECT e.kiosk_id, e.store_id, to_char(e.created_at, 'YYYY-MM') AS month,
             l.product_code, l.qty, l.points
      FROM new_rows l JOIN exchanges e ON e.id = l.exchange_id
      WHERE e.status = 'completed'),
    goods AS (
      INSERT INTO goods_totals AS t (kiosk_id, store_id, month, product_code, qty, points)
      SELECT kiosk_id, store_id, month, product_code, sum(qty), sum(points)
      FROM lines GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
      ON CONFLICT (kiosk_id, store_id, month, product_code) DO UPDATE SET
        qty = t.qty + excluded.qty, points = t.points + excluded.points
      RETURNING 1)
    INSERT INTO exchange_totals AS t (kiosk_id, store_id, month, completed, points, goods, voided)
    SELECT kiosk_id, store_id, month, 0, 0, sum(qty), 0
    FROM lines GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (kiosk_id, store_id, month) DO UPDATE SET goods = t.goods + excluded.goods""",
}


def _pg_function(name: str, body: str, *, execute: bool) -> str:
    if execute:
        body = f"EXECUTE $sql$\n{body}\n$sql$"
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$\n"
        f"BEGIN\n{body};\nRETURN NULL;\nEND $fn$"
    )


# -- SQLite: one trigger per row ----------------------------------------------------------------

# Each is c0004's trigger with these statements added at its end.
SQLITE_ADDED = {
    "ek_exchange_inserted": """
      INSERT INTO store_household_months (store_id, month, household_id, exchanges)
      SELECT NEW.store_id, strftime('%Y-%m', NEW.created_at), NEW.household_id, 1
      WHERE NEW.status = 'completed'
      ON CONFLICT (store_id, month, household_id) DO UPDATE SET exchanges = exchanges + 1;""",
    # Store, kiosk, household and time of an exchange never change; its status and total may.
    "ek_exchange_updated": """
      INSERT INTO store_household_months (store_id, month, household_id, exchanges)
      SELECT NEW.store_id, strftime('%Y-%m', NEW.created_at), NEW.household_id,
             (NEW.status = 'completed') - (OLD.status = 'completed')
      WHERE (NEW.status = 'completed') <> (OLD.status = 'completed')
      ON CONFLICT (store_id, month, household_id) DO UPDATE SET
        exchanges = exchanges + excluded.exchanges;
      INSERT INTO goods_totals (kiosk_id, store_id, month, product_code, qty, points)
      SELECT NEW.kiosk_id, NEW.store_id, strftime('%Y-%m', NEW.created_at), l.product_code,
             ((NEW.status = 'completed') - (OLD.status = 'completed')) * sum(l.qty),
             ((NEW.status = 'completed') - (OLD.status = 'completed')) * sum(l.points)
      FROM exchange_lines l
      WHERE l.exchange_id = NEW.id AND (NEW.status = 'completed') <> (OLD.status = 'completed')
      GROUP BY l.product_code
      ON CONFLICT (kiosk_id, store_id, month, product_code) DO UPDATE SET
        qty = qty + excluded.qty, points = points + excluded.points;""",
    "ek_line_totals": """
      INSERT INTO goods_totals (kiosk_id, store_id, month, product_code, qty, points)
      SELECT e.kiosk_id, e.store_id, strftime('%Y-%m', e.created_at), NEW.product_code,
             NEW.qty, NEW.points
      FROM exchanges e WHERE e.id = NEW.exchange_id AND e.status = 'completed'
      ON CONFLICT (kiosk_id, store_id, month, product_code) DO UPDATE SET
        qty = qty + excluded.qty, points = points + excluded.points;""",
}


def _sqlite_trigger(name: str) -> str:
    old = C0004.SQLITE_TRIGGERS[name].rstrip()
    assert old.endswith("END")
    return f"{old[:-3].rstrip()}{SQLITE_ADDED[name]}\n    END"


# (table, index, columns): indexes nothing reads since the figures come from summaries.
UNUSED_INDEXES = (
    ("stock_moves", "ix_stock_moves_exchange_id", ["exchange_id"]),
    ("exchanges", "ix_exchanges_household_id", ["household_id"]),
    ("exchanges", "ix_exchanges_created_at", ["created_at"]),
    ("exchanges", "ix_exchanges_store_id", ["store_id"]),
    ("ledger_entries", "ix_ledger_entries_created_at", ["created_at"]),
    ("ledger_entries", "ix_ledger_entries_store_id", ["store_id"]),
)


def _month(dialect: str, column: str) -> str:
    if dialect == "postgresql":
        return f"to_char({column}, 'YYYY-MM')"
    return f"strftime('%Y-%m', {column})"


def upgrade() -> None:
    month = sa.String(length=7)
    op.create_table(
        "goods_totals",
        sa.Column("kiosk_id", sa.String(length=40), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("month", month, nullable=False),
        sa.Column("product_code", sa.String(length=32), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "kiosk_id", "store_id", "month", "product_code", name=op.f("pk_goods_totals")
        ),
    )
    op.create_index(
        "ix_goods_totals_store_month",
        "goods_totals",
        ["store_id", "month"],
        postgresql_include=["product_code", "qty", "points"],
    )
    op.create_table(
        "store_household_months",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("month", month, nullable=False),
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("exchanges", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "store_id", "month", "household_id", name=op.f("pk_store_household_months")
        ),
    )
    for table, index, _ in UNUSED_INDEXES:
        op.drop_index(index, table_name=table)
    dialect = op.get_bind().dialect.name
    for sql in BACKFILL:
        op.execute(sql.format(m=_month(dialect, "created_at"), me=_month(dialect, "e.created_at")))
    if dialect == "postgresql":
        bodies = {**C0004.PG_FUNCTIONS, **PG_CHANGED}
        for name, body in bodies.items():
            op.execute(_pg_function(name, body, execute=True))
        op.execute("ANALYZE goods_totals, store_household_months")  # just back-filled
    else:
        for name in SQLITE_ADDED:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(_sqlite_trigger(name))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for name, body in C0004.PG_FUNCTIONS.items():
            op.execute(_pg_function(name, body, execute=False))
    else:
        for name in SQLITE_ADDED:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(C0004.SQLITE_TRIGGERS[name])
    for table, index, columns in UNUSED_INDEXES:
        op.create_index(index, table, columns)
    op.drop_table("store_household_months")
    op.drop_index("ix_goods_totals_store_month", table_name="goods_totals")
    op.drop_table("goods_totals")
