"""dashboard: summary tables kept by triggers, and indexes for the office's pages

Revision ID: c0004_dashboard
Revises: c0003
Create Date: 2026-11-22 22:20:00

The office's figures summed ten million ledger entries, exchanges, lines and stock moves on
every view. These tables hold the same sums per kiosk × store × month (and per store × household,
donor × household for the distinct counts), kept by triggers in the same transaction as the rows
they summarise — whichever code writes them — and back-filled here. On PostgreSQL the triggers run
once per statement over its new rows (ingest inserts a batch in one statement per table); on
SQLite once per row. The SQL is frozen here; sync.central.totals recounts the same figures from
the raw rows to prove them equal.
"""

import sqlalchemy as sa
from alembic import op

revision = "c0004_dashboard"
down_revision = "c0003"
branch_labels = None
depends_on = None

TABLES = (
    "ledger_totals",
    "exchange_totals",
    "checkin_totals",
    "store_households",
    "donor_households",
    "donor_totals",
    "donor_goods",
)

BACKFILL = (
    """INSERT INTO ledger_totals (kiosk_id, store_id, month, kind, credit, debit, entries)
       SELECT kiosk_id, coalesce(store_id, 0), {m}, kind,
              sum(CASE WHEN points > 0 THEN points ELSE 0 END),
              sum(CASE WHEN points < 0 THEN points ELSE 0 END), count(*)
       FROM ledger_entries GROUP BY kiosk_id, coalesce(store_id, 0), {m}, kind""",
    """INSERT INTO exchange_totals (kiosk_id, store_id, month, completed, points, goods, voided)
       SELECT e.kiosk_id, e.store_id, {me},
              sum(CASE WHEN e.status = 'completed' THEN 1 ELSE 0 END),
              sum(CASE WHEN e.status = 'completed' THEN e.total ELSE 0 END),
              sum(CASE WHEN e.status = 'completed' THEN coalesce(l.qty, 0) ELSE 0 END),
              sum(CASE WHEN e.status = 'voided' THEN 1 ELSE 0 END)
       FROM exchanges e
       LEFT JOIN (SELECT exchange_id, sum(qty) AS qty FROM exchange_lines
                  GROUP BY exchange_id) l ON l.exchange_id = e.id
       GROUP BY e.kiosk_id, e.store_id, {me}""",
    """INSERT INTO checkin_totals (kiosk_id, store_id, month, activity_id, checkins)
       SELECT coalesce(kiosk_id, ''), coalesce(store_id, 0), {m}, activity_id, count(*)
       FROM checkins GROUP BY coalesce(kiosk_id, ''), coalesce(store_id, 0), {m}, activity_id""",
    """INSERT INTO store_households (store_id, household_id, exchanges)
       SELECT store_id, household_id, count(*) FROM exchanges
       WHERE status = 'completed' GROUP BY store_id, household_id""",
    """INSERT INTO donor_households (donor, household_id, goods, moves)
       SELECT b.donor, coalesce(m.household_id, ''), -sum(m.qty), count(*)
       FROM stock_moves m
       JOIN batches b ON b.kiosk_id = m.kiosk_id AND b.batch_id = m.batch_id
       WHERE b.source = 'donation' AND m.kind IN ('issue', 'void')
       GROUP BY b.donor, coalesce(m.household_id, '')""",
    """INSERT INTO donor_totals (donor, goods, households)
       SELECT donor, sum(goods), sum(CASE WHEN household_id <> '' THEN 1 ELSE 0 END)
       FROM donor_households GROUP BY donor""",
    """INSERT INTO donor_goods (donor, product_code, qty, value_cents)
       SELECT donor, product_code, sum(qty), sum(qty * coalesce(unit_value_cents, 0))
       FROM batches WHERE source = 'donation' GROUP BY donor, product_code""",
)

# -- PostgreSQL: one trigger per statement, over its transition table ------------------------
# Keys are taken in sorted order. The kiosk-keyed rows are written only under that kiosk's push
# lock (or, for central's own chain, the feed lock); the household-keyed ones only by
# transactions holding that household's row lock, so concurrent pushes do not wait on each other
# here and cannot deadlock.

PG_EXCHANGE_DELTA = """
    WITH delta AS ({rows}),
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
"""

