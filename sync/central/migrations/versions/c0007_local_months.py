"""local months: the figures' months are the programme's calendar months, not UTC's

Revision ID: c0007_local_months
Revises: c0006_uuid_ids
Create Date: 2026-11-25 09:00:00

The summary tables keyed their months by the UTC month of each stored time, so an exchange at
07:00 Beijing time on the 1st counted in the month before. The programme's time zone is now kept
in central_settings (key "timezone", Asia/Shanghai; central then seeds a database this upgrade
created the setting in from $KIOSK_CENTRAL_TIMEZONE, and `kiosk central timezone` changes it),
every trigger that writes a month converts to it, and the five monthly summaries are recounted.

On PostgreSQL each trigger reads the zone once per statement and hands it to its SQL as $1. On
SQLite the triggers call programme_month(stored, zone), a function the central server registers
on each connection (sync.central.localtime). The recount reads every ledger entry, exchange,
line and check-in once: on a large database, plan the upgrade for a quiet hour.

The SQL is written out in full, as the c0004 and c0005 triggers it rewrites became, so this file
stands alone.
"""

# The SQL below is frozen as PostgreSQL stores it: some lines are longer than ours.
# ruff: noqa: E501

import sqlalchemy as sa
from alembic import op

revision = "c0007_local_months"
down_revision = "c0006_uuid_ids"
branch_labels = None
depends_on = None

# A new programme counts in this zone; `kiosk central timezone` changes it and recounts. (Central
# seeds a new database from $KIOSK_CENTRAL_TIMEZONE after upgrading: sync.central.server.)
DEFAULT_ZONE = "Asia/Shanghai"
MONTHLY = (
    "ledger_totals",
    "exchange_totals",
    "checkin_totals",
    "goods_totals",
    "store_household_months",
)

# The month tables' recounts (c0004's and c0005's back-fills of them), in MONTHLY's order.
RECOUNT = (
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
    """INSERT INTO goods_totals (kiosk_id, store_id, month, product_code, qty, points)
       SELECT e.kiosk_id, e.store_id, {me}, l.product_code, sum(l.qty), sum(l.points)
       FROM exchange_lines l JOIN exchanges e ON e.id = l.exchange_id
       WHERE e.status = 'completed'
       GROUP BY e.kiosk_id, e.store_id, {me}, l.product_code""",
    """INSERT INTO store_household_months (store_id, month, household_id, exchanges)
       SELECT store_id, {m}, household_id, count(*) FROM exchanges
       WHERE status = 'completed' GROUP BY store_id, {m}, household_id""",
)

