"""Offline, the resident screen shows the points usable now, says why, and marks dearer goods."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.idle import tap_card

pytestmark = pytest.mark.browser


def test_offline_the_screen_shows_the_points_usable_now_and_marks_goods_above_them(
    page, card, runtime, screenshot
):
    runtime.kiosk.synced = True  # a kiosk that syncs, and central cannot be reached
    runtime.kiosk.is_online = lambda: False
    runtime.kiosk.offline_allowance = 100
    page.goto("/")
    tap_card(page, card("郭永福")["code"])

    expect(page.locator("#shop")).to_be_visible()
    expect(page.locator("#balance")).to_have_text("350")
    expect(page.locator("#usable-row")).to_be_visible()
    expect(page.locator("#available")).to_have_text("100")
    expect(page.locator("#limit-note")).to_have_text("网络中断，恢复前可用积分有限。")
    # Marked before any tap: 120 points is more than the 100 usable now; 80 is not.
    expect(page.locator(".good[data-code='OIL5L']")).to_have_class("good dear")
    expect(page.locator(".good[data-code='OIL5L'] .state")).to_have_text("超过现在可用积分")
    expect(page.locator(".good[data-code='RICE10']")).not_to_have_class("good dear")

    page.locator(".good[data-code='RICE10'] .add").click()
    expect(page.locator("#total")).to_have_text("80")
    expect(page.locator("#usable-after")).to_have_text("20")
    expect(page.locator(".good[data-code='RICE10'] .state")).to_have_text(
        "再加一件超过现在可用积分"
    )
    expect(page.locator(".good[data-code='DET2KG'] .state")).to_have_text("超过现在可用积分")
    expect(page.locator(".good[data-code='SALT']")).not_to_have_class("good dear")
    screenshot(page, "offline-shop")

    page.locator(".good[data-code='DET2KG'] .add").click()
    expect(page.locator("#message")).to_contain_text("网络中断，恢复前可用积分有限")
    expect(page.locator("#total")).to_have_text("80")


def test_online_the_screen_shows_no_limit(page, card):
    page.goto("/")
    tap_card(page, card("郭永福")["code"])

    expect(page.locator("#balance")).to_have_text("350")
    expect(page.locator("#usable-row")).to_be_hidden()
    expect(page.locator("#usable-after-row")).to_be_hidden()
    expect(page.locator(".good.dear")).to_have_count(0)
