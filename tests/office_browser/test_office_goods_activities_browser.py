"""Goods and prices, and activities edited and closed, through the office's pages."""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from sync.central.context import Central
from sync.central.models import Activity, AuditEntry, Change, Product
from sync.central.queries.feed import changes_json
from sync.central.services.activities import award
from sync.central.services.errors import RegistryError
from sync.central.services.goods import ProductRow, save_products

pytestmark = pytest.mark.browser


def _flash(page: Any) -> str:
    return page.locator("[role=alert]").first.inner_text()


def _last_change(central: Central, kind: str) -> dict:
    with central.uow(write=False) as uow:
        return uow.session.scalars(
            select(Change.data).where(Change.kind == kind).order_by(Change.id.desc())
        ).first()


def test_a_product_added_repriced_and_withdrawn_in_the_page_reaches_the_feed(
    admin: Any, central: Central
):
    admin.goto("/products")
    form = admin.locator("#product-add")
    for name, value in {
        "code": "rice-5",
        "name": "大米 5kg",
        "category": "粮油",
        "points": "60",
        "unit": "袋",
    }.items():
        form.locator(f"input[name={name}]").fill(value)
    form.get_by_role("button").click()
    admin.wait_for_load_state()
    assert "已新增商品 RICE-5" in _flash(admin)
    added = _last_change(central, "product")
    assert {k: added[k] for k in ("code", "name", "category", "points", "unit", "active")} == {
        "code": "RICE-5",
        "name": "大米 5kg",
        "category": "粮油",
        "points": 60,
        "unit": "袋",
        "active": True,
    }
    assert added.get("quota_limit") is None  # none set on the page
    row = admin.locator("tr[data-code=RICE-5]")
    row.locator("input[name=points]").fill("55")
    row.locator("form.product-edit").get_by_role("button").click()
    admin.wait_for_load_state()
    assert "商品 RICE-5 已保存" in _flash(admin)
    assert _last_change(central, "product")["points"] == 55
    admin.locator("tr[data-code=RICE-5]").get_by_role("button", name="下架").click()
    admin.wait_for_load_state()
    assert "商品 RICE-5 已下架" in _flash(admin)
    assert _last_change(central, "product")["active"] is False
    with central.uow(write=False) as uow:
        p = uow.session.get(Product, "RICE-5")
        assert (p.points, p.active) == (55, False)
        prices = [
            a.details
            for a in uow.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "price_change")
            )
        ]
    assert prices == [{"old": 60, "new": 55}]
    # The page's own change is what a kiosk pulls, as import-products' changes are.
    feed = orjson.loads(changes_json(central, "K001", 0, 500))["changes"]
    assert [c["data"] for c in feed if c["kind"] == "product"][-1]["active"] is False


def test_a_price_out_of_range_is_refused_and_changes_nothing(admin: Any, central: Central):
    save_products(central, [ProductRow(2, "OIL", "食用油", "粮油", 30, "瓶")])
    admin.goto("/products")
    row = admin.locator("tr[data-code=OIL]")
    row.locator("input[name=points]").evaluate("e => e.removeAttribute('max')")
    row.locator("input[name=points]").fill("2000000")
    row.locator("form.product-edit").get_by_role("button").click()
    admin.wait_for_load_state()
    assert "未保存" in _flash(admin)
    with central.uow(write=False) as uow:
        assert uow.session.get(Product, "OIL").points == 30


def test_an_activity_edited_and_closed_in_the_page_reaches_the_feed_and_takes_no_awards(
    admin: Any, central: Central
):
    admin.goto("/activities/ACT-SORT")
    form = admin.locator("#activity-edit")
    form.locator("input[name=name]").fill("垃圾分类日")
    form.locator("input[name=points]").fill("15")
    form.locator("input[name=day]").fill("2026-11-08")
    form.get_by_role("button").click()
    admin.wait_for_load_state()
    assert "已保存" in _flash(admin)
    change = _last_change(central, "activity")
    assert (change["name"], change["points"], change["day"]) == ("垃圾分类日", 15, "2026-11-08")
    admin.locator("#activity-close").get_by_role("button").click()
    admin.wait_for_load_state()
    assert "活动已结束" in _flash(admin)
    assert admin.locator("#activity-close").count() == 0
    assert _last_change(central, "activity")["active"] is False
    with central.uow(write=False) as uow:
        a = uow.session.get(Activity, "ACT-SORT")
        assert (a.name, a.points, a.day, a.active) == ("垃圾分类日", 15, date(2026, 11, 8), False)
    with pytest.raises(RegistryError, match="closed"):
        award(central, "ACT-SORT", ["H000001-1"], "test")
