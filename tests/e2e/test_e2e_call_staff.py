"""A large "呼叫店员" button on every resident screen: it sounds, and the admin screen shows it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kiosk.services import staff
from terminal_ui import create_app
from tests.e2e.idle import tap_card
from tests.e2e.kiosk_server import serving
from tests.e2e.test_e2e_admin_flows import PIN, sign_in

pytestmark = pytest.mark.browser

# Counts the tones the page plays (no audio device is needed).
TONES = """
window.__tones = 0;
const Real = window.AudioContext;
window.AudioContext = class extends Real {
  createOscillator() { window.__tones += 1; return super.createOscillator(); }
};
"""


@pytest.fixture
def base_url(runtime, cards):
    """Serve the terminal and its admin screen with the PIN set."""
    staff.set_pin(runtime.kiosk, PIN, actor="test")
    app = create_app(runtime, {"DEMO_CARDS": cards, "VOICE_DEFAULT": False})
    with serving(app, runtime) as url:
        yield url


def test_calling_the_shopkeeper_sounds_and_shows_on_the_admin_screen(
    browser, base_url, card, screenshot
):
    context = browser.new_context(
        viewport={"width": 1024, "height": 768}, locale="zh-CN", base_url=base_url
    )
    context.set_default_timeout(5_000)
    admin = context.new_page()
    sign_in(admin)
    expect(admin.locator("#staff-call")).to_be_hidden()
    screen = context.new_page()
    screen.add_init_script(TONES)
    try:
        screen.goto("/")
        button = screen.locator("#call-staff")
        expect(button).to_be_visible()
        expect(button).to_have_text("呼叫店员")
        tap_card(screen, card("王建国")["code"])
        expect(screen.locator("#shop")).to_be_visible()
        box = button.bounding_box()
        assert box["height"] >= 64 and box["width"] >= 160
        assert box["y"] >= 0 and box["y"] + box["height"] <= 768

        button.click()

        screen.wait_for_function("window.__tones >= 2")
        expect(screen.locator("#message")).to_contain_text("已呼叫店员")
        screenshot(screen, "call-staff-screen")
        expect(admin.locator("#staff-call")).to_be_visible()
        expect(admin.locator("#staff-call")).to_contain_text("居民在呼叫店员")
        screenshot(admin, "call-staff-admin")
        admin.locator("#staff-call button").click()
        expect(admin.locator("#staff-call")).to_be_hidden()
    finally:
        context.close()
