"""What the office reads: the language kept, times in the programme's zone, kiosks at a
glance, charts with whole names and years, donors for a period."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from sync.central.context import Central
from sync.central.models import Batch, Kiosk, StockMove
from sync.central.services.goods import ProductRow, save_products

pytestmark = pytest.mark.browser

LONG_DONOR = "湖南省长沙市某某科技有限公司党支部"


def test_the_english_switch_lasts_until_switched_back(admin: Any):
    admin.goto("/households?lang=en")
    assert admin.locator("h1").inner_text().startswith("Households")
    admin.get_by_role("link", name="Activities").click()
    assert admin.locator("h1").inner_text() == "Activities"
    admin.goto("/kiosks")
    assert "Kiosks" in admin.locator("h1").first.inner_text()
    admin.get_by_role("link", name="中文").click()
    admin.goto("/activities")
    assert admin.locator("h1").inner_text() == "活动"


def test_the_kiosks_page_shows_online_and_offline_and_device_states_in_chinese(
    admin: Any, central: Central
):
    from sync.central.services.kiosks import enroll

    enroll(central, "西村爱心超市", "K002")
    now = central.clock.now()
    with central.uow() as uow:
        uow.session.execute(
            update(Kiosk)
            .where(Kiosk.id == "K001")
            .values(
                last_seen=now - timedelta(seconds=30), printer_state="ok", camera_state="running"
            )
        )
        uow.session.execute(
            update(Kiosk)
            .where(Kiosk.id == "K002")
            .values(last_seen=now - timedelta(hours=2), printer_state="paper_out")
        )
        uow.commit()
    admin.goto("/kiosks")
    table = admin.locator("table.kiosks")
    header = table.locator("tr").first.inner_text()
    assert "UTC" not in header and "最近联系" in header
    assert "Asia/Shanghai" in admin.locator("p.hint").first.inner_text()
    k1 = table.locator("tr", has_text="K001")
    k2 = table.locator("tr", has_text="K002")
    assert k1.locator(".badge.online").inner_text() == "● 在线"
    assert k2.locator(".badge.offline").inner_text() == "● 离线"
    assert "正常" in k1.inner_text() and "运行中" in k1.inner_text()
    assert "缺纸" in k2.inner_text()
    assert not re.search(r"\b(ok|running|paper_out)\b", table.inner_text())


def _donate(central: Central, at: datetime, qty: int = 10) -> None:
    save_products(central, [ProductRow(2, "OIL", "食用油", "粮油", 30, "瓶")])
    with central.uow() as uow:
        s = uow.session
        s.add(
            Batch(
                kiosk_id="K001",
                batch_id=1,
                store_id=1,
                product_code="OIL",
                qty=qty,
                source="donation",
                donor=LONG_DONOR,
                unit_value_cents=4550,
                received_at=at,
            )
        )
        for n, household in enumerate(["H000001", "H000002", "H000001"]):
            s.add(
                StockMove(
                    kiosk_id="K001",
                    batch_id=1,
                    store_id=1,
                    product_code="OIL",
                    qty=-1,
                    kind="issue",
                    household_id=household,
                    created_at=at + timedelta(days=n),
                )
            )
        uow.commit()


def test_the_dashboard_charts_show_whole_donor_names_and_four_digit_years(
    admin: Any, central: Central
):
    _donate(central, datetime(2026, 11, 3, 2, 0))
    admin.goto("/")
    charts = admin.locator("svg.chart")
    months = charts.nth(0).locator("text").all_text_contents()
    assert any(re.fullmatch(r"\d{4}-\d{2}", t) for t in months)
    assert not any(re.fullmatch(r"\d{2}-\d{2}", t) for t in months)
    donors = admin.locator("svg.chart").nth(2)
    assert LONG_DONOR in donors.locator("text").all_text_contents()
    box = donors.locator("text", has_text=LONG_DONOR).bounding_box()
    chart = donors.bounding_box()
    assert box["x"] >= chart["x"] - 1  # drawn whole, inside the chart


def test_the_donor_report_takes_a_date_range(admin: Any, central: Central):
    _donate(central, datetime(2026, 11, 3, 2, 0))
    admin.goto("/reports/donors")
    form = admin.locator("#donor-period")
    form.locator("input[name=from]").fill("2026-11-04")
    form.locator("input[name=to]").fill("2026-11-30")
    form.get_by_role("button").click()
    admin.wait_for_load_state()
    row = admin.locator("tr", has_text=LONG_DONOR)
    cells = row.locator("td").all_inner_texts()
    # Given on 11-03 (before the period); two handed out on 11-04 and 11-05, to two households.
    assert cells[1:6] == ["0", "0.00", "0", "2", "2"]  # then the certificate's link
    form = admin.locator("#donor-period")
    form.locator("input[name=from]").fill("2026-11-01")
    form.locator("input[name=to]").fill("2026-11-04")
    form.get_by_role("button").click()
    admin.wait_for_load_state()
    cells = admin.locator("tr", has_text=LONG_DONOR).locator("td").all_inner_texts()
    assert cells[1:6] == ["10", "455.00", "1", "2", "2"]
