"""Central's ledger, exchanges and stock moves partitioned by month on PostgreSQL (c0018).

The migration keeps every row, the summaries and the balances, up and down; months are made
ahead and a row of any date is kept; an old month is archived without changing the figures that
come from the summaries; and a date range's statements read only their months' partitions.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sync_helpers import WireKiosk, central_balances, central_ledger_sums, household_id, push

from kiosk.cli import main as kiosk_main
from sync.central import models as cm
from sync.central import server
from sync.central.jobs import Jobs
from sync.central.queries import donations, reports, stats
from sync.central.services import partitions
from tests.pg import PG_URL, new_database

H1, H2, H3 = household_id(1), household_id(2), household_id(3)
TABLES = partitions.TABLES
SUMMARIES = ("ledger_totals", "exchange_totals", "goods_totals", "store_household_months")
# UTC times: each is inside its month in UTC and in Beijing time alike.
SALES = (
    ("2025-01-15T01:00:00.000000Z", H1, [("OIL", 1, 60)]),
    ("2025-01-20T03:00:00.000000Z", H2, [("SOAP", 2, 8)]),
    ("2025-02-14T02:30:00.000000Z", H3, [("OIL", 1, 60)]),
    ("2025-04-10T05:00:00.000000Z", H1, [("TISSUE", 1, 5)]),
    ("2031-07-09T06:00:00.000000Z", H2, [("SOAP", 1, 8)]),  # a kiosk clock far ahead
)


@pytest.fixture
def central_url(pg_template):
    """Partitions are PostgreSQL's: every test here runs central on a new PostgreSQL database."""
    with new_database(template=pg_template) as name:
        yield PG_URL.format(name=name)


def _spread(programme) -> None:
    """Push a restock and exchanges over 2025's months (made first) and one far ahead, from K3."""
    partitions.ensure_months(programme.central, date(2025, 1, 1), date(2025, 12, 1))
    wire = WireKiosk("K3")
    wire.at = "2025-01-02T02:00:00.000000Z"
    entries = [wire.restock(1, "OIL", 50), wire.restock(2, "SOAP", 50), wire.restock(3, "TISSUE")]
    for at, household, lines in SALES:
        wire.at = at
        entries.append(wire.exchange(household, f"{household}-1", lines))
    answer = push(programme.server.base, programme.token("K3"), wire.body(*entries))
    assert answer.status_code == 200, answer.text
    assert {r["status"] for r in answer.json()["results"]} == {"applied"}


def _rows(c, table: str) -> list[tuple]:
    with c.engine.connect() as conn:
        return sorted(
            tuple(map(str, r)) for r in conn.execute(text(f"SELECT * FROM {table}")).all()
        )


def _state(c) -> dict:
    """Every row of the partitioned tables and the summaries, the balances and the figures."""
    return {
        **{t: _rows(c, t) for t in (*TABLES, "exchange_lines", *SUMMARIES)},
        "balances": central_balances(c),
        "ledger_sums": central_ledger_sums(c),
        "stats": stats.stats(c),
        "monthly": reports.monthly(c),
    }


def _kind(c, table: str) -> str:
    with c.engine.connect() as conn:
        return conn.execute(
            text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)"), {"t": table}
        ).scalar()


def _count(c, table: str) -> int:
    with c.engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()


def _migrate(c, revision: str, *, down: bool = False) -> None:
    with c.engine.connect() as conn:
        cfg = Config()
        cfg.set_main_option("script_location", str(server.MIGRATIONS))
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)
        conn.commit()


def test_the_migration_down_and_up_keeps_every_row_the_summaries_and_the_balances(programme):
    c = programme.central
    _spread(programme)
    before = _state(c)
    assert len(before["exchanges"]) == len(SALES)
    assert {_kind(c, t) for t in TABLES} == {"p"}

    _migrate(c, "c0020_kiosk_claims", down=True)  # the revision before partitions
    assert {_kind(c, t) for t in TABLES} == {"r"}
    assert _state(c) == before
    with c.engine.connect() as conn:  # the lines' foreign key is back
        keys = conn.execute(
            text("SELECT conname FROM pg_constraint WHERE conrelid = 'exchange_lines'::regclass")
        ).scalars()
        assert "fk_exchange_lines_exchange_id_exchanges" in set(keys)

    _migrate(c, "head")
    assert {_kind(c, t) for t in TABLES} == {"p"}
    assert _state(c) == before
    # Each month holding rows has its partition; the rows sit in their month.
    assert _count(c, "exchanges_2025_01") == 2
    assert _count(c, "exchanges_2025_02") == 1
    assert _count(c, "exchanges_2025_04") == 1
    assert _count(c, "exchanges_2031_07") == 1
    assert _count(c, "ledger_entries_2025_01") == 2
    assert _count(c, "stock_moves_2025_04") == 1
    assert _kind(c, "exchanges_2025_03") is None  # no rows, no partition: the default is there
    assert _count(c, "exchanges_default") == 0


