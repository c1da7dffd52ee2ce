"""The shopkeeper's newer screens in a real browser: demo-PIN warning, stocktake and write-off,
a restock by scanned label, a void's second step; large touch targets; kept as screenshots."""

from __future__ import annotations

import pytest
from admin_pin import type_pin
from playwright.sync_api import expect

from kiosk.services import staff, terminal
from terminal_ui import create_app
from tests.e2e.kiosk_server import serving

pytestmark = pytest.mark.browser

SIZES = {
    "1280x800": {"width": 1280, "height": 800},
    "1080x1920": {"width": 1080, "height": 1920},
}
TARGETS = (
    "#demo-pin-warning .button",
    "#stocktake-submit",
    "#write-off-submit",
    "#counted",
    "#wo-qty",
)


@pytest.fixture
def base_url(runtime, cards):
    """Serve the admin screen with the demo's PIN still set."""
    staff.set_pin(runtime.kiosk, staff.DEMO_PIN, actor="demo")
    app = create_app(runtime, {"DEMO_CARDS": cards, "VOICE_DEFAULT": False})
    with serving(app, runtime) as url:
        yield url


@pytest.mark.parametrize("size", list(SIZES))
def test_new_admin_screens(browser, base_url, runtime, card, size, screenshot, stock):
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN", base_url=base_url)
    context.set_default_timeout(5_000)
    page = context.new_page()
    page.goto("/admin/login")
    type_pin(page, staff.DEMO_PIN)
    expect(page.locator("#demo-pin-warning")).to_contain_text("演示密码")
    screenshot(page, f"admin-home-demo-pin-{size}")

    page.get_by_role("link", name="盘点与报损").click()
    expect(page.locator("h1")).to_have_text("盘点与报损")
    screenshot(page, f"admin-stocktake-{size}")
    for selector in TARGETS:
        box = page.locator(selector).bounding_box()
        assert box["height"] >= 60 and box["width"] >= 60, selector
    page.locator("#wo-product").select_option("SOAP")
    page.locator("#wo-qty").fill("2")
    page.get_by_label("过期").check()
    page.locator("#write-off-submit").click()
    expect(page.locator(".note.ok").first).to_contain_text("已报损 雕牌肥皂 ×2（过期）")
    assert stock("SOAP") == 58

    terminal.scan(runtime.kiosk, card("王建国")["code"])
    terminal.set_cart_line(runtime.kiosk, "SALT", 1)
    done = terminal.checkout(runtime.kiosk)
    page.goto(f"/admin/exchanges/{done.exchange_id}")
    page.locator("#reason").fill("拿错了")
    page.locator("#void-submit").click()
    expect(page.locator("#void-preview")).to_contain_text("退回 5 分")
    screenshot(page, f"admin-void-confirm-{size}")
    for selector in ("#void-confirm", "#void-cancel"):
        box = page.locator(selector).bounding_box()
        assert box["height"] >= 60, selector
    page.locator("#void-cancel").click()
    expect(page.locator("#void-form")).to_have_count(1)  # nothing voided
    context.close()
