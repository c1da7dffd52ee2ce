"""Two writers at once on PostgreSQL: an activity's cap and its one credit per resident hold
across kiosks, and office corrections never take the same sequence number."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from sqlalchemy import text
from sync_helpers import (
    WireKiosk,
    central_balances,
    central_ledger_sums,
    checkin_entry,
    household_id,
    push,
)

from sync.central.services import activities
from sync.central.services.adjustments import adjust_points

PG_ONLY = pytest.mark.parametrize("central_url", ["postgresql"], indirect=True)
H1 = household_id(1)  # two members: H000001-1, H000001-2


def checkin(wire: WireKiosk, activity: str, resident: str, points: int) -> dict:
    return checkin_entry(wire, activity, resident, H1, points)


def pushed_together(programme, bodies: dict[str, dict]) -> dict[str, object]:
    """Push each kiosk's body at once while the household is held, then let them through."""
    c = programme.central
    answers: dict[str, object] = {}
    with c.engine.connect() as holder:
        holder.execute(text("SELECT id FROM households WHERE id = :h FOR UPDATE"), {"h": H1})

        def run(kiosk_id: str) -> None:
            answers[kiosk_id] = push(
                programme.server.base, programme.token(kiosk_id), bodies[kiosk_id]
            )

        threads = [threading.Thread(target=run, args=(k,)) for k in bodies]
        for t in threads:
            t.start()
        time.sleep(1.0)  # both are inside central now, one waiting for the other or for H1
        holder.commit()
    for t in threads:
        t.join(30)
    return answers


@PG_ONLY
def test_two_kiosks_at_once_never_credit_an_activity_beyond_its_cap(programme):
    c = programme.central
    capped = activities.define_activity(c, "ONE", "只限一人", "测试", date(2025, 3, 1), 5, cap=1)
    k1, k2 = WireKiosk("K1"), WireKiosk("K2")
    answers = pushed_together(
        programme,
        {
            "K1": k1.body(checkin(k1, capped, "H000001-1", 5)),
            "K2": k2.body(checkin(k2, capped, "H000001-2", 5)),
        },
    )
    assert [a.status_code for a in answers.values()] == [200, 200]
    statuses = sorted(a.json()["results"][0]["status"] for a in answers.values())
    assert statuses == ["applied", "rejected"]
    assert central_balances(c)[H1] == 305 == central_ledger_sums(c)[H1]


@PG_ONLY
def test_two_kiosks_at_once_credit_a_resident_once(programme):
    c = programme.central
    k1, k2 = WireKiosk("K1"), WireKiosk("K2")
    answers = pushed_together(
        programme,
        {
            "K1": k1.body(checkin(k1, "ACT-SORT", "H000001-1", 10)),
            "K2": k2.body(checkin(k2, "ACT-SORT", "H000001-1", 10)),
        },
    )
    assert [a.status_code for a in answers.values()] == [200, 200]
    statuses = sorted(a.json()["results"][0]["status"] for a in answers.values())
    assert statuses == ["applied", "rejected"]
    assert central_balances(c)[H1] == 310


@PG_ONLY
def test_office_corrections_at_once_each_get_their_own_place_in_centrals_chain(programme):
    c = programme.central
    households = [household_id(i) for i in range(1, 5)]
    before = central_balances(c)
    failures: list[BaseException] = []

    def correct(h: str) -> None:
        for _ in range(10):
            try:
                adjust_points(c, h, 1, "并发核对", "office:test")
            except BaseException as exc:
                failures.append(exc)

    threads = [threading.Thread(target=correct, args=(h,)) for h in households]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failures == []
    after = central_balances(c)
    assert all(after[h] == before[h] + 10 for h in households)
    assert after == central_ledger_sums(c)