# c0005's functions that write a month, each month now in the programme's zone, read once per
# statement from central_settings and handed to the SQL as $1.
PG_FUNCTIONS = {
    "ek_ledger_totals": """CREATE OR REPLACE FUNCTION ek_ledger_totals() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE zone text := coalesce((SELECT value FROM central_settings WHERE key = 'timezone'), 'Asia/Shanghai');
BEGIN
EXECUTE $sql$

    INSERT INTO ledger_totals AS t (kiosk_id, store_id, month, kind, credit, debit, entries)
    SELECT kiosk_id, coalesce(store_id, 0), to_char(greatest(least(created_at AT TIME ZONE 'UTC' AT TIME ZONE $1, timestamp '9999-12-31 23:59:59'), timestamp '0001-01-01 00:00:00'), 'YYYY-MM'), kind,
           sum(greatest(points, 0)), sum(least(points, 0)), count(*)
    FROM new_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (kiosk_id, store_id, month, kind) DO UPDATE SET
      credit = t.credit + excluded.credit, debit = t.debit + excluded.debit,
      entries = t.entries + excluded.entries
$sql$ USING zone;
RETURN NULL;
END $fn$""",
    "ek_exchange_inserted": """CREATE OR REPLACE FUNCTION ek_exchange_inserted() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE zone text := coalesce((SELECT value FROM central_settings WHERE key = 'timezone'), 'Asia/Shanghai');
BEGIN
EXECUTE $sql$

    WITH delta AS (SELECT kiosk_id, store_id, created_at, household_id, status, total, 0 AS goods, 1 AS sign FROM new_rows),
    totals AS (
      INSERT INTO exchange_totals AS t (kiosk_id, store_id, month, completed, points, goods,
                                        voided)
      SELECT kiosk_id, store_id, to_char(greatest(least(created_at AT TIME ZONE 'UTC' AT TIME ZONE $1, timestamp '9999-12-31 23:59:59'), timestamp '0001-01-01 00:00:00'), 'YYYY-MM'),
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
      SELECT store_id, to_char(greatest(least(created_at AT TIME ZONE 'UTC' AT TIME ZONE $1, timestamp '9999-12-31 23:59:59'), timestamp '0001-01-01 00:00:00'), 'YYYY-MM'), household_id, sum(sign) FROM delta
      WHERE status = 'completed' GROUP BY 1, 2, 3 HAVING sum(sign) <> 0 ORDER BY 1, 2, 3
      ON CONFLICT (store_id, month, household_id) DO UPDATE SET
        exchanges = t.exchanges + excluded.exchanges
      RETURNING 1)
    INSERT INTO store_households AS t (store_id, household_id, exchanges)
    SELECT store_id, household_id, sum(sign) FROM delta WHERE status = 'completed'
    GROUP BY 1, 2 HAVING sum(sign) <> 0 ORDER BY 1, 2
    ON CONFLICT (store_id, household_id) DO UPDATE SET exchanges = t.exchanges + excluded.exchanges

$sql$ USING zone;
RETURN NULL;
END $fn$""",
    "ek_exchange_updated": """CREATE OR REPLACE FUNCTION ek_exchange_updated() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE zone text := coalesce((SELECT value FROM central_settings WHERE key = 'timezone'), 'Asia/Shanghai');
BEGIN
EXECUTE $sql$

    WITH delta AS (SELECT d.*, (SELECT coalesce(sum(qty), 0) FROM exchange_lines l WHERE l.exchange_id = d.id) AS goods FROM (SELECT id, kiosk_id, store_id, created_at, household_id, status, total, 1 AS sign FROM new_rows UNION ALL SELECT id, kiosk_id, store_id, created_at, household_id, status, total, -1 FROM old_rows) d),
    totals AS (
      INSERT INTO exchange_totals AS t (kiosk_id, store_id, month, completed, points, goods,
                                        voided)
      SELECT kiosk_id, store_id, to_char(greatest(least(created_at AT TIME ZONE 'UTC' AT TIME ZONE $1, timestamp '9999-12-31 23:59:59'), timestamp '0001-01-01 00:00:00'), 'YYYY-MM'),
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
      SELECT d.kiosk_id, d.store_id, to_char(greatest(least(d.created_at AT TIME ZONE 'UTC' AT TIME ZONE $1, timestamp '9999-12-31 23:59:59'), timestamp '0001-01-01 00:00:00'), 'YYYY-MM'), l.product_code,
             sum(d.sign * l.qty), sum(d.sign * l.points)
      FROM delta d JOIN exchange_lines l ON l.exchange_id = d.id
      WHERE d.status = 'completed' GROUP BY 1, 2, 3, 4
      HAVING sum(d.sign * l.qty) <> 0 OR sum(d.sign * l.points) <> 0 ORDER BY 1, 2, 3, 4
      ON CONFLICT (kiosk_id, store_id, month, product_code) DO UPDATE SET
        qty = t.qty + excluded.qty, points = t.points + excluded.points
      RETURNING 1),
    months AS (
      INSERT INTO store_household_months AS t (store_id, month, household_id, exchanges)
      SELECT store_id, to_char(greatest(least(created_at AT TIME ZONE 'UTC' AT TIME ZONE $1, timestamp '9999-12-31 23:59:59'), timestamp '0001-01-01 00:00:00'), 'YYYY-MM'), household_id, sum(sign) FROM delta
      WHERE status = 'completed' GROUP BY 1, 2, 3 HAVING sum(sign) <> 0 ORDER BY 1, 2, 3
      ON CONFLICT (store_id, month, household_id) DO UPDATE SET
        exchanges = t.exchanges + excluded.exchanges
      RETURNING 1)
    INSERT INTO store_households AS t (store_id, household_id, exchanges)
    SELECT store_id, household_id, sum(sign) FROM delta WHERE status = 'completed'
    GROUP BY 1, 2 HAVING sum(sign) <> 0 ORDER BY 1, 2
    ON CONFLICT (store_id, household_id) DO UPDATE SET exchanges = t.exchanges + excluded.exchanges

$sql$ USING zone;
RETURN NULL;
END $fn$""",
    "ek_line_totals": """CREATE OR REPLACE FUNCTION ek_line_totals() RETURNS trigger LANGUAGE plpgsql AS $fn$
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
END $fn$""",
    "ek_checkin_totals": """CREATE OR REPLACE FUNCTION ek_checkin_totals() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE zone text := coalesce((SELECT value FROM central_settings WHERE key = 'timezone'), 'Asia/Shanghai');
BEGIN
EXECUTE $sql$

    INSERT INTO checkin_totals AS t (kiosk_id, store_id, month, activity_id, checkins)
    SELECT coalesce(kiosk_id, ''), coalesce(store_id, 0), to_char(greatest(least(created_at AT TIME ZONE 'UTC' AT TIME ZONE $1, timestamp '9999-12-31 23:59:59'), timestamp '0001-01-01 00:00:00'), 'YYYY-MM'),
           activity_id, count(*)
    FROM new_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (kiosk_id, store_id, month, activity_id) DO UPDATE SET
      checkins = t.checkins + excluded.checkins
$sql$ USING zone;
RETURN NULL;
END $fn$""",
}

