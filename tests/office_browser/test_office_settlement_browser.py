"""Settlement and certificates through the office's pages: the rate form, the downloads."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from sync.central.context import Central
from sync.central.models import AuditEntry, Batch, StockMove, Store

pytestmark = pytest.mark.browser


def test_an_admin_sets_a_store_s_rate_and_downloads_its_settlement(
    admin: Any, central: Central, tmp_path: Path
):
    admin.goto("/reports/settlement?month=2026-11")
    assert admin.locator("[data-figure=rate]").inner_text() == "未设定"
    form = admin.locator("#settlement-rate")
    form.locator("input[name=rate]").fill("0.015")
    form.locator("select[name=period]").select_option("quarterly")
    form.get_by_role("button").click()
    admin.wait_for_load_state()
    assert "已保存" in admin.locator("[role=alert]").first.inner_text()
    assert admin.locator("[data-figure=rate]").inner_text() == "0.0150"
    assert (
        admin.locator("h2").first.inner_text().startswith("东村爱心超市 · 2026-11-01 – 2027-01-31")
    )
    with central.uow(write=False) as uow:
        shop = uow.session.scalar(select(Store))
        assert (shop.settlement_rate, shop.settlement_period) == (Decimal("0.015"), "quarterly")
        [entry] = uow.session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "settlement_rate")
        )
    assert entry == {"old": None, "new": "0.015", "period": "quarterly"}
    with admin.expect_download() as pdf:
        admin.get_by_role("link", name="PDF").click()
    assert pdf.value.suggested_filename == "结算单-东村爱心超市-2026-11-2027-01.pdf"
    pdf.value.save_as(tmp_path / "s.pdf")
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "s.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "东村爱心超市" in text and "0.0150 元/分" in text
    with admin.expect_download() as xlsx:
        admin.get_by_role("link", name="XLSX").click()
    assert xlsx.value.suggested_filename == "结算单-东村爱心超市-2026-11-2027-01.xlsx"
    xlsx.value.save_as(tmp_path / "s.xlsx")
    rows = {
        r[0]: r[1]
        for r in load_workbook(tmp_path / "s.xlsx").active.iter_rows(values_only=True)
        if r and r[0]
    }
    assert rows["商家"] == "东村爱心超市" and rows["应付金额（元）"] == 0


def test_a_bad_rate_is_refused_in_the_page_and_changes_nothing(admin: Any, central: Central):
    admin.goto("/reports/settlement?month=2026-11")
    rate = admin.locator("#settlement-rate input[name=rate]")
    rate.evaluate("e => e.removeAttribute('pattern')")
    rate.fill("0.00001")
    admin.locator("#settlement-rate").get_by_role("button").click()
    admin.wait_for_load_state()
    assert "最多 4 位小数" in admin.locator("[role=alert]").first.inner_text()
    with central.uow(write=False) as uow:
        assert uow.session.scalar(select(Store.settlement_rate)) is None


def test_a_donor_certificate_is_downloaded_for_the_dates_chosen(
    admin: Any, central: Central, tmp_path: Path
):
    with central.uow() as uow:
        uow.session.add(
            Batch(
                kiosk_id="K001",
                batch_id=1,
                store_id=1,
                product_code="OIL",
                qty=8,
                source="donation",
                donor="某某村党支部",
                unit_value_cents=2500,
                received_at=datetime(2026, 11, 2, 2, 0),
            )
        )
        uow.session.add(
            StockMove(
                kiosk_id="K001",
                batch_id=1,
                store_id=1,
                product_code="OIL",
                qty=-2,
                kind="issue",
                household_id="H000001",
                created_at=datetime(2026, 11, 3, 2, 0),
            )
        )
        uow.commit()
    admin.goto("/reports/donors?from=2026-11-01&to=2026-11-30")
    with admin.expect_download() as cert:
        admin.locator("tr", has_text="某某村党支部").get_by_role(
            "link", name="捐赠证明（PDF）"
        ).click()
    assert cert.value.suggested_filename == "捐赠证明-某某村党支部-2026-11-01-2026-11-30.pdf"
    cert.value.save_as(tmp_path / "c.pdf")
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "c.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = re.sub(r"\s+", "", text)
    assert "捐赠物资8件" in flat and "价值人民币200.00元" in flat and "发放到1户" in flat
