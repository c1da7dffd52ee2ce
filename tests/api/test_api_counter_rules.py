"""Quotas on scarce goods and the exchange-window switch, at the kiosk's JSON API."""

from __future__ import annotations

import pytest

from core.domain import quotas
from kiosk.services import admin, exchange_window, terminal
from kiosk.storage.models import Product, QuotaUse
from terminal_ui import create_app

RICH = "王建国"  # 王建国家, 320 points


@pytest.fixture
def rt(seeded):
    return seeded[0]


@pytest.fixture
def cards(seeded):
    return {c["name"]: c for c in seeded[1]}


@pytest.fixture
def client(rt, seeded):
    return create_app(rt, {"DEMO_CARDS": seeded[1], "VOICE_DEFAULT": False}).test_client()


def _quota(rt, code="OIL5L", limit=1, period="month"):
    with rt.kiosk.uow() as uow:
        p = uow.session.get(Product, code)
        p.quota_limit, p.quota_period = limit, period
        uow.commit()


def _product(client, code):
    return next(p for p in client.get("/api/products").get_json() if p["code"] == code)


def test_a_product_without_a_quota_carries_none(client):
    assert "quota" not in _product(client, "OIL18")


def test_products_carry_the_quota_and_what_the_open_households_has_left(rt, client, cards):
    _quota(rt, limit=2)
    assert _product(client, "OIL5L")["quota"] == {"limit": 2, "period": "month", "left": None}
    client.post("/api/scan", json={"code": cards[RICH]["code"]})
    assert _product(client, "OIL5L")["quota"]["left"] == 2
    client.post("/api/session/cart", json={"product_code": "OIL5L", "qty": 1})
    assert client.post("/api/session/checkout").status_code == 200
    assert _product(client, "OIL5L")["quota"] == {"limit": 2, "period": "month", "left": None}
    client.post("/api/scan", json={"code": cards[RICH]["code"]})
    assert _product(client, "OIL5L")["quota"]["left"] == 1


def test_taking_more_than_the_quota_is_refused_in_chinese_and_changes_nothing(rt, client, cards):
    _quota(rt, limit=1)
    client.post("/api/scan", json={"code": cards[RICH]["code"]})
    answer = client.post("/api/session/cart", json={"product_code": "OIL5L", "qty": 2})
    assert answer.status_code == 409
    error = answer.get_json()["error"]
    assert error["code"] == "quota_exceeded"
    assert "每户每月限换 1 桶" in error["message"] and "还可换 1 桶" in error["message"]
    assert client.get("/api/session").get_json()["cart"] == []
    english = client.post(
        "/api/session/cart?lang=en", json={"product_code": "OIL5L", "qty": 2}
    ).get_json()["error"]["message"]
    assert "at most 1 桶 per household each month" in english


def test_the_quota_counts_uses_at_other_kiosks_as_central_reported_them(rt, client, cards):
    _quota(rt, limit=2, period="week")
    household = "H0001"  # 王建国家
    week = quotas.period_key("week", rt.kiosk.clock.now().date())
    with rt.kiosk.uow() as uow:
        uow.session.add(
            QuotaUse(
                household_id=household, product_code="OIL5L", period=week, kiosk_id="T99", used=2
            )
        )
        uow.commit()
    client.post("/api/scan", json={"code": cards[RICH]["code"]})
    assert _product(client, "OIL5L")["quota"]["left"] == 0
    answer = client.post("/api/session/cart", json={"product_code": "OIL5L", "qty": 1})
    assert answer.get_json()["error"]["code"] == "quota_exceeded"
    assert "每户每周限换 2 桶" in answer.get_json()["error"]["message"]


def test_checkout_refuses_a_cart_that_a_quota_no_longer_allows(rt, client, cards):
    client.post("/api/scan", json={"code": cards[RICH]["code"]})
    client.post("/api/session/cart", json={"product_code": "OIL5L", "qty": 2})
    _quota(rt, limit=1)  # set by the office while the resident was choosing
    before = client.get("/api/session").get_json()["household"]["balance"]
    answer = client.post("/api/session/checkout")
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "quota_exceeded"
    assert client.get("/api/session").get_json()["household"]["balance"] == before


def test_a_voided_exchange_gives_its_quota_back(rt, client, cards):
    _quota(rt, limit=1)
    client.post("/api/scan", json={"code": cards[RICH]["code"]})
    client.post("/api/session/cart", json={"product_code": "OIL5L", "qty": 1})
    done = client.post("/api/session/checkout").get_json()
    admin.void_exchange(rt.kiosk, done["exchange_id"], "拿错了", actor="staff:1")
    client.post("/api/scan", json={"code": cards[RICH]["code"]})
    assert _product(client, "OIL5L")["quota"]["left"] == 1