# The same functions as c0005 made them, months in UTC (for the downgrade).
PG_FUNCTIONS_BEFORE = {
    "ek_ledger_totals": """CREATE OR REPLACE FUNCTION ek_ledger_totals() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
EXECUTE $sql$

    INSERT INTO ledger_totals AS t (kiosk_id, store_id, month, kind, credit, debit, entries)
    SELECT kiosk_id, coalesce(store_id, 0), to_char(created_at, 'YYYY-MM'), kind,
           sum(greatest(points, 0)), sum(least(points, 0)), count(*)
    FROM new_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (kiosk_id, store_id, month, kind) DO UPDATE SET
      credit = t.credit + excluded.credit, debit = t.debit + excluded.debit,
      entries = t.entries + excluded.entries
$sql$;
RETURN NULL;
END $fn$""",
    "ek_exchange_inserted": """CREATE OR REPLACE FUNCTION ek_exchange_inserted() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
EXECUTE $sql$

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

$sql$;
RETURN NULL;
END $fn$""",
    "ek_exchange_updated": """CREATE OR REPLACE FUNCTION ek_exchange_updated() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
EXECUTE $sql$

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

$sql$;
RETURN NULL;
END $fn$""",
    "ek_line_totals": """CREATE OR REPLACE FUNCTION ek_line_totals() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
EXECUTE $sql$

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
    ON CONFLICT (kiosk_id, store_id, month) DO UPDATE SET goods = t.goods + excluded.goods
$sql$;
RETURN NULL;
END $fn$""",
    "ek_checkin_totals": """CREATE OR REPLACE FUNCTION ek_checkin_totals() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
EXECUTE $sql$

    INSERT INTO checkin_totals AS t (kiosk_id, store_id, month, activity_id, checkins)
    SELECT coalesce(kiosk_id, ''), coalesce(store_id, 0), to_char(created_at, 'YYYY-MM'),
           activity_id, count(*)
    FROM new_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (kiosk_id, store_id, month, activity_id) DO UPDATE SET
      checkins = t.checkins + excluded.checkins
$sql$;
RETURN NULL;
END $fn$""",
}

