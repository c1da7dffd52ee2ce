"""Households and residents, one at a time, through the office's pages."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from sync.central.context import Central
from sync.central.models import AuditEntry, Card, Change, Household, LedgerEntry, Resident
from sync.central.services.cards import issue_cards
from sync.central.states import CardStatus

pytestmark = pytest.mark.browser


def _flash(page: Any) -> str:
    return page.locator("[role=alert]").first.inner_text()


def _audit(central: Central, action: str) -> list[tuple[str, str, dict]]:
    with central.uow(write=False) as uow:
        return [
            (a.actor, a.target, a.details)
            for a in uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        ]


def test_a_household_added_in_the_page_has_its_opening_points_in_the_ledger(
    admin: Any, central: Central
):
    admin.goto("/households")
    form = admin.locator("#household-add")
    form.locator("input[name=name]").fill("  赵  六家 ")
    form.locator("input[name=opening_points]").fill("25")
    form.get_by_role("button").click()
    admin.wait_for_url("**/households/H000003")
    assert "已新增户 H000003" in _flash(admin)
    with central.uow(write=False) as uow:
        s = uow.session
        assert (s.get(Household, "H000003").name, s.get(Household, "H000003").balance) == (
            "赵 六家",
            25,
        )
        [opening] = s.scalars(select(LedgerEntry).where(LedgerEntry.household_id == "H000003"))
        assert (opening.points, opening.ref) == (25, "opening")
        kinds = [c.kind for c in s.scalars(select(Change).order_by(Change.id.desc()).limit(2))]
    assert sorted(kinds) == ["household", "ledger"]
    assert _audit(central, "household_add") == [
        ("admin", "H000003", {"name": "赵 六家", "opening_points": 25})
    ]


def test_a_household_whose_name_is_taken_is_refused_and_nothing_is_added(
    admin: Any, central: Central
):
    admin.goto("/households")
    form = admin.locator("#household-add")
    form.locator("input[name=name]").fill("张伟家")
    form.get_by_role("button").click()
    admin.wait_for_url("**/households")
    assert "已有名为 张伟家 的户" in _flash(admin)
    with central.uow(write=False) as uow:
        assert uow.session.get(Household, "H000003") is None


def test_a_resident_added_renamed_and_the_household_renamed_through_the_page(
    admin: Any, central: Central
):
    admin.goto("/households/H000001")
    add = admin.locator("#resident-add")
    add.locator("input[name=name]").fill("王小明")
    add.locator("input[name=phone]").fill("138 0000 0000")
    add.get_by_role("button").click()
    admin.wait_for_load_state()
    assert "已新增居民 H000001-2" in _flash(admin)
    row = admin.locator("tr", has_text="H000001-2")
    row.locator("summary").click()
    edit = row.locator("form.resident-edit")
    edit.locator("input[name=name]").fill("王晓明")
    edit.locator("input[name=phone]").fill("")
    edit.get_by_role("button").click()
    admin.wait_for_load_state()
    assert "已保存" in _flash(admin)
    rename = admin.locator("#household-rename")
    rename.locator("input[name=name]").fill("王建国户")
    rename.get_by_role("button").click()
    admin.wait_for_load_state()
    assert admin.locator("h1").inner_text().startswith("王建国户")
    with central.uow(write=False) as uow:
        person = uow.session.get(Resident, "H000001-2")
        assert (person.household_id, person.name, person.phone) == ("H000001", "王晓明", None)
        assert uow.session.get(Household, "H000001").name == "王建国户"
    assert [t for _, t, _ in _audit(central, "resident_edit")] == ["H000001-2"]
    assert _audit(central, "household_rename")[0][2] == {"old": "王建国家", "new": "王建国户"}


def test_a_bad_phone_is_refused_in_chinese_and_changes_nothing(admin: Any, central: Central):
    admin.goto("/households/H000001")
    add = admin.locator("#resident-add")
    add.locator("input[name=name]").fill("王小明")
    add.locator("input[name=phone]").fill("call me")
    add.get_by_role("button").click()
    admin.wait_for_load_state()
    assert "电话号码最多 20 位" in _flash(admin)
    with central.uow(write=False) as uow:
        assert uow.session.get(Resident, "H000001-2") is None


def test_moving_a_resident_takes_their_card_and_leaves_the_points(admin: Any, central: Central):
    issue_cards(central)
    admin.goto("/households/H000001")
    row = admin.locator("tr", has_text="H000001-1")
    row.locator("summary").click()
    move = row.locator("form.resident-move")
    move.locator("input[name=household]").fill("H000002")
    move.get_by_role("button").click()
    admin.wait_for_url("**/households/H000002")
    assert "已迁入户 H000002" in _flash(admin)
    assert admin.locator("tr", has_text="H000001-1").locator(".tag.active").count() == 1
    with central.uow(write=False) as uow:
        s = uow.session
        assert s.get(Resident, "H000001-1").household_id == "H000002"
        [card] = s.scalars(select(Card).where(Card.resident_id == "H000001-1"))
        assert card.status == CardStatus.ACTIVE
        assert (s.get(Household, "H000001").balance, s.get(Household, "H000002").balance) == (
            100,
            30,
        )
        last = s.scalars(select(Change.data).order_by(Change.id.desc())).first()
    assert last == {"id": "H000001-1", "household_id": "H000002", "name": "王建国"}
    assert _audit(central, "resident_move") == [
        ("admin", "H000001-1", {"from": "H000001", "to": "H000002"})
    ]
    # A resident added to the household they left takes a new id, not the one moved away.
    admin.goto("/households/H000001")
    add = admin.locator("#resident-add")
    add.locator("input[name=name]").fill("王小明")
    add.get_by_role("button").click()
    admin.wait_for_load_state()
    assert "已新增居民 H000001-2" in _flash(admin)


def test_moving_to_a_household_that_does_not_exist_is_refused(admin: Any, central: Central):
    admin.goto("/households/H000001")
    row = admin.locator("tr", has_text="H000001-1")
    row.locator("summary").click()
    row.locator("form.resident-move input[name=household]").fill("H999999")
    row.locator("form.resident-move").get_by_role("button").click()
    admin.wait_for_url("**/households/H000001")
    assert "没有家庭 H999999" in _flash(admin)
    with central.uow(write=False) as uow:
        assert uow.session.get(Resident, "H000001-1").household_id == "H000001"
