"""Expiry of spendable points: at the boundary in the programme's time zone, oldest first, once,
announced ahead, reaching every kiosk, with every figure still equal to the ledger's sums."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select
from sync_helpers import (
    EAST,
    WEST,
    Programme,
    assert_converged,
    buy,
    central_balances,
    central_ledger_sums,
    household_id,
    quiet_sync,
)

from core.domain.expiry import Policy
from kiosk.services import checkin
from kiosk.storage import models as km
from sync.central import models as cm
from sync.central.queries import stats, totals
from sync.central.services import expiry

H1, H2, H3, H4 = (household_id(n) for n in (1, 2, 3, 4))  # 300, 100, 40 and 0 points


@pytest.fixture
def programme(central_server, tmp_path, kiosk_template):
    """The seeded programme, with central on the kiosks' clock: opening points on 2025-03-01."""
    p = Programme(central_server, tmp_path, kiosk_template=kiosk_template)
    central_server.central.clock = p.clock
    p.seed({"K1": EAST, "K2": WEST})
    yield p
    p.close()


def local_midnight_utc(day: date) -> datetime:
    """The start of a day in Asia/Shanghai, as stored (naive UTC): 16:00 the day before."""
    return datetime(day.year, day.month, day.day) - (
        datetime(2000, 1, 2) - datetime(2000, 1, 1, 16)
    )


def notices(c) -> dict[str, tuple[int, date]]:
    with c.uow(write=False) as uow:
        return {
            n.household_id: (n.points, n.on) for n in uow.session.scalars(select(cm.ExpiryNotice))
        }


def kiosk_notices(runtime) -> dict[str, tuple[int, date]]:
    with runtime.kiosk.uow(write=False) as uow:
        return {
            n.household_id: (n.points, n.on) for n in uow.session.scalars(select(km.ExpiryNotice))
        }


def expire_entries(c) -> list[tuple[str, int, datetime]]:
    with c.uow(write=False) as uow:
        return list(
            uow.session.execute(
                select(
                    cm.LedgerEntry.household_id, cm.LedgerEntry.points, cm.LedgerEntry.created_at
                )
                .where(cm.LedgerEntry.kind == "expire")
                .order_by(cm.LedgerEntry.household_id)
            ).all()
        )


def test_a_yearly_clearing_at_local_midnight_announced_once_and_followed_by_every_book(programme):
    c = programme.central
    k1, k2 = programme.kiosk("K1"), programme.kiosk("K2")
    buy(k1, programme.codes["王建国"], {"OIL": 1})  # 60 of 王建国家's 300 points
    checkin.check_in(k1.kiosk, programme.activity_id, card_code=programme.codes["王建国"])
    quiet_sync(k1, k2)  # 300 - 60 + 10 = 250
    state = expiry.set_policy(c, Policy.clear_on("04-15"), actor="test")
    assert state.effective_from == date(2025, 4, 1)
    honour_before = {h: _honour(c, h) for h in (H1, H2)}

    # A month ahead, each household with points is told what goes and when; H4 has none.
    assert expiry.run(c, now=datetime(2025, 3, 14, 0, 0)).notices == 0  # 42 days ahead
    run = expiry.run(c, now=datetime(2025, 3, 20, 0, 0))
    assert run.points == 0 and run.notices == 3
    boundary = date(2025, 4, 15)
    assert notices(c) == {H1: (250, boundary), H2: (100, boundary), H3: (40, boundary)}
    assert expiry.run(c, now=datetime(2025, 3, 21, 0, 0)).notices == 0  # unchanged: not sent again
    quiet_sync(k1, k2)
    assert kiosk_notices(k1) == kiosk_notices(k2) == notices(c)

    # One minute before local midnight nothing goes; at midnight (16:00 UTC) it all does.
    midnight = local_midnight_utc(boundary)
    assert midnight == datetime(2025, 4, 14, 16, 0)
    assert expiry.run(c, now=datetime(2025, 4, 14, 15, 59)).points == 0
    run = expiry.run(c, now=midnight)
    assert (run.boundary, run.households, run.points) == (boundary, 3, 390)
    assert expire_entries(c) == [(H1, -250, midnight), (H2, -100, midnight), (H3, -40, midnight)]
    assert expiry.run(c, now=datetime(2025, 4, 15, 9, 0)).points == 0  # once per boundary
    assert central_balances(c) == central_ledger_sums(c) == {H1: 0, H2: 0, H3: 0, H4: 0}
    assert notices(c) == {}  # nothing left to announce: the kiosks were told so
    quiet_sync(k1)
    assert kiosk_notices(k1) == {}

    # Every kiosk follows; figures count the expiry in April (local), not in March (UTC).
    quiet_sync(k1, k2)
    assert_converged(c, k1, k2)
    with c.engine.connect() as conn:
        assert totals.differences(conn) == {}
        months = dict(
            conn.execute(
                select(cm.LedgerTotal.month, cm.LedgerTotal.debit).where(
                    cm.LedgerTotal.kind == "expire"
                )
            ).all()
        )
    assert months == {"2025-04": -390}
    figures = stats.stats(c)
    assert figures["points_expired"] == 390
    assert honour_before == {H1: 10, H2: 0}
    assert {h: _honour(c, h) for h in (H1, H2)} == honour_before  # honour never expires


def test_credits_last_their_months_oldest_spent_first(programme):
    c = programme.central
    k1 = programme.kiosk("K1")
    expiry.set_policy(c, Policy.after_months(1), actor="test")  # effective from 2025-04-01
    buy(k1, programme.codes["王建国"], {"OIL": 1})  # 60 spent from the 300 of 2025-03-01
    quiet_sync(k1)
    # Credits of 2025-03-01 last through 2025-04-01 and expire at the start of 2025-04-02.
    assert expiry.run(c, now=local_midnight_utc(date(2025, 4, 2)) - _minute()).points == 0
    run = expiry.run(c, now=local_midnight_utc(date(2025, 4, 2)))
    assert run.points == 240 + 100 + 40
    assert central_balances(c)[H1] == 0
    quiet_sync(k1)
    assert_converged(c, k1)


def test_a_new_policy_clears_nothing_before_residents_were_told(programme):
    c = programme.central
    c.clock.current = datetime(2025, 4, 10, 2, 0)  # five days before a 04-15 clearing
    expiry.set_policy(c, Policy.clear_on("04-15"), actor="test")
    run = expiry.run(c, now=local_midnight_utc(date(2025, 4, 15)))
    assert run.points == 0 and run.boundary == date(2025, 4, 15)
    assert notices(c) == {}  # the next clearing it may do is a year away
    assert central_balances(c)[H1] == 300


def _minute():
    return datetime(2000, 1, 1, 0, 1) - datetime(2000, 1, 1)


def _honour(c, household: str) -> int:
    return stats.household(c, household)["honour"]
