"""Another card shown while a resident is choosing: the screen asks, aloud, and keeps the cart."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kiosk.services import shop_settings
from tests.e2e.idle import tap_card

pytestmark = pytest.mark.browser

# Records what the page speaks (the kiosk's browser may have no voice at all).
SPOKEN = """
window.__spoken = [];
Object.defineProperty(window, "speechSynthesis", { value: {
  cancel() {}, getVoices() { return [{ lang: "zh-CN" }, { lang: "en-US" }]; },
  speak(u) { window.__spoken.push(u.text); },
}});
"""


def start_with_soap(page, card) -> None:
    page.goto("/")
    tap_card(page, card("王建国")["code"])
    page.locator(".good[data-code='SOAP'] .add").click()
    expect(page.locator("#cart-lines li")).to_have_count(1)


def show_card(page, code: str) -> None:
    page.evaluate("code => window.kioskScan(code)", code)


def test_another_card_asks_in_words_and_voice_and_no_keeps_the_cart(
    page, card, runtime, screenshot
):
    shop_settings.save(runtime.kiosk, voice=True, low_stock=5)
    page.add_init_script(SPOKEN)
    start_with_soap(page, card)

    show_card(page, card("张伟")["code"])

    dialog = page.locator("#switch")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("另一张卡：张伟（张伟家）。要换成这张卡吗？")
    expect(page.locator("#switch-yes")).to_have_text("换成张伟")
    expect(page.locator("#household-name")).to_have_text("王建国家")
    expect(page.locator("#cart-lines li")).to_have_count(1)
    page.wait_for_function("window.__spoken.some(t => t.includes('另一张卡：张伟'))")
    screenshot(page, "another-card")

    page.locator("#switch-no").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#household-name")).to_have_text("王建国家")
    expect(page.locator("#cart-lines li")).to_have_count(1)


def test_another_card_replaces_the_household_only_when_confirmed(page, card):
    start_with_soap(page, card)

    show_card(page, card("张伟")["code"])
    page.locator("#switch-yes").click()

    expect(page.locator("#switch")).to_be_hidden()
    expect(page.locator("#household-name")).to_have_text("张伟家")
    expect(page.locator("#cart-lines li")).to_have_count(0)