def test_a_new_period_starts_the_quota_again(rt, client, cards, clock):
    _quota(rt, limit=1)
    client.post("/api/scan", json={"code": cards[RICH]["code"]})
    client.post("/api/session/cart", json={"product_code": "OIL5L", "qty": 1})
    client.post("/api/session/checkout")
    clock.advance(days=31)
    client.post("/api/scan", json={"code": cards[RICH]["code"]})
    assert _product(client, "OIL5L")["quota"]["left"] == 1


# -- the exchange window -----------------------------------------------------------------------
# The clock stands at 10:00 in the store.


def test_outside_the_hours_the_screen_says_when_to_come_back_and_nothing_is_exchanged(
    rt, client, cards, snapshot
):
    client.post("/api/scan", json={"code": cards[RICH]["code"]})
    client.post("/api/session/cart", json={"product_code": "OIL18", "qty": 1})
    exchange_window.save(rt.kiosk, enabled=True, hours_text="14:00-17:00", actor="staff:1")
    view = client.get("/api/session").get_json()
    assert view["window"] == {
        "enabled": True,
        "open": False,
        "hours": "14:00-17:00",
        "next": "2025-03-01 14:00",
        "next_time": "14:00",
        "next_day": "today",
    }
    before = snapshot()
    answer = client.post("/api/session/checkout")
    assert answer.status_code == 409
    error = answer.get_json()["error"]
    assert error["code"] == "window_closed"
    assert error["message"] == "兑换时间：14:00-17:00。请今天 14:00 再来。"
    add = client.post("/api/session/cart", json={"product_code": "SOAP", "qty": 1})
    assert add.get_json()["error"]["code"] == "window_closed"
    assert snapshot() == before


def test_after_the_last_hours_of_the_day_it_says_tomorrow_in_english(rt, client, cards):
    exchange_window.save(rt.kiosk, enabled=True, hours_text="08:00-09:30", actor="staff:1")
    client.post("/api/scan", json={"code": cards[RICH]["code"]})
    answer = client.post("/api/session/cart?lang=en", json={"product_code": "SOAP", "qty": 1})
    assert answer.get_json()["error"]["message"] == (
        "Exchanges are open 08:00-09:30. Please come back tomorrow at 08:00."
    )


def test_within_the_hours_or_with_the_switch_off_exchanges_go_on(rt, client, cards, clock):
    exchange_window.save(rt.kiosk, enabled=True, hours_text="09:00-11:30,14:00-17:00", actor="x")
    client.post("/api/scan", json={"code": cards[RICH]["code"]})
    client.post("/api/session/cart", json={"product_code": "SOAP", "qty": 1})
    assert client.post("/api/session/checkout").status_code == 200
    clock.advance(hours=2)  # 12:00
    exchange_window.save(rt.kiosk, enabled=False, hours_text="09:00-11:30", actor="x")
    client.post("/api/scan", json={"code": cards[RICH]["code"]})
    client.post("/api/session/cart", json={"product_code": "SOAP", "qty": 1})
    assert client.post("/api/session/checkout").status_code == 200


def test_check_ins_work_outside_the_exchange_hours(rt, cards):
    exchange_window.save(rt.kiosk, enabled=True, hours_text="14:00-17:00", actor="staff:1")
    terminal.start_checkin(rt.kiosk, "ACT-CLEAN", "staff:1")
    outcome = terminal.scan(rt.kiosk, cards["张伟"]["code"])
    assert outcome.kind == "checkin"


@pytest.mark.parametrize("hours", ["", "9-11", "11:00-09:00", "25:00-26:00", "09:00-10:00;x", 5])
def test_bad_hours_are_refused_and_change_nothing(rt, hours):
    from core.domain import errors

    with pytest.raises(errors.BadValue):
        exchange_window.save(rt.kiosk, enabled=True, hours_text=hours, actor="staff:1")
    assert exchange_window.current(rt.kiosk).enabled is False


@pytest.fixture
def snapshot(rt):
    from sqlalchemy import func, select

    from kiosk.storage.models import Base

    def take():
        with rt.kiosk.uow(write=False) as uow:
            s = uow.session
            return {
                t.name: s.scalar(select(func.count()).select_from(t))
                for t in Base.metadata.sorted_tables
                if t.name != "audit_log"
            }

    return take
