"""A resident moved to another household, or a household moved to another village, while a kiosk
was offline: the kiosk's later push that names the old household is applied to the household as
it was at the entry's time, no point is lost or doubled, and a push made after the move (the
kiosk could not know) is applied too but shown to the office."""

from __future__ import annotations

from datetime import UTC, datetime

from sync_helpers import (
    PRICE,
    alerts,
    assert_converged,
    buy,
    central_balances,
    central_count,
    household_id,
    quiet_sync,
)

from sync.central import models as cm
from sync.central.services import areas
from sync.central.services.records import move_resident

H1, H4 = household_id(1), household_id(4)  # 王建国家 (李秀英 a member), 陈志明家


def _moved_out(programme) -> str:
    """Move 李秀英 from 王建国家 to 陈志明家 at central; return her id."""
    resident = programme.residents["李秀英"]
    assert move_resident(programme.central, resident, H4, actor="test") == H1
    return resident


def test_an_exchange_made_before_the_move_is_applied_to_the_household_of_its_time(programme):
    k1 = programme.kiosk("K1", line=True)
    quiet_sync(k1)
    before = central_balances(programme.central)
    programme.unplug(k1)
    bought = buy(k1, programme.codes["李秀英"], {"OIL": 1})  # kiosk time: before the move
    _moved_out(programme)
    programme.plug(k1)
    quiet_sync(k1)
    after = central_balances(programme.central)
    assert after[H1] == before[H1] - PRICE["OIL"]  # the household she spent for, then
    assert after[H4] == before[H4]
    assert central_count(programme.central, cm.Exchange, cm.Exchange.id == bought.exchange_id)
    assert alerts(programme.central) == []
    assert_converged(programme.central, k1)


def test_an_exchange_made_after_the_move_is_applied_as_the_kiosk_knew_it_and_alerted(programme):
    k1 = programme.kiosk("K1", line=True)
    quiet_sync(k1)
    before = central_balances(programme.central)
    programme.unplug(k1)
    resident = _moved_out(programme)
    # The kiosk's clock runs past the move: it sold on what it last knew.
    programme.clock.advance(
        seconds=(datetime.now(UTC).replace(tzinfo=None) - programme.clock.now()).total_seconds()
        + 3600
    )
    bought = buy(k1, programme.codes["李秀英"], {"RICE": 1})
    programme.plug(k1)
    quiet_sync(k1)
    after = central_balances(programme.central)
    assert after[H1] == before[H1] - PRICE["RICE"]  # not lost: the goods were handed out
    assert after[H4] == before[H4]
    assert central_count(programme.central, cm.Exchange, cm.Exchange.id == bought.exchange_id)
    [alert] = alerts(programme.central)
    assert alert.kind == "member_moved" and alert.household_id == H1
    assert resident in alert.detail and H4 in alert.detail
    assert_converged(programme.central, k1)


def test_a_resident_who_never_belonged_to_the_household_is_still_refused(programme):
    from sync_helpers import WIRE_BATCH, WireKiosk, push

    wire = WireKiosk("K1")
    stranger = programme.residents["张伟"]  # of 张伟家, never of 王建国家
    answer = push(
        programme.server.base,
        programme.enrolments["K1"].token,
        wire.body(wire.exchange(H1, stranger, [("SOAP", 1, PRICE["SOAP"])])),
    )
    assert answer.status_code == 200
    [result] = answer.json()["results"]
    assert result["status"] == "rejected"
    assert "not a member" in result["reason"]
    assert WIRE_BATCH


def test_a_household_moved_to_another_village_while_offline_keeps_every_point(programme):
    c = programme.central
    rows = [
        areas.AreaRow(2, ("平江县", "三市镇", "东村", "一组")),
        areas.AreaRow(3, ("平江县", "三市镇", "西村", "一组")),
    ]
    areas.save_areas(c, rows)
    areas.set_household_group(c, H1, "平江县/三市镇/东村/一组", "test")
    k1 = programme.kiosk("K1", line=True)
    quiet_sync(k1)
    before = central_balances(c)
    programme.unplug(k1)
    buy(k1, programme.codes["王建国"], {"SOAP": 2})
    areas.set_household_group(c, H1, "平江县/三市镇/西村/一组", "test")
    programme.plug(k1)
    quiet_sync(k1)
    assert central_balances(c)[H1] == before[H1] - 2 * PRICE["SOAP"]
    assert [a.kind for a in alerts(c)] == []
    assert_converged(c, k1)
