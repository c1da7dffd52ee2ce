"""An announcement's picture shows beside its text on the idle screen, whole and inside the
window on every supported screen, landscape and portrait."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from kiosk.storage.models import Announcement

pytestmark = pytest.mark.browser

LANDSCAPE = [(1024, 768), (1280, 800), (1366, 768), (1920, 1080)]
SIZES = LANDSCAPE + [(h, w) for w, h in LANDSCAPE]
TEXT = "本周六上午九点在村委会集中兑换，请带好积分卡。"
# The picture loaded, inside the notices and the window, and beside (not over) its text.
PLACED = """() => {
  const img = document.querySelector("#announcements .announcement-picture");
  const text = document.querySelector("#announcements .announcement-text");
  const p = img.getBoundingClientRect(), t = text.getBoundingClientRect();
  const box = document.getElementById("notices").getBoundingClientRect();
  return {
    loaded: img.complete && img.naturalWidth === 800 && img.naturalHeight === 600,
    width: p.width, height: p.height,
    inWindow: p.top >= 0 && p.left >= 0 && p.bottom <= innerHeight + 0.5
      && p.right <= innerWidth + 0.5 && box.bottom <= innerHeight + 0.5
      && box.right <= innerWidth + 0.5,
    inNotices: p.left >= box.left && p.right <= box.right + 0.5
      && p.top >= box.top && p.bottom <= box.bottom + 0.5,
    beside: p.right <= t.left && p.top < t.bottom && t.top < p.bottom,
    textSize: parseFloat(getComputedStyle(text).fontSize),
    textFits: text.scrollWidth <= text.clientWidth + 1,
  };
}"""


def poster() -> bytes:
    """Return a JPEG poster of 800×600 with shapes, as an office would send."""
    image = Image.new("RGB", (800, 600), (250, 240, 220))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 760, 200), fill=(200, 30, 40))
    draw.ellipse((300, 260, 500, 460), fill=(30, 120, 60))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


@pytest.fixture
def with_picture(runtime):
    today = date.today()
    with runtime.kiosk.uow() as uow:
        uow.session.add(
            Announcement(
                id="A-PIC",
                text=TEXT,
                starts=today - timedelta(days=1),
                ends=today + timedelta(days=1),
                active=True,
                picture=poster(),
                picture_type="image/jpeg",
            )
        )
        uow.commit()


@pytest.mark.parametrize("width,height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_picture_shows_beside_its_text_inside_the_window_at_every_size(
    browser, with_picture, base_url, width, height, screenshot
):
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", base_url=base_url
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        page.goto("/")
        expect(page.locator("#notices")).to_be_visible()
        expect(page.locator("#announcements .announcement-text")).to_have_text(TEXT)
        picture = page.locator("#announcements .announcement-picture")
        expect(picture).to_be_visible()
        expect(picture).to_have_attribute("src", "/api/announcements/A-PIC/picture")
        page.wait_for_function(
            "() => document.querySelector('#announcements .announcement-picture').complete"
        )
        if (width, height) in ((1024, 768), (800, 1280)):
            screenshot(page, f"announcement-picture-{width}x{height}")
        placed = page.evaluate(PLACED)
        assert placed["loaded"], placed
        assert placed["inWindow"] and placed["inNotices"] and placed["beside"], placed
        assert placed["width"] <= width / 4 + 0.5, placed  # leaves the text room
        assert 80 <= placed["height"] <= height / 5 + 0.5, placed
        assert placed["textSize"] >= 24 and placed["textFits"], placed
        assert problems == []
    finally:
        context.close()


def test_an_announcement_without_a_picture_shows_its_text_alone(browser, base_url, runtime):
    today = date.today()
    with runtime.kiosk.uow() as uow:
        uow.session.add(
            Announcement(
                id="A-TXT",
                text="只有文字的通知",
                starts=today - timedelta(days=1),
                ends=today + timedelta(days=1),
                active=True,
            )
        )
        uow.commit()
    context = browser.new_context(
        viewport={"width": 1024, "height": 768}, locale="zh-CN", base_url=base_url
    )
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto("/")
        expect(page.locator("#announcements .announcement")).to_have_text("只有文字的通知")
        expect(page.locator("#announcements img")).to_have_count(0)
    finally:
        context.close()
