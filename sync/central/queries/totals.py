"""The figures' summary tables: rebuilt from the rows they summarise, and compared with them.

Triggers (migrations c0004_dashboard, c0005_statements and c0007_local_months) keep the summary
tables (ledger_totals, exchange_totals, goods_totals, checkin_totals, store_households,
store_household_months, donor_households, donor_totals, donor_goods) up to date in the same
transaction as the ledger entries, exchanges, lines, check-ins, batches and stock moves they
summarise, whoever writes them (on SQLite, through a connection with programme_month registered:
sync.central.localtime). Months are the programme's, in the zone central_settings holds. Here
the same figures are computed straight from those rows: `differences` lists every summary row
that disagrees (tests and `rebuild` use it), `rebuild` replaces the summaries by the recount.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, text

from sync.central import localtime

# Each summary: its table, key columns, value columns, and the recount from the raw rows.
# {month} stands for the YYYY-MM of a timestamp in the programme's time zone.
SUMMARIES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "ledger_totals": (
        ("kiosk_id", "store_id", "month", "kind"),
        ("credit", "debit", "entries"),
        """SELECT kiosk_id, coalesce(store_id, 0), {month}, kind,
                  sum(CASE WHEN points > 0 THEN points ELSE 0 END),
                  sum(CASE WHEN points < 0 THEN points ELSE 0 END), count(*)
           FROM ledger_entries GROUP BY kiosk_id, coalesce(store_id, 0), {month}, kind""",
    ),
    "exchange_totals": (
        ("kiosk_id", "store_id", "month"),
        ("completed", "points", "goods", "voided"),
        """SELECT e.kiosk_id, e.store_id, {month},
                  sum(CASE WHEN e.status = 'completed' THEN 1 ELSE 0 END),
                  sum(CASE WHEN e.status = 'completed' THEN e.total ELSE 0 END),
                  sum(CASE WHEN e.status = 'completed' THEN coalesce(l.qty, 0) ELSE 0 END),
                  sum(CASE WHEN e.status = 'voided' THEN 1 ELSE 0 END)
           FROM exchanges e
           LEFT JOIN (SELECT exchange_id, sum(qty) AS qty FROM exchange_lines
                      GROUP BY exchange_id) l ON l.exchange_id = e.id
           GROUP BY e.kiosk_id, e.store_id, {month}""",
    ),
    "goods_totals": (
        ("kiosk_id", "store_id", "month", "product_code"),
        ("qty", "points"),
        """SELECT e.kiosk_id, e.store_id, {month}, l.product_code, sum(l.qty), sum(l.points)
           FROM exchange_lines l JOIN exchanges e ON e.id = l.exchange_id
           WHERE e.status = 'completed'
           GROUP BY e.kiosk_id, e.store_id, {month}, l.product_code""",
    ),
    "checkin_totals": (
        ("kiosk_id", "store_id", "month", "activity_id"),
        ("checkins",),
        """SELECT coalesce(kiosk_id, ''), coalesce(store_id, 0), {month}, activity_id, count(*)
           FROM checkins
           GROUP BY coalesce(kiosk_id, ''), coalesce(store_id, 0), {month}, activity_id""",
    ),
    "store_households": (
        ("store_id", "household_id"),
        ("exchanges",),
        """SELECT store_id, household_id, count(*) FROM exchanges
           WHERE status = 'completed' GROUP BY store_id, household_id""",
    ),
    "store_household_months": (
        ("store_id", "month", "household_id"),
        ("exchanges",),
        """SELECT store_id, {month}, household_id, count(*) FROM exchanges
           WHERE status = 'completed' GROUP BY store_id, {month}, household_id""",
    ),
    "donor_households": (
        ("donor", "household_id"),
        ("goods", "moves"),
        """SELECT b.donor, coalesce(m.household_id, ''), -sum(m.qty), count(*)
           FROM stock_moves m
           JOIN batches b ON b.kiosk_id = m.kiosk_id AND b.batch_id = m.batch_id
           WHERE b.source = 'donation' AND m.kind IN ('issue', 'void')
           GROUP BY b.donor, coalesce(m.household_id, '')""",
    ),
    "donor_totals": (
        ("donor",),
        ("goods", "households"),
        """SELECT b.donor, -sum(m.qty), count(DISTINCT m.household_id)
           FROM stock_moves m
           JOIN batches b ON b.kiosk_id = m.kiosk_id AND b.batch_id = m.batch_id
           WHERE b.source = 'donation' AND m.kind IN ('issue', 'void')
           GROUP BY b.donor""",
    ),
    "donor_goods": (
        ("donor", "product_code"),
        ("qty", "value_cents"),
        """SELECT donor, product_code, sum(qty), sum(qty * coalesce(unit_value_cents, 0))
           FROM batches WHERE source = 'donation' GROUP BY donor, product_code""",
    ),
}
MONTH_COLUMN = {
    "ledger_totals": "created_at",
    "exchange_totals": "e.created_at",
    "goods_totals": "e.created_at",
    "checkin_totals": "created_at",
    "store_household_months": "created_at",
}


def month_sql(dialect: str, column: str, zone: str) -> str:
    """Return the SQL for the YYYY-MM, in the programme's zone, of a stored (UTC) time column."""
    if not localtime.valid(zone):  # it goes into the SQL as a literal
        raise ValueError(f"not a time zone: {zone!r}")
    if dialect == "postgresql":
        return localtime.pg_month(column, f"'{zone}'")
    return f"programme_month({column}, '{zone}')"


