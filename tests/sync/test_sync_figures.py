"""The office's figures come from summary tables; on SQLite and PostgreSQL they equal the rows."""

from __future__ import annotations

from collections import Counter, defaultdict

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
