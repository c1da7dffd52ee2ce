"""A group leader records a claim with a photo on a phone-sized page; an approver approves it
through the page, and the household's balance follows (the office web at 390 × 844)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from sync.central.app import create_central_app
from sync.central.models import Claim, Household
from sync.central.server import open_central
from sync.central.services import roster
from sync.central.services.rules import check_rule, save_rules
from sync.central.services.users import add_user

PHONE = {"width": 390, "height": 844}
PASSWORD = "phone-password"


@pytest.fixture
def office(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """Serve a central with a household, a rule and two users; return (URL, Central)."""
    from waitress import create_server, wasyncore

    central = open_central(f"sqlite:///{tmp_path / 'central.db'}")
    roster.add_roster(central, [roster.RosterRow(2, "王建国家", "王建国", "", 100)])
    rule = {"code": "SWEEP", "name": "打扫公共区域", "category": "环境卫生", "points": 20}
    save_rules(central, [check_rule({**rule, "evidence": "photo"})], actor="test")
    add_user(central, "leader", PASSWORD, "group_leader")
    add_user(central, "approver", PASSWORD, "approver")
    sockets: dict = {}
    server = create_server(
        create_central_app(central), map=sockets, host="127.0.0.1", port=0, threads=2
    )
    thread = threading.Thread(target=server.run, name="waitress-central", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}", central
    server.task_dispatcher.shutdown(timeout=2)
    server.trigger.pull_trigger(lambda: wasyncore.close_all(sockets))
    thread.join(timeout=2)
    central.engine.dispose()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """Return a fresh phone-sized page."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda exc: problems.append(str(exc)))
    yield tab
    context.close()
    assert problems == []


def sign_in(tab: Any, base: str, user: str) -> None:
    tab.goto(f"{base}/login")
    tab.fill("input[name=username]", user)
    tab.fill("input[name=password]", PASSWORD)
    tab.click("main form button.primary")
    tab.wait_for_url(lambda url: "/login" not in url)


def fits_the_screen(tab: Any) -> bool:
    return tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def a_photo(path: Path) -> Path:
    image = Image.new("RGB", (640, 480), "#8bc34a")
    ImageDraw.Draw(image).rectangle((100, 100, 540, 380), outline="white", width=12)
    image.save(path, "JPEG")
    return path


def test_a_claim_is_recorded_and_approved_through_the_pages_on_a_phone(
    office, phone, tmp_path, screenshot
):
    base, central = office
    sign_in(phone, base, "leader")
    phone.goto(f"{base}/claims/new")
    phone.fill("input[name=q]", "王建国")
    phone.click("main form button")
    phone.click("text=王建国家")
    form = phone.locator("#claim-form")
    assert fits_the_screen(phone)
    form.locator("select[name=rule]").select_option("SWEEP")
    form.locator("input[name=resident]").first.check()
    form.locator("textarea[name=note]").fill("清扫村口")
    form.locator("input[name=photos]").set_input_files(str(a_photo(tmp_path / "deed.jpg")))
    box = form.locator("button.primary").bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]
    form.locator("button.primary").click()
    phone.wait_for_url("**/claims/*")
    assert "申报已记录" in phone.content() and "待审核" in phone.content()
    assert phone.locator(".photos img").count() == 1
    assert phone.locator("#approve-form").count() == 0
    screenshot(phone, "office-claim-recorded-390")
    claim_url = phone.url

    phone.context.clear_cookies()
    sign_in(phone, base, "approver")
    phone.goto(claim_url)
    loaded = phone.evaluate("document.querySelector('.photos img').naturalWidth")
    assert loaded == 640  # the photo is served to a signed-in user and decodes
    assert fits_the_screen(phone)
    phone.locator("#approve-form button").click()
    phone.wait_for_load_state()
    assert "已通过：记入 +20 分" in phone.content()
    assert phone.locator("#approve-form").count() == 0
    screenshot(phone, "office-claim-approved-390")
    with central.uow(write=False) as uow:
        assert uow.session.get(Household, "H000001").balance == 120
    phone.goto(f"{base}/households/H000001")
    assert "打扫公共区域: 清扫村口" in phone.content()


def test_a_claim_is_rejected_with_a_reason_through_the_page(office, phone, tmp_path):
    base, central = office
    sign_in(phone, base, "leader")
    phone.goto(f"{base}/claims/new?household=H000001")
    form = phone.locator("#claim-form")
    form.locator("select[name=rule]").select_option("SWEEP")
    form.locator("input[name=photos]").set_input_files(str(a_photo(tmp_path / "deed.jpg")))
    form.locator("button.primary").click()
    phone.wait_for_url("**/claims/*")
    claim_url = phone.url
    phone.context.clear_cookies()
    sign_in(phone, base, "approver")
    phone.goto(claim_url)
    phone.fill("#reject-form input[name=reason]", "照片看不清")
    phone.locator("#reject-form button").click()
    phone.wait_for_load_state()
    assert "已驳回" in phone.content() and "照片看不清" in phone.content()
    with central.uow(write=False) as uow:
        assert uow.session.get(Household, "H000001").balance == 100


def test_a_text_file_posing_as_a_photo_is_refused_in_the_page(office, phone, tmp_path):
    base, central = office
    fake = tmp_path / "photo.jpg"
    fake.write_bytes(b"<html><script>alert(1)</script></html>")
    sign_in(phone, base, "leader")
    phone.goto(f"{base}/claims/new?household=H000001")
    form = phone.locator("#claim-form")
    form.locator("select[name=rule]").select_option("SWEEP")
    form.locator("input[name=photos]").set_input_files(str(fake))
    form.locator("button.primary").click()
    phone.wait_for_load_state()
    assert "照片必须是 JPEG、PNG 或 WebP 图片" in phone.content()
    assert phone.locator("#claim-form").count() == 1  # back on the form, nothing recorded
    with central.uow(write=False) as uow:
        assert uow.session.scalars(select(Claim.id)).first() is None
