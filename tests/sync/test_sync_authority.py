"""Central is the authority for every point: what a kiosk token pushes outside the rules is
refused with a reason, alerted to the office, and reversed at the kiosk so both books agree."""

from __future__ import annotations

import copy
from datetime import date

import pytest
from sqlalchemy import select, update
from sync_helpers import (
    WIRE_BATCH,
    WireKiosk,
    alerts,
    assert_converged,
    buy,
    central_balances,
    central_count,
    checkin_entry,
    household_id,
    push,
    quiet_sync,
)

from core.domain.ledger import ledger_wire
from kiosk.services import catalog, checkin, doctor, inventory, queries
from kiosk.services.common import append_ledger, available_points, outbox
from kiosk.storage import models as km
from sync.central import models as cm
from sync.central.services import activities

H1, H2 = household_id(1), household_id(2)  # 王建国家 (300 points), 李德福家 (100 points)


def refused(answer) -> str:
    assert answer.status_code == 200, answer.text
    [result] = answer.json()["results"]
    assert result["status"] == "rejected", result
    return result["reason"]


def assert_nothing_credited(programme, before: dict[str, int]) -> None:
    c = programme.central
    assert central_balances(c) == before
    assert central_count(c, cm.LedgerEntry, cm.LedgerEntry.kiosk_id == "K1") == 0
    assert central_count(c, cm.CheckIn, cm.CheckIn.kiosk_id == "K1") == 0
    assert [a.kiosk_id for a in alerts(c, "refused")] == ["K1"]


def test_a_check_in_worth_more_than_its_activity_is_refused(programme):
    wire, before = WireKiosk("K1"), central_balances(programme.central)
    entry = checkin_entry(wire, "ACT-SORT", "H000001-1", H1, 1_000_000)
    reason = refused(push(programme.server.base, programme.token("K1"), wire.body(entry)))
    assert "worth 10" in reason
    assert_nothing_credited(programme, before)


def test_a_check_in_for_an_activity_central_does_not_hold_is_refused(programme):
    wire, before = WireKiosk("K1"), central_balances(programme.central)
    entry = checkin_entry(wire, "ACT-MADE-UP", "H000001-1", H1, 10)
    assert "unknown activity" in refused(
        push(programme.server.base, programme.token("K1"), wire.body(entry))
    )
    assert_nothing_credited(programme, before)


def test_a_check_in_on_another_day_than_the_activity_is_refused(programme):
    # The activity is on 1 March (programme time); 2 March 07:59 Beijing is 1 March 23:59 UTC.
    wire, before = (
        WireKiosk("K1", at="2025-03-01T23:59:00.000000Z"),
        central_balances(programme.central),
    )
    entry = checkin_entry(wire, "ACT-SORT", "H000001-1", H1, 10)
    assert "is on 2025-03-01" in refused(
        push(programme.server.base, programme.token("K1"), wire.body(entry))
    )
    assert_nothing_credited(programme, before)


def test_a_check_in_beyond_the_cap_is_refused(programme):
    c = programme.central
    capped = activities.define_activity(c, "CAP2", "限两人", "测试", date(2025, 3, 1), 5, cap=2)
    wire = WireKiosk("K1")
    people = [("H000001-1", H1), ("H000001-2", H1), ("H000002-1", H2)]
    body = wire.body(*(checkin_entry(wire, capped, r, h, 5) for r, h in people))
    results = push(programme.server.base, programme.token("K1"), body).json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied", "rejected"]
    assert "full" in results[2]["reason"]
    assert central_count(c, cm.CheckIn, cm.CheckIn.activity_id == capped) == 2


def test_a_second_credit_for_the_same_resident_is_refused_even_from_another_kiosk(programme):
    c = programme.central
    k1, k2 = WireKiosk("K1"), WireKiosk("K2")
    first = checkin_entry(k1, "ACT-SORT", "H000001-1", H1, 10)
    again = checkin_entry(k2, "ACT-SORT", "H000001-1", H1, 10)
    base = programme.server.base
    assert push(base, programme.token("K1"), k1.body(first)).json()["results"][0]["status"] == (
        "applied"
    )
    assert "already credited" in refused(push(base, programme.token("K2"), k2.body(again)))
    assert central_balances(c)[H1] == 310
    assert [a.kiosk_id for a in alerts(c, "refused")] == ["K2"]


