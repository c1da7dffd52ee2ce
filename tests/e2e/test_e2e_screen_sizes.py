"""Every supported screen size shows two full rows of goods, says more are below, and keeps the
done screen's countdown in view; screenshots of each are kept as test artefacts."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.idle import tap_card

pytestmark = pytest.mark.browser

LANDSCAPE = [(1024, 768), (1280, 800), (1366, 768), (1920, 1080)]
SIZES = LANDSCAPE + [(h, w) for w, h in LANDSCAPE]

# The goods cards wholly visible (inside the scrolling goods area and the window), by row.
GOODS_IN_VIEW = """() => {
  const grid = document.getElementById("goods");
  const box = grid.getBoundingClientRect();
  const top = Math.max(box.top, 0), bottom = Math.min(box.bottom, innerHeight);
  const whole = [...grid.querySelectorAll(".good")].map((e) => e.getBoundingClientRect())
    .filter((r) => r.top >= top - 0.5 && r.bottom <= bottom + 0.5 && r.left >= 0
      && r.right <= innerWidth + 0.5);
  return {
    rows: new Set(whole.map((r) => Math.round(r.top))).size,
    whole: whole.length,
    more: grid.scrollHeight - grid.clientHeight > 2,
    pageScrolls: document.scrollingElement.scrollHeight > innerHeight + 1,
  };
}"""


def in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    return (
        box is not None
        and box["y"] >= 0
        and box["y"] + box["height"] <= size["height"]
        and box["x"] >= 0
        and box["x"] + box["width"] <= size["width"]
    )


@pytest.mark.parametrize("width,height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_shop_shows_two_full_rows_and_says_more_are_below_and_done_shows_its_countdown(
    browser, base_url, card, width, height, screenshot
):
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", base_url=base_url
    )
    context.set_default_timeout(5_000)
    page = context.new_page()
    try:
        page.goto("/")
        tap_card(page, card("王建国")["code"])
        expect(page.locator(".good[data-code='SOAP']")).to_be_visible()
        page.locator(".good[data-code='SOAP'] .add").click()
        expect(page.locator("#total")).to_have_text("8")
        page.wait_for_load_state("networkidle")
        page.locator("#goods").evaluate("g => g.scrollTo(0, 0)")  # as a resident first sees it
        page.wait_for_timeout(100)

        seen = page.evaluate(GOODS_IN_VIEW)
        screenshot(page, f"size-shop-{width}x{height}")
        assert seen["rows"] >= 2, seen
        assert not seen["pageScrolls"], seen
        more = page.locator("#goods-more")
        if seen["more"]:
            expect(more).to_be_visible()
            expect(more).to_contain_text("下面还有更多商品")
            assert in_view(page, "#goods-more")
        else:
            expect(more).to_be_hidden()
        for selector in ("#balance", "#total", "#confirm", "#call-staff"):
            assert in_view(page, selector), selector

        page.locator("#goods").evaluate("g => g.scrollTo(0, g.scrollHeight)")
        page.wait_for_timeout(100)
        expect(more).to_be_hidden()  # at the bottom, nothing more is below

        page.locator("#confirm").click()
        expect(page.locator("#done")).to_be_visible()
        expect(page.locator("#done-countdown")).to_contain_text("秒")
        screenshot(page, f"size-done-{width}x{height}")
        assert in_view(page, "#done-countdown")
        assert in_view(page, "#done-button")
        assert in_view(page, "#call-staff")
        assert page.evaluate("document.querySelector('main').scrollTop") == 0
    finally:
        context.close()


@pytest.mark.parametrize("width,height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_card_prompt_and_the_another_card_question_fit_every_size(
    browser, base_url, card, width, height, screenshot
):
    """What a resident sees first, and the question asked when a second card is shown: the
    prompt, the call button and both answers are wholly on screen, with no page scrolling."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", base_url=base_url
    )
    context.set_default_timeout(5_000)
    page = context.new_page()
    try:
        page.goto("/")
        expect(page.locator("#idle .prompt")).to_have_text("请出示积分码")
        screenshot(page, f"size-idle-{width}x{height}")
        for selector in ("#idle .prompt", "#idle .hint", "#call-staff"):
            assert in_view(page, selector), selector

        tap_card(page, card("王建国")["code"])
        page.locator(".good[data-code='SOAP'] .add").click()
        expect(page.locator("#cart-lines li")).to_have_count(1)
        page.evaluate("code => window.kioskScan(code)", card("张伟")["code"])
        expect(page.locator("#switch")).to_be_visible()
        page.wait_for_timeout(100)
        screenshot(page, f"size-another-card-{width}x{height}")
        for selector in ("#switch-yes", "#switch-no"):
            assert in_view(page, selector), selector
            box = page.locator(selector).bounding_box()
            assert box["height"] >= 60 and box["width"] >= 120, (selector, box)  # a finger's size
        assert not page.evaluate("document.scrollingElement.scrollHeight > innerHeight + 1")
    finally:
        context.close()


# Each good's name, by the lines its parts are drawn on: a measure ("400毫升", "10斤") split
# across two lines reads as two things; a name wider than its card is cut off.
NAME_LINES = """() => [...document.querySelectorAll("#goods .good .name")].map((el) => {
  const text = el.firstChild;
  const name = text.textContent;
  const lines = (from, to) => {
    const range = document.createRange();
    range.setStart(text, from);
    range.setEnd(text, to);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
  };
  const words = [];
  let at = 0;
  for (const word of name.split(" ")) {
    words.push([word, lines(at, at + word.length)]);
    at += word.length + 1;
  }
  const card = el.closest(".good").getBoundingClientRect(), box = el.getBoundingClientRect();
  const inside = box.right <= card.right + 0.5 && el.scrollWidth <= el.clientWidth + 1;
  return { name, words, inside };
})"""


def test_a_goods_measure_stays_on_one_line_at_every_size(browser, base_url, card):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, base_url=base_url)
    context.set_default_timeout(5_000)
    page = context.new_page()
    try:
        page.goto("/")
        tap_card(page, card("王建国")["code"])
        expect(page.locator(".good[data-code='SHAMP']")).to_be_visible()
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(50)
            names = page.evaluate(NAME_LINES)
            assert any(" " in n["name"] for n in names)
            for n in names:
                assert n["inside"], (width, height, n["name"])
                # Every word that fits on a line is drawn on one ("云南白药牙膏" alone may not).
                split = [w for w, lines in n["words"][1:] if lines > 1]
                assert not split, (width, height, n["name"], split)
    finally:
        context.close()
