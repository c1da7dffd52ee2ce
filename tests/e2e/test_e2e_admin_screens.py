"""The main screens at the sizes kiosks come in, kept as screenshots, and all served offline."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kiosk.services import staff
from terminal_ui import create_app
from tests.e2e.idle import tap_card
from tests.e2e.kiosk_server import serving
from tests.e2e.test_e2e_elderly_layout import assert_elderly_friendly

pytestmark = pytest.mark.browser

PIN = "246810"
SIZES = {
    "1280x800": {"width": 1280, "height": 800},
    "1920x1080": {"width": 1920, "height": 1080},
    "1080x1920": {"width": 1080, "height": 1920},
}


@pytest.fixture
def base_url(runtime, cards):
    """Serve the terminal with voice off and the admin PIN set."""
    staff.set_pin(runtime.kiosk, PIN, actor="test")
    app = create_app(runtime, {"DEMO_CARDS": cards, "VOICE_DEFAULT": False})
    with serving(app, runtime) as url:
        yield url


def open_page(browser, base_url, size):
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN", base_url=base_url)
    context.set_default_timeout(5_000)
    return context, context.new_page()


@pytest.mark.parametrize("size", list(SIZES))
def test_the_resident_screens_at_each_size(browser, base_url, card, size, screenshot):
    context, page = open_page(browser, base_url, size)
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(base_url) else outside.append(r.url))
    page.goto("/")
    expect(page.locator("#idle .prompt")).to_have_text("请出示积分码")
    page.wait_for_load_state("networkidle")
    screenshot(page, f"resident-idle-{size}")
    assert_elderly_friendly(page)

    tap_card(page, card("王建国")["code"])
    expect(page.locator("#balance")).to_have_text("320")
    for code in ("OIL18", "TOWEL", "TOWEL"):
        page.locator(f".good[data-code='{code}'] .add").click()
        page.wait_for_timeout(300)  # not a double tap
    expect(page.locator("#total")).to_have_text("84")
    page.wait_for_load_state("networkidle")
    screenshot(page, f"resident-shop-{size}")
    assert_elderly_friendly(page)
    for selector in ("#balance", "#total", "#remaining", "#confirm", "#shop .cancel"):
        box = page.locator(selector).bounding_box()
        assert box["y"] + box["height"] <= SIZES[size]["height"], selector

    page.locator("#confirm").click()
    expect(page.locator("#new-balance")).to_have_text("236")
    screenshot(page, f"resident-done-{size}")
    assert_elderly_friendly(page)
    context.close()
    assert outside == []