def test_a_ledger_sequence_held_in_another_month_is_refused_and_nothing_changes(programme):
    c = programme.central
    wire = WireKiosk("K3")
    base, token = programme.server.base, programme.token("K3")
    wire.at = "2025-01-02T02:00:00.000000Z"
    first = [wire.restock(1, "OIL", 50), wire.exchange(H1, f"{H1}-1", [("OIL", 1, 60)])]
    assert push(base, token, wire.body(*first)).status_code == 200
    before = _state(c)
    wire.at = "2025-03-05T02:00:00.000000Z"  # another month: another partition
    wire.ledger_seq, wire.head = 0, first[1]["payload"]["ledger"]["prev_hash"]
    again = wire.exchange(H2, f"{H2}-1", [("OIL", 1, 60)])
    answer = push(base, token, wire.body(again))
    assert answer.status_code == 200
    [result] = answer.json()["results"]
    assert result["status"] == "rejected"
    assert "sequence 1 already held" in result["reason"]
    assert _state(c) == before


def test_an_exchange_id_held_in_another_month_is_refused_and_nothing_changes(programme):
    c = programme.central
    wire = WireKiosk("K3")
    base, token = programme.server.base, programme.token("K3")
    wire.at = "2025-01-02T02:00:00.000000Z"
    sale = wire.exchange(H1, f"{H1}-1", [("OIL", 1, 60)])
    assert push(base, token, wire.body(wire.restock(1, "OIL", 50), sale)).status_code == 200
    before = _state(c)
    wire.at = "2025-05-05T02:00:00.000000Z"
    copy = wire.exchange(H1, f"{H1}-1", [("OIL", 1, 60)])
    copy["payload"]["exchange_id"] = sale["payload"]["exchange_id"]
    copy["payload"]["ledger"] = wire.ledger(
        H1, "spend", -60, ref=sale["payload"]["exchange_id"], prev_hash=wire.head
    )
    answer = push(base, token, wire.body(copy))
    [result] = answer.json()["results"]
    assert result["status"] == "rejected"
    assert result["reason"] == "exchange id already held"
    assert _state(c) == before


def test_a_line_whose_exchange_does_not_exist_is_refused_by_the_database(programme):
    c = programme.central
    with pytest.raises(IntegrityError, match="does not exist"), c.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO exchange_lines (exchange_id, product_code, qty, points)"
                " VALUES (:e, 'OIL', 1, 60)"
            ),
            {"e": str(uuid.uuid4())},
        )
    assert _count(c, "exchange_lines") == 0


def test_this_month_and_the_next_three_are_made_at_start_and_more_on_asking(programme):
    c = programme.central
    today = c.clock.now().date()
    first = date(today.year, today.month, 1)
    for n in range(partitions.AHEAD + 1):
        month = partitions.month_after(first, n)
        assert {_kind(c, f"{t}_{month:%Y_%m}") for t in TABLES} == {"r"}
    made = partitions.ensure_ahead(c, 2, today=date(2030, 6, 15))
    assert made == [f"{t}_{m}" for t in TABLES for m in ("2030_06", "2030_07", "2030_08")]
    assert partitions.ensure_ahead(c, 2, today=date(2030, 6, 15)) == []  # made once


def test_the_jobs_make_the_months_ahead_again(programme):
    c = programme.central
    today = c.clock.now().date()
    later = partitions.month_after(date(today.year, today.month, 1), partitions.AHEAD)
    with c.engine.begin() as conn:  # as if the process had run since before that month was due
        for t in TABLES:
            conn.execute(text(f"DROP TABLE {t}_{later:%Y_%m}"))
    Jobs(c).run_once()
    assert {_kind(c, f"{t}_{later:%Y_%m}") for t in TABLES} == {"r"}


def test_making_a_month_behind_a_long_read_gives_up_and_leaves_the_rest(programme, monkeypatch):
    c = programme.central
    monkeypatch.setattr(partitions, "LOCK_WAIT", "200ms")
    with c.engine.connect() as reader:  # a long report holds the ledger
        reader.execute(text("LOCK TABLE ledger_entries IN ACCESS SHARE MODE"))
        with pytest.raises(OperationalError, match="lock timeout"):
            partitions.ensure_ahead(c, 1, today=date(2033, 1, 10))
        reader.rollback()
    assert {_kind(c, f"{t}_2033_01") for t in TABLES} == {None}  # nothing half made
    assert len(partitions.ensure_ahead(c, 1, today=date(2033, 1, 10))) == 6  # next time


