"""The office's figures come from summary tables; on SQLite and PostgreSQL they equal the rows."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import select
from sync_helpers import WireKiosk, alerts, buy, household_id, push

from kiosk.services import admin, checkin
from sync.central import models as cm
from sync.central import registry, reports, stats, totals
from sync.central.server import MIGRATIONS

H1, H2, H3 = household_id(1), household_id(2), household_id(3)


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
            m = month[e.created_at.strftime("%Y-%m")]
            if e.kind in ("earn", "adjust") and e.points > 0:
                m["points_issued"] += e.points
            if e.kind == "spend":
                m["points_redeemed"] -= e.points
            if e.kind == "void":
                m["points_redeemed"] -= e.points
        for x in live.values():
            month[x.created_at.strftime("%Y-%m")]["exchanges"] += 1
            month[x.created_at.strftime("%Y-%m")]["goods_issued"] += goods[x.id]
        for ci in checkins:
            month[ci.created_at.strftime("%Y-%m")]["participations"] += 1
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
    """Return a store's statement for [start, end) summed from the exchanges and lines alone."""
    with c.uow(write=False) as uow:
        s = uow.session
        chosen = [
            x
            for x in s.scalars(select(cm.Exchange).where(cm.Exchange.store_id == store_id))
            if start <= x.created_at < end
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
    registry.award(c, programme.activity_id, [programme.residents["陈志明"]], "office")
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
            "stock": [{"product_code": "SOAP", "batch_id": 1, "qty": 2}],
            "ledger": wire.ledger(H1, "void", 16, ref=sold["exchange_id"]),
        },
    )
    answer = push(programme.server.base, programme.token("K1"), wire.body(sale, void))
    assert [r["status"] for r in answer.json()["results"]] == ["applied", "applied"]
    assert stats.stats(c)["exchanges"] == 0
    assert_figures_equal_the_rows(c)


def test_moves_pushed_before_their_donated_batch_count_once_the_batch_arrives(programme):
    c = programme.central
    wire = WireKiosk("K1")
    base, token = programme.server.base, programme.token("K1")
    sale = wire.exchange(H2, "H000002-1", [("OIL", 1, 60)])
    sale["payload"]["stock"][0]["batch_id"] = 9
    assert push(base, token, wire.body(sale)).status_code == 200
    assert reports.donors(c) == []
    assert (
        push(base, token, wire.body(wire.restock(9, "OIL", 3, donor="县妇联"))).status_code == 200
    )
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


def test_the_migrations_create_exactly_the_models(programme):
    with programme.central.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), cm.Base.metadata) == []


def test_a_statement_counts_whole_months_from_the_summaries_and_the_ends_from_the_rows(programme):
    c = programme.central
    wire = WireKiosk("K3")  # at the east store
    entries = [wire.restock(1, "OIL", 50)]
    sales = (
        ("2025-01-15T09:00:00.000000Z", H1, [("OIL", 1, 60)]),
        ("2025-01-31T23:59:59.000000Z", H2, [("OIL", 2, 60), ("SOAP", 1, 8)]),
        ("2025-02-01T00:00:00.000000Z", H1, [("SOAP", 3, 8)]),
        ("2025-02-14T10:30:00.000000Z", H3, [("OIL", 1, 60)]),
        ("2025-03-01T00:00:00.000000Z", H2, [("TISSUE", 4, 5)]),
        ("2025-04-30T23:00:00.000000Z", H1, [("OIL", 1, 60), ("TISSUE", 1, 5)]),
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
