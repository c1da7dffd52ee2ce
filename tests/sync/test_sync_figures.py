"""The office's figures come from summary tables; on SQLite and PostgreSQL they equal the rows."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import select
from sync_helpers import WIRE_BATCH, WireKiosk, alerts, buy, household_id, push

from kiosk.services import admin, checkin
from sync.central import models as cm
from sync.central.queries import reports, stats, totals
from sync.central.server import MIGRATIONS
from sync.central.services import activities

H1, H2, H3 = household_id(1), household_id(2), household_id(3)
ZONE = ZoneInfo("Asia/Shanghai")  # the programme's zone: months and days are counted in it


def local(stored: datetime) -> datetime:
    """A stored (naive UTC) time as the programme's wall clock reads it."""
    return stored.replace(tzinfo=UTC).astimezone(ZONE).replace(tzinfo=None)


def month_of(stored: datetime) -> str:
    return local(stored).strftime("%Y-%m")


def raw_figures(c) -> dict:
    """Return the figures summed straight from the ledger and the records, row by row."""
    with c.uow(write=False) as uow:
        s = uow.session
        ledger = s.scalars(select(cm.LedgerEntry)).all()
        exchanges = {x.id: x for x in s.scalars(select(cm.Exchange))}
        lines = s.scalars(select(cm.ExchangeLine)).all()
        checkins = s.scalars(select(cm.CheckIn)).all()
        batches = {(b.kiosk_id, b.batch_id): b for b in s.scalars(select(cm.Batch))}
        moves = s.scalars(select(cm.StockMove)).all()
        stores = {st.id: st.name for st in s.scalars(select(cm.Store))}
        live = {i: x for i, x in exchanges.items() if x.status == "completed"}
        goods = Counter()
        for line in lines:
            if line.exchange_id in live:
                goods[line.exchange_id] += line.qty
        month = defaultdict(Counter)
        for e in ledger:
            m = month[month_of(e.created_at)]
            if e.kind in ("earn", "adjust") and e.points > 0:
                m["points_issued"] += e.points
            if e.kind == "spend":
                m["points_redeemed"] -= e.points
            if e.kind == "void":
                m["points_redeemed"] -= e.points
        for x in live.values():
            month[month_of(x.created_at)]["exchanges"] += 1
            month[month_of(x.created_at)]["goods_issued"] += goods[x.id]
        for ci in checkins:
            month[month_of(ci.created_at)]["participations"] += 1
        per_store = {
            name: {
                "exchanges": sum(1 for x in live.values() if x.store_id == sid),
                "points_redeemed": sum(x.total for x in live.values() if x.store_id == sid),
                "households_served": len(
                    {x.household_id for x in live.values() if x.store_id == sid}
                ),
                "goods_issued": sum(goods[x.id] for x in live.values() if x.store_id == sid),
                "participations": sum(1 for ci in checkins if ci.store_id == sid),
            }
            for sid, name in stores.items()
        }
        handed, reached = Counter(), defaultdict(set)
        for move in moves:
            batch = batches.get((move.kiosk_id, move.batch_id))
            if batch and batch.source == "donation" and move.kind in ("issue", "void"):
                handed[batch.donor] -= move.qty
                if move.household_id:
                    reached[batch.donor].add(move.household_id)
        return {
            "points_issued": sum(m["points_issued"] for m in month.values()),
            "points_redeemed": sum(m["points_redeemed"] for m in month.values()),
            "exchanges": len(live),
            "goods_issued": sum(goods.values()),
            "participations": len(checkins),
            "stores": per_store,
            "months": {k: {f: v[f] for f in FIELDS} for k, v in month.items()},
            "donors": {d: (handed[d], len(reached[d])) for d in handed},
        }


FIELDS = ("points_issued", "points_redeemed", "exchanges", "goods_issued", "participations")


