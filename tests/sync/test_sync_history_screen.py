"""查积分 on the kiosk's screen, in a real browser: after the office approved a claim and took
points back with a reason at central (PostgreSQL), the kiosk synced, and the resident reads
the rule, the note and the reason, and what will expire when, in Chinese and in English."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from playwright.sync_api import expect
from sync_helpers import EAST, Programme, household_id, quiet_sync
from test_sync_claims import SWEEP, Office
from waitress import create_server, wasyncore

from core.domain.expiry import Policy
from kiosk.services import terminal
from sync.central.services import adjustments, expiry
from terminal_ui import create_app

H1 = household_id(1)  # 王建国家, 300 points
pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("central_url", ["postgresql"], indirect=True),
]
WORDS = {
    "zh_CN": (
        "打扫公共区域（打扫村口），中心审核加分 20 分",
        "中心扣分（多领了一桶油），30 分",
        "到期清零",
    ),
    "en": (
        "打扫公共区域 (打扫村口), added by the office, 20 points",
        "deducted by the office (多领了一桶油), 30 points",
        "will expire on 2025-04-15",
    ),
}


@pytest.fixture
def kiosk_url(central_server, tmp_path, kiosk_template):
    """Serve K1 of a programme whose office approved a claim, corrected a balance and announced
    an expiry, after the kiosk synced; yield (URL, programme, runtime)."""
    p = Programme(central_server, tmp_path, kiosk_template=kiosk_template)
    central_server.central.clock = p.clock
    p.seed({"K1": EAST})
    k1 = p.kiosk("K1")
    office = Office(p)
    office.rule(SWEEP)
    p.clock.advance(minutes=5)
    claim = office.claim(rule="SWEEP", household_id=H1, note="打扫村口").json()
    assert office.approve(claim["id"]).status_code == 200
    p.clock.advance(minutes=5)
    adjustments.adjust_points(p.central, H1, -30, "多领了一桶油", actor="office:1")
    expiry.set_policy(p.central, Policy.clear_on("04-15"), actor="test")
    expiry.run(p.central, now=datetime(2025, 3, 20, 0, 0))
    quiet_sync(k1)
    sockets: dict = {}
    app = create_app(k1, {"VOICE_DEFAULT": False})
    server = create_server(app, map=sockets, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}", p, k1
    finally:
        for _ in range(50):
            if not server.task_dispatcher.active_count:
                break
            k1.changes.publish("closing")
            threading.Event().wait(0.02)
        server.task_dispatcher.shutdown(timeout=2)
        server.trigger.pull_trigger(lambda: wasyncore.close_all(sockets))
        thread.join(timeout=2)
        p.close()


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_history_screen_shows_the_offices_award_and_deduction_with_rule_and_reason(
    browser, kiosk_url, lang
):
    base, p, k1 = kiosk_url
    award, deduction, expiring = WORDS[lang]
    terminal.scan(k1.kiosk, p.codes["王建国"])
    context = browser.new_context(
        viewport={"width": 1024, "height": 768}, locale="zh-CN", base_url=base
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        page.goto(f"/?lang={lang}")
        page.locator("#history-open").click()
        expect(page.locator("#history")).to_be_visible()
        expect(page.locator("#history-balance")).to_have_text("290")
        lines = page.locator(".history-line")
        first, second = lines.nth(0), lines.nth(1)
        expect(first).to_contain_text(deduction)
        expect(first).to_contain_text("-30")
        expect(second).to_contain_text(award)
        expect(second).to_contain_text("+20")
        expect(page.locator(".history-line.unconfirmed")).to_have_count(0)
        expect(page.locator("#history-expiring")).to_be_visible()
        expect(page.locator("#history-expiring")).to_contain_text(expiring)
        expect(page.locator("#history-expiring")).to_contain_text("290")
    finally:
        context.close()
        terminal.cancel(k1.kiosk)
    assert problems == []
