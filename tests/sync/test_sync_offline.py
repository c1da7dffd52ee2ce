"""Kiosks keep serving while central is away, within the allowance, and converge after."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sync_helpers import (
    SQLITE_ONLY,
    alerts,
    assert_converged,
    assert_exactly_once,
    buy,
    central_balances,
    household_id,
    kiosk_balances,
    outbox_statuses,
    quiet_sync,
)

from core.domain import errors
from kiosk.services import admin, checkin
from kiosk.storage import models as km
from kiosk.sync.client import SyncError
from sync.central.services import activities, kiosks

H1, H2, H3, H4 = (household_id(n) for n in range(1, 5))


def test_kiosks_sell_while_central_is_down_and_deliver_everything_once_after(programme):
    c = programme.central
    k1, k2 = programme.kiosk("K1"), programme.kiosk("K2")
    codes = programme.codes
    quiet_sync(k1, k2)

    programme.server.stop()
    with pytest.raises(SyncError):
        k1.sync.sync_once()
    assert k1.sync.refresh() is False
    assert k1.sync.status.online is False and k1.sync.status.last_error
    assert k2.sync.refresh() is False

    before = k1.sync.backlog()
    first = buy(k1, codes["王建国"], {"OIL": 1})  # online=None: as last known, offline
    buy(k1, codes["李秀英"], {"RICE": 1})
    admin.void_exchange(k1.kiosk, first.number, "选错了", actor="店长")
    checkin.check_in(k1.kiosk, programme.activity_id, card_code=codes["陈志明"])
    buy(k2, codes["李德福"], {"SOAP": 5})
    assert k1.sync.backlog() == before + 4
    assert k2.sync.backlog() == 1
    with pytest.raises(SyncError):
        k2.sync.sync_once()

    programme.server.start()
    assert programme.server.central is not c
    c = programme.central
    quiet_sync(k1, k2)

    assert k1.sync.backlog() == 0 and k2.sync.backlog() == 0
    assert k1.sync.status.online and k1.sync.status.last_success is not None
    assert_exactly_once(c, k1, k2)
    assert_converged(c, k1, k2)
    assert central_balances(c) == {H1: 300 - 40, H2: 100 - 40, H3: 40, H4: 10}
    assert alerts(c) == []


def test_offline_spending_beyond_the_allowance_is_refused(programme):
    k1 = programme.kiosk("K1", line=True)
    kiosks.set_allowance(programme.central, "东村爱心超市", 100, actor="test")
    k1.sync.sync_once()
    assert k1.kiosk.offline_allowance == 100
    code = programme.codes["王建国"]  # 300 confirmed points
    programme.unplug(k1)

    buy(k1, code, {"OIL": 1}, online=False)  # 60 unconfirmed
    with pytest.raises(errors.InsufficientPoints) as refused:
        buy(k1, code, {"RICE": 2}, online=False)  # 60 + 80 > 100
    assert refused.value.code == "insufficient_points"
    assert refused.value.params["available"] == 40
    buy(k1, code, {"SOAP": 5}, online=False)  # exactly the 40 left
    with pytest.raises(errors.InsufficientPoints):
        buy(k1, code, {"SOAP": 1}, online=False)

    # Once central has confirmed the spends, the household may spend its balance again.
    programme.plug(k1)
    k1.sync.sync_once()
    assert outbox_statuses(k1)["sent"] >= 2
    assert buy(k1, code, {"OIL": 3}, online=True).balance_after == 300 - 100 - 180


def test_a_poor_household_may_overdraw_offline_only_by_the_allowance(programme):
    k1 = programme.kiosk("K1", line=True)  # allowance 200
    code = programme.codes["张伟"]  # 40 points
    programme.unplug(k1)
    buy(k1, code, {"OIL": 3}, online=False)  # 180
    with pytest.raises(errors.InsufficientPoints) as refused:
        buy(k1, code, {"TISSUE": 2}, online=False)
    assert refused.value.params["available"] == 20
    assert kiosk_balances(k1)[H3] == -140
    programme.plug(k1)
    assert k1.sync.refresh(timeout=10)  # a loaded machine may take longer than a checkout waits
    with pytest.raises(errors.InsufficientPoints):  # online, the kiosk knows the true balance
        buy(k1, code, {"SOAP": 1}, online=True)


def test_an_overdraft_at_two_offline_stores_is_accepted_flagged_and_recovered(programme):
    c = programme.central
    k1, k2 = programme.kiosk("K1", line=True), programme.kiosk("K2", line=True)
    quiet_sync(k1, k2)
    code = programme.codes["李德福"]  # 100 points; 200 allowance at each store
    programme.unplug(k1)
    programme.unplug(k2)

    buy(k1, code, {"OIL": 3, "SOAP": 2}, online=False)  # 196 at the east store
    buy(k2, code, {"OIL": 3, "SOAP": 2}, online=False)  # 196 at the west store
    programme.plug(k1)
    programme.plug(k2)
    quiet_sync(k1, k2)

    assert_exactly_once(c, k1, k2)
    assert central_balances(c)[H2] == 100 - 392
    flagged = alerts(c, "overdraft")
    assert flagged and {a.household_id for a in flagged} == {H2}
    assert max(a.amount for a in flagged) == 292
    assert 292 <= 200 * 2  # never beyond the allowance at each store visited

    bonus = activities.define_activity(c, "FLOOD", "抗洪志愿", "志愿服务", date(2025, 3, 2), 300)
    activities.award(c, bonus, [programme.residents["李德福"]], actor="test")
    quiet_sync(k1, k2)
    assert central_balances(c)[H2] == 8
    assert_converged(c, k1, k2)
    assert buy(k1, code, {"SOAP": 1}, online=True).balance_after == 0


@SQLITE_ONLY
def test_an_offline_receipt_says_the_exchange_awaits_sync(programme):
    k1 = programme.kiosk("K1", line=True)
    online = buy(k1, programme.codes["王建国"], {"SOAP": 1}, online=True)
    programme.unplug(k1)
    offline = buy(k1, programme.codes["王建国"], {"SOAP": 1}, online=False)
    with k1.kiosk.uow(write=False) as uow:
        text = dict(uow.session.execute(select(km.Receipt.id, km.Receipt.text)).all())
    assert "待同步" not in text[online.receipt_id]
    assert "待同步" in text[offline.receipt_id]