def raw_statement(c, store_id: int, start: datetime, end: datetime) -> dict:
    """Return a store's statement for [start, end) (the programme's wall clock) summed from the
    exchanges and lines alone."""
    with c.uow(write=False) as uow:
        s = uow.session
        chosen = [
            x
            for x in s.scalars(select(cm.Exchange).where(cm.Exchange.store_id == store_id))
            if start <= local(x.created_at) < end
        ]
        live = {x.id: x for x in chosen if x.status == "completed"}
        goods: dict[str, list[int]] = {}
        for line in s.scalars(select(cm.ExchangeLine)):
            if line.exchange_id in live:
                held = goods.setdefault(line.product_code, [0, 0])
                held[0] += line.qty
                held[1] += line.points
        return {
            "exchanges": len(live),
            "points_redeemed": sum(x.total for x in live.values()),
            "households_served": len({x.household_id for x in live.values()}),
            "voided": sum(1 for x in chosen if x.status == "voided"),
            "goods": {code: tuple(v) for code, v in goods.items()},
        }


def assert_statement_equals_the_rows(c, store_id: int, start: datetime, end: datetime) -> dict:
    got = reports.store_statement(c, store_id, start, end)
    figures = {k: got[k] for k in ("exchanges", "points_redeemed", "households_served", "voided")}
    figures["goods"] = {g["code"]: (g["qty"], g["points"]) for g in got["goods"]}
    assert figures == raw_statement(c, store_id, start, end), (start, end)
    points = [g["points"] for g in got["goods"]]
    assert points == sorted(points, reverse=True)
    return got


def assert_figures_equal_the_rows(c) -> None:
    with c.engine.connect() as conn:
        assert totals.differences(conn) == {}
    raw = raw_figures(c)
    figures = stats.stats(c)
    for name in ("points_issued", "points_redeemed", "exchanges", "goods_issued"):
        assert figures[name] == raw[name], name
    assert figures["participations"] == raw["participations"]
    assert {s.pop("store"): s for s in figures["stores"]} == raw["stores"]
    months = {m.pop("month"): m for m in reports.monthly(c)}
    assert months == raw["months"]
    donors = {
        d["donor"]: (d["goods_handed_out"], d["households_reached"]) for d in reports.donors(c)
    }
    assert {d: v for d, v in donors.items() if v != (0, 0)} == raw["donors"]
    today = datetime.now(UTC).replace(tzinfo=None)
    month = today.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    with c.uow(write=False) as uow:
        store_ids = list(uow.session.scalars(select(cm.Store.id)))
    for store_id in store_ids:
        for start, end in (
            (month, reports.whole_months(month, month + timedelta(days=40))[1]),  # whole month
            (today - timedelta(days=1), today + timedelta(days=1)),  # part of one
            (month - timedelta(days=400), month + timedelta(days=400)),  # months and ends
        ):
            assert_statement_equals_the_rows(c, store_id, start, end)


def test_the_figures_equal_the_ledger_after_kiosks_sync_exchanges_voids_and_check_ins(programme):
    c = programme.central
    east, west = programme.kiosk("K1"), programme.kiosk("K2")
    codes = programme.codes
    first = buy(east, codes["王建国"], {"OIL": 1, "SOAP": 2})
    buy(east, codes["李德福"], {"RICE": 1})
    buy(west, codes["李秀英"], {"TISSUE": 2, "SOAP": 1})
    admin.void_exchange(east.kiosk, first.exchange_id, "扫错了", actor="test")
    checkin.check_in(west.kiosk, programme.activity_id, card_code=codes["张伟"], actor="test")
    activities.award(c, programme.activity_id, [programme.residents["陈志明"]], "office")
    for runtime in (east, west):
        runtime.sync.sync_once()
    # A third kiosk pushes by hand: a household overdrawn, and the same batch twice.
    wire = WireKiosk("K3")
    body = wire.body(
        wire.restock(1, "OIL", 5, donor="爱心企业"),
        wire.exchange(H3, "H000003-1", [("OIL", 1, 60)]),
    )
    for _ in range(2):
        answer = push(programme.server.base, programme.token("K3"), body)
        assert answer.status_code == 200, answer.text
    assert [r["status"] for r in answer.json()["results"]] == ["duplicate", "duplicate"]
    assert alerts(c, "overdraft")
    with c.uow(write=False) as uow:
        statuses = Counter(uow.session.scalars(select(cm.Exchange.status)))
    assert statuses == {"completed": 3, "voided": 1}

    assert_figures_equal_the_rows(c)
    figures = stats.stats(c)
    assert figures["exchanges"] == 3 and figures["participations"] == 2


