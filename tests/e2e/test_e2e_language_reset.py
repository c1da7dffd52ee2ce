"""English is for the resident who chose it: the screen returns to Chinese when the session ends."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.idle import tap_card

pytestmark = pytest.mark.browser


def choose_english_and_start(page, card) -> None:
    page.goto("/")
    page.get_by_role("link", name="English").click()
    expect(page.locator("#idle .prompt")).to_have_text("Please show your points card")
    # The prompt is on screen as soon as the page's text is; a tap before the kiosk's script has
    # run (it is read at the end of the page) would go to a button without its handler yet.
    page.wait_for_load_state()
    tap_card(page, card("王建国")["code"])
    expect(page.locator("#shop")).to_be_visible()
    expect(page.locator("#confirm")).to_have_text("Confirm exchange")


def test_after_an_exchange_in_english_the_next_resident_sees_chinese(page, card):
    choose_english_and_start(page, card)
    page.locator(".good[data-code='SOAP'] .add").click()
    expect(page.locator("#total")).to_have_text("8")
    page.locator("#confirm").click()
    expect(page.locator("#done .ok")).to_have_text("Exchange complete")

    page.locator("#done-button").click()

    expect(page.locator("#idle .prompt")).to_have_text("请出示积分码")
    page.goto("/")  # a reload, too, is in Chinese: no lasting choice was stored
    expect(page.locator("#idle .prompt")).to_have_text("请出示积分码")


def test_a_cancelled_session_in_english_returns_to_chinese(page, card):
    choose_english_and_start(page, card)

    page.locator("#shop .cancel").click()

    expect(page.locator("#idle .prompt")).to_have_text("请出示积分码")


def test_the_language_choice_is_never_kept_beyond_the_browser_session(page):
    page.goto("/?lang=en")

    lang = [c for c in page.context.cookies() if c["name"] == "lang"]
    assert all(c["expires"] == -1 for c in lang)  # a session cookie, if any: no year-long one


def test_english_chosen_at_the_idle_screen_and_left_there_returns_to_chinese(
    browser, runtime, cards
):
    from terminal_ui import create_app
    from tests.e2e.kiosk_server import serving

    app = create_app(runtime, {"DEMO_CARDS": cards, "TERMINAL_IDLE_SECONDS": 1})
    with serving(app, runtime) as url:
        context = browser.new_context(locale="zh-CN", base_url=url)
        try:
            page = context.new_page()
            page.goto("/?lang=en")
            expect(page.locator("#idle .prompt")).to_have_text("Please show your points card")

            expect(page.locator("#idle .prompt")).to_have_text("请出示积分码", timeout=5_000)
        finally:
            context.close()
