"""A quota on a scarce good holds across stores: kiosks learn each other's uses through central,
and an overrun two offline kiosks still make is flagged for the office, never lost."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sync_helpers import (
    GOODS,
    alerts,
    assert_exactly_once,
    buy,
    household_id,
    quiet_sync,
)

from core.domain import errors
from kiosk.services import admin, queries, terminal
from sync.central import models as cm
from sync.central.services import goods as goods_service

H1 = household_id(1)  # 王建国家


def _oil_quota(programme, limit=1, period="month"):
    rows = [
        goods_service.ProductRow(i, *g, *((limit, period) if g[0] == "OIL" else (None, None)))
        for i, g in enumerate(GOODS, start=2)
    ]
    goods_service.save_products(programme.central, rows, actor="test")


def _left(runtime, code="OIL"):
    return next(p for p in queries.products(runtime.kiosk) if p["code"] == code)["quota"]["left"]


def test_a_quota_set_at_the_office_reaches_the_kiosks_and_holds_across_stores(programme):
    k1, k2 = programme.kiosk("K1"), programme.kiosk("K2")
    _oil_quota(programme, limit=1)
    quiet_sync(k1, k2)
    oil = next(p for p in queries.products(k1.kiosk) if p["code"] == "OIL")
    assert oil["quota"] == {"limit": 1, "period": "month", "left": None}

    buy(k1, programme.codes["王建国"], {"OIL": 1})
    quiet_sync(k1, k2)
    with pytest.raises(errors.QuotaExceeded):
        buy(k2, programme.codes["李秀英"], {"OIL": 1})  # the same household, another store
    with programme.central.uow(write=False) as uow:
        used = uow.session.scalars(select(cm.QuotaUse.used).where(cm.QuotaUse.household_id == H1))
        assert list(used) == [1]
    buy(k2, programme.codes["李德福"], {"OIL": 1})  # another household still may


def test_a_void_gives_the_quota_back_at_the_other_stores(programme):
    k1, k2 = programme.kiosk("K1"), programme.kiosk("K2")
    _oil_quota(programme, limit=1)
    quiet_sync(k1, k2)
    done = buy(k1, programme.codes["王建国"], {"OIL": 1})
    quiet_sync(k1, k2)
    admin.void_exchange(k1.kiosk, done.number, "拿错了", actor="staff:1")
    quiet_sync(k1, k2)
    buy(k2, programme.codes["王建国"], {"OIL": 1})
    assert alerts(programme.central, "quota_overrun") == []


def test_two_offline_stores_overrunning_a_quota_are_flagged_never_refused(programme):
    k1 = programme.kiosk("K1", line=True)
    k2 = programme.kiosk("K2", line=True)
    _oil_quota(programme, limit=1)
    quiet_sync(k1, k2)
    programme.unplug(k1)
    programme.unplug(k2)
    buy(k1, programme.codes["王建国"], {"OIL": 1}, online=False)
    buy(k2, programme.codes["李秀英"], {"OIL": 1}, online=False)
    programme.plug(k1)
    programme.plug(k2)
    quiet_sync(k1, k2)
    assert_exactly_once(programme.central, k1, k2)
    flagged = alerts(programme.central, "quota_overrun")
    assert len(flagged) == 1
    assert (flagged[0].household_id, flagged[0].amount) == (H1, 1)
    terminal.scan(k1.kiosk, programme.codes["王建国"])
    assert _left(k1) == 0  # each store now counts the other's exchange too
    terminal.cancel(k1.kiosk)


def test_the_goods_import_takes_optional_quota_columns_and_refuses_bad_ones(tmp_path):
    from sync.central.imports import parse_products

    good = tmp_path / "goods.csv"
    good.write_text(
        "code,name,category,points,unit,quota,quota_period\n"
        "OIL,食用油,粮油,60,桶,1,month\n"
        "RICE,大米,粮油,40,袋,2,WEEK\n"
        "SOAP,肥皂,日用,8,块,,\n",
        encoding="utf-8",
    )
    parsed = parse_products(good)
    assert parsed.problems == []
    assert [(r.code, r.quota_limit, r.quota_period) for r in parsed.rows] == [
        ("OIL", 1, "month"),
        ("RICE", 2, "week"),
        ("SOAP", None, None),
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "code,name,category,points,unit,quota,quota_period\n"
        "OIL,食用油,粮油,60,桶,1,year\n"
        "RICE,大米,粮油,40,袋,0,month\n"
        "TEA,茶,日用,8,块,x,week\n",
        encoding="utf-8",
    )
    parsed = parse_products(bad)
    assert parsed.rows == [] and len(parsed.problems) == 3
    old = tmp_path / "old.csv"  # the five columns of before still import
    old.write_text("code,name,category,points,unit\nOIL,食用油,粮油,60,桶\n", encoding="utf-8")
    assert parse_products(old).rows[0].quota_limit is None
