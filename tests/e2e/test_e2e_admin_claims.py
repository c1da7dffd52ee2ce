"""Recording a claim on the shopkeeper's screen in a real browser, at the kiosk's landscape and
portrait sizes: find the household by its card, choose the rule and who took part, take a photo
with the camera, record; large touch targets, nothing wider than the screen; screenshots kept."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from admin_pin import type_pin
from playwright.sync_api import expect
from sqlalchemy import select

from kiosk.services import staff
from kiosk.storage.models import OutboxRow
from kiosk.sync.apply import apply_changes

pytestmark = pytest.mark.browser

SIZES = {
    "1024x768": {"width": 1024, "height": 768},
    "800x1280": {"width": 800, "height": 1280},
}
RULE = {
    "code": "SWEEP",
    "name": "打扫公共区域",
    "category": "环境卫生",
    "points": 10,
    "evidence": "photo",
    "approver": "village",
    "cap_scope": "resident",
    "cap_period": "week",
    "cap_count": 2,
    "active": True,
}
TOWN_RULE = {**RULE, "code": "FAMILY", "name": "获评最美家庭", "points": 100, "approver": "town"}


def lane_png() -> bytes:
    """A picture of a swept lane with no code in it, as the camera would see it."""
    frame = np.full((720, 1280, 3), (90, 140, 110), dtype=np.uint8)
    cv2.rectangle(frame, (0, 420), (1280, 720), (150, 150, 150), -1)
    cv2.circle(frame, (980, 200), 90, (40, 200, 240), -1)
    ok, png = cv2.imencode(".png", frame)
    assert ok
    return png.tobytes()


def signed_in(browser, base_url: str, viewport: dict) -> tuple:
    """Return a new browser context and its page, signed in on the admin screen with the PIN."""
    context = browser.new_context(viewport=viewport, locale="zh-CN", base_url=base_url)
    context.set_default_timeout(5_000)
    page = context.new_page()
    page.goto("/admin/login")
    type_pin(page, staff.DEMO_PIN)
    return context, page


@pytest.mark.parametrize("size", list(SIZES))
def test_a_claim_is_recorded_with_a_camera_photo(
    browser, base_url, runtime, cards, size, screenshot
):
    apply_changes(runtime.kiosk, [{"kind": "rule", "data": r} for r in (RULE, TOWN_RULE)], 0)
    staff.set_pin(runtime.kiosk, staff.DEMO_PIN, actor="test")
    holder = cards[0]
    context, page = signed_in(browser, base_url, SIZES[size])
    page.goto("/admin/claims")
    expect(page.locator("h1")).to_have_text("积分申报")
    screenshot(page, f"admin-claims-empty-{size}")
    page.locator("#claim-new").click()
    page.locator("#claim-q").fill(holder["code"])  # as the scanner types it
    page.locator("#claim-q").press("Enter")
    expect(page.locator("#claim-household")).to_have_text(holder["household"])
    page.get_by_label("打扫公共区域").check()
    expect(page.locator(".claim-rules")).to_contain_text("由镇级审核")
    page.get_by_label(holder["name"]).check()
    page.locator("#claim-note").fill("清扫村口至祠堂路段")
    shown = page.request.post(
        "/api/camera/frame",
        multipart={"image": {"name": "lane.png", "mimeType": "image/png", "buffer": lane_png()}},
    )
    assert shown.ok, shown.text()
    page.locator("#claim-take-photo").click()
    expect(page.locator(".thumb img")).to_have_count(1)
    # The choices made before the photo are still there.
    expect(page.get_by_label("打扫公共区域")).to_be_checked()
    expect(page.get_by_label(holder["name"])).to_be_checked()
    expect(page.locator("#claim-note")).to_have_value("清扫村口至祠堂路段")
    loaded = page.locator(".thumb img").evaluate("img => img.complete && img.naturalWidth")
    assert loaded > 0
    for selector in ("#claim-record", "#claim-take-photo", ".thumb button", "label.rule"):
        box = page.locator(selector).first.bounding_box()
        assert box["height"] >= 60 and box["width"] >= 60, selector
    wide = page.evaluate("document.scrollingElement.scrollWidth")
    assert wide <= SIZES[size]["width"], "the form is wider than the screen"
    screenshot(page, f"admin-claim-new-{size}")
    page.locator("#claim-record").click()
    expect(page.locator(".note.ok").first).to_contain_text("申报已提交")
    expect(page.locator(".claim-pending")).to_have_count(1)
    expect(page.locator(".claim-pending")).to_contain_text("等待项目办审核")
    screenshot(page, f"admin-claims-recorded-{size}")
    with runtime.kiosk.uow(write=False) as uow:
        [payload] = [
            r.payload
            for r in uow.session.scalars(select(OutboxRow).where(OutboxRow.kind == "claim"))
        ]
    assert payload["rule_code"] == "SWEEP" and len(payload["photos"]) == 1
    assert payload["resident_ids"] == [holder["resident_id"]]
    context.close()


def test_a_card_held_to_the_camera_fills_in_the_claims_household(
    browser, base_url, runtime, cards, screenshot
):
    apply_changes(runtime.kiosk, [{"kind": "rule", "data": r} for r in (RULE, TOWN_RULE)], 0)
    staff.set_pin(runtime.kiosk, staff.DEMO_PIN, actor="test")
    holder = cards[1]
    context, page = signed_in(browser, base_url, SIZES["1024x768"])
    page.goto("/admin/claims/new")
    expect(page.locator("#claim-camera-card")).to_contain_text("对准摄像头")
    screenshot(page, "admin-claim-camera-card-1024x768")

    # The card goes through the simulated camera's real decode path, as if held up to it.
    shown = page.request.post("/api/camera/card", data={"code": holder["code"]})
    assert shown.ok, shown.text()

    expect(page.locator("#claim-household")).to_have_text(holder["household"])
    assert holder["code"] not in page.url
    session = page.request.get("/api/session").json()
    assert session["resident"] is None  # no resident's session was opened by the card
    context.close()
