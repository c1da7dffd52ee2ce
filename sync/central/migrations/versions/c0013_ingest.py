"""ingest: the lines' summary trigger looks its exchanges up by key; check-ins by store and household

Revision ID: c0013_ingest
Revises: c0012_office
Create Date: 2026-12-04 14:00:00

Profiling the push endpoint showed the exchange lines' statement trigger taking most of a batch's
time: joining its new lines to exchanges, PostgreSQL estimated a handful of exchanges and hashed
the whole table, so every batch read every exchange ever held and ingest slowed as the table
grew. The trigger now names the exchanges it needs as an array (`id = ANY (…)`), which PostgreSQL
reads through the primary key: a batch reads its own exchanges only.

A card revoked or issued at a kiosk asks whether the kiosk's store has served the household; the
check-ins half of that question had no index and read every check-in. It now has one (store,
household), as exchanges have for theirs.

The SQL is written out in full (c0007's, with the change above), so this file stands alone.
"""

# The SQL below is frozen as PostgreSQL stores it: some lines are longer than ours.
# ruff: noqa: E501

from alembic import op

revision = "c0013_ingest"
down_revision = "c0012_office"
branch_labels = None
depends_on = None

PG_LINE_TOTALS = """CREATE OR REPLACE FUNCTION ek_line_totals() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE zone text := coalesce((SELECT value FROM central_settings WHERE key = 'timezone'), 'Asia/Shanghai');
BEGIN
EXECUTE $sql$

    WITH lines AS (
      SELECT e.kiosk_id, e.store_id, to_char(greatest(least(e.created_at AT TIME ZONE 'UTC' AT TIME ZONE $1, timestamp '9999-12-31 23:59:59'), timestamp '0001-01-01 00:00:00'), 'YYYY-MM') AS month,
             l.product_code, l.qty, l.points
      FROM new_rows l JOIN exchanges e ON e.id = l.exchange_id
      WHERE e.id = ANY (ARRAY(SELECT exchange_id FROM new_rows)) AND e.status = 'completed'),
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
    ON CONFLICT (kiosk_id, store_id, month) DO UPDATE SET goods = t.goods + excluded.goods
$sql$ USING zone;
RETURN NULL;
END $fn$"""

# As c0007 made it (for the downgrade).
PG_LINE_TOTALS_BEFORE = """CREATE OR REPLACE FUNCTION ek_line_totals() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE zone text := coalesce((SELECT value FROM central_settings WHERE key = 'timezone'), 'Asia/Shanghai');
BEGIN
EXECUTE $sql$

    WITH lines AS (
      SELECT e.kiosk_id, e.store_id, to_char(greatest(least(e.created_at AT TIME ZONE 'UTC' AT TIME ZONE $1, timestamp '9999-12-31 23:59:59'), timestamp '0001-01-01 00:00:00'), 'YYYY-MM') AS month,
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
    ON CONFLICT (kiosk_id, store_id, month) DO UPDATE SET goods = t.goods + excluded.goods
$sql$ USING zone;
RETURN NULL;
END $fn$"""


def upgrade() -> None:
    op.create_index(
        "ix_checkins_store_household", "checkins", ["store_id", "household_id"], unique=False
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_LINE_TOTALS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_LINE_TOTALS_BEFORE)
    op.drop_index("ix_checkins_store_household", table_name="checkins")
