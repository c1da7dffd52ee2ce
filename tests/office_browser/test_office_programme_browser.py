"""The programme's forms of the office web (rules, claims, notices, users, areas), submitted
through the page in a real browser, and their effect checked in the database."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select

from sync.central.context import Central
from sync.central.models import (
    Announcement,
    Area,
    CentralSetting,
    Claim,
    ClaimPhoto,
    ExchangeDay,
    Household,
    OfficeUser,
    Rule,
    Store,
)
from sync.central.services.areas import AreaRow, save_areas
from sync.central.services.rules import save_rule
from sync.central.services.users import add_user
from sync.central.states import ClaimStatus
from tests.office.office_helpers import ADMIN_PASSWORD

pytestmark = pytest.mark.browser

VILLAGE = "清河县/城关镇/东村"
GROUP = "清河县/城关镇/东村/一组"


def _flash(page: Any) -> str:
    return page.locator("[role=alert]").first.inner_text()


def _count(central: Central, model, *where) -> int:
    with central.uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def _sign_in(page: Any, username: str, password: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/")


def _areas(central: Central) -> None:
    save_areas(central, [AreaRow(1, ("清河县", "城关镇", "东村", "一组"))])


def _balance(central: Central, household_id: str) -> int:
    with central.uow(write=False) as uow:
        return uow.session.get(Household, household_id).balance


# --- rules ---------------------------------------------------------------------------------


def test_a_deduction_rule_is_defined_through_the_page_and_a_nameless_one_is_refused(
    admin: Any, central: Central
):
    admin.goto("/rules")
    form = admin.locator("form#rule-form")
    form.locator("input[name=code]").fill("litter")
    form.locator("input[name=name]").fill("乱扔垃圾")
    form.locator("input[name=category]").fill("环境卫生")
    form.locator("input[name=points]").fill("-5")
    form.locator("select[name=approver]").select_option("town")
    form.get_by_role("button", name="保存").click()
    admin.wait_for_load_state()
    assert _flash(admin) == "细则 LITTER 已新增。"
    with central.uow(write=False) as uow:
        r = uow.session.get(Rule, "LITTER")
        assert (r.name, r.category, r.points, r.approver, r.active) == (
            "乱扔垃圾",
            "环境卫生",
            -5,
            "town",
            True,
        )
    assert "乱扔垃圾" in admin.locator("table").inner_text()

    # A name of blanks passes the browser's `required` but not the server.
    form = admin.locator("form#rule-form")
    form.locator("input[name=code]").fill("blank")
    form.locator("input[name=name]").fill("   ")
    form.locator("input[name=category]").fill("环境卫生")
    form.locator("input[name=points]").fill("3")
    form.get_by_role("button", name="保存").click()
    admin.wait_for_load_state()
    assert _flash(admin) == "未保存：细则需要 1 到 80 个字符的名称"
    assert _count(central, Rule) == 1
    assert _count(central, Rule, Rule.code == "BLANK") == 0


# --- claims --------------------------------------------------------------------------------


def _record(page: Any, rule_label: str, photo: Path | None, note: str) -> str:
    """Record a claim for 王建国家 through the page; return its id (from the claim's URL)."""
    page.goto("/claims/new")
    page.locator("input[name=q]").fill("王建国")
    page.get_by_role("button", name="查找").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="王建国家").click()
    page.wait_for_load_state()
    form = page.locator("form#claim-form")
    form.locator("select[name=rule]").select_option(label=rule_label)
    form.get_by_label("王建国").check()
    form.locator("textarea[name=note]").fill(note)
    if photo is not None:
        form.locator("input[name=photos]").set_input_files(str(photo))
    form.get_by_role("button", name="提交").click()
    page.wait_for_url("**/claims/*-*")
    assert _flash(page) == "申报已记录，等待审核。"
    return page.url.rsplit("/", 1)[1]


