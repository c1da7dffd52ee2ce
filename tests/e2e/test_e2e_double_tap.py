"""A trembling finger's double tap on "+ 加一件" adds one; taps a moment apart each count."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kiosk.services import queries
from tests.e2e.idle import tap_card

pytestmark = pytest.mark.browser

ADD = ".good[data-code='SOAP'] .add"


def start(page, card) -> None:
    page.goto("/")
    tap_card(page, card("王建国")["code"])
    expect(page.locator("#shop")).to_be_visible()


def tap_twice(page, selector: str, gap_ms: int) -> None:
    """Tap the button, then tap whatever button is there gap_ms later (the screen may redraw)."""
    page.evaluate(
        """([sel, gap]) => new Promise((done) => {
            document.querySelector(sel).click();
            setTimeout(() => { document.querySelector(sel).click(); done(); }, gap);
        })""",
        [selector, gap_ms],
    )


def test_the_add_button_says_it_adds_one(page, card):
    start(page, card)

    button = page.locator(ADD)
    expect(button).to_have_text("＋ 加一件")
    expect(button).to_have_attribute("aria-label", "加一件 雕牌肥皂")


def test_a_second_tap_within_a_quarter_second_is_ignored(page, card, runtime):
    # The page's clock stands still between taps, so a loaded machine cannot stretch the
    # quarter second: only run_for moves it.
    page.clock.install()
    start(page, card)
    page.clock.pause_at(page.evaluate("Date.now()") + 1_000)

    page.evaluate(
        "sel => { document.querySelector(sel).click(); document.querySelector(sel).click(); }", ADD
    )
    expect(page.locator("#cart-lines li[data-code='SOAP'] .qty span")).to_have_text("1")
    page.clock.run_for(150)
    page.locator(ADD).click()  # the redrawn button, 150 ms after the first tap
    page.clock.resume()

    expect(page.locator("#cart-lines li[data-code='SOAP'] .qty span")).to_have_text("1")
    page.wait_for_timeout(400)
    expect(page.locator("#total")).to_have_text("8")
    assert queries.session_view(runtime.kiosk)["cart"][0]["qty"] == 1


def test_taps_more_than_a_quarter_second_apart_each_count(page, card, runtime):
    start(page, card)

    tap_twice(page, ADD, 350)
    page.wait_for_timeout(350)
    page.locator("#cart-lines li[data-code='SOAP']").get_by_role(
        "button", name="加一件 雕牌肥皂"
    ).click()

    expect(page.locator("#total")).to_have_text("24")
    assert queries.session_view(runtime.kiosk)["cart"][0]["qty"] == 3
