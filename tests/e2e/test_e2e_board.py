"""The idle screen rotates the village board in large type, every page whole on every supported
screen in Chinese and in English; a card shown stops it at once; announcements are read aloud
now and then on the idle screen, never while a resident shops, and only with the voice on."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from kiosk.services import shop_settings
from kiosk.storage.models import Announcement
from terminal_ui import create_app
from tests.e2e.idle import tap_card
from tests.e2e.kiosk_server import serving

pytestmark = pytest.mark.browser

LANDSCAPE = [(1024, 768), (1280, 800), (1366, 768), (1920, 1080)]
SIZES = LANDSCAPE + [(h, w) for w, h in LANDSCAPE]
TITLES = {
    "zh_CN": ["本月表彰加分", "本月扣分（按村民小组）", "本月荣誉积分排行"],
    "en": ["Awards this month", "Deductions this month, by group", "Honour points this month"],
}
# The board wholly inside the window, and no row cut off or spilling out of the board.
FITS = """() => {
  const box = document.getElementById("board").getBoundingClientRect();
  const rows = [...document.querySelectorAll("#board .board-row, #board .board-foot")]
    .map((e) => e.getBoundingClientRect());
  const cells = [...document.querySelectorAll("#board .cell")];
  return {
    inWindow: box.top >= 0 && box.left >= 0 && box.bottom <= innerHeight + 0.5
      && box.right <= innerWidth + 0.5,
    rowsInside: rows.every((r) => r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5
      && r.left >= box.left - 0.5 && r.right <= box.right + 0.5),
    noClipped: cells.every((c) => c.scrollWidth <= c.clientWidth + 1),
    fontSize: parseFloat(getComputedStyle(document.querySelector("#board .board-row")).fontSize),
  };
}"""
SPY_VOICE = """
window.__spoken = [];
window.speechSynthesis.getVoices = () => [{ lang: "zh-CN", name: "spy" }];
window.speechSynthesis.speak = (u) => window.__spoken.push(u.text);
window.speechSynthesis.cancel = () => {};
"""


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("width,height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_board_page_fits_in_large_type_at_every_size(
    browser, base_url, width, height, lang, screenshot
):
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", base_url=base_url
    )
    context.set_default_timeout(5_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        page.clock.install()
        page.goto(f"/?lang={lang}")
        board = page.locator("#board")
        expect(board).to_be_visible()
        expect(page.locator("#board-title")).to_have_text(TITLES[lang][0])
        expect(page.locator("#board-digest")).to_contain_text(
            "账目校验码" if lang == "zh_CN" else "Check code"
        )
        pages = page.evaluate("kioskBoard.pages()")
        assert pages >= 3
        seen = []
        for turn in range(pages):
            fits = page.evaluate(FITS)
            assert fits["inWindow"] and fits["rowsInside"] and fits["noClipped"], (turn, fits)
            assert fits["fontSize"] >= 28  # large type for elderly eyes
            seen.append(page.locator("#board-title").inner_text())
            if turn == 0:
                screenshot(page, f"board-{lang}-{width}x{height}")
            page.clock.run_for(8_100)
        assert [t for t in TITLES[lang] if t in seen] == TITLES[lang]
        assert page.locator("#board-title").inner_text() == seen[0]  # round again
        text = page.locator("#board").inner_text()
        for name in ("王建国", "张伟", "赵国庆"):
            assert name not in text
    finally:
        context.close()
    assert problems == []


def test_what_is_below_the_board_stays_put_as_its_pages_turn(browser, base_url):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=base_url)
    try:
        page = context.new_page()
        page.clock.install()
        page.goto("/")
        expect(page.locator("body[data-settled='1']")).to_be_attached()
        pages = page.evaluate("kioskBoard.pages()")
        heights = set()
        for _ in range(pages):  # once round: the board takes its tallest page's height
            # (its rows' own height differs from page to page)
            heights.add(page.evaluate("document.getElementById('board-rows').offsetHeight"))
            page.clock.run_for(8_100)
        assert len(heights) > 1  # the pages differ: without the kept height the cards would move
        below, foot = [], []
        for _ in range(pages):  # round again: nothing below it moves
            below.append(page.locator("#idle .hint").bounding_box()["y"])
            # and the board's own foot (check code, page count) keeps its place at the bottom:
            # a short page leaves its spare height above the foot, not a blank band below it
            box = page.locator("#board").bounding_box()
            end = page.locator("#board .board-foot").bounding_box()
            foot.append(round(box["y"] + box["height"] - (end["y"] + end["height"])))
            page.clock.run_for(8_100)
        assert len(set(below)) == 1, below
        assert len(set(foot)) == 1 and foot[0] <= 12, foot
    finally:
        context.close()


def test_a_card_shown_stops_the_board_at_once_and_it_resumes_after(page, card):
    page.goto("/")
    expect(page.locator("#board")).to_be_visible()
    assert page.evaluate("kioskBoard.running()")
    tap_card(page, card("王建国")["code"])
    expect(page.locator("#shop")).to_be_visible()
    expect(page.locator("#board")).to_be_hidden()
    assert not page.evaluate("kioskBoard.running()")
    page.locator("#shop .cancel").first.click()
    expect(page.locator("#idle")).to_be_visible()
    expect(page.locator("#board")).to_be_visible()
    assert page.evaluate("kioskBoard.running()")


@pytest.fixture
def announcing(browser, runtime, cards):
    """Open the screen with an announcement showing and the reading-out turn every 2 seconds."""
    text = "本周五上午村委会组织义诊，欢迎参加。"
    today = date.today()
    with runtime.kiosk.uow() as uow:
        uow.session.add(
            Announcement(
                id="A1",
                text=text,
                starts=today - timedelta(days=1),
                ends=today + timedelta(days=1),
                active=True,
            )
        )
        uow.commit()
    stack = contextlib.ExitStack()

    def start(voice: bool):
        shop_settings.save(runtime.kiosk, voice=voice, low_stock=5)
        app = create_app(
            runtime,
            {"DEMO_CARDS": cards, "TERMINAL_ANNOUNCE_SECONDS": 2, "TERMINAL_IDLE_SECONDS": 600},
        )
        url = stack.enter_context(serving(app, runtime))
        context = browser.new_context(
            viewport={"width": 1280, "height": 800}, locale="zh-CN", base_url=url
        )
        stack.callback(context.close)
        context.set_default_timeout(10_000)
        context.add_init_script(SPY_VOICE)
        page = context.new_page()
        page.goto("/")
        expect(page.locator("#idle")).to_be_visible()
        return page, text

    with stack:
        yield start


def spoken(page, text: str) -> int:
    return page.evaluate("t => window.__spoken.filter((s) => s === t).length", text)


def test_announcements_are_read_on_the_idle_screen_and_never_during_a_session(announcing, card):
    page, text = announcing(True)
    page.wait_for_function("t => window.__spoken.includes(t)", arg=text, timeout=10_000)
    tap_card(page, card("王建国")["code"])
    expect(page.locator("#shop")).to_be_visible()
    page.evaluate("window.__spoken.length = 0")
    page.wait_for_timeout(7_000)  # three turns of the reading-out timer
    expect(page.locator("#shop")).to_be_visible()  # still shopping all along
    assert spoken(page, text) == 0
    page.locator("#shop .cancel").first.click()
    expect(page.locator("#idle")).to_be_visible()
    page.wait_for_function("t => window.__spoken.includes(t)", arg=text, timeout=10_000)


def test_announcements_are_not_read_when_the_voice_is_off(announcing):
    page, text = announcing(False)
    page.wait_for_timeout(5_000)
    assert page.evaluate("window.__spoken.length") == 0
    expect(page.locator("#announcements")).to_contain_text(text)  # shown all the same
