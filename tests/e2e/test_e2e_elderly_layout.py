"""The elderly-friendly floor on every resident screen: large text, large targets, all in view."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.idle import tap_card

pytestmark = pytest.mark.browser

MIN_TEXT_PX = 24
MIN_TARGET_PX = 64

# Every visible text node's font size, and every visible control's size, in CSS pixels.
MEASURE = """([minText, minTarget]) => {
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
  };
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || el.closest("script") || !visible(el)) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < minText) small.push([n.textContent.trim().slice(0, 20), size]);
  }
  const tiny = [];
  for (const el of document.querySelectorAll("button, a, input, select")) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width < minTarget || r.height < minTarget)
      tiny.push([el.textContent.trim().slice(0, 20), Math.round(r.width), Math.round(r.height)]);
  }
  return { small, tiny };
}"""


def assert_elderly_friendly(page) -> None:
    found = page.evaluate(MEASURE, [MIN_TEXT_PX, MIN_TARGET_PX])
    assert found["small"] == [], f"text under {MIN_TEXT_PX}px: {found['small']}"
    assert found["tiny"] == [], f"touch targets under {MIN_TARGET_PX}px: {found['tiny']}"


def in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    return (
        box is not None
        and box["y"] >= 0
        and box["y"] + box["height"] <= size["height"]
        and box["x"] + box["width"] <= size["width"]
    )


def overlap(page, first: str, second: str) -> bool:
    a = page.locator(first).bounding_box()
    b = page.locator(second).bounding_box()
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_resident_screen_has_large_text_and_large_targets(page, card, lang):
    page.goto(f"/?lang={lang}")
    expect(page.locator("#idle")).to_be_visible()
    assert_elderly_friendly(page)

    tap_card(page, card("陈志明")["code"])
    expect(page.locator("#shop")).to_be_visible()
    for code in ("OIL18", "TOWEL", "SOAP", "SALT"):
        page.locator(f".good[data-code='{code}'] .add").click()
    expect(page.locator("#cart-lines li")).to_have_count(4)
    assert_elderly_friendly(page)

    page.locator("#confirm").click()
    expect(page.locator("#done")).to_be_visible()
    assert_elderly_friendly(page)


def test_balance_total_and_confirm_stay_on_screen_with_a_full_cart(page, card):
    page.goto("/")
    tap_card(page, card("陈志明")["code"])
    for code in ("OIL18", "TOWEL", "SOAP", "SALT", "NOODLE", "SOY", "MUG"):
        page.locator(f".good[data-code='{code}'] .add").click()
        expect(page.locator(f"#cart-lines li[data-code='{code}']")).to_be_visible()

    expect(page.locator("#cart-lines li")).to_have_count(7)
    for selector in ("#balance", "#total", "#remaining", "#confirm", "#shop .cancel"):
        assert in_view(page, selector), selector
    assert in_view(page, "#cart-lines li[data-code='MUG']")


def test_an_error_message_is_in_words_and_large(page, card):
    page.goto("/")
    tap_card(page, card("宋明亮")["code"])
    page.locator(".good[data-code='OIL5L'] .add").click()

    message = page.locator("#message")
    expect(message).to_be_visible()
    expect(message).to_have_attribute("role", "alert")
    size = message.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert size >= 30
    assert in_view(page, "#message")
    for selector in ("#balance", "#total", "#confirm", "#shop .cancel"):
        assert not overlap(page, "#message", selector), selector


def test_a_tap_on_a_button_under_a_message_is_not_lost(page, card):
    page.goto("/")
    tap_card(page, card("宋明亮")["code"])
    page.locator(".good[data-code='OIL5L'] .add").click()
    expect(page.locator("#message")).to_be_visible()

    box = page.locator("#message").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    hit = page.evaluate("([x, y]) => !!document.elementFromPoint(x, y).closest('#message')", [x, y])
    assert hit is False
    page.mouse.click(x, y)

    expect(page.locator("#message")).to_be_hidden()