def test_a_void_in_the_same_batch_as_its_exchange_never_counts_the_exchange(programme):
    c = programme.central
    wire = WireKiosk("K1")
    sale = wire.exchange(H1, "H000001-1", [("SOAP", 2, 8)])
    sold = sale["payload"]
    void = wire.entry(
        "void",
        {
            "exchange_id": sold["exchange_id"],
            "number": sold["number"],
            "reason": "mistake",
            "stock": [{"product_code": "SOAP", "batch_id": WIRE_BATCH["SOAP"], "qty": 2}],
            "ledger": wire.ledger(H1, "void", 16, ref=sold["exchange_id"]),
        },
    )
    answer = push(programme.server.base, programme.token("K1"), wire.body(sale, void))
    assert [r["status"] for r in answer.json()["results"]] == ["applied", "applied"]
    assert stats.stats(c)["exchanges"] == 0
    assert_figures_equal_the_rows(c)


def test_a_move_from_a_batch_not_yet_received_is_refused_and_never_counted(programme):
    # The kiosk pushes its outbox in order, so a batch always arrives before the goods handed
    # out of it; a move that names an unknown batch is refused, not counted later.
    c = programme.central
    wire = WireKiosk("K1")
    base, token = programme.server.base, programme.token("K1")
    sale = wire.exchange(H2, "H000002-1", [("OIL", 1, 60)])
    sale["payload"]["stock"][0]["batch_id"] = 9
    [result] = push(base, token, wire.body(sale)).json()["results"]
    assert result["status"] == "rejected" and "never received" in result["reason"]
    assert (
        push(base, token, wire.body(wire.restock(9, "OIL", 3, donor="县妇联"))).status_code == 200
    )
    later = wire.exchange(H2, "H000002-1", [("OIL", 1, 60)])
    later["payload"]["stock"][0]["batch_id"] = 9
    assert push(base, token, wire.body(later)).json()["results"][0]["status"] == "applied"
    [donor] = reports.donors(c)
    assert (donor["donor"], donor["goods_handed_out"], donor["households_reached"]) == (
        "县妇联",
        1,
        1,
    )
    assert_figures_equal_the_rows(c)


def test_the_migration_back_fills_the_summaries_of_rows_held_before_it(programme):
    c = programme.central
    east = programme.kiosk("K1")
    sale = buy(east, programme.codes["王建国"], {"OIL": 1})
    buy(east, programme.codes["李德福"], {"SOAP": 3})
    admin.void_exchange(east.kiosk, sale.exchange_id, "退货", actor="test")
    east.sync.sync_once()
    before = stats.stats(c)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with c.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "c0003")  # the revision before the summaries
        command.upgrade(cfg, "head")
    assert stats.stats(c) == before
    assert before["exchanges"] == 1 and before["goods_issued"] == 3
    assert_figures_equal_the_rows(c)


def test_rebuild_recounts_summaries_that_went_wrong(programme):
    c = programme.central
    buy(programme.kiosk("K1"), programme.codes["王建国"], {"OIL": 1})
    programme.runtimes[0].sync.sync_once()
    with c.engine.begin() as conn:
        conn.execute(cm.ExchangeTotal.__table__.update().values(completed=99))
        assert set(totals.differences(conn)) == {"exchange_totals"}
        totals.rebuild(conn)
        assert totals.differences(conn) == {}
    assert stats.stats(c)["exchanges"] == 1


MONTHLY = re.compile(r"_([0-9]{4}_[0-9]{2}|default)$")
# Where a partitioned table must differ from the model (c0018): its unique keys hold the month,
# and exchange lines find their exchange by trigger, not by foreign key.
PARTITIONED = {
    ("add_fk", "exchange_lines", ("exchange_id",)),
    ("remove_constraint", "ledger_entries", ("kiosk_id", "seq", "created_at")),
    ("add_constraint", "ledger_entries", ("kiosk_id", "seq")),
}


def _not_a_partition(obj, name, type_, reflected, compare_to) -> bool:
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", "")
    return not MONTHLY.search(table or "")


def _signature(diff) -> tuple:
    kind, item = diff[0], diff[1]
    return (kind, item.table.name, tuple(c.name for c in item.columns))