def programme_zone(conn: Connection) -> str:
    """The programme's time zone as the database holds it (migration c0007_local_months)."""
    name = conn.execute(
        text("SELECT value FROM central_settings WHERE key = :key"), {"key": localtime.SETTING}
    ).scalar()
    return name if name and localtime.valid(name) else localtime.DEFAULT_ZONE


def recount_sql(conn: Connection, table: str, zone: str | None = None) -> str:
    """Return the query that recounts a summary table from the raw rows."""
    _, _, sql = SUMMARIES[table]
    column = MONTH_COLUMN.get(table)
    if column is None:
        return sql
    return sql.format(month=month_sql(conn.dialect.name, column, zone or programme_zone(conn)))


def differences(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    """Return, per summary table, the keys whose summary differs from the raw rows' recount.

    A key held with all-zero values counts as absent (a void leaves its month's row at zero).
    """
    out: dict[str, list[dict[str, Any]]] = {}
    for table, (keys, values, _) in SUMMARIES.items():
        counted = {
            tuple(row[: len(keys)]): tuple(int(v) for v in row[len(keys) :])
            for row in conn.execute(text(recount_sql(conn, table)))
        }
        held = {
            tuple(row[: len(keys)]): tuple(int(v) for v in row[len(keys) :])
            for row in conn.execute(text(f"SELECT {', '.join(keys + values)} FROM {table}"))
        }
        zero = (0,) * len(values)
        wrong = [
            {"key": key, "summary": held.get(key, zero), "rows": counted.get(key, zero)}
            for key in sorted(set(counted) | set(held), key=repr)
            if held.get(key, zero) != counted.get(key, zero)
        ]
        if wrong:
            out[table] = wrong
    return out


def rebuild(conn: Connection, tables: Iterable[str] | None = None) -> None:
    """Replace every summary (or those named) by a recount of the raw rows (the caller commits)."""
    zone = programme_zone(conn)
    for table in SUMMARIES if tables is None else tables:
        keys, values, _ = SUMMARIES[table]
        # On PostgreSQL a fresh table, with no dead copy of every row for vacuum to clear.
        empty = "TRUNCATE" if conn.dialect.name == "postgresql" else "DELETE FROM"
        conn.execute(text(f"{empty} {table}"))
        recount = recount_sql(conn, table, zone)
        conn.execute(text(f"INSERT INTO {table} ({', '.join(keys + values)}) {recount}"))


def _server_knows(conn: Connection, name: str) -> bool:
    """Whether the database converts to the zone as Python does (PostgreSQL has its own copy
    of the time zone database)."""
    if conn.dialect.name != "postgresql":
        return True
    found = conn.execute(
        text("SELECT count(*) FROM pg_timezone_names WHERE name = :name"), {"name": name}
    )
    return bool(found.scalar())


def set_zone(conn: Connection, name: str) -> bool:
    """Make name the programme's time zone and recount the monthly figures in it (the caller
    commits, so pages never see months of two zones); False if it already was."""
    if not localtime.valid(name) or not _server_knows(conn, name):
        raise ValueError(f"not a time zone: {name!r}")
    if conn.dialect.name == "postgresql":
        # Pushes under way finish first (and are recounted); new ones wait for the commit, so
        # no trigger writes a month of the old zone after the recount.
        conn.execute(
            text("LOCK TABLE ledger_entries, exchanges, exchange_lines, checkins IN SHARE MODE")
        )
    if programme_zone(conn) == name:
        return False
    conn.execute(
        text("UPDATE central_settings SET value = :value WHERE key = :key"),
        {"key": localtime.SETTING, "value": name},
    )
    rebuild(conn, MONTH_COLUMN)
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ANALYZE {', '.join(MONTH_COLUMN)}"))
    return True
