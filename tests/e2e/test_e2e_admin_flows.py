"""The shopkeeper at the admin screen in a real browser: PIN, restock, void, check-in."""

from __future__ import annotations

import re
import threading
import time

import pytest
from admin_pin import type_pin
from playwright.sync_api import expect

from kiosk.services import queries, staff, terminal
from kiosk.storage.models import AuditEntry
from terminal_ui import create_app
from tests.e2e.kiosk_server import serving

pytestmark = pytest.mark.browser

PIN = "246810"


@pytest.fixture
def base_url(runtime, cards):
    """Serve the terminal and its admin screen with the PIN set and voice off."""
    staff.set_pin(runtime.kiosk, PIN, actor="test")
    app = create_app(runtime, {"DEMO_CARDS": cards, "VOICE_DEFAULT": False})
    with serving(app, runtime) as url:
        yield url


def sign_in(page, pin: str = PIN) -> None:
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login$"))
    type_pin(page, pin)


def exchange(runtime, card_code: str, *lines: tuple[str, int]) -> str:
    terminal.scan(runtime.kiosk, card_code)
    for code, qty in lines:
        terminal.set_cart_line(runtime.kiosk, code, qty)
    return terminal.checkout(runtime.kiosk).number


def audit_actions(runtime) -> list[str]:
    with runtime.kiosk.uow(write=False) as uow:
        return [a.action for a in uow.session.query(AuditEntry).order_by(AuditEntry.id)]


def test_five_wrong_pins_lock_the_admin_screen(page, screenshot, runtime):
    page.goto("/admin/login")
    expect(page.locator("h1")).to_have_text("店员登录")
    screenshot(page, "admin-login")
    for tries_left in (4, 3, 2, 1):
        page.locator("#pin").fill("111111")
        page.locator("#sign-in").click()
        expect(page.locator(".note.error")).to_have_text(f"⚠ 密码不对，还可以试 {tries_left} 次。")
    page.locator("#pin").fill("111111")
    page.locator("#sign-in").click()
    expect(page.locator(".note.error").first).to_contain_text("管理页面锁定 5 分钟")

    page.locator("#pin").fill(PIN)  # the right PIN is refused too while locked
    page.locator("#sign-in").click()
    expect(page.locator(".note.error").first).to_contain_text("锁定")
    expect(page.locator("#logout")).to_have_count(0)
    actions = audit_actions(runtime)
    assert actions.count("login_failed") == 5
    assert "pin_locked" in actions and "login" not in actions


def test_the_shopkeeper_receives_goods_and_the_slip_prints(page, screenshot, printer, stock):
    sign_in(page)
    expect(page.locator("h1")).to_have_text("请选择要做的事")
    expect(page.locator("#attention")).to_contain_text("塑料脸盆")  # 2 left: running low
    screenshot(page, "admin-home")

    page.get_by_role("link", name="库存 货架上还有多少").click()
    row = page.locator("#stock-table tr[data-code='UMBR']")
    expect(row).to_contain_text("已售完")
    screenshot(page, "admin-stock")

    page.locator("#stock-table tr[data-code='SOAP']").get_by_role("link", name="入库").click()
    expect(page.locator("#product_code")).to_have_value("SOAP")
    page.locator("#qty").fill("24")
    page.get_by_label("采购").check()
    page.locator("#donor").fill("镇供销社")
    page.locator("#unit_value").fill("3.5")
    page.locator("#restock-submit").click()

    expect(page.locator(".note.ok").first).to_have_text("√ 已入库 雕牌肥皂 ×24，现有库存 84。")
    expect(page.locator(".note.ok").nth(1)).to_have_text("√ 入库单已打印。")
    expect(page.locator("#stock-table tr[data-code='SOAP'] .stock-count")).to_contain_text("84")
    assert stock("SOAP") == 84
    assert "入库单".encode("gb18030") in printer.jobs[-1]


def test_a_scanner_typing_a_label_and_enter_picks_the_product(page, screenshot, stock):
    sign_in(page)
    page.goto("/admin/restock")
    page.locator("#product-scan").click()
    page.keyboard.type("EKP:BASIN")  # a USB scanner is a keyboard: it types, then presses Enter
    page.keyboard.press("Enter")
    expect(page.locator("#product_code")).to_have_value("BASIN")
    expect(page.locator("#qty")).to_be_focused()
    assert stock("BASIN") == 2  # Enter did not send the form
    page.keyboard.type("5")
    page.get_by_label("捐赠", exact=True).check()
    page.locator("#donor").fill("县")
    screenshot(page, "admin-restock-scanned")
    page.locator("#donor").fill("县妇联")
    page.locator("#restock-submit").click()
    expect(page.locator(".note.ok").first).to_contain_text("塑料脸盆 ×5")
    assert stock("BASIN") == 7


