"""Households, goods and activities known to the kiosk; the read-only views of them."""

from __future__ import annotations

from datetime import date

import pytest
from service_helpers import balance, count, ledger_sum
from sqlalchemy import select

from core.domain import errors
from kiosk.services import catalog, doctor, queries
from kiosk.storage import models as m


def test_registering_a_household_credits_its_opening_points_on_the_ledger(kiosk):
    k = kiosk.kiosk
    catalog.register_household(
        k, "H1", " 王家 ", [("H1-1", "王一", "13800000000"), ("H1-2", "王二", None)], "80"
    )
    assert balance(k, "H1") == ledger_sum(k, "H1") == 80
    with k.uow(write=False) as uow:
        entry = uow.session.scalar(select(m.LedgerEntry))
        assert (entry.kind, entry.points, entry.ref, entry.seq) == ("adjust", 80, "opening", 1)
        assert uow.session.get(m.Household, "H1").name == "王家"
    assert count(k, m.Resident) == 2
    assert count(k, m.OutboxRow, m.OutboxRow.kind == "adjust") == 1
    assert doctor.check(k) == []


def test_registering_a_household_without_opening_points_writes_no_entry(kiosk):
    catalog.register_household(kiosk.kiosk, "H1", "王家", [("H1-1", "王一", None)])
    assert count(kiosk.kiosk, m.LedgerEntry) == 0


def test_registering_a_household_twice_is_refused(kiosk):
    catalog.register_household(kiosk.kiosk, "H1", "王家", [("H1-1", "王一", None)], 10)
    with pytest.raises(errors.BadValue):
        catalog.register_household(kiosk.kiosk, "H1", "王家", [("H1-9", "王九", None)], 10)
    assert balance(kiosk.kiosk, "H1") == 10


@pytest.mark.parametrize(("name", "points"), [("", 10), ("王家", -5), ("王家", "many")])
def test_registering_a_household_with_bad_values_is_refused(kiosk, name, points):
    with pytest.raises(errors.DomainError):
        catalog.register_household(kiosk.kiosk, "H1", name, [("H1-1", "王一", None)], points)
    assert count(kiosk.kiosk, m.Household) == 0


def test_saving_a_product_adds_it_then_edits_it(kiosk):
    k = kiosk.kiosk
    catalog.save_product(k, "egg", "鸡蛋 10个", "12", unit="盒", category="生鲜")
    assert queries.products(k) == [
        {
            "code": "EGG",
            "name": "鸡蛋 10个",
            "points": 12,
            "stock": 0,
            "category": "生鲜",
            "unit": "盒",
            "active": True,
        }
    ]
    catalog.save_product(k, "EGG", "土鸡蛋 10个", 15, unit="盒", category="生鲜", active=False)
    assert queries.products(k) == []
    (product,) = queries.products(k, include_inactive=True)
    assert (product["name"], product["points"], product["active"]) == ("土鸡蛋 10个", 15, False)


@pytest.mark.parametrize(
    ("code", "name", "points"),
    [("", "盐", 5), ("SALT", "", 5), ("SALT", "盐", 0), ("食盐", "盐", 5)],
)
def test_saving_a_product_with_bad_values_is_refused(kiosk, code, name, points):
    with pytest.raises(errors.DomainError):
        catalog.save_product(kiosk.kiosk, code, name, points)
    assert queries.products(kiosk.kiosk, include_inactive=True) == []


def test_defining_an_activity_makes_its_code_scannable(kiosk):
    k = kiosk.kiosk
    catalog.define_activity(k, "A1", "sort", "垃圾分类", "垃圾分类", date(2025, 3, 1), 10, cap=5)
    with k.uow(write=False) as uow:
        activity = uow.session.get(m.Activity, "A1")
        assert (activity.code, activity.points, activity.cap, activity.active) == (
            "SORT",
            10,
            5,
            True,
        )


def test_the_product_list_shows_stock_and_hides_withdrawn_goods(seeded):
    k = seeded[0].kiosk
    listed = {p["code"]: p for p in queries.products(k)}
    assert listed["SALT"]["stock"] == 50
    assert listed["UMBR"]["stock"] == 0
    catalog.save_product(k, "UMBR", "雨伞", 35, unit="把", category="日用", active=False)
    assert "UMBR" not in {p["code"] for p in queries.products(k)}


def test_the_idle_session_view_shows_nobody(kiosk):
    view = queries.session_view(kiosk.kiosk)
    assert (view["mode"], view["resident"], view["cart"], view["total"]) == ("idle", None, [], 0)


def test_an_unknown_receipt_is_refused(kiosk):
    with pytest.raises(errors.UnknownReceipt):
        queries.receipt(kiosk.kiosk, 12345)
    with pytest.raises(errors.UnknownReceipt):
        queries.receipt(kiosk.kiosk, "1")