def test_the_migrations_create_exactly_the_models(programme):
    engine = programme.central.engine
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert compare_metadata(MigrationContext.configure(conn), cm.Base.metadata) == []
            return
        context = MigrationContext.configure(conn, opts={"include_object": _not_a_partition})
        differences = compare_metadata(context, cm.Base.metadata)
    assert {_signature(d) for d in differences} == PARTITIONED
    assert len(differences) == len(PARTITIONED)


def test_a_statement_counts_whole_months_from_the_summaries_and_the_ends_from_the_rows(programme):
    c = programme.central
    wire = WireKiosk("K3")  # at the east store
    entries = [wire.restock(1, "OIL", 50)]
    sales = (  # UTC; Beijing time is 8 hours ahead, so these sit on its months' edges
        ("2025-01-15T01:00:00.000000Z", H1, [("OIL", 1, 60)]),  # 1-15 09:00
        ("2025-01-31T15:59:59.000000Z", H2, [("OIL", 2, 60), ("SOAP", 1, 8)]),  # 1-31 23:59:59
        ("2025-01-31T16:00:00.000000Z", H1, [("SOAP", 3, 8)]),  # 2-01 00:00
        ("2025-02-14T02:30:00.000000Z", H3, [("OIL", 1, 60)]),  # 2-14 10:30
        ("2025-02-28T16:00:00.000000Z", H2, [("TISSUE", 4, 5)]),  # 3-01 00:00
        ("2025-04-30T15:00:00.000000Z", H1, [("OIL", 1, 60), ("TISSUE", 1, 5)]),  # 4-30 23:00
    )
    for at, household, lines in sales:
        wire.at = at
        entries.append(wire.exchange(household, f"{household}-1", lines))
    answer = push(programme.server.base, programme.token("K3"), wire.body(*entries))
    assert answer.status_code == 200, answer.text
    assert {r["status"] for r in answer.json()["results"]} == {"applied"}
    with c.uow(write=False) as uow:
        east = uow.session.scalar(select(cm.Kiosk.store_id).where(cm.Kiosk.id == "K3"))

    def day(text: str) -> datetime:
        return datetime.fromisoformat(text)

    year = assert_statement_equals_the_rows(c, east, day("2025-01-01"), day("2026-01-01"))
    assert year["exchanges"] == 6 and year["households_served"] == 3
    assert [g["code"] for g in year["goods"]] == ["OIL", "SOAP", "TISSUE"]
    assert year["goods"][0] == {
        "code": "OIL",
        "name": year["goods"][0]["name"],
        "qty": 5,
        "points": 300,
    }
    february = assert_statement_equals_the_rows(c, east, day("2025-02-01"), day("2025-03-01"))
    assert (february["exchanges"], february["points_redeemed"]) == (2, 84)
    for start, end in (
        ("2025-01-16", "2025-02-15"),  # two partial months, no whole one
        ("2025-01-31", "2025-03-02"),  # a whole month between partial ends
        ("2025-02-02", "2025-02-14"),  # inside one month, nothing on those days
        ("2025-01-01", "2025-04-30"),  # whole months, then April without its last day
        ("2024-12-31", "2025-05-01"),  # partial ends either side with nothing in them
    ):
        assert_statement_equals_the_rows(c, east, day(start), day(end))
    # Households served are counted once across a summarised month and a partial end.
    spread = assert_statement_equals_the_rows(c, east, day("2025-01-01"), day("2025-02-15"))
    assert spread["households_served"] == 3 and spread["exchanges"] == 4