def test_a_check_in_naming_a_resident_of_another_household_is_refused(programme):
    wire, before = WireKiosk("K1"), central_balances(programme.central)
    entry = checkin_entry(wire, "ACT-SORT", "H000002-1", H1, 10)
    assert "not a member" in refused(
        push(programme.server.base, programme.token("K1"), wire.body(entry))
    )
    assert_nothing_credited(programme, before)


def test_an_adjustment_from_a_kiosk_is_refused(programme):
    wire, before = WireKiosk("K1"), central_balances(programme.central)
    entry = wire.entry("adjust", {"reason": "gift", "ledger": wire.ledger(H1, "adjust", 1_000_000)})
    assert "only by the office" in refused(
        push(programme.server.base, programme.token("K1"), wire.body(entry))
    )
    assert_nothing_credited(programme, before)


def _resident_unknown(p):
    p["resident_id"] = "H999999-1"


def _resident_of_another_household(p):
    p["resident_id"] = "H000002-1"


def _beneficiary_of_another_household(p):
    p["beneficiary_id"] = "H000002-1"


def _product_unknown(p):
    p["lines"][0]["product_code"] = "GOLD"
    p["stock"][0]["product_code"] = "GOLD"


def _batch_never_received(p):
    p["stock"][0]["batch_id"] = 424242


def _batch_of_other_goods(p):
    p["stock"][0]["batch_id"] = WIRE_BATCH["SOAP"]


def _stock_added_not_issued(p):
    p["stock"][0]["qty"] = 100_000


def _stock_short_of_the_lines(p):
    p["lines"][0]["qty"] = 3
    p["lines"][0]["points"] = 180
    p["total"] = 180
    p["ledger"]["points"] = -180


@pytest.mark.parametrize(
    ("forge", "why"),
    [
        (_resident_unknown, "unknown resident"),
        (_resident_of_another_household, "not a member"),
        (_beneficiary_of_another_household, "not a member"),
        (_product_unknown, "unknown product"),
        (_batch_never_received, "never received"),
        (_batch_of_other_goods, "holds SOAP"),
        (_stock_added_not_issued, "wrong way"),
        (_stock_short_of_the_lines, "do not match"),
    ],
    ids=lambda v: getattr(v, "__name__", "")[1:],
)
def test_an_exchange_that_does_not_add_up_is_refused(programme, forge, why):
    wire, before = WireKiosk("K1"), central_balances(programme.central)
    entry = wire.exchange(H1, "H000001-1", [("OIL", 1, 60)])
    forge(entry["payload"])
    if entry["payload"]["ledger"]["points"] != -60:  # re-chain the changed ledger entry
        wire.ledger_seq, wire.head = 0, WireKiosk("K1").head
        entry["payload"]["ledger"] = wire.ledger(
            H1, "spend", entry["payload"]["ledger"]["points"], ref=entry["payload"]["exchange_id"]
        )
    assert why in refused(push(programme.server.base, programme.token("K1"), wire.body(entry)))
    assert_nothing_credited(programme, before)
    assert central_count(programme.central, cm.Exchange) == 0
    assert central_count(programme.central, cm.StockMove) == 0


def test_a_refused_entry_keeps_the_chain_whole_for_the_entries_after_it(programme):
    c, wire = programme.central, WireKiosk("K1")
    forged = wire.entry("adjust", {"reason": "x", "ledger": wire.ledger(H1, "adjust", 500)})
    honest = wire.exchange(H1, "H000001-1", [("OIL", 1, 60)])
    results = push(programme.server.base, programme.token("K1"), wire.body(forged, honest))
    assert [r["status"] for r in results.json()["results"]] == ["rejected", "applied"]
    assert alerts(c, "chain_gap") == [] and alerts(c, "chain_tamper") == []
    assert central_balances(c)[H1] == 240


# -- both books agree: a real kiosk hears of each refusal and reverses it -------------------


def _forge_adjust(runtime, programme):
    """Someone with the kiosk's disk writes an adjustment, chain and outbox row included."""
    k = runtime.kiosk
    with k.uow() as uow:
        s = uow.session
        household = s.get(km.Household, H1)
        entry = append_ledger(s, k, household, "adjust", 50_000, "forged", k.clock.now())
        outbox(s, k.clock.now(), "adjust", {"reason": "forged", "ledger": ledger_wire(entry)})
        uow.commit()