# c0005's triggers that write a month, through programme_month(stored, zone).
SQLITE_TRIGGERS = {
    "ek_ledger_totals": """
    CREATE TRIGGER ek_ledger_totals AFTER INSERT ON ledger_entries BEGIN
      INSERT INTO ledger_totals (kiosk_id, store_id, month, kind, credit, debit, entries)
      VALUES (NEW.kiosk_id, coalesce(NEW.store_id, 0), programme_month(NEW.created_at, (SELECT value FROM central_settings WHERE key = 'timezone')),
              NEW.kind, max(NEW.points, 0), min(NEW.points, 0), 1)
      ON CONFLICT (kiosk_id, store_id, month, kind) DO UPDATE SET
        credit = credit + excluded.credit, debit = debit + excluded.debit,
        entries = entries + 1;
    END""",
    "ek_exchange_inserted": """
    CREATE TRIGGER ek_exchange_inserted AFTER INSERT ON exchanges BEGIN
      INSERT INTO exchange_totals (kiosk_id, store_id, month, completed, points, goods, voided)
      VALUES (NEW.kiosk_id, NEW.store_id, programme_month(NEW.created_at, (SELECT value FROM central_settings WHERE key = 'timezone')),
              NEW.status = 'completed', CASE WHEN NEW.status = 'completed' THEN NEW.total
              ELSE 0 END, 0, NEW.status = 'voided')
      ON CONFLICT (kiosk_id, store_id, month) DO UPDATE SET
        completed = completed + excluded.completed, points = points + excluded.points,
        voided = voided + excluded.voided;
      INSERT INTO store_households (store_id, household_id, exchanges)
      SELECT NEW.store_id, NEW.household_id, 1 WHERE NEW.status = 'completed'
      ON CONFLICT (store_id, household_id) DO UPDATE SET exchanges = exchanges + 1;
      INSERT INTO store_household_months (store_id, month, household_id, exchanges)
      SELECT NEW.store_id, programme_month(NEW.created_at, (SELECT value FROM central_settings WHERE key = 'timezone')), NEW.household_id, 1
      WHERE NEW.status = 'completed'
      ON CONFLICT (store_id, month, household_id) DO UPDATE SET exchanges = exchanges + 1;
    END""",
    "ek_exchange_updated": """
    CREATE TRIGGER ek_exchange_updated AFTER UPDATE OF status, total ON exchanges BEGIN
      INSERT INTO exchange_totals (kiosk_id, store_id, month, completed, points, goods, voided)
      VALUES (NEW.kiosk_id, NEW.store_id, programme_month(NEW.created_at, (SELECT value FROM central_settings WHERE key = 'timezone')),
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
      SELECT NEW.store_id, programme_month(NEW.created_at, (SELECT value FROM central_settings WHERE key = 'timezone')), NEW.household_id,
             (NEW.status = 'completed') - (OLD.status = 'completed')
      WHERE (NEW.status = 'completed') <> (OLD.status = 'completed')
      ON CONFLICT (store_id, month, household_id) DO UPDATE SET
        exchanges = exchanges + excluded.exchanges;
      INSERT INTO goods_totals (kiosk_id, store_id, month, product_code, qty, points)
      SELECT NEW.kiosk_id, NEW.store_id, programme_month(NEW.created_at, (SELECT value FROM central_settings WHERE key = 'timezone')), l.product_code,
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
      SELECT e.kiosk_id, e.store_id, programme_month(e.created_at, (SELECT value FROM central_settings WHERE key = 'timezone')), 0, 0, NEW.qty, 0
      FROM exchanges e WHERE e.id = NEW.exchange_id AND e.status = 'completed'
      ON CONFLICT (kiosk_id, store_id, month) DO UPDATE SET goods = goods + excluded.goods;
      INSERT INTO goods_totals (kiosk_id, store_id, month, product_code, qty, points)
      SELECT e.kiosk_id, e.store_id, programme_month(e.created_at, (SELECT value FROM central_settings WHERE key = 'timezone')), NEW.product_code,
             NEW.qty, NEW.points
      FROM exchanges e WHERE e.id = NEW.exchange_id AND e.status = 'completed'
      ON CONFLICT (kiosk_id, store_id, month, product_code) DO UPDATE SET
        qty = qty + excluded.qty, points = points + excluded.points;
    END""",
    "ek_checkin_totals": """
    CREATE TRIGGER ek_checkin_totals AFTER INSERT ON checkins BEGIN
      INSERT INTO checkin_totals (kiosk_id, store_id, month, activity_id, checkins)
      VALUES (coalesce(NEW.kiosk_id, ''), coalesce(NEW.store_id, 0),
              programme_month(NEW.created_at, (SELECT value FROM central_settings WHERE key = 'timezone')), NEW.activity_id, 1)
      ON CONFLICT (kiosk_id, store_id, month, activity_id) DO UPDATE SET
        checkins = checkins + 1;
    END""",
}

# The same triggers as c0005 made them, months in UTC (for the downgrade).
SQLITE_TRIGGERS_BEFORE = {
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
    "ek_checkin_totals": """
    CREATE TRIGGER ek_checkin_totals AFTER INSERT ON checkins BEGIN
      INSERT INTO checkin_totals (kiosk_id, store_id, month, activity_id, checkins)
      VALUES (coalesce(NEW.kiosk_id, ''), coalesce(NEW.store_id, 0),
              strftime('%Y-%m', NEW.created_at), NEW.activity_id, 1)
      ON CONFLICT (kiosk_id, store_id, month, activity_id) DO UPDATE SET
        checkins = checkins + 1;
    END""",
}


def _pg_month(column: str, zone: str) -> str:
    """The column's month in the zone (an SQL expression), kept within the years 1-9999."""
    return (
        f"to_char(greatest(least({column} AT TIME ZONE 'UTC' AT TIME ZONE {zone},"
        f" timestamp '9999-12-31 23:59:59'), timestamp '0001-01-01 00:00:00'), 'YYYY-MM')"
    )


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
    zone = DEFAULT_ZONE
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
        for sql in PG_FUNCTIONS.values():
            op.execute(sql)
    else:
        # The triggers and the recount call programme_month, which central registers on every
        # SQLite connection it opens (sync.central.localtime.install) before it migrates.
        for name, ddl in SQLITE_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(ddl)
    _recount(dialect, zone)
    if dialect == "postgresql":
        op.execute(f"ANALYZE {', '.join(MONTHLY)}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for sql in PG_FUNCTIONS_BEFORE.values():
            op.execute(sql)
    else:
        for name, ddl in SQLITE_TRIGGERS_BEFORE.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(ddl)
    _recount(dialect, None)
    if dialect == "postgresql":
        op.execute(f"ANALYZE {', '.join(MONTHLY)}")
    op.drop_table("central_settings")
