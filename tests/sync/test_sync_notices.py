"""The office's announcements and collective exchange days reach the stores they are for, show
on the idle screen's API, and the next exchange day is printed on the receipt."""

from __future__ import annotations

import pytest
from sync_helpers import EAST, WEST, buy, quiet_sync

from core.domain import errors
from kiosk.services import notices as kiosk_notices
from kiosk.storage.models import Receipt
from sync.central.services import notices
from terminal_ui import create_app


def test_notices_reach_their_stores_only_and_the_receipt_names_the_next_exchange_day(programme):
    k1, k2 = programme.kiosk("K1"), programme.kiosk("K2")  # east, west
    c = programme.central
    notices.post_announcement(c, "3月8日妇女节活动，欢迎参加", "2025-03-01", "2025-03-10")
    notices.post_announcement(c, "东村：本周五停水", "2025-03-01", "2025-03-07", [EAST])
    notices.post_announcement(c, "下月的通知", "2025-04-01", "2025-04-10")
    notices.schedule_exchange_day(c, EAST, "2025-03-08", "09:00-12:00", "带好积分卡")
    notices.schedule_exchange_day(c, WEST, "2025-03-09", "14:00-17:00")
    quiet_sync(k1, k2)

    east = create_app(k1, {}).test_client().get("/api/announcements").get_json()
    assert sorted(a["text"] for a in east["announcements"]) == [
        "3月8日妇女节活动，欢迎参加",
        "东村：本周五停水",
    ]  # the April one is not showing yet
    assert east["next_exchange_day"] == {
        "day": "2025-03-08",
        "opens": "09:00",
        "closes": "12:00",
        "note": "带好积分卡",
    }
    west = kiosk_notices.board(k2.kiosk)
    assert [a["text"] for a in west["announcements"]] == ["3月8日妇女节活动，欢迎参加"]
    assert west["next_exchange_day"]["day"] == "2025-03-09"

    done = buy(k1, programme.codes["王建国"], {"SOAP": 1})
    with k1.kiosk.uow(write=False) as uow:
        text = uow.session.get(Receipt, done.receipt_id).text
    assert "下次集中兑换：\n2025-03-08 09:00-12:00" in text


def test_a_past_exchange_day_is_no_longer_the_next(programme):
    k1 = programme.kiosk("K1")
    notices.schedule_exchange_day(programme.central, EAST, "2025-03-01", "08:00-09:00")
    notices.schedule_exchange_day(programme.central, EAST, "2025-03-15", "08:00-09:00")
    quiet_sync(k1)
    # 10:00 in the store: today's exchange day is over
    assert kiosk_notices.board(k1.kiosk)["next_exchange_day"]["day"] == "2025-03-15"


@pytest.mark.parametrize(
    "text, starts, ends, stores",
    [
        ("", "2025-03-01", "2025-03-02", []),
        ("x" * 501, "2025-03-01", "2025-03-02", []),
        ("通知", "2025-03-05", "2025-03-01", []),
        ("通知", "3/1", "2025-03-02", []),
        ("通知", "2025-03-01", "2026-12-31", []),
        ("通知", "2025-03-01", "2025-03-02", ["没有这个店"]),
    ],
)
def test_a_bad_announcement_is_refused_and_nothing_is_sent(programme, text, starts, ends, stores):
    from sqlalchemy import func, select

    from sync.central.models import Announcement, Change

    c = programme.central
    with c.uow(write=False) as uow:
        before = uow.session.scalar(select(func.count()).select_from(Change))
    with pytest.raises(errors.BadValue):
        notices.post_announcement(c, text, starts, ends, stores)
    with c.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Change)) == before
        assert uow.session.scalar(select(func.count()).select_from(Announcement)) == 0


@pytest.mark.parametrize("hours", ["", "12:00-09:00", "09:00-10:00,11:00-12:00", "nine"])
def test_a_bad_exchange_day_is_refused(programme, hours):
    with pytest.raises(errors.BadValue):
        notices.schedule_exchange_day(programme.central, EAST, "2025-03-08", hours)
