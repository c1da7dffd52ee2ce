"""Every other form of the office web, submitted through the page, and its effect checked."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from sync.central.context import Central
from sync.central.models import Activity, Adjustment, Alert, Card, Household, Resident, Store
from sync.central.services.cards import issue_cards
from sync.central.states import CardStatus

pytestmark = pytest.mark.browser


def _flash(page: Any) -> str:
    return page.locator("[role=alert]").first.inner_text()


def _count(central: Central, model, *where) -> int:
    with central.uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def test_signing_out_ends_the_session(admin: Any):
    admin.get_by_role("button", name="退出").click()
    admin.wait_for_url("**/login**")
    admin.goto("/households")
    assert "/login" in admin.url


def test_the_household_search_finds_by_member_name(admin: Any):
    admin.goto("/households")
    admin.get_by_placeholder("户名、成员或编号").fill("张伟")
    admin.get_by_role("button", name="搜索").click()
    admin.wait_for_load_state()
    assert admin.locator("table tr").count() == 2
    assert "张伟家" in admin.locator("table").inner_text()


def test_a_roster_imports_through_the_page_and_a_bad_one_imports_nothing(
    admin: Any, central: Central, tmp_path: Path
):
    bad = tmp_path / "bad.csv"
    bad.write_text("household,resident,phone,opening_points\n赵家,赵一,,10\n钱家,,,5\n")
    admin.goto("/households")
    form = admin.locator("form", has=admin.locator("input[name=skip_bad]"))
    form.locator("input[name=file]").set_input_files(str(bad))
    form.get_by_role("button", name="导入").click()
    admin.wait_for_load_state()
    assert _count(central, Household) == 2
    good = tmp_path / "good.csv"
    good.write_text("household,resident,phone,opening_points\n赵家,赵一,,10\n赵家,赵二,,10\n")
    form = admin.locator("form", has=admin.locator("input[name=skip_bad]"))
    form.locator("input[name=file]").set_input_files(str(good))
    form.get_by_role("button", name="导入").click()
    admin.wait_for_load_state()
    assert "1" in _flash(admin)
    with central.uow(write=False) as uow:
        h = uow.session.scalar(select(Household).where(Household.name == "赵家"))
        assert h.balance == 10
        household_id = h.id
    assert _count(central, Resident, Resident.household_id == household_id) == 2


def test_cards_are_issued_and_reissued_through_the_page_as_pdf(admin: Any, central: Central):
    admin.goto("/households")
    with admin.expect_download() as sheet:
        admin.get_by_role("button", name="为没有积分卡的居民制卡（PDF）").click()
    assert sheet.value.suggested_filename.endswith(".pdf")
    assert _count(central, Card, Card.status == CardStatus.ACTIVE) == 2
    with central.uow(write=False) as uow:
        [old] = uow.session.scalars(select(Card.id).where(Card.resident_id == "H000001-1"))
    admin.goto("/households/H000001")
    with admin.expect_download() as card:
        admin.get_by_role("button", name="补办积分卡（PDF）").click()
    assert card.value.suggested_filename == "card-H000001-1.pdf"
    with central.uow(write=False) as uow:
        cards = dict(
            uow.session.execute(
                select(Card.id, Card.status).where(Card.resident_id == "H000001-1")
            ).all()
        )
    assert cards.pop(old) == CardStatus.REVOKED
    assert list(cards.values()) == [CardStatus.ACTIVE]


def test_a_kiosk_card_is_confirmed_through_the_page(admin: Any, central: Central):
    issue_cards(central)
    with central.uow() as uow:
        uow.session.execute(
            update(Card).where(Card.resident_id == "H000001-1").values(bound_store_id=1)
        )
        uow.commit()
    admin.goto("/households/H000001")
    admin.get_by_role("button", name="确认此卡").click()
    admin.wait_for_load_state()
    with central.uow(write=False) as uow:
        assert (
            uow.session.scalar(select(Card.bound_store_id).where(Card.resident_id == "H000001-1"))
            is None
        )
    assert admin.get_by_role("button", name="确认此卡").count() == 0


def test_points_are_adjusted_through_the_page_with_the_reason_shown(admin: Any, central: Central):
    admin.goto("/households/H000001")
    form = admin.locator("form.adjust")
    form.locator("input[name=points]").fill("-15")
    form.locator("input[name=reason]").fill("重复发放更正")
    form.get_by_role("button", name="调整").click()
    admin.wait_for_load_state()
    assert "85" in _flash(admin)
    with central.uow(write=False) as uow:
        assert uow.session.get(Household, "H000001").balance == 85
        [adj] = uow.session.scalars(select(Adjustment))
        assert (adj.points, adj.reason, adj.actor) == (-15, "重复发放更正", "admin")
    assert "重复发放更正" in admin.locator("table").last.inner_text()


def test_a_store_allowance_is_saved_through_the_page(admin: Any, central: Central):
    admin.goto("/kiosks")
    row = admin.locator("tr", has=admin.locator("input[name=allowance]"))
    row.locator("input[name=allowance]").fill("350")
    row.get_by_role("button", name="保存").click()
    admin.wait_for_load_state()
    with central.uow(write=False) as uow:
        assert uow.session.scalar(select(Store.offline_allowance)) == 350


def test_an_alert_is_resolved_through_the_page(admin: Any, central: Central):
    admin.goto("/alerts")
    admin.get_by_role("button", name="已处理").click()
    admin.wait_for_load_state()
    assert _count(central, Alert, Alert.resolved_at.is_(None)) == 0
    assert admin.get_by_role("button", name="已处理").count() == 0


def test_an_activity_is_defined_through_the_page(admin: Any, central: Central):
    admin.goto("/activities")
    form = admin.locator("form.card")
    form.locator("input[name=code]").fill("clean")
    form.locator("input[name=name]").fill("清洁家园")
    form.locator("input[name=type]").fill("环境整治")
    form.locator("input[name=day]").fill("2026-12-20")
    form.locator("input[name=points]").fill("8")
    form.locator("input[name=cap]").fill("30")
    form.get_by_role("button", name="创建").click()
    admin.wait_for_load_state()
    with central.uow(write=False) as uow:
        a = uow.session.get(Activity, "ACT-CLEAN")
        assert (a.name, a.day, a.points, a.cap) == ("清洁家园", date(2026, 12, 20), 8, 30)
    assert "清洁家园" in admin.locator("table").inner_text()


def test_the_report_forms_show_what_they_were_asked_for(admin: Any):
    admin.goto("/reports/statement")
    admin.locator("input[name=from]").fill("2026-11-01")
    admin.locator("input[name=to]").fill("2026-11-15")
    admin.get_by_role("button", name="查看").click()
    admin.wait_for_load_state()
    assert "2026-11-01 – 2026-11-15" in admin.locator("h2").first.inner_text()
    admin.goto("/reports/monthly")
    admin.locator("select[name=store]").select_option(label="东村爱心超市")
    admin.get_by_role("button", name="查看").click()
    admin.wait_for_load_state()
    assert "store=1" in admin.url
