"""Check-in mode awards points, so only the shopkeeper starts it, only on the activity's day,
and it ends by itself when nobody is checking in."""

from __future__ import annotations

from datetime import date

import pytest
from service_helpers import balance, card, count, snapshot
from sqlalchemy import select

from core.domain import errors
from kiosk.services import catalog, checkin, queries, terminal
from kiosk.storage import models as m
from terminal_ui.errors import status_of


@pytest.fixture
def k(seeded):
    return seeded[0].kiosk


@pytest.fixture
def cards(seeded):
    return seeded[1]


@pytest.mark.parametrize("code", ["EKA:SORT", "eka:screen", "EKA:NOPE"])
def test_an_activity_code_shown_at_the_resident_screen_is_refused_and_changes_nothing(k, code):
    before = snapshot(k)
    with pytest.raises(errors.ActivityAtScreen) as refused:
        terminal.scan(k, code)
    assert status_of(refused.value) == 403
    assert "shopkeeper" in refused.value.render()
    assert snapshot(k) == before
    assert queries.session_view(k)["mode"] == "idle"


def test_an_activity_code_does_not_end_a_residents_exchange(k, cards):
    terminal.scan(k, card(cards, "H0001-1"))
    terminal.set_cart_line(k, "SALT", 1)
    with pytest.raises(errors.ActivityAtScreen):
        terminal.scan(k, "EKA:SORT")
    view = queries.session_view(k)
    assert view["mode"] == "exchange"
    assert [line["product_code"] for line in view["cart"]] == ["SALT"]


def test_check_in_mode_started_by_the_shopkeeper_credits_cards_and_records_the_operator(k, cards):
    terminal.start_checkin(k, "ACT-SCREEN", "admin")
    outcome = terminal.scan(k, card(cards, "H0002-2"))
    assert (outcome.kind, outcome.detail["points"]) == ("checkin", 30)
    with k.uow(write=False) as uow:
        s = uow.session
        started = s.scalar(select(m.AuditEntry).where(m.AuditEntry.action == "checkin_mode"))
        credited = s.scalar(select(m.AuditEntry).where(m.AuditEntry.action == "checkin"))
        assert started.actor == credited.actor == "admin"
        assert credited.details["mode_session"] == started.details["session"]


def test_check_in_mode_is_not_started_for_an_activity_on_another_day(k, clock):
    catalog.define_activity(k, "ACT-TMRW", "TMRW", "明天的活动", "测试", date(2025, 3, 2), 5)
    with pytest.raises(errors.ActivityNotToday) as refused:
        terminal.start_checkin(k, "ACT-TMRW", "admin")
    assert "2025-03-02" in refused.value.render()
    assert queries.session_view(k)["mode"] == "idle"
    clock.advance(seconds=24 * 3600)
    terminal.start_checkin(k, "ACT-TMRW", "admin")
    assert queries.session_view(k)["mode"] == "checkin"


def test_a_check_in_is_refused_once_the_activity_day_is_over_in_the_stores_zone(k, clock, cards):
    # Activities are on 1 March; 16:00 UTC is already midnight of 2 March in Beijing.
    clock.advance(hours=14)
    with pytest.raises(errors.ActivityNotToday):
        checkin.check_in(k, "ACT-SORT", card_code=card(cards, "H0001-1"))
    assert count(k, m.CheckIn) == 0


def test_check_in_mode_ends_by_itself_after_idle_minutes_and_a_card_then_shops(k, clock, cards):
    terminal.start_checkin(k, "ACT-SORT", "admin")
    assert queries.session_view(k)["activity"]["ends_in"] == 300
    clock.advance(seconds=240)
    terminal.scan(k, card(cards, "H0001-1"))  # a credit keeps it on for another five minutes
    clock.advance(seconds=240)
    assert queries.session_view(k)["mode"] == "checkin"
    clock.advance(seconds=61)
    assert queries.session_view(k)["mode"] == "idle"
    before = balance(k, "H0002")
    outcome = terminal.scan(k, card(cards, "H0002-1"))  # someone who came to shop
    assert outcome.kind == "card"
    assert queries.session_view(k)["mode"] == "exchange"
    assert balance(k, "H0002") == before
    assert count(k, m.CheckIn) == 1
    with k.uow(write=False) as uow:
        ended = uow.session.scalar(
            select(m.AuditEntry.details).where(m.AuditEntry.action == "checkin_mode_end")
        )
    assert ended == {"reason": "idle"}
