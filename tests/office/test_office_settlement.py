"""Partner stores settled in money: the figures are the exchange rows' sums, the amount is
points × rate to the fen, and the PDF and XLSX carry them."""

from __future__ import annotations

import re
import subprocess
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from kiosk.cli import main
from sync.central.context import Central
from sync.central.models import Exchange, ExchangeLine, Store
from sync.central.queries.settlement import settlement
from sync.central.services.errors import RegistryError
from sync.central.services.goods import ProductRow, save_products
from sync.central.services.settlement import set_settlement

STORE = "东村爱心超市"
# Stored times are UTC; the programme counts days in Asia/Shanghai (UTC+8).
EXCHANGES = [
    # (stored time, status, [(product, qty, points)])
    (datetime(2026, 10, 31, 15, 30), "completed", [("RICE", 1, 60)]),  # 10-31 23:30: October
    (datetime(2026, 10, 31, 16, 5), "completed", [("RICE", 1, 60), ("OIL", 2, 50)]),  # 11-01
    (datetime(2026, 11, 12, 3, 0), "completed", [("OIL", 1, 25)]),
    (datetime(2026, 11, 20, 3, 0), "voided", [("RICE", 2, 120)]),
    (datetime(2026, 11, 30, 15, 59), "completed", [("SOAP", 3, 33)]),  # 11-30 23:59
    (datetime(2026, 11, 30, 16, 10), "completed", [("OIL", 1, 25)]),  # 12-01 00:10: December
]


def _exchanges(c: Central) -> int:
    save_products(
        c,
        [
            ProductRow(2, "RICE", "大米", "粮油", 60, "袋"),
            ProductRow(3, "OIL", "食用油", "粮油", 25, "瓶"),
            ProductRow(4, "SOAP", "肥皂", "日用", 11, "块"),
        ],
    )
    with c.uow() as uow:
        s = uow.session
        store_id = s.scalar(select(Store.id).where(Store.name == STORE))
        for n, (at, status, lines) in enumerate(EXCHANGES):
            xid = str(uuid.uuid4())
            s.add(
                Exchange(
                    id=xid,
                    number=f"K001-{n}",
                    kiosk_id="K001",
                    store_id=store_id,
                    household_id="H000001" if n % 2 else "H000002",
                    resident_id="H000001-1" if n % 2 else "H000002-1",
                    total=sum(p for _, _, p in lines),
                    status=status,
                    created_at=at,
                )
            )
            s.flush()
            for code, qty, points in lines:
                s.add(ExchangeLine(exchange_id=xid, product_code=code, qty=qty, points=points))
        uow.commit()
    return store_id


def _sums(first: datetime, after: datetime) -> tuple[int, int, int]:
    """Points, goods and exchanges summed from the rows themselves, by the programme's days."""
    points = goods = count = 0
    for at, status, lines in EXCHANGES:
        if status == "completed" and first <= at + timedelta(hours=8) < after:
            points += sum(p for _, _, p in lines)
            goods += sum(q for _, q, _ in lines)
            count += 1
    return points, goods, count


def test_a_month_s_settlement_equals_the_exchange_rows_and_the_rate(office_central: Central):
    store_id = _exchanges(office_central)
    set_settlement(office_central, STORE, "0.0125", "monthly", actor="test")
    got = settlement(office_central, store_id, date(2026, 11, 1))
    points, goods, count = _sums(datetime(2026, 11, 1), datetime(2026, 12, 1))
    assert (got["points_redeemed"], got["goods_issued"], got["exchanges"]) == (points, goods, count)
    assert (points, goods, count) == (168, 7, 3)
    assert got["rate"] == Decimal("0.0125")
    assert got["amount_due"] == Decimal("2.10")  # 168 × 0.0125 = 2.1
    assert (got["from"], got["to"], got["label"]) == ("2026-11-01", "2026-11-30", "2026-11")


def test_a_quarterly_store_is_settled_for_three_months(office_central: Central):
    store_id = _exchanges(office_central)
    set_settlement(office_central, STORE, "0.015", "quarterly", actor="test")
    got = settlement(office_central, store_id, date(2026, 10, 1))
    points, goods, count = _sums(datetime(2026, 10, 1), datetime(2027, 1, 1))
    assert (got["points_redeemed"], got["goods_issued"], got["exchanges"]) == (points, goods, count)
    assert got["amount_due"] == (Decimal("0.015") * points).quantize(Decimal("0.01"))
    assert (got["from"], got["to"]) == ("2026-10-01", "2026-12-31")


@pytest.mark.parametrize("rate", ["0.00001", "-1", "abc", "1e3", "0", "99999.1", " 1 2"])
def test_a_rate_that_is_not_yuan_per_point_is_refused_and_changes_nothing(
    office_central: Central, rate: str
):
    set_settlement(office_central, STORE, "0.01", "monthly", actor="test")
    with pytest.raises(RegistryError):
        set_settlement(office_central, STORE, rate, "monthly", actor="test")
    with pytest.raises(RegistryError):
        set_settlement(office_central, STORE, "0.02", "weekly", actor="test")
    with office_central.uow(write=False) as uow:
        shop = uow.session.scalar(select(Store).where(Store.name == STORE))
        assert (shop.settlement_rate, shop.settlement_period) == (Decimal("0.01"), "monthly")


def test_the_command_writes_the_figures_into_the_pdf_and_the_xlsx(
    office_central: Central, tmp_path: Path
):
    _exchanges(office_central)
    set_settlement(office_central, STORE, "0.0125", "monthly", actor="test")
    url = office_central.engine.url.render_as_string(hide_password=False)
    pdf, xlsx = tmp_path / "东村-2026-11.pdf", tmp_path / "东村-2026-11.xlsx"
    for out in (pdf, xlsx):
        argv = ["central", "settlement", "--database-url", url, "--store", STORE]
        assert main([*argv, "--month", "2026-11", "--out", str(out)]) == 0
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert STORE in text and "2026-11-01 至 2026-11-30" in text
    assert re.search(r"兑换积分\s+168\s*分", text) and re.search(r"发放商品\s+7\s*件", text)
    assert re.search(r"应付金额\s+2\.10\s*元", text) and "0.0125 元/分" in text
    assert "签字" in text and "甲方" in text and "乙方" in text
    sheet = load_workbook(xlsx).active
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert values["商家"] == STORE
    assert values["兑换积分"] == 168 and values["发放商品（件）"] == 7
    assert Decimal(str(values["应付金额（元）"])) == Decimal("2.10")


def test_the_command_refuses_a_bad_month_or_an_unknown_store(
    office_central: Central, tmp_path: Path, capsys
):
    url = office_central.engine.url.render_as_string(hide_password=False)
    base = ["central", "settlement", "--database-url", url, "--out", str(tmp_path / "x.pdf")]
    assert main([*base, "--store", STORE, "--month", "2026-13"]) == 1
    assert main([*base, "--store", "无此店", "--month", "2026-11"]) == 1
    assert "no store 无此店" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()
