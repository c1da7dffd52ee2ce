"""Honest kiosks under the stolen-token rules: a clock that runs fast, a resident the office
moved, a store's own card lost; and no activity credited before its day by central's clock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sync_helpers import (
    SQLITE_ONLY,
    START,
    WireKiosk,
    central_balances,
    checkin_entry,
    push,
    quiet_sync,
)

from core.clock import FixedClock
from core.domain.codes import token_hash
from kiosk.services import admin, checkin
from kiosk.storage import models as km
from sync.central import models as cm
from sync.central.services import records

H2 = "H000002"


def _statuses(answer):
    assert answer.status_code == 200, answer.text[:500]
    return [(r["status"], r.get("reason")) for r in answer.json()["results"]]


@SQLITE_ONLY
def test_no_activity_is_credited_before_its_day_by_centrals_clock(programme):
    """The seeded activity is on 1 March (Asia/Shanghai). At 23:30 on 28 February by central's
    clock, a stolen token dates a check-in 00:20 on 1 March, the activity's day: refused."""
    p = programme
    p.central.clock = FixedClock(datetime(2025, 2, 28, 15, 30))  # 23:30 local, the eve
    wire = WireKiosk("K1")
    wire.at = "2025-02-28T16:20:00.000000Z"  # 00:20 local on 1 March
    answer = push(
        p.server.base,
        p.token("K1"),
        wire.body(checkin_entry(wire, p.activity_id, "H000002-1", H2, 10)),
    )
    [(status, reason)] = _statuses(answer)
    assert "not yet come" in reason
    assert status == "rejected", (
        f"credited before its day: central balance {central_balances(p.central)[H2]}"
    )


@SQLITE_ONLY
def test_an_honest_kiosk_whose_clock_runs_two_hours_fast_keeps_its_residents_check_ins(
    programme,
):
    """A kiosk two hours fast (10:00 by central, 12:00 on its clock, both 1 March) credits a
    real attendee: central credits it too (it had refused it as dated ahead, and the kiosk
    reversed the points of a resident who could not check in again)."""
    p = programme
    p.central.clock = FixedClock(START)  # central: 10:00 local on 1 March
    p.clock.advance(hours=2)  # the kiosk's clock: 12:00 local, same day
    k1 = p.kiosk("K1")
    before = central_balances(p.central)[H2]
    checkin.check_in(k1.kiosk, p.activity_id, resident_id="H000002-1")
    quiet_sync(k1)
    quiet_sync(k1)
    after = central_balances(p.central)[H2]
    with k1.kiosk.uow(write=False) as uow:
        reasons = list(
            uow.session.scalars(
                select(km.OutboxRow.reason).where(km.OutboxRow.status == "rejected")
            )
        )
        kiosk_balance = uow.session.get(km.Household, H2).balance
    again = None
    try:
        checkin.check_in(k1.kiosk, p.activity_id, resident_id="H000002-1")
    except Exception as exc:
        again = type(exc).__name__
    assert after == before + 10, (
        f"central {before}->{after}; kiosk balance {kiosk_balance}; rejected: {reasons}; "
        f"checking in again: {again}"
    )


@SQLITE_ONLY
def test_a_card_for_a_resident_the_office_moved_out_of_the_stores_set_is_held(programme):
    """李德福 is of 李德福家, in the east store's set; the office moves him to a new household
    of no store's set (the store's feed does not tell the kiosk: the move is fanned out to the
    new household's stores). His card is lost; the east kiosk, which knows him only as of
    李德福家, issues a new one: central holds it, bound to the store, as it holds his
    exchanges there (booked as the kiosk knew him, with a member_moved alert)."""
    p = programme
    k1 = p.kiosk("K1")
    quiet_sync(k1)
    new_home = records.add_household(p.central, "新立户", 0, actor="test")
    records.move_resident(p.central, p.residents["李德福"], new_home, actor="test")
    quiet_sync(k1)
    with k1.kiosk.uow(write=False) as uow:
        assert uow.session.get(km.Resident, "H000002-1").household_id == H2  # as it knows him
    admin.issue_card(k1.kiosk, "H000002-1")
    quiet_sync(k1)
    with k1.kiosk.uow(write=False) as uow:
        rejected = list(
            uow.session.execute(
                select(km.OutboxRow.kind, km.OutboxRow.reason).where(
                    km.OutboxRow.status == "rejected"
                )
            )
        )
    assert rejected == [], rejected


@SQLITE_ONLY
def test_a_kiosk_revokes_a_card_its_sibling_issued_to_a_household_that_only_checks_in(
    programme,
):
    """张伟家 is in the east store's set and takes part in activities there (no exchange yet).
    K3 (east) issues 张伟 a new card, bound to the east store; he loses it and K1 (east, same
    store) revokes it: a card bound to the kiosk's own store is the store's to revoke, though
    check-ins do not make the household one the store served."""
    p = programme
    k1, k3 = p.kiosk("K1"), p.kiosk("K3")
    checkin.check_in(k3.kiosk, p.activity_id, resident_id="H000003-1")
    token = admin.issue_card(k3.kiosk, "H000003-1")
    quiet_sync(k3)
    quiet_sync(k1)
    with k1.kiosk.uow(write=False) as uow:
        card_id = uow.session.scalar(
            select(km.Card.id).where(km.Card.token_hash == token_hash(token))
        )
    assert card_id is not None, "K1 learnt the store's card"
    admin.revoke_card(k1.kiosk, card_id, "丢失")
    quiet_sync(k1)
    with p.central.uow(write=False) as uow:
        status = uow.session.scalar(
            select(cm.Card.status).where(cm.Card.token_hash == token_hash(token))
        )
    with k1.kiosk.uow(write=False) as uow:
        rejected = list(
            uow.session.scalars(
                select(km.OutboxRow.reason).where(km.OutboxRow.status == "rejected")
            )
        )
    assert status == "revoked", (status, rejected)