def test_the_jobs_still_expire_points_when_making_a_month_fails(programme, monkeypatch):
    from sync.central.services import expiry

    ran = []

    def refuse(c, *args, **kwargs):
        raise OperationalError("CREATE TABLE", {}, Exception("lock timeout"))

    monkeypatch.setattr(partitions, "ensure_ahead", refuse)
    monkeypatch.setattr(expiry, "run", lambda c: ran.append(c) or expiry.ExpiryRun(None, 0, 0, 0))
    Jobs(programme.central).run_once()
    assert ran == [programme.central]


def test_a_row_of_a_month_without_a_partition_is_kept_and_moved_into_its_month(programme):
    c = programme.central
    _spread(programme)
    assert _kind(c, "exchanges_2031_07") is None  # not made ahead: the sale went to default
    before = _state(c)
    assert _count(c, "exchanges_default") == 1
    made = partitions.ensure_months(c, date(2031, 7, 1), date(2031, 7, 1))
    assert made == [f"{t}_2031_07" for t in TABLES]
    assert _count(c, "exchanges_default") == 0
    assert _count(c, "exchanges_2031_07") == 1
    assert _state(c) == before  # moved, not counted again


def test_every_month_made_later_holds_the_indexes_ingest_reads_through(programme):
    # A push reads its tables only through their keys (test_ingest_plans): a month made after
    # the migrations must hold the same indexes as the months the migrations made.
    c = programme.central
    partitions.ensure_months(c, date(2031, 7, 1), date(2031, 7, 1))
    with c.uow(write=False) as uow:
        indexed = {
            table: set(
                uow.session.scalars(
                    text("SELECT indexdef FROM pg_indexes WHERE tablename = :t"),
                    {"t": table},
                )
            )
            for table in ("stock_moves_default", "stock_moves_2031_07")
        }
    for table, defs in indexed.items():
        assert any("(exchange_id) WHERE (exchange_id IS NOT NULL)" in d for d in defs), (
            f"{table}: {defs}"
        )
        assert any("(kiosk_id, batch_id)" in d for d in defs), f"{table}: {defs}"


def test_an_entry_dated_where_no_month_was_made_lands_in_the_default_partition(programme):
    c = programme.central
    wire = WireKiosk("K3")
    wire.at = "2041-03-03T02:00:00.000000Z"
    entries = [wire.restock(1, "OIL", 50), wire.exchange(H1, f"{H1}-1", [("OIL", 1, 60)])]
    answer = push(programme.server.base, programme.token("K3"), wire.body(*entries))
    assert {r["status"] for r in answer.json()["results"]} == {"applied"}
    assert _count(c, "exchanges_default") == 1
    assert _count(c, "ledger_entries_default") == 1
    assert _count(c, "stock_moves_default") == 1


def test_archiving_old_months_keeps_the_dashboard_totals_and_the_balances(programme):
    c = programme.central
    _spread(programme)
    before = _state(c)
    ledger_before = _count(c, "ledger_entries")
    archived = partitions.detach_before(c, date(2025, 3, 1))
    assert archived == [f"{t}_{m}" for t in TABLES for m in ("2025_01", "2025_02")]
    assert stats.stats(c) == before["stats"]
    assert reports.monthly(c) == before["monthly"]
    assert central_balances(c) == before["balances"]
    for t in SUMMARIES:
        assert _rows(c, t) == before[t]
    # What it changes: the rows themselves now live in the archive, not in the live tables.
    assert _count(c, "archive.ledger_entries_2025_01") == 2
    assert _count(c, "archive.exchanges_2025_02") == 1
    assert _count(c, "ledger_entries") == ledger_before - 3
    assert _kind(c, "exchanges_2025_01") is None
    listed = {(p.name, p.archived, p.rows) for p in partitions.listing(c)}
    assert ("exchanges_2025_01", True, 2) in listed
    assert ("exchanges_2025_04", False, 1) in listed


def test_archiving_this_month_is_refused_and_nothing_is_detached(programme):
    c = programme.central
    _spread(programme)
    today = c.clock.now().date()
    later = partitions.month_after(date(today.year, today.month, 1))
    with pytest.raises(partitions.PartitionRefused, match="不能归档本月"):
        partitions.detach_before(c, later)
    assert [p for p in partitions.listing(c) if p.archived] == []


def test_archiving_a_month_archived_before_is_refused_and_nothing_is_detached(programme):
    c = programme.central
    _spread(programme)
    partitions.detach_before(c, date(2025, 2, 1))
    partitions.ensure_months(c, date(2025, 1, 1), date(2025, 1, 1))  # the month made again
    attached = _count(c, "ledger_entries")
    with pytest.raises(partitions.PartitionRefused, match="archived already"):
        partitions.detach_before(c, date(2025, 3, 1))
    assert _count(c, "ledger_entries") == attached
    with c.engine.connect() as conn:  # still attached: the refusal undid it all
        attached_now = conn.execute(
            text(
                "SELECT relname FROM pg_class WHERE relispartition"
                " AND relname IN ('ledger_entries_2025_02', 'exchanges_2025_01')"
            )
        ).scalars()
        assert set(attached_now) == {"ledger_entries_2025_02", "exchanges_2025_01"}


