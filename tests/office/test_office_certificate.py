"""A donor's certificate: goods given and their value, households and stores reached in a
period, equal to the batches' and moves' sums; the PDF carries them."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime, timedelta

from sqlalchemy import select

from sync.central.context import Central
from sync.central.models import Batch, StockMove, Store
from sync.central.queries import reports
from sync.central.queries.donations import donation, donors_between
from sync.central.services.goods import ProductRow, save_products

DONOR = "长沙某某公司（企村共建）"


def _donations(c: Central) -> None:
    save_products(c, [ProductRow(2, "OIL", "食用油", "粮油", 30, "瓶")])
    with c.uow() as uow:
        s = uow.session
        store_id = s.scalar(select(Store.id))
        for batch_id, at, qty, cents, donor in [
            (1, datetime(2026, 10, 31, 15, 0), 10, 4550, DONOR),  # 10-31 23:00 local: October
            (2, datetime(2026, 11, 2, 1, 0), 20, 3000, DONOR),
            (3, datetime(2026, 11, 3, 1, 0), 5, 1000, "别的捐赠方"),
        ]:
            s.add(
                Batch(
                    kiosk_id="K001",
                    batch_id=batch_id,
                    store_id=store_id,
                    product_code="OIL",
                    qty=qty,
                    source="donation",
                    donor=donor,
                    unit_value_cents=cents,
                    received_at=at,
                )
            )
        for batch_id, at, qty, kind, household in [
            (1, datetime(2026, 11, 1, 2, 0), -2, "issue", "H000001"),
            (2, datetime(2026, 11, 5, 2, 0), -1, "issue", "H000002"),
            (2, datetime(2026, 11, 5, 3, 0), 1, "void", "H000002"),  # given back: not reached
            (2, datetime(2026, 11, 6, 2, 0), -3, "issue", "H000001"),
            (2, datetime(2026, 12, 1, 2, 0), -4, "issue", "H000002"),  # December
            (3, datetime(2026, 11, 6, 2, 0), -1, "issue", "H000002"),
        ]:
            s.add(
                StockMove(
                    kiosk_id="K001",
                    batch_id=batch_id,
                    store_id=store_id,
                    product_code="OIL",
                    qty=qty,
                    kind=kind,
                    household_id=household,
                    created_at=at,
                )
            )
        uow.commit()


def _rows(c: Central, first: datetime, after: datetime) -> dict:
    """The donor's figures summed from the rows, by the programme's (UTC+8) days."""

    def inside(at: datetime) -> bool:
        return first <= at + timedelta(hours=8) < after

    with c.uow(write=False) as uow:
        s = uow.session
        batches = {b.batch_id: b for b in s.scalars(select(Batch))}
        given = [b for b in batches.values() if b.donor == DONOR and inside(b.received_at)]
        handed: dict[str, int] = {}
        for m in s.scalars(select(StockMove)):
            if batches[m.batch_id].donor == DONOR and inside(m.created_at):
                handed[m.household_id] = handed.get(m.household_id, 0) - m.qty
        return {
            "goods_given": sum(b.qty for b in given),
            "value_fen": sum(b.qty * b.unit_value_cents for b in given),
            "goods_handed_out": sum(handed.values()),
            "households_reached": sum(1 for n in handed.values() if n > 0),
        }


def test_a_donor_s_figures_for_a_period_equal_the_rows(office_central: Central):
    _donations(office_central)
    start, end = reports.period("2026-11-01", "2026-11-30")
    got = donation(office_central, DONOR, start, end)
    expected = _rows(office_central, start, end)
    assert {k: got[k] for k in expected} == expected
    assert expected == {
        "goods_given": 20,
        "value_fen": 60000,
        "goods_handed_out": 5,
        "households_reached": 1,
    }
    assert got["stores"] == ["东村爱心超市"]
    assert sorted(r["donor"] for r in donors_between(office_central, start, end)) == sorted(
        [DONOR, "别的捐赠方"]
    )


def test_over_all_time_the_period_figures_equal_the_summaries(office_central: Central):
    _donations(office_central)
    start, end = reports.period("2026-01-01", "2026-12-31")
    got = donation(office_central, DONOR, start, end)
    [summary] = [r for r in reports.donors(office_central) if r["donor"] == DONOR]
    assert (got["goods_given"], got["value_yuan"], got["goods_handed_out"]) == (
        summary["goods_given"],
        summary["value_yuan"],
        summary["goods_handed_out"],
    )


def test_the_certificate_pdf_carries_the_figures(office_central: Central, tmp_path):
    from datetime import date

    from sync.central.documents import certificate_pdf

    _donations(office_central)
    start, end = reports.period("2026-11-01", "2026-11-30")
    figures = donation(office_central, DONOR, start, end)
    figures["from"], figures["to"] = "2026-11-01", "2026-11-30"
    pdf = tmp_path / "cert.pdf"
    with pdf.open("wb") as out:
        certificate_pdf(figures, out, date(2026, 12, 4))
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = re.sub(r"\s+", "", text)
    assert "捐赠证明" in flat and DONOR in flat
    assert "捐赠物资20件" in flat and "价值人民币600.00元" in flat
    assert "发放到1户" in flat and "共5件" in flat and "东村爱心超市" in flat


def test_the_certificate_counts_the_villages_of_the_households_reached_not_the_stores(
    office_central: Central, tmp_path
):
    from datetime import date

    from area_helpers import seed_towns

    from sync.central.documents import certificate_pdf

    towns = seed_towns(office_central)  # H000001 in 东村, H000002 (and 李德福家) in 南村
    _donations(office_central)
    third = _household_named(office_central, "李德福家")
    with office_central.uow() as uow:  # a third household, of a village reached already
        s = uow.session
        store_id = s.scalar(select(Store.id).where(Store.name == towns.store_a))
        s.add(
            StockMove(
                kiosk_id="K001",
                batch_id=2,
                store_id=store_id,
                product_code="OIL",
                qty=-2,
                kind="issue",
                household_id=third,
                created_at=datetime(2026, 12, 2, 2, 0),
            )
        )
        uow.commit()
    november = donation(office_central, DONOR, *reports.period("2026-11-01", "2026-11-30"))
    assert (november["households_reached"], november["villages"]) == (1, ["平江县/三市镇/东村"])
    autumn = donation(office_central, DONOR, *reports.period("2026-11-01", "2026-12-31"))
    assert autumn["households_reached"] == 3  # H000001, H000002 (in December), 李德福家
    assert autumn["villages"] == ["平江县/三市镇/东村", "平江县/安定镇/南村"]
    assert (autumn["villages_reached"], len(autumn["stores"])) == (2, 1)
    autumn["from"], autumn["to"] = "2026-11-01", "2026-12-31"
    pdf = tmp_path / "cert.pdf"
    with pdf.open("wb") as out:
        certificate_pdf(autumn, out, date(2027, 1, 4))
    flat = re.sub(
        r"\s+",
        "",
        subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout,
    )
    assert "发放到3户" in flat and "惠及2个村" in flat and "村级兑换点" not in flat
    assert "2个村：东村、南村" in flat
    # The all-time summary counts the same villages.
    [summary] = [r for r in reports.donors(office_central) if r["donor"] == DONOR]
    assert summary["villages_reached"] == 2


def _household_named(c: Central, name: str) -> str:
    from sync.central.models import Household

    with c.uow(write=False) as uow:
        return uow.session.scalar(select(Household.id).where(Household.name == name))