def test_a_mistaken_exchange_is_found_and_voided_with_a_reason(
    page, screenshot, runtime, card, printer, balance, stock
):
    number = exchange(runtime, card("王建国")["code"], ("OIL18", 1), ("SOAP", 2))
    exchange(runtime, card("李德福")["code"], ("SALT", 1))
    assert balance("H0001") == 320 - 76
    sign_in(page)
    page.goto("/admin/history")
    expect(page.locator("#history-table tbody tr")).to_have_count(2)
    screenshot(page, "admin-history")

    page.locator("#q").fill("王建国")
    page.locator("#history-search button").click()
    expect(page.locator("#history-table tbody tr")).to_have_count(1)
    page.locator(f"#history-table tr[data-number='{number}']").get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text(number)

    page.locator("#void-submit").click()  # no reason given
    expect(page.locator(".note.error")).to_have_text("⚠ 请填写原因。")
    assert balance("H0001") == 320 - 76

    page.locator("#reason").fill("居民拿错了商品")
    page.locator("#void-submit").click()
    expect(page.locator("#void-preview")).to_contain_text("退回 76 分")
    assert balance("H0001") == 320 - 76  # nothing happens before the second step
    page.locator("#void-confirm").click()
    expect(page.locator(".note.ok").first).to_contain_text("退回 76 分，现余额 320 分")
    expect(page.locator("#exchange-state")).to_contain_text("已撤销")
    expect(page.locator("#void-form")).to_have_count(0)
    assert balance("H0001") == 320
    assert (stock("OIL18"), stock("SOAP")) == (12, 60)
    assert "撤销".encode("gb18030") in printer.jobs[-1]
    assert "void" in audit_actions(runtime)


def test_activity_check_in_credits_each_card_once(page, runtime, card, balance):
    sign_in(page)
    page.goto("/admin/checkin")
    page.locator("[data-activity='ACT-SORT'] button").click()
    expect(page.locator("h1")).to_contain_text("垃圾分类积分日")
    assert queries.session_view(runtime.kiosk)["mode"] == "checkin"

    page.locator("#code").fill(card("张伟")["code"])
    page.keyboard.press("Enter")
    expect(page.locator(".note.ok")).to_contain_text("签到成功：张伟（张伟家）+10 分")
    expect(page.locator("#checkin-count")).to_have_text("1")
    assert balance("H0003") == 95 + 10

    page.locator("#code").fill(card("张伟")["code"])
    page.keyboard.press("Enter")
    expect(page.locator(".note.error")).to_have_text("⚠ 张伟 已签到过“垃圾分类积分日”。")
    assert balance("H0003") == 95 + 10

    # A card held to the terminal's camera is credited too, and shows up here at once.
    worker = threading.Thread(target=terminal.scan, args=(runtime.kiosk, card("李德福")["code"]))
    worker.start()
    worker.join(5)
    expect(page.locator("#checkin-count")).to_have_text("2")
    expect(page.locator("#checkin-table")).to_contain_text("李德福")

    page.locator("#checkin-end").click()
    expect(page.locator(".note.ok")).to_have_text("√ 签到已结束。")
    assert queries.session_view(runtime.kiosk)["mode"] == "idle"


def test_check_in_list_catches_a_credit_made_while_it_was_loading(page, runtime, card):
    """The list's answer was read before a camera check-in and arrives after that check-in's
    event: the page must load the list once more rather than keep the stale one."""
    sign_in(page)
    page.goto("/admin/checkin")
    page.locator("[data-activity='ACT-SORT'] button").click()
    expect(page.locator("h1")).to_contain_text("垃圾分类积分日")
    expect(page.locator("#checkin-count")).to_have_text("0")

    held: list[str] = []

    def stale_then_late(route):
        if held:  # only the first load is held back
            route.continue_()
            return
        stale = route.fetch()  # read before the check-in below
        held.append(stale.text())
        terminal.scan(runtime.kiosk, card("李德福")["code"])
        time.sleep(1.0)  # the check-in's event reaches the page while this load is still open
        route.fulfill(response=stale)

    page.route("**/admin/checkin/ACT-SORT/list", stale_then_late)
    # Opening the page connects to the terminal's events; their first ("hello") loads the list.
    page.reload()
    expect(page.locator("#checkin-count")).to_have_text("1")
    expect(page.locator("#checkin-table")).to_contain_text("李德福")
    assert held and "李德福" not in held[0]
