"""Monthly partitions of the ledger, exchanges and stock moves (PostgreSQL, migration c0018).

Partitions are made ahead (this month and the next few), so a row finds its month; a row of any
other date lands in the table's default partition and is moved into its month when that month
is made. Old months are detached into the `archive` schema as plain tables: the figures read
from the monthly summaries (dashboard, reports, whole-month statements) and the balances keep
them; what reads rows (a statement's partial months, a household's history) no longer sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from sync.central.context import Central

TABLES = ("ledger_entries", "exchanges", "stock_moves")
AHEAD = 3
ARCHIVE = "archive"
LOCK = 7_310_018  # the advisory lock that serialises partition work between processes
LOCK_WAIT = "10s"


class PartitionRefused(ValueError):
    """A partition request that would lose or hide rows in use; says why in both languages."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


@dataclass(frozen=True)
class Partition:
    """One partition (or archived month) of a table, with its rows."""

    table: str
    name: str
    month: str | None  # YYYY-MM, None for the default partition
    rows: int
    archived: bool = False


def month_after(month: date, n: int = 1) -> date:
    """Return the first day of the month n months after month."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _name(table: str, month: date) -> str:
    return f"{table}_{month:%Y_%m}"


def partitioned(s: Session) -> bool:
    """Say whether this database holds the partitioned tables (PostgreSQL past c0018)."""
    if s.get_bind().dialect.name != "postgresql":
        return False
    kind = s.execute(
        text("SELECT relkind FROM pg_class WHERE oid = to_regclass('ledger_entries')")
    ).scalar()
    return kind == "p"


def kept(c: Central) -> bool:
    """Say whether central's database keeps these tables by month (PostgreSQL past c0018)."""
    with c.uow(write=False) as uow:
        return partitioned(uow.session)


def _months(s: Session, table: str) -> set[date]:
    rows = s.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = to_regclass(:t)"
        ),
        {"t": table},
    ).scalars()
    held = set()
    for name in rows:
        tail = name.removeprefix(f"{table}_")
        if tail != "default":
            held.add(date(int(tail[:4]), int(tail[5:7]), 1))
    return held


def _make(s: Session, table: str, month: date) -> None:
    """Create a month's partition, moving into it what the default partition holds of it."""
    name, start, end = _name(table, month), month, month_after(month)
    bounds = f"FROM ('{start}') TO ('{end}')"
    held = s.execute(
        text(f"SELECT count(*) FROM {table}_default WHERE created_at >= :a AND created_at < :b"),
        {"a": start, "b": end},
    ).scalar()
    if not held:
        s.execute(text(f"CREATE TABLE {name} PARTITION OF {table} FOR VALUES {bounds}"))
        return
    # Rows moved between partitions directly fire no summary trigger (they are counted already).
    s.execute(text(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS)"))
    s.execute(
        text(
            f"WITH moved AS (DELETE FROM {table}_default WHERE created_at >= :a"
            f" AND created_at < :b RETURNING *) INSERT INTO {name} SELECT * FROM moved"
        ),
        {"a": start, "b": end},
    )
    s.execute(text(f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES {bounds}"))


def ensure_ahead(c: Central, ahead: int = AHEAD, today: date | None = None) -> list[str]:
    """Create this month's partition and the next `ahead` months' where missing; name them."""
    if ahead < 0 or ahead > 120:
        raise PartitionRefused("提前月数须在 0 到 120 之间", "--ahead must be from 0 to 120")
    today = today or c.clock.now().date()
    first = date(today.year, today.month, 1)
    return ensure_months(c, first, month_after(first, ahead))


def ensure_months(c: Central, first: date, last: date) -> list[str]:
    """Create the partitions of every month from first to last where missing; name them."""
    made: list[str] = []
    with c.uow() as uow:
        s = uow.session
        if not partitioned(s):
            return []
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK})
        # Making a partition locks its table; rather than queue every push behind a long
        # report, give up and try at the next run (rows meanwhile land in the default).
        s.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'"))
        for table in TABLES:
            held = _months(s, table)
            month = date(first.year, first.month, 1)
            while month <= last:
                if month not in held:
                    _make(s, table, month)
                    made.append(_name(table, month))
                month = month_after(month)
        uow.commit()
    return made


def listing(c: Central) -> list[Partition]:
    """List every partition and archived month of the three tables, with its rows."""
    with c.uow(write=False) as uow:
        s = uow.session
        if not partitioned(s):
            return []
        found = s.execute(
            text(
                "SELECT p.relname AS parent, c.relname AS name, false AS archived"
                " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                " JOIN pg_class p ON p.oid = i.inhparent"
                " WHERE p.relname = ANY(:tables)"
                " AND p.relnamespace = to_regnamespace(current_schema())"
                " UNION ALL"
                " SELECT NULL, c.relname, true FROM pg_class c"
                " WHERE c.relnamespace = to_regnamespace(:archive) AND c.relkind = 'r'"
            ),
            {"tables": list(TABLES), "archive": ARCHIVE},
        ).all()
        out = []
        for parent, name, archived in found:
            table = parent or next((t for t in TABLES if name.startswith(f"{t}_")), None)
            if table is None:
                continue
            tail = name.removeprefix(f"{table}_")
            month = None if tail == "default" else tail.replace("_", "-")
            where = f"{ARCHIVE}.{name}" if archived else name
            rows = s.execute(text(f"SELECT count(*) FROM {where}")).scalar()
            out.append(Partition(table, name, month, rows, archived))
    return sorted(out, key=lambda p: (TABLES.index(p.table), p.archived, p.month or "9999"))


def detach_before(c: Central, month: date, today: date | None = None) -> list[str]:
    """Detach every month before `month` into the archive schema; name what was detached.

    The current month and later are refused: ingest writes there. The default partition
    stays attached (its rows have no month to archive under).
    """
    today = today or c.clock.now().date()
    if month > date(today.year, today.month, 1):
        raise PartitionRefused(
            f"不能归档本月（{today:%Y-%m}）及以后的月份",
            f"cannot archive {today:%Y-%m} (this month) or later",
        )
    done: list[str] = []
    with c.uow() as uow:
        s = uow.session
        if not partitioned(s):
            raise PartitionRefused(
                "此数据库未分区（仅 PostgreSQL 分区）",
                "this database is not partitioned (PostgreSQL only)",
            )
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK})
        s.execute(text(f"CREATE SCHEMA IF NOT EXISTS {ARCHIVE}"))
        for table in TABLES:
            for held in sorted(_months(s, table)):
                if held >= month:
                    continue
                name = _name(table, held)
                if s.execute(text("SELECT to_regclass(:n)"), {"n": f"{ARCHIVE}.{name}"}).scalar():
                    raise PartitionRefused(
                        f"归档中已有 {ARCHIVE}.{name}，请先处理它",
                        f"{ARCHIVE}.{name} is archived already; move it away first",
                    )
                s.execute(text(f"ALTER TABLE {table} DETACH PARTITION {name}"))
                s.execute(text(f"ALTER TABLE {name} SET SCHEMA {ARCHIVE}"))
                done.append(name)
        uow.commit()
    return done