def _inflated_check_in(runtime, programme):
    """The kiosk's copy of the activity says 1,000 points; central's says 10."""
    k = runtime.kiosk
    with k.uow() as uow:
        uow.session.execute(
            update(km.Activity).where(km.Activity.id == "ACT-SORT").values(points=1000)
        )
        uow.commit()
    checkin.check_in(k, "ACT-SORT", card_code=programme.codes["王建国"], actor="admin")


def _check_in_on_the_wrong_day(runtime, programme):
    """The kiosk's copy of an activity is moved to today; central holds it for tomorrow."""
    c = programme.central
    later = activities.define_activity(c, "LATER", "明天的活动", "测试", date(2025, 3, 2), 15)
    runtime.sync.sync_once()
    k = runtime.kiosk
    with k.uow() as uow:
        uow.session.execute(
            update(km.Activity).where(km.Activity.id == later).values(day=date(2025, 3, 1))
        )
        uow.commit()
    checkin.check_in(k, later, card_code=programme.codes["王建国"], actor="admin")


def _goods_central_never_listed(runtime, programme):
    """The kiosk sells goods it added itself, which the programme's catalogue does not hold."""
    k = runtime.kiosk
    catalog.save_product(k, "LOCAL", "自带商品", 5, unit="个", category="日用", actor="admin")
    inventory.restock(k, "LOCAL", 3, "donation", "某人", "1", actor="admin")
    buy(runtime, programme.codes["王建国"], {"LOCAL": 1}, online=True)


@pytest.mark.parametrize(
    "refusal",
    [_forge_adjust, _inflated_check_in, _check_in_on_the_wrong_day, _goods_central_never_listed],
    ids=lambda f: f.__name__[1:],
)
def test_a_refused_entry_is_reversed_at_the_kiosk_and_both_books_agree(programme, refusal):
    k1 = programme.kiosk("K1")
    k2 = programme.kiosk("K2")
    before = central_balances(programme.central)
    refusal(k1, programme)
    k1.sync.sync_once()  # push: refused; pull: the refusal, reversed here
    quiet_sync(k1, k2)
    assert central_balances(programme.central) == before
    assert_converged(programme.central, k1, k2)
    with k1.kiosk.uow(write=False) as uow:
        rows = uow.session.scalars(select(km.OutboxRow).order_by(km.OutboxRow.id)).all()
        statuses = {
            (r.kind, r.status)
            for r in rows
            if r.kind in ("adjust", "checkin", "exchange", "reversal")
        }
    assert ("reversal", "sent") in statuses
    assert any(status == "rejected" for _kind, status in statuses)
    assert doctor.check(k1.kiosk) == []
    assert any("refused by central" in note for note in doctor.sync_notes(k1.kiosk))
    shown = queries.refused_entries(k1.kiosk)  # on the shopkeeper's status page
    assert [r["reversed"] for r in shown if r["points"]] == [True]
    assert all(r["reason"] for r in shown)
    with programme.central.uow(write=False) as uow:
        held = uow.session.scalars(select(cm.UncountedEntry)).all()
        assert sorted(u.role for u in held) == ["refused", "reversal"]
        assert held[0].points == -held[1].points
    # The refusal is neither counted nor undone twice when the feed is read again.
    quiet_sync(k1, k2)
    assert_converged(programme.central, k1, k2)


def test_two_kiosks_crediting_one_resident_offline_converge_on_one_credit(programme):
    k1 = programme.kiosk("K1", line=True)
    k2 = programme.kiosk("K2", line=True)
    programme.unplug(k1)
    programme.unplug(k2)
    code = programme.codes["李德福"]
    checkin.check_in(k1.kiosk, "ACT-SORT", card_code=code, actor="admin")
    checkin.check_in(k2.kiosk, "ACT-SORT", card_code=code, actor="admin")
    programme.plug(k1)
    programme.plug(k2)
    for _ in range(3):
        quiet_sync(k1, k2)
    assert central_balances(programme.central)[H2] == 110
    assert_converged(programme.central, k1, k2)


