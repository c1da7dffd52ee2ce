"""The counter's rules on the resident screen at the kiosk's sizes, in Chinese and English: a
scarce good's quota on its card, and the screen outside the exchange hours; screenshots are kept
as test artefacts."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from kiosk.services import exchange_window
from kiosk.services.receipts import local_time
from kiosk.storage.models import Product
from tests.e2e.idle import tap_card

pytestmark = pytest.mark.browser

SIZES = [(1024, 768), (800, 1280)]
LANGS = ["zh_CN", "en"]
CASES = [(w, h, lang) for w, h in SIZES for lang in LANGS]
IDS = [f"{w}x{h}-{lang}" for w, h, lang in CASES]
QUOTA_TEXT = {
    "zh_CN": ("您家本月还可换 1 桶", "您家本月还可换 0 桶"),
    "en": ("Your household may take 1 桶 more this month", "Your household may take 0 桶 more"),
}


def _page(browser, base_url, width, height, lang):
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", base_url=base_url
    )
    context.set_default_timeout(5_000)
    return context, context.new_page()


@pytest.mark.parametrize("width,height,lang", CASES, ids=IDS)
def test_a_scarce_goods_card_says_how_many_the_household_may_still_take(
    browser, base_url, runtime, card, width, height, lang, screenshot
):
    with runtime.kiosk.uow() as uow:
        oil = uow.session.get(Product, "OIL5L")
        oil.quota_limit, oil.quota_period = 1, "month"
        uow.commit()
    context, page = _page(browser, base_url, width, height, lang)
    try:
        page.goto(f"/?lang={lang}")
        tap_card(page, card("王建国")["code"])
        quota = page.locator(".good[data-code='OIL5L'] .quota")
        before, after = QUOTA_TEXT[lang]
        expect(quota).to_have_text(before)
        expect(page.locator(".good[data-code='OIL18'] .quota")).to_have_count(0)
        page.locator(".good[data-code='OIL5L'] .add").click()  # scrolls to it, waits out redraws
        expect(quota).to_contain_text(after)
        expect(page.locator(".good[data-code='OIL5L'] .add")).to_be_disabled()
        # Visible means a box of some size, on the element shown now (the card may redraw).
        expect(quota).to_be_visible()
        assert page.evaluate("() => document.scrollingElement.scrollWidth <= innerWidth")
        screenshot(page, f"counter-quota-{width}x{height}-{lang}")
    finally:
        context.close()


def _close_the_window(runtime) -> str:
    """Publish hours that do not include now; return when the screen says to come back."""
    now = local_time(runtime.kiosk, runtime.kiosk.clock.now())
    start = now + timedelta(hours=2)
    if start.date() != now.date() or start.hour > 21:
        start = datetime.combine(now.date(), datetime.min.time()) + timedelta(minutes=1)
        if now - start < timedelta(hours=1):
            start = now + timedelta(hours=2)
    hours = f"{start:%H:%M}-{start + timedelta(minutes=30):%H:%M}"
    exchange_window.save(runtime.kiosk, enabled=True, hours_text=hours, actor="staff:1")
    with runtime.kiosk.uow(write=False) as uow:
        state = exchange_window.state(uow.session, runtime.kiosk, runtime.kiosk.clock.now())
    assert not state.open
    return hours


@pytest.mark.parametrize("width,height,lang", CASES, ids=IDS)
def test_outside_the_exchange_hours_the_screen_says_when_to_come_back(
    browser, base_url, runtime, card, width, height, lang, screenshot
):
    hours = _close_the_window(runtime)
    context, page = _page(browser, base_url, width, height, lang)
    try:
        page.goto(f"/?lang={lang}")
        idle_note = page.locator("#idle-closed")
        expect(idle_note).to_be_visible()
        expect(idle_note).to_contain_text(hours)
        screenshot(page, f"counter-closed-idle-{width}x{height}-{lang}")
        tap_card(page, card("王建国")["code"])
        closed = page.locator("#closed")
        expect(closed).to_be_visible()
        expect(page.locator("#shop")).to_be_hidden()
        said = "兑换时间" if lang == "zh_CN" else "Exchanges are open"
        expect(page.locator("#closed-note")).to_contain_text(said)
        expect(page.locator("#closed-note")).to_contain_text(hours)
        expect(page.locator("#closed-balance")).to_have_text("320")
        screenshot(page, f"counter-closed-{width}x{height}-{lang}")
        page.locator("#closed .cancel").click()
        expect(page.locator("#idle")).to_be_visible()
    finally:
        context.close()


HISTORY_WORDS = {
    "zh_CN": ("查积分", "参加“为五保户义务打扫”，获得 20 分", "中心尚未确认"),
    "en": (
        "My points",
        "took part in 为五保户义务打扫, 20 points",
        "not yet confirmed by the office",
    ),
}


@pytest.mark.parametrize("width,height,lang", CASES, ids=IDS)
def test_my_points_shows_the_households_history_in_words(
    browser, base_url, runtime, card, width, height, lang, screenshot
):
    from kiosk.services import checkin

    checkin.check_in(runtime.kiosk, "ACT-CLEAN", card_code=card("王建国")["code"], actor="t")
    button, earned, unconfirmed = HISTORY_WORDS[lang]
    context, page = _page(browser, base_url, width, height, lang)
    try:
        page.goto(f"/?lang={lang}")
        tap_card(page, card("王建国")["code"])
        opener = page.locator("#history-open")
        expect(opener).to_have_text(button)
        opener.click()
        history = page.locator("#history")
        expect(history).to_be_visible()
        first = page.locator(".history-line").first
        expect(first).to_contain_text(earned)
        expect(first).to_contain_text("+20")
        expect(first).to_contain_text(unconfirmed)
        expect(page.locator("#history-balance")).to_have_text("340")
        for selector in ("#history-read", "#history-print", "#history-back"):
            box = page.locator(selector).bounding_box()
            assert box is not None and box["height"] >= 60 and box["y"] + box["height"] <= height
        screenshot(page, f"counter-history-{width}x{height}-{lang}")
        page.locator("#history-print").click()
        expect(page.locator("#message")).to_be_visible()
        page.locator("#history-back").click()
        expect(page.locator("#shop")).to_be_visible()
    finally:
        context.close()