def test_a_claim_is_recorded_with_a_photo_approved_by_another_and_one_rejected(
    page: Any, central: Central, tmp_path: Path
):
    save_rule(
        central,
        {"code": "SWEEP", "name": "打扫巷道", "category": "环境卫生", "points": 5,
         "evidence": "photo"},
        "admin",
    )  # fmt: skip
    add_user(central, "ann", "approver-pass", "approver")
    add_user(central, "leader", "leader-pass", "group_leader")
    photo = tmp_path / "sweep.jpg"
    Image.new("RGB", (32, 24), (40, 120, 60)).save(photo, "JPEG")
    start = _balance(central, "H000001")

    # An approver records a claim; approving it themselves is refused, in words.
    _sign_in(page, "ann", "approver-pass")
    first = _record(page, "打扫巷道 (+5) · 照片", photo, "东巷")
    with central.uow(write=False) as uow:
        c = uow.session.get(Claim, first)
        assert (c.status, c.points, c.recorded_by, c.note) == ("pending", 5, "ann", "东巷")
    assert _count(central, ClaimPhoto, ClaimPhoto.claim_id == first) == 1
    assert page.locator(".photos img").count() == 1
    page.locator("#approve-form").get_by_role("button", name="通过").click()
    page.wait_for_load_state()
    assert _flash(page) == "未能审核：申报须由录入人以外的人审核通过"
    assert _balance(central, "H000001") == start
    assert _count(central, Claim, Claim.status == ClaimStatus.PENDING) == 1

    # A group leader records a second claim: no form to decide it is shown to them.
    _sign_in(page, "leader", "leader-pass")
    second = _record(page, "打扫巷道 (+5) · 照片", photo, "西巷")
    assert page.locator("#approve-form").count() == 0
    assert page.locator("#reject-form").count() == 0

    # The admin approves the first; the household gains the rule's points.
    _sign_in(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/claims/{first}")
    page.locator("#approve-form").get_by_role("button", name="通过").click()
    page.wait_for_load_state()
    assert _flash(page) == "已通过：记入 +5 分。"
    assert _balance(central, "H000001") == start + 5
    with central.uow(write=False) as uow:
        c = uow.session.get(Claim, first)
        assert (c.status, c.booked, c.decided_by) == ("approved", 5, "admin")
        assert c.ledger_entry_id is not None

    # The approver rejects the leader's claim with a reason; nothing is booked.
    _sign_in(page, "ann", "approver-pass")
    page.goto(f"/claims/{second}")
    form = page.locator("#reject-form")
    form.locator("input[name=reason]").fill("照片看不清")
    form.get_by_role("button", name="驳回").click()
    page.wait_for_load_state()
    assert _flash(page) == "已驳回，未记分。"
    assert _balance(central, "H000001") == start + 5
    with central.uow(write=False) as uow:
        c = uow.session.get(Claim, second)
        assert (c.status, c.booked, c.decided_by, c.recorded_by) == (
            "rejected",
            None,
            "ann",
            "leader",
        )
    assert "照片看不清" in page.locator("dl.facts").inner_text()


# --- notices -------------------------------------------------------------------------------


def test_an_announcement_is_posted_through_the_page_and_a_backwards_one_refused(
    admin: Any, central: Central
):
    admin.goto("/notices")
    form = admin.locator("form", has=admin.locator("textarea[name=text]"))
    form.locator("textarea[name=text]").fill("本周六集中兑换，请带好积分卡。")
    form.locator("input[name=starts]").fill("2026-12-01")
    form.locator("input[name=ends]").fill("2026-12-10")
    form.locator("select[name=store]").select_option("东村爱心超市")
    form.get_by_role("button", name="发布").click()
    admin.wait_for_load_state()
    assert _flash(admin) == "通知已发布。"
    with central.uow(write=False) as uow:
        [a] = uow.session.scalars(select(Announcement))
        store_id = uow.session.scalar(select(Store.id).where(Store.name == "东村爱心超市"))
        assert (a.text, a.starts, a.ends, a.store_ids, a.active) == (
            "本周六集中兑换，请带好积分卡。",
            date(2026, 12, 1),
            date(2026, 12, 10),
            [store_id],
            True,
        )
    assert "本周六集中兑换" in admin.locator("table#announcements").inner_text()

    form = admin.locator("form", has=admin.locator("textarea[name=text]"))
    form.locator("textarea[name=text]").fill("倒着的日期")
    form.locator("input[name=starts]").fill("2026-12-10")
    form.locator("input[name=ends]").fill("2026-12-01")
    form.get_by_role("button", name="发布").click()
    admin.wait_for_load_state()
    assert _flash(admin).startswith("未发布：")
    assert _count(central, Announcement) == 1


def test_an_exchange_day_is_scheduled_through_the_page(admin: Any, central: Central):
    admin.goto("/notices")
    form = admin.locator("form", has=admin.locator("input[name=hours]"))
    form.locator("select[name=store]").select_option("东村爱心超市")
    form.locator("input[name=day]").fill("2026-12-19")
    form.locator("input[name=hours]").fill("09:00-12:00")
    form.locator("input[name=note]").fill("村委会门口")
    form.get_by_role("button", name="安排").click()
    admin.wait_for_load_state()
    assert _flash(admin) == "集中兑换日已安排。"
    with central.uow(write=False) as uow:
        [d] = uow.session.scalars(select(ExchangeDay))
        store_id = uow.session.scalar(select(Store.id).where(Store.name == "东村爱心超市"))
        assert (d.store_id, d.day, d.opens, d.closes, d.note) == (
            store_id,
            date(2026, 12, 19),
            "09:00",
            "12:00",
            "村委会门口",
        )
    assert "村委会门口" in admin.locator("table#exchange-days").inner_text()


def test_the_board_settings_are_saved_and_the_monthly_sheet_downloads_through_the_page(
    admin: Any, central: Central
):
    _areas(central)
    admin.goto("/notices")
    form = admin.locator("form#board-settings")
    form.locator("input[name=section][value=ranking]").uncheck()
    form.locator("input[name=section][value=awards]").uncheck()
    form.locator("input[name=ranking_size]").fill("5")
    form.get_by_role("button", name="保存").click()
    admin.wait_for_load_state()
    assert _flash(admin) == "已保存。"
    with central.uow(write=False) as uow:
        stored = json.loads(uow.session.get(CentralSetting, "board").value)
    assert (sorted(stored["sections"]), stored["ranking_size"]) == (
        ["deductions", "exchange_day"],
        5,
    )
    shows = admin.locator("#board-shows").inner_text()
    assert "扣分（按小组）" in shows and "荣誉积分排行" not in shows

    sheet = admin.locator("form#board-sheet")
    sheet.locator("select[name=village]").select_option(VILLAGE)
    sheet.locator("input[name=month]").fill("2026-11")
    with admin.expect_download() as download:
        sheet.get_by_role("button", name="下载").click()
    assert download.value.suggested_filename == "积分公示-东村-2026-11.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("path", ["/notices", "/claims", "/users"])
def test_an_office_page_title_is_plain_text_and_its_forms_appear_once(admin: Any, path: str):
    admin.goto(path)
    title = admin.title()
    assert "<" not in title and "csrf_token" not in title and len(title) < 80
    ids = admin.eval_on_selector_all("form[id]", "forms => forms.map(f => f.id)")
    assert len(ids) == len(set(ids))


# --- users ---------------------------------------------------------------------------------


def test_a_user_is_added_changed_and_deactivated_through_the_page(
    admin: Any, browser: Any, base_url: str, central: Central
):
    _areas(central)
    admin.goto("/users")
    form = admin.locator("form#add-user")
    form.locator("input[name=username]").fill("liming")
    form.locator("input[name=password]").fill("liming-pass")
    form.locator("select[name=role]").select_option("group_leader")
    form.locator("select[name=area]").select_option(VILLAGE)
    form.get_by_role("button", name="添加用户").click()
    admin.wait_for_load_state()
    assert _flash(admin) == "用户 liming 已保存。"
    with central.uow(write=False) as uow:
        u = uow.session.scalar(select(OfficeUser).where(OfficeUser.username == "liming"))
        area = uow.session.scalar(select(Area.path).where(Area.id == u.area_id))
        assert (u.role, area, u.active) == ("group_leader", VILLAGE, True)

    row = admin.locator("tr[data-user=liming]")
    row.locator("select[name=role]").select_option("approver")
    row.get_by_role("button", name="更改").click()
    admin.wait_for_load_state()
    assert _flash(admin) == "用户 liming 已更改，其登录已失效。"
    with central.uow(write=False) as uow:
        u = uow.session.scalar(select(OfficeUser).where(OfficeUser.username == "liming"))
        area = uow.session.scalar(select(Area.path).where(Area.id == u.area_id))
        assert (u.role, area) == ("approver", VILLAGE)
    assert "审核人" in admin.locator("tr[data-user=liming]").inner_text()

    admin.locator("tr[data-user=liming]").get_by_role("button", name="停用").click()
    admin.wait_for_load_state()
    assert _flash(admin) == "用户 liming 已停用。"
    with central.uow(write=False) as uow:
        assert not uow.session.scalar(
            select(OfficeUser.active).where(OfficeUser.username == "liming")
        )
    assert admin.locator("tr[data-user=liming]").get_by_role("button", name="停用").count() == 0

    context = browser.new_context(locale="zh-CN", base_url=base_url)
    context.set_default_timeout(5_000)
    try:
        fresh = context.new_page()
        fresh.goto("/login")
        fresh.fill("input[name=username]", "liming")
        fresh.fill("input[name=password]", "liming-pass")
        fresh.click("form button")
        fresh.wait_for_load_state()
        assert _flash(fresh) == "用户名或密码错误。"
        assert "/login" in fresh.url
        fresh.goto("/households")
        assert "/login" in fresh.url
    finally:
        context.close()


# --- areas ---------------------------------------------------------------------------------


def test_a_store_is_placed_in_a_village_and_a_household_in_a_group_through_the_page(
    admin: Any, central: Central
):
    _areas(central)
    admin.goto("/kiosks")
    row = admin.locator("tr", has=admin.locator("select[name=village]"))
    row.locator("select[name=village]").select_option(VILLAGE)
    row.get_by_role("button", name="保存所属村").click()
    admin.wait_for_load_state()
    assert _flash(admin) == "所属村已保存。"
    with central.uow(write=False) as uow:
        placed = uow.session.scalar(
            select(Area.path)
            .join(Store, Store.area_id == Area.id)
            .where(Store.name == "东村爱心超市")
        )
    assert placed == VILLAGE

    admin.goto("/households/H000001")
    form = admin.locator("form#group-form")
    form.locator("select[name=group]").select_option(GROUP)
    form.get_by_role("button", name="保存小组").click()
    admin.wait_for_load_state()
    assert _flash(admin) == f"已保存所属小组：{GROUP}"
    assert admin.locator("#group").inner_text() == GROUP
    with central.uow(write=False) as uow:
        h = uow.session.get(Household, "H000001")
        assert uow.session.get(Area, h.area_id).path == GROUP
        assert uow.session.get(Household, "H000002").area_id is None