def test_months_and_days_are_the_programme_s_not_utc_s(programme, tmp_path):
    """An exchange at 01:30 Beijing time on 1 April was made at 17:30 UTC on 31 March: the
    office's figures count it in April, its statement for April holds it, March's does not."""
    c = programme.central
    with c.engine.connect() as conn:
        assert totals.programme_zone(conn) == "Asia/Shanghai"
    wire = WireKiosk("K3")  # at the east store
    entries = [wire.restock(1, "OIL", 50)]
    for at, household in (
        ("2025-03-31T17:30:00.000000Z", H1),  # 2025-04-01 01:30 in Beijing
        ("2025-03-31T15:30:00.000000Z", H2),  # 2025-03-31 23:30 in Beijing
    ):
        wire.at = at
        entries.append(wire.exchange(household, f"{household}-1", [("OIL", 1, 60)]))
    answer = push(programme.server.base, programme.token("K3"), wire.body(*entries))
    assert {r["status"] for r in answer.json()["results"]} == {"applied"}, answer.text
    with c.uow(write=False) as uow:
        east = uow.session.scalar(select(cm.Kiosk.store_id).where(cm.Kiosk.id == "K3"))

    def exchanges_per_month() -> dict[str, int]:
        return {m["month"]: m["exchanges"] for m in reports.monthly(c, east)}

    assert exchanges_per_month() == {"2025-03": 1, "2025-04": 1}
    for start, end, households in (
        (*reports.period("2025-04-01", "2025-04-30"), 1),  # a whole month, from the summaries
        (*reports.period("2025-04-01", "2025-04-01"), 1),  # one day, from the rows
        (*reports.period("2025-03-31", "2025-03-31"), 1),
        (*reports.period("2025-03-01", "2025-03-31"), 1),
    ):
        got = assert_statement_equals_the_rows(c, east, start, end)
        assert got["exchanges"] == households, (start, end)
    april = reports.store_statement(c, east, *reports.period("2025-04-01", "2025-04-30"))
    assert april["points_redeemed"] == 60
    assert_figures_equal_the_rows(c)

    # The office moves the programme to UTC: the monthly figures are recounted in it.
    with c.engine.begin() as conn:
        assert totals.set_zone(conn, "UTC") is True
        assert totals.set_zone(conn, "UTC") is False  # already
    assert exchanges_per_month() == {"2025-03": 2}
    for first, last in (("2025-03-01", "2025-03-31"), ("2025-03-31", "2025-03-31")):
        statement = reports.store_statement(c, east, *reports.period(first, last))
        assert statement["exchanges"] == 2, (first, last)
    # New rows count in the zone as it now is, on this connection and any other.
    wire.at = "2025-04-30T20:00:00.000000Z"
    later = push(
        programme.server.base,
        programme.token("K3"),
        wire.body(wire.exchange(H3, f"{H3}-1", [("OIL", 1, 60)])),
    )
    assert later.status_code == 200, later.text
    assert exchanges_per_month() == {"2025-03": 2, "2025-04": 1}
    with c.engine.connect() as conn:
        assert totals.differences(conn) == {}
    with c.engine.begin() as conn:
        try:
            totals.set_zone(conn, "Mars/Olympus")
        except ValueError as exc:
            assert "Mars/Olympus" in str(exc)
        else:
            raise AssertionError("an unknown zone was taken")
        assert totals.programme_zone(conn) == "UTC"


def test_a_time_the_zone_moves_past_the_calendar_counts_in_its_last_month(programme):
    """A kiosk clock at 20:00 UTC on 31 December 9999 is 04:00 on 1 January 10000 in Beijing:
    the push is applied and the exchange counts in 9999-12 (not a 500, not a month the
    seven-character key cannot hold)."""
    c = programme.central
    wire = WireKiosk("K3")
    entries = [wire.restock(1, "OIL", 5)]
    wire.at = "9999-12-31T20:00:00.000000Z"
    entries.append(wire.exchange(H1, f"{H1}-1", [("OIL", 1, 60)]))
    answer = push(programme.server.base, programme.token("K3"), wire.body(*entries))
    assert answer.status_code == 200, answer.text
    assert {r["status"] for r in answer.json()["results"]} == {"applied"}
    assert {m["month"]: m["exchanges"] for m in reports.monthly(c)}["9999-12"] == 1
    with c.engine.connect() as conn:
        assert totals.differences(conn) == {}


def test_zones_postgresql_would_read_as_fixed_offsets_are_refused(programme):
    """CET is an IANA zone with summer time that PostgreSQL reads as UTC+1 all year: months on
    the server and days in Python would part by an hour in summer."""
    c = programme.central
    with c.engine.begin() as conn:
        for name in ("CET", "EST5EDT", "Asia/Nowhere", "Asia/Shanghai'; DROP TABLE stores; --"):
            try:
                totals.set_zone(conn, name)
            except ValueError:
                pass
            else:
                raise AssertionError(f"{name} was taken")
        assert totals.programme_zone(conn) == "Asia/Shanghai"