# The exchanges a statement-level trigger moves, each with its goods and +1 (new) or -1 (old).
PG_INSERTED_ROWS = (
    "SELECT kiosk_id, store_id, created_at, household_id, status, total, 0 AS goods,"
    " 1 AS sign FROM new_rows"
)
PG_UPDATED_ROWS = (
    "SELECT d.*, (SELECT coalesce(sum(qty), 0) FROM exchange_lines l"
    " WHERE l.exchange_id = d.id) AS goods FROM ("
    "SELECT id, kiosk_id, store_id, created_at, household_id, status, total, 1 AS sign"
    " FROM new_rows UNION ALL"
    " SELECT id, kiosk_id, store_id, created_at, household_id, status, total, -1"
    " FROM old_rows) d"
)

PG_FUNCTIONS = {
    "ek_ledger_totals": """
    INSERT INTO ledger_totals AS t (kiosk_id, store_id, month, kind, credit, debit, entries)
    SELECT kiosk_id, coalesce(store_id, 0), to_char(created_at, 'YYYY-MM'), kind,
           sum(greatest(points, 0)), sum(least(points, 0)), count(*)
    FROM new_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (kiosk_id, store_id, month, kind) DO UPDATE SET
      credit = t.credit + excluded.credit, debit = t.debit + excluded.debit,
      entries = t.entries + excluded.entries""",
    # New exchanges have no lines yet: the lines' own trigger adds their goods.
    "ek_exchange_inserted": PG_EXCHANGE_DELTA.format(rows=PG_INSERTED_ROWS),
    "ek_exchange_updated": PG_EXCHANGE_DELTA.format(rows=PG_UPDATED_ROWS),
    "ek_line_totals": """
    INSERT INTO exchange_totals AS t (kiosk_id, store_id, month, completed, points, goods, voided)
    SELECT e.kiosk_id, e.store_id, to_char(e.created_at, 'YYYY-MM'), 0, 0, sum(l.qty), 0
    FROM new_rows l JOIN exchanges e ON e.id = l.exchange_id
    WHERE e.status = 'completed' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (kiosk_id, store_id, month) DO UPDATE SET goods = t.goods + excluded.goods""",
    "ek_checkin_totals": """
    INSERT INTO checkin_totals AS t (kiosk_id, store_id, month, activity_id, checkins)
    SELECT coalesce(kiosk_id, ''), coalesce(store_id, 0), to_char(created_at, 'YYYY-MM'),
           activity_id, count(*)
    FROM new_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (kiosk_id, store_id, month, activity_id) DO UPDATE SET
      checkins = t.checkins + excluded.checkins""",
    # A move counts once its batch is held: when the move arrives, or when its batch does.
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
    # Per donor: what donor_households holds, summed (households: rows with a household).
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

# (trigger, table, event, transition tables, function)
PG_TRIGGERS = (
    ("ek_ledger_totals", "ledger_entries", "INSERT", "NEW TABLE AS new_rows", "ek_ledger_totals"),
    (
        "ek_exchange_inserted",
        "exchanges",
        "INSERT",
        "NEW TABLE AS new_rows",
        "ek_exchange_inserted",
    ),
    (
        "ek_exchange_updated",
        "exchanges",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "ek_exchange_updated",
    ),
    ("ek_line_totals", "exchange_lines", "INSERT", "NEW TABLE AS new_rows", "ek_line_totals"),
    ("ek_checkin_totals", "checkins", "INSERT", "NEW TABLE AS new_rows", "ek_checkin_totals"),
    ("ek_move_totals", "stock_moves", "INSERT", "NEW TABLE AS new_rows", "ek_move_totals"),
    ("ek_batch_totals", "batches", "INSERT", "NEW TABLE AS new_rows", "ek_batch_totals"),
    ("ek_donor_added", "donor_households", "INSERT", "NEW TABLE AS new_rows", "ek_donor_added"),
    (
        "ek_donor_changed",
        "donor_households",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "ek_donor_changed",
    ),
    ("ek_donation_totals", "batches", "INSERT", "NEW TABLE AS new_rows", "ek_donation_totals"),
)

# -- SQLite: one trigger per row --------------------------------------------------------------

SQLITE_TRIGGERS = {
    "ek_ledger_totals": """
    CREATE TRIGGER ek_ledger_totals AFTER INSERT ON ledger_entries BEGIN
      INSERT INTO ledger_totals (kiosk_id, store_id, month, kind, credit, debit, entries)
      VALUES (NEW.kiosk_id, coalesce(NEW.store_id, 0), strftime('%Y-%m', NEW.created_at),
              NEW.kind, max(NEW.points, 0), min(NEW.points, 0), 1)
      ON CONFLICT (kiosk_id, store_id, month, kind) DO UPDATE SET
        credit = credit + excluded.credit, debit = debit + excluded.debit,
        entries = entries + 1;
    END""",
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
    # Store, kiosk, household and time of an exchange never change; its status and total may.
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
    "ek_checkin_totals": """
    CREATE TRIGGER ek_checkin_totals AFTER INSERT ON checkins BEGIN
      INSERT INTO checkin_totals (kiosk_id, store_id, month, activity_id, checkins)
      VALUES (coalesce(NEW.kiosk_id, ''), coalesce(NEW.store_id, 0),
              strftime('%Y-%m', NEW.created_at), NEW.activity_id, 1)
      ON CONFLICT (kiosk_id, store_id, month, activity_id) DO UPDATE SET
        checkins = checkins + 1;
    END""",
    "ek_move_totals": """
    CREATE TRIGGER ek_move_totals AFTER INSERT ON stock_moves
    WHEN NEW.kind IN ('issue', 'void') BEGIN
      INSERT INTO donor_households (donor, household_id, goods, moves)
      SELECT b.donor, coalesce(NEW.household_id, ''), -NEW.qty, 1 FROM batches b
      WHERE b.kiosk_id = NEW.kiosk_id AND b.batch_id = NEW.batch_id AND b.source = 'donation'
      ON CONFLICT (donor, household_id) DO UPDATE SET
        goods = goods + excluded.goods, moves = moves + 1;
    END""",
    "ek_batch_totals": """
    CREATE TRIGGER ek_batch_totals AFTER INSERT ON batches
    WHEN NEW.source = 'donation' BEGIN
      INSERT INTO donor_households (donor, household_id, goods, moves)
      SELECT NEW.donor, coalesce(m.household_id, ''), -sum(m.qty), count(*) FROM stock_moves m
      WHERE m.kiosk_id = NEW.kiosk_id AND m.batch_id = NEW.batch_id
        AND m.kind IN ('issue', 'void')
      GROUP BY coalesce(m.household_id, '')
      ON CONFLICT (donor, household_id) DO UPDATE SET
        goods = goods + excluded.goods, moves = moves + excluded.moves;
    END""",
    "ek_donor_added": """
    CREATE TRIGGER ek_donor_added AFTER INSERT ON donor_households BEGIN
      INSERT INTO donor_totals (donor, goods, households)
      VALUES (NEW.donor, NEW.goods, NEW.household_id <> '')
      ON CONFLICT (donor) DO UPDATE SET
        goods = goods + excluded.goods, households = households + excluded.households;
    END""",
    "ek_donor_changed": """
    CREATE TRIGGER ek_donor_changed AFTER UPDATE OF goods ON donor_households BEGIN
      UPDATE donor_totals SET goods = goods + NEW.goods - OLD.goods WHERE donor = NEW.donor;
    END""",
    "ek_donation_totals": """
    CREATE TRIGGER ek_donation_totals AFTER INSERT ON batches
    WHEN NEW.source = 'donation' BEGIN
      INSERT INTO donor_goods (donor, product_code, qty, value_cents)
      VALUES (NEW.donor, NEW.product_code, NEW.qty,
              NEW.qty * coalesce(NEW.unit_value_cents, 0))
      ON CONFLICT (donor, product_code) DO UPDATE SET
        qty = qty + excluded.qty, value_cents = value_cents + excluded.value_cents;
    END""",
}


def _month(dialect: str, column: str) -> str:
    if dialect == "postgresql":
        return f"to_char({column}, 'YYYY-MM')"
    return f"strftime('%Y-%m', {column})"


def upgrade() -> None:
    month = sa.String(length=7)
    op.create_table(
        "ledger_totals",
        sa.Column("kiosk_id", sa.String(length=40), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("month", month, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("credit", sa.BigInteger(), nullable=False),
        sa.Column("debit", sa.BigInteger(), nullable=False),
        sa.Column("entries", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "kiosk_id", "store_id", "month", "kind", name=op.f("pk_ledger_totals")
        ),
    )
    op.create_index("ix_ledger_totals_store_month", "ledger_totals", ["store_id", "month"])
    op.create_table(
        "exchange_totals",
        sa.Column("kiosk_id", sa.String(length=40), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("month", month, nullable=False),
        sa.Column("completed", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("goods", sa.BigInteger(), nullable=False),
        sa.Column("voided", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kiosk_id", "store_id", "month", name=op.f("pk_exchange_totals")),
    )
    op.create_index("ix_exchange_totals_store_month", "exchange_totals", ["store_id", "month"])
    op.create_table(
        "checkin_totals",
        sa.Column("kiosk_id", sa.String(length=40), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("month", month, nullable=False),
        sa.Column("activity_id", sa.String(length=40), nullable=False),
        sa.Column("checkins", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "kiosk_id", "store_id", "month", "activity_id", name=op.f("pk_checkin_totals")
        ),
    )
    op.create_table(
        "store_households",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("exchanges", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "household_id", name=op.f("pk_store_households")),
    )
    op.create_table(
        "donor_households",
        sa.Column("donor", sa.String(length=80), nullable=False),
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("goods", sa.BigInteger(), nullable=False),
        sa.Column("moves", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("donor", "household_id", name=op.f("pk_donor_households")),
    )
    op.create_table(
        "donor_totals",
        sa.Column("donor", sa.String(length=80), nullable=False),
        sa.Column("goods", sa.BigInteger(), nullable=False),
        sa.Column("households", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("donor", name=op.f("pk_donor_totals")),
    )
    op.create_table(
        "donor_goods",
        sa.Column("donor", sa.String(length=80), nullable=False),
        sa.Column("product_code", sa.String(length=32), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("value_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("donor", "product_code", name=op.f("pk_donor_goods")),
    )

    # A household's page lists its latest entries.
    with op.batch_alter_table("ledger_entries") as batch_op:
        batch_op.drop_index("ix_ledger_entries_household_id")
        batch_op.create_index("ix_ledger_entries_household_created", ["household_id", "created_at"])
    # On PostgreSQL a store's statement for a period then reads the indexes alone.
    with op.batch_alter_table("exchanges") as batch_op:
        batch_op.create_index(
            "ix_exchanges_store_created",
            ["store_id", "created_at"],
            postgresql_include=["status", "id", "household_id", "total"],
        )
    with op.batch_alter_table("exchange_lines") as batch_op:
        batch_op.drop_index("ix_exchange_lines_exchange_id")
        batch_op.create_index(
            "ix_exchange_lines_exchange_id",
            ["exchange_id"],
            postgresql_include=["product_code", "qty", "points"],
        )
    with op.batch_alter_table("alerts") as batch_op:
        batch_op.create_index("ix_alerts_created_at", ["created_at"])

    dialect = op.get_bind().dialect.name
    for sql in BACKFILL:
        op.execute(sql.format(m=_month(dialect, "created_at"), me=_month(dialect, "e.created_at")))
    if dialect == "postgresql":
        for name, body in PG_FUNCTIONS.items():
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN\n{body};\nRETURN NULL;\nEND $$"
            )
        for name, table, event, referencing, function in PG_TRIGGERS:
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
    else:
        for ddl in SQLITE_TRIGGERS.values():
            op.execute(ddl)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for name, table, *_ in PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for name in PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("alerts") as batch_op:
        batch_op.drop_index("ix_alerts_created_at")
    with op.batch_alter_table("exchange_lines") as batch_op:
        batch_op.drop_index("ix_exchange_lines_exchange_id")
        batch_op.create_index("ix_exchange_lines_exchange_id", ["exchange_id"])
    with op.batch_alter_table("exchanges") as batch_op:
        batch_op.drop_index("ix_exchanges_store_created")
    with op.batch_alter_table("ledger_entries") as batch_op:
        batch_op.drop_index("ix_ledger_entries_household_created")
        batch_op.create_index("ix_ledger_entries_household_id", ["household_id"])
    op.drop_index("ix_exchange_totals_store_month", table_name="exchange_totals")
    op.drop_index("ix_ledger_totals_store_month", table_name="ledger_totals")
    for table in reversed(TABLES):
        op.drop_table(table)