def test_a_reversal_that_does_not_mirror_a_refusal_is_refused_and_not_counted(programme):
    c, wire = programme.central, WireKiosk("K1")
    base, token = programme.server.base, programme.token("K1")
    forged = wire.entry("adjust", {"reason": "x", "ledger": wire.ledger(H1, "adjust", 500)})
    refused(push(base, token, wire.body(forged)))
    refused_id = forged["payload"]["ledger"]["id"]
    bad = wire.entry(
        "reversal",
        {
            "refused_id": refused_id,
            "reason": "x",
            "ledger": wire.ledger(H1, "adjust", +500, ref=refused_id),  # the same sign again
        },
    )
    assert "does not mirror" in refused(push(base, token, wire.body(bad)))
    stranger = copy.deepcopy(bad)
    stranger["id"], stranger["seq"] = "0" * 8 + stranger["id"][8:], 99
    stranger["payload"]["refused_id"] = "11111111-1111-4111-8111-111111111111"
    assert "has not refused" in refused(push(base, token, wire.body(stranger)))
    assert central_balances(c)[H1] == 300


def test_goods_found_at_a_stocktake_can_be_handed_out_and_central_agrees(programme):
    # Counting more than the books hold makes a batch of its own at the kiosk; central learns
    # it from the stocktake, so exchanges drawing on it are not refused as unknown stock.
    k1 = programme.kiosk("K1", stock=False)
    inventory.stocktake(k1.kiosk, "OIL", 2, "盘点多出", actor="店长")
    k1.sync.sync_once()
    buy(k1, programme.codes["王建国"], {"OIL": 1}, online=True)
    k1.sync.sync_once()
    assert alerts(programme.central, "refused") == []
    assert central_balances(programme.central)[H1] == 240
    assert_converged(programme.central, k1)


def test_a_void_returns_exactly_the_goods_its_exchange_handed_out(programme):
    c, wire = programme.central, WireKiosk("K1")
    base, token = programme.server.base, programme.token("K1")
    sale = wire.exchange(H1, "H000001-1", [("SOAP", 1, 8)])
    assert push(base, token, wire.body(sale)).json()["results"][0]["status"] == "applied"
    sold = sale["payload"]
    forged = wire.entry(
        "void",
        {
            "exchange_id": sold["exchange_id"],
            "number": sold["number"],
            "reason": "x",
            "stock": [{"product_code": "OIL", "batch_id": WIRE_BATCH["OIL"], "qty": 100_000}],
            "ledger": wire.ledger(H1, "void", 8, ref=sold["exchange_id"]),
        },
    )
    assert "exactly the goods" in refused(push(base, token, wire.body(forged)))
    with c.uow(write=False) as uow:
        moved = uow.session.scalars(select(cm.StockMove.kind)).all()
    assert sorted(moved) == ["issue"]


def test_an_entry_and_its_reversal_in_one_batch_are_both_held_outside_the_books(programme):
    c, wire = programme.central, WireKiosk("K1")
    forged = wire.entry("adjust", {"reason": "x", "ledger": wire.ledger(H1, "adjust", 500)})
    refused_id = forged["payload"]["ledger"]["id"]
    reversal = wire.entry(
        "reversal",
        {
            "refused_id": refused_id,
            "reason": "x",
            "ledger": wire.ledger(H1, "adjust", -500, ref=refused_id),
        },
    )
    honest = wire.exchange(H1, "H000001-1", [("OIL", 1, 60)])
    results = push(
        programme.server.base, programme.token("K1"), wire.body(forged, reversal, honest)
    )
    assert [r["status"] for r in results.json()["results"]] == ["rejected", "applied", "applied"]
    with c.uow(write=False) as uow:
        held = {u.role: u for u in uow.session.scalars(select(cm.UncountedEntry))}
        assert held["refused"].reversed_by == held["reversal"].id
    assert alerts(c, "chain_gap") == [] and alerts(c, "chain_tamper") == []
    assert central_balances(c)[H1] == 240


def test_a_refused_credit_is_not_spendable_before_its_reversal_arrives(programme):
    k1 = programme.kiosk("K1")
    _inflated_check_in(k1, programme)  # +1000 here; central holds the activity at 10
    k = k1.kiosk
    with k.uow(write=False) as uow:
        household = uow.session.get(km.Household, H1)
        assert available_points(uow.session, k, household, online=True) == 300
    k1.sync.push_once()  # refused, but the refusal has not been pulled yet
    with k.uow(write=False) as uow:
        household = uow.session.get(km.Household, H1)
        assert household.balance == 1300
        assert available_points(uow.session, k, household, online=True) == 300
    k1.sync.sync_once()
    with k.uow(write=False) as uow:
        household = uow.session.get(km.Household, H1)
        assert (household.balance, available_points(uow.session, k, household, online=True)) == (
            300,
            300,
        )
