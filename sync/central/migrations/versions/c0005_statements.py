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

The SQL is written out in full (c0004's, with the changes above), so this file stands alone.
"""

# The SQL below is frozen as PostgreSQL stores it: some lines are longer than ours.
# ruff: noqa: E501

import sqlalchemy as sa
from alembic import op

revision = "c0005_statements"
down_revision = "c0004_dashboard"
branch_labels = None
depends_on = None


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

# Every summary function's body: c0004's, with the exchange functions now also counting
# households per month (and, for updates, the goods a void moves) and the lines' function also
# counting goods per month.
PG_BODIES = {
    "ek_ledger_totals": """
    INSERT INTO ledger_totals AS t (kiosk_id, store_id, month, kind, credit, debit, entries)
    SELECT kiosk_id, coalesce(store_id, 0), to_char(created_at, 'YYYY-MM'), kind,
           sum(greatest(points, 0)), sum(least(points, 0)), count(*)
    FROM new_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (kiosk_id, store_id, month, kind) DO UPDATE SET
      credit = t.credit + excluded.credit, debit = t.debit + excluded.debit,
      entries = t.entries + excluded.entries""",
    "ek_exchange_inserted": """
    WITH delta AS (SELECT kiosk_id, store_id, created_at, household_id, status, total, 0 AS goods, 1 AS sign FROM new_rows),
    totals AS (
      INSERT INTO exchange_totals AS t (kiosk_id, store_id, month, completed, points, goods,
                                        voided)
      SELECT kiosk_id, store_id, to_char(created_at, 'YYYY-MM'),
             sum(CASE WHEN status = 'completed' THEN sign ELSE 0 END),
             sum(CASE WHEN status = 'completed' THEN sign * total ELSE 0 END),
             sum(CASE WHEN status = 'completed' THEN sign * goods ELSE 0 END),
             sum(CASE WHEN status = 'voided' THEN sign ELSE 0 END)
      FROM delta GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
      ON CONFLICT (kiosk_id, store_id, month) DO UPDATE SET
        completed = t.completed + excluded.completed, points = t.points + excluded.points,
        goods = t.goods + excluded.goods, voided = t.voided + excluded.voided
      RETURNING 1),
    months AS (
      INSERT INTO store_household_months AS t (store_id, month, household_id, exchanges)
      SELECT store_id, to_char(created_at, 'YYYY-MM'), household_id, sum(sign) FROM delta
      WHERE status = 'completed' GROUP BY 1, 2, 3 HAVING sum(sign) <> 0 ORDER BY 1, 2, 3
      ON CONFLICT (store_id, month, household_id) DO UPDATE SET
        exchanges = t.exchanges + excluded.exchanges
      RETURNING 1)
    INSERT INTO store_households AS t (store_id, household_id, exchanges)
    SELECT store_id, household_id, sum(sign) FROM delta WHERE status = 'completed'
    GROUP BY 1, 2 HAVING sum(sign) <> 0 ORDER BY 1, 2
    ON CONFLICT (store_id, household_id) DO UPDATE SET exchanges = t.exchanges + excluded.exchanges
""",
    "ek_exchange_updated": """
    WITH delta AS (SELECT d.*, (SELECT coalesce(sum(qty), 0) FROM exchange_lines l WHERE l.exchange_id = d.id) AS goods FROM (SELECT id, kiosk_id, store_id, created_at, household_id, status, total, 1 AS sign FROM new_rows UNION ALL SELECT id, kiosk_id, store_id, created_at, household_id, status, total, -1 FROM old_rows) d),
    totals AS (
      INSERT INTO exchange_totals AS t (kiosk_id, store_id, month, completed, points, goods,
                                        voided)
      SELECT kiosk_id, store_id, to_char(created_at, 'YYYY-MM'),
             sum(CASE WHEN status = 'completed' THEN sign ELSE 0 END),
             sum(CASE WHEN status = 'completed' THEN sign * total ELSE 0 END),
             sum(CASE WHEN status = 'completed' THEN sign * goods ELSE 0 END),
             sum(CASE WHEN status = 'voided' THEN sign ELSE 0 END)
      FROM delta GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
      ON CONFLICT (kiosk_id, store_id, month) DO UPDATE SET
        completed = t.completed + excluded.completed, points = t.points + excluded.points,
        goods = t.goods + excluded.goods, voided = t.voided + excluded.voided
      RETURNING 1),
    goods_delta AS (
      INSERT INTO goods_totals AS t (kiosk_id, store_id, month, product_code, qty, points)
      SELECT d.kiosk_id, d.store_id, to_char(d.created_at, 'YYYY-MM'), l.product_code,
             sum(d.sign * l.qty), sum(d.sign * l.points)
      FROM delta d JOIN exchange_lines l ON l.exchange_id = d.id
      WHERE d.status = 'completed' GROUP BY 1, 2, 3, 4
      HAVING sum(d.sign * l.qty) <> 0 OR sum(d.sign * l.points) <> 0 ORDER BY 1, 2, 3, 4
      ON CONFLICT (kiosk_id, store_id, month, product_code) DO UPDATE SET
        qty = t.qty + excluded.qty, points = t.points + excluded.points
      RETURNING 1),
    months AS (
      INSERT INTO store_household_months AS t (store_id, month, household_id, exchanges)
      SELECT store_id, to_char(created_at, 'YYYY-MM'), household_id, sum(sign) FROM delta
      WHERE status = 'completed' GROUP BY 1, 2, 3 HAVING sum(sign) <> 0 ORDER BY 1, 2, 3
      ON CONFLICT (store_id, month, household_id) DO UPDATE SET
        exchanges = t.exchanges + excluded.exchanges
      RETURNING 1)
    INSERT INTO store_households AS t (store_id, household_id, exchanges)
    SELECT store_id, household_id, sum(sign) FROM delta WHERE status = 'completed'
    GROUP BY 1, 2 HAVING sum(sign) <> 0 ORDER BY 1, 2
    ON CONFLICT (store_id, household_id) DO UPDATE SET exchanges = t.exchanges + excluded.exchanges
""",
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
    "ek_checkin_totals": """
    INSERT INTO checkin_totals AS t (kiosk_id, store_id, month, activity_id, checkins)
    SELECT coalesce(kiosk_id, ''), coalesce(store_id, 0), to_char(created_at, 'YYYY-MM'),
           activity_id, count(*)
    FROM new_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (kiosk_id, store_id, month, activity_id) DO UPDATE SET
      checkins = t.checkins + excluded.checkins""",
    "ek_move_totals": """
    INSERT INTO donor_households AS t (donor, household_id, goods, moves)
    SELECT b.donor, coalesce(m.household_id, ''), -sum(m.qty), count(*)
    FROM new_rows m JOIN batches b ON b.kiosk_id = m.kiosk_id AND b.batch_id = m.batch_id
    WHERE b.source = 'donation' AND m.kind IN ('issue', 'void')
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (donor, household_id) DO UPDATE SET
      goods = t.goods + excluded.goods, moves = t.moves + excluded.moves""",
    "ek_batch_totals": """
    INSERT INTO donor_households AS t (donor, household_id, goods, moves)
    SELECT b.donor, coalesce(m.household_id, ''), -sum(m.qty), count(*)
    FROM new_rows b JOIN stock_moves m ON m.kiosk_id = b.kiosk_id AND m.batch_id = b.batch_id
    WHERE b.source = 'donation' AND m.kind IN ('issue', 'void')
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (donor, household_id) DO UPDATE SET
      goods = t.goods + excluded.goods, moves = t.moves + excluded.moves""",
    "ek_donor_added": """
    INSERT INTO donor_totals AS t (donor, goods, households)
    SELECT donor, sum(goods), count(*) FILTER (WHERE household_id <> '')
    FROM new_rows GROUP BY 1 ORDER BY 1
    ON CONFLICT (donor) DO UPDATE SET
      goods = t.goods + excluded.goods, households = t.households + excluded.households""",
    "ek_donor_changed": """
    INSERT INTO donor_totals AS t (donor, goods, households)
    SELECT n.donor, sum(n.goods - o.goods), 0
    FROM new_rows n JOIN old_rows o ON o.donor = n.donor AND o.household_id = n.household_id
    GROUP BY 1 ORDER BY 1
    ON CONFLICT (donor) DO UPDATE SET goods = t.goods + excluded.goods""",
    "ek_donation_totals": """
    INSERT INTO donor_goods AS t (donor, product_code, qty, value_cents)
    SELECT donor, product_code, sum(qty), sum(qty * coalesce(unit_value_cents, 0))
    FROM new_rows WHERE source = 'donation' GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (donor, product_code) DO UPDATE SET
      qty = t.qty + excluded.qty, value_cents = t.value_cents + excluded.value_cents""",
}
# The three bodies as c0004 wrote them (for the downgrade).
PG_BODIES_BEFORE = {
    "ek_exchange_inserted": """
    WITH delta AS (SELECT kiosk_id, store_id, created_at, household_id, status, total, 0 AS goods, 1 AS sign FROM new_rows),
    totals AS (
      INSERT INTO exchange_totals AS t (kiosk_id, store_id, month, completed, points, goods,
                                        voided)
      SELECT kiosk_id, store_id, to_char(created_at, 'YYYY-MM'),
             sum(CASE WHEN status = 'completed' THEN sign ELSE 0 END),
             sum(CASE WHEN status = 'completed' THEN sign * total ELSE 0 END),
             sum(CASE WHEN status = 'completed' THEN sign * goods ELSE 0 END),
             sum(CASE WHEN status = 'voided' THEN sign ELSE 0 END)
      FROM delta GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
      ON CONFLICT (kiosk_id, store_id, month) DO UPDATE SET
        completed = t.completed + excluded.completed, points = t.points + excluded.points,
        goods = t.goods + excluded.goods, voided = t.voided + excluded.voided
      RETURNING 1)
    INSERT INTO store_households AS t (store_id, household_id, exchanges)
    SELECT store_id, household_id, sum(sign) FROM delta WHERE status = 'completed'
    GROUP BY 1, 2 HAVING sum(sign) <> 0 ORDER BY 1, 2
    ON CONFLICT (store_id, household_id) DO UPDATE SET exchanges = t.exchanges + excluded.exchanges
""",
    "ek_exchange_updated": """
    WITH delta AS (SELECT d.*, (SELECT coalesce(sum(qty), 0) FROM exchange_lines l WHERE l.exchange_id = d.id) AS goods FROM (SELECT id, kiosk_id, store_id, created_at, household_id, status, total, 1 AS sign FROM new_rows UNION ALL SELECT id, kiosk_id, store_id, created_at, household_id, status, total, -1 FROM old_rows) d),
    totals AS (
      INSERT INTO exchange_totals AS t (kiosk_id, store_id, month, completed, points, goods,
                                        voided)
      SELECT kiosk_id, store_id, to_char(created_at, 'YYYY-MM'),
             sum(CASE WHEN status = 'completed' THEN sign ELSE 0 END),
             sum(CASE WHEN status = 'completed' THEN sign * total ELSE 0 END),
             sum(CASE WHEN status = 'completed' THEN sign * goods ELSE 0 END),
             sum(CASE WHEN status = 'voided' THEN sign ELSE 0 END)
      FROM delta GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
      ON CONFLICT (kiosk_id, store_id, month) DO UPDATE SET
        completed = t.completed + excluded.completed, points = t.points + excluded.points,
        goods = t.goods + excluded.goods, voided = t.voided + excluded.voided
      RETURNING 1)
    INSERT INTO store_households AS t (store_id, household_id, exchanges)
    SELECT store_id, household_id, sum(sign) FROM delta WHERE status = 'completed'
    GROUP BY 1, 2 HAVING sum(sign) <> 0 ORDER BY 1, 2
    ON CONFLICT (store_id, household_id) DO UPDATE SET exchanges = t.exchanges + excluded.exchanges
""",
    "ek_line_totals": """
    INSERT INTO exchange_totals AS t (kiosk_id, store_id, month, completed, points, goods, voided)
    SELECT e.kiosk_id, e.store_id, to_char(e.created_at, 'YYYY-MM'), 0, 0, sum(l.qty), 0
    FROM new_rows l JOIN exchanges e ON e.id = l.exchange_id
    WHERE e.status = 'completed' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
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

# c0004's triggers with statements added at their end: households per month, goods per month.
SQLITE_TRIGGERS = {
    "ek_exchange_inserted": """
    CREATE TRIGGER ek_exchange_inserted AFTER INSERT ON exchanges BEGIN
      INSERT INTO exchange_totals (kiosk_id, store_id, month, completed, points, goods, voided)
      VALUES (NEW.kiosk_id, NEW.store_id, strftime('%Y-%m', NEW.created_at),
              NEW.status = 'completed', CASE WHEN NEW.status = 'completed' THEN NEW.total
              ELSE 0 END, 0, NEW.status = 'voided')
      ON CONFLICT (kiosk_id, store_id, month) DO UPDATE SET
        completed = completed + excluded.completed, points = points + excluded.points,
        voided = voided + excluded.voided;
      INSERT INTO store_households (store_id, household_id, exchanges)
      SELECT NEW.store_id, NEW.household_id, 1 WHERE NEW.status = 'completed'
      ON CONFLICT (store_id, household_id) DO UPDATE SET exchanges = exchanges + 1;
      INSERT INTO store_household_months (store_id, month, household_id, exchanges)
      SELECT NEW.store_id, strftime('%Y-%m', NEW.created_at), NEW.household_id, 1
      WHERE NEW.status = 'completed'
      ON CONFLICT (store_id, month, household_id) DO UPDATE SET exchanges = exchanges + 1;
    END""",
    "ek_exchange_updated": """
    CREATE TRIGGER ek_exchange_updated AFTER UPDATE OF status, total ON exchanges BEGIN
      INSERT INTO exchange_totals (kiosk_id, store_id, month, completed, points, goods, voided)
      VALUES (NEW.kiosk_id, NEW.store_id, strftime('%Y-%m', NEW.created_at),
              (NEW.status = 'completed') - (OLD.status = 'completed'),
              (CASE WHEN NEW.status = 'completed' THEN NEW.total ELSE 0 END)
              - (CASE WHEN OLD.status = 'completed' THEN OLD.total ELSE 0 END),
              ((NEW.status = 'completed') - (OLD.status = 'completed'))
              * (SELECT coalesce(sum(qty), 0) FROM exchange_lines WHERE exchange_id = NEW.id),
              (NEW.status = 'voided') - (OLD.status = 'voided'))
      ON CONFLICT (kiosk_id, store_id, month) DO UPDATE SET
        completed = completed + excluded.completed, points = points + excluded.points,
        goods = goods + excluded.goods, voided = voided + excluded.voided;
      INSERT INTO store_households (store_id, household_id, exchanges)
      SELECT NEW.store_id, NEW.household_id,
             (NEW.status = 'completed') - (OLD.status = 'completed')
      WHERE (NEW.status = 'completed') <> (OLD.status = 'completed')
      ON CONFLICT (store_id, household_id) DO UPDATE SET
        exchanges = exchanges + excluded.exchanges;
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
        qty = qty + excluded.qty, points = points + excluded.points;
    END""",
    "ek_line_totals": """
    CREATE TRIGGER ek_line_totals AFTER INSERT ON exchange_lines BEGIN
      INSERT INTO exchange_totals (kiosk_id, store_id, month, completed, points, goods, voided)
      SELECT e.kiosk_id, e.store_id, strftime('%Y-%m', e.created_at), 0, 0, NEW.qty, 0
      FROM exchanges e WHERE e.id = NEW.exchange_id AND e.status = 'completed'
      ON CONFLICT (kiosk_id, store_id, month) DO UPDATE SET goods = goods + excluded.goods;
      INSERT INTO goods_totals (kiosk_id, store_id, month, product_code, qty, points)
      SELECT e.kiosk_id, e.store_id, strftime('%Y-%m', e.created_at), NEW.product_code,
             NEW.qty, NEW.points
      FROM exchanges e WHERE e.id = NEW.exchange_id AND e.status = 'completed'
      ON CONFLICT (kiosk_id, store_id, month, product_code) DO UPDATE SET
        qty = qty + excluded.qty, points = points + excluded.points;
    END""",
}
# The three triggers as c0004 wrote them (for the downgrade).
SQLITE_TRIGGERS_BEFORE = {
    "ek_exchange_inserted": """
    CREATE TRIGGER ek_exchange_inserted AFTER INSERT ON exchanges BEGIN
      INSERT INTO exchange_totals (kiosk_id, store_id, month, completed, points, goods, voided)
      VALUES (NEW.kiosk_id, NEW.store_id, strftime('%Y-%m', NEW.created_at),
              NEW.status = 'completed', CASE WHEN NEW.status = 'completed' THEN NEW.total
              ELSE 0 END, 0, NEW.status = 'voided')
      ON CONFLICT (kiosk_id, store_id, month) DO UPDATE SET
        completed = completed + excluded.completed, points = points + excluded.points,
        voided = voided + excluded.voided;
      INSERT INTO store_households (store_id, household_id, exchanges)
      SELECT NEW.store_id, NEW.household_id, 1 WHERE NEW.status = 'completed'
      ON CONFLICT (store_id, household_id) DO UPDATE SET exchanges = exchanges + 1;
    END""",
    "ek_exchange_updated": """
    CREATE TRIGGER ek_exchange_updated AFTER UPDATE OF status, total ON exchanges BEGIN
      INSERT INTO exchange_totals (kiosk_id, store_id, month, completed, points, goods, voided)
      VALUES (NEW.kiosk_id, NEW.store_id, strftime('%Y-%m', NEW.created_at),
              (NEW.status = 'completed') - (OLD.status = 'completed'),
              (CASE WHEN NEW.status = 'completed' THEN NEW.total ELSE 0 END)
              - (CASE WHEN OLD.status = 'completed' THEN OLD.total ELSE 0 END),
              ((NEW.status = 'completed') - (OLD.status = 'completed'))
              * (SELECT coalesce(sum(qty), 0) FROM exchange_lines WHERE exchange_id = NEW.id),
              (NEW.status = 'voided') - (OLD.status = 'voided'))
      ON CONFLICT (kiosk_id, store_id, month) DO UPDATE SET
        completed = completed + excluded.completed, points = points + excluded.points,
        goods = goods + excluded.goods, voided = voided + excluded.voided;
      INSERT INTO store_households (store_id, household_id, exchanges)
      SELECT NEW.store_id, NEW.household_id,
             (NEW.status = 'completed') - (OLD.status = 'completed')
      WHERE (NEW.status = 'completed') <> (OLD.status = 'completed')
      ON CONFLICT (store_id, household_id) DO UPDATE SET
        exchanges = exchanges + excluded.exchanges;
    END""",
    "ek_line_totals": """
    CREATE TRIGGER ek_line_totals AFTER INSERT ON exchange_lines BEGIN
      INSERT INTO exchange_totals (kiosk_id, store_id, month, completed, points, goods, voided)
      SELECT e.kiosk_id, e.store_id, strftime('%Y-%m', e.created_at), 0, 0, NEW.qty, 0
      FROM exchanges e WHERE e.id = NEW.exchange_id AND e.status = 'completed'
      ON CONFLICT (kiosk_id, store_id, month) DO UPDATE SET goods = goods + excluded.goods;
    END""",
}


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
        for name, body in PG_BODIES.items():
            op.execute(_pg_function(name, body, execute=True))
        op.execute("ANALYZE goods_totals, store_household_months")  # just back-filled
    else:
        for name, ddl in SQLITE_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(ddl)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for name, body in {**PG_BODIES, **PG_BODIES_BEFORE}.items():
            op.execute(_pg_function(name, body, execute=False))
    else:
        for name, ddl in SQLITE_TRIGGERS_BEFORE.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(ddl)
    for table, index, columns in UNUSED_INDEXES:
        op.create_index(index, table, columns)
    op.drop_table("store_household_months")
    op.drop_index("ix_goods_totals_store_month", table_name="goods_totals")
    op.drop_table("goods_totals")