def test_the_command_lists_makes_and_archives_and_refuses_a_bad_month(programme, capsys):
    c = programme.central
    _spread(programme)
    url = c.engine.url.render_as_string(hide_password=False)
    assert kiosk_main(["central", "partitions", "--database-url", url, "--ahead", "1"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^exchanges\t2025-01\texchanges_2025_01\t2\tattached$", out, re.M)
    assert re.search(r"^ledger_entries\tdefault\tledger_entries_default\t1\tattached$", out, re.M)
    args = ["central", "partitions", "--database-url", url, "--detach-before", "2025-02"]
    assert kiosk_main(args) == 0
    out = capsys.readouterr().out
    assert "archived exchanges_2025_01 as archive.exchanges_2025_01" in out
    assert re.search(r"^exchanges\t2025-01\tarchive.exchanges_2025_01\t2\tarchived$", out, re.M)
    bad = ["central", "partitions", "--database-url", url, "--detach-before", "2025-13"]
    assert kiosk_main(bad) == 1
    err = capsys.readouterr().err
    assert "不是月份" in err and "is not a month" in err
    assert _count(c, "exchanges_2025_04") == 1  # nothing else moved


def _plans(c, run, table: str) -> list[str]:
    """Run a query function; return the plans of the statements it sent that read table."""
    sent: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if re.search(rf"\b{table}\b", statement) and statement.lstrip().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(c.engine, "before_cursor_execute", keep)
    try:
        run()
    finally:
        event.remove(c.engine, "before_cursor_execute", keep)
    assert sent, f"no statement read {table}"
    plans = []
    with c.engine.connect() as conn:
        for statement, parameters in sent:
            rows = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars()
            plans.append("\n".join(rows))
    return plans


def _partitions_named(plan: str, table: str) -> set[str]:
    return set(re.findall(rf"\b({table}_(?:[0-9]{{4}}_[0-9]{{2}}|default))\b", plan))


def test_a_statement_for_days_of_one_month_reads_only_that_months_exchanges(programme):
    c = programme.central
    _spread(programme)
    with c.uow(write=False) as uow:
        east = uow.session.scalar(select(cm.Kiosk.store_id).where(cm.Kiosk.id == "K3"))
    # Not whole months: the statement reads these days from the rows.
    start, end = datetime(2025, 2, 3), datetime(2025, 2, 20)
    figures = reports.store_statement(c, east, start, end)
    assert figures["exchanges"] == 1
    plans = _plans(c, lambda: reports.store_statement(c, east, start, end), "exchanges")
    for plan in plans:
        assert _partitions_named(plan, "exchanges") == {"exchanges_2025_02"}, plan


def test_a_donors_report_for_a_month_reads_only_that_months_stock_moves(programme):
    c = programme.central
    _spread(programme)
    start, end = datetime(2025, 1, 5), datetime(2025, 1, 25)
    plans = _plans(c, lambda: donations.donors_between(c, start, end), "stock_moves")
    for plan in plans:
        assert _partitions_named(plan, "stock_moves") == {"stock_moves_2025_01"}, plan


def test_a_household_ledger_sum_over_a_range_reads_only_its_months(programme):
    c = programme.central
    _spread(programme)
    a, b = datetime(2025, 4, 1), datetime(2025, 5, 1)
    query = select(func.sum(cm.LedgerEntry.points)).where(
        cm.LedgerEntry.household_id == H1,
        cm.LedgerEntry.created_at >= a,
        cm.LedgerEntry.created_at < b,
    )

    def run():
        with c.uow(write=False) as uow:
            assert uow.session.scalar(query) == -5

    [plan] = _plans(c, run, "ledger_entries")
    assert _partitions_named(plan, "ledger_entries") == {"ledger_entries_2025_04"}, plan


def test_on_sqlite_the_command_says_partitions_are_postgresqls_and_changes_nothing(
    tmp_path, capsys
):
    url = f"sqlite:///{tmp_path / 'central.db'}"
    args = ["central", "partitions", "--database-url", url, "--detach-before", "2025-01"]
    assert kiosk_main(args) == 1
    err = capsys.readouterr().err
    assert "分区仅用于 PostgreSQL" in err and "PostgreSQL only" in err
    c = server.open_central(url)
    try:
        assert partitions.kept(c) is False
        assert partitions.ensure_ahead(c) == []
        assert partitions.listing(c) == []
    finally:
        c.close()
