"""Pages from elsewhere in the kiosk's own browser cannot act on the resident's open session."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from kiosk.services import terminal
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT
from tests.e2e.idle import tap_card

pytestmark = pytest.mark.browser

# What a page elsewhere runs once it is open on the kiosk's machine: spend the open session.
ATTACK = """<!doctype html><title>prize</title><script>
fetch(%(target)r, {method: "POST", mode: %(mode)r, headers: %(headers)s, body: %(body)s})
  .then((r) => { document.title = "answered " + r.status; })
  .catch((e) => { document.title = "failed"; });
</script>"""


def _shopping(runtime, card) -> None:
    """Open 王建国's session with soap in the cart, as if he stood at the screen."""
    terminal.scan(runtime.kiosk, card("王建国")["code"])
    terminal.set_cart_line(runtime.kiosk, "SOAP", 2)


@pytest.fixture
def rebinding_browser(browser):
    """Return a chromium that lets pages reach this machine, evil.example pointing at it.

    Recent Chromium asks before a page elsewhere reaches a local address (Local Network
    Access); older browsers, and others, do not: the kiosk must refuse on its own.
    """
    chromium = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--host-resolver-rules=MAP evil.example 127.0.0.1",
            "--disable-features=LocalNetworkAccessChecks",
        ],
    )
    yield chromium
    chromium.close()


def _attack(browser, page_url: str, target: str, mode: str, headers: str, body: str) -> str:
    context = browser.new_context(viewport=VIEWPORT)
    try:
        tab = context.new_page()
        # The attacker's page comes from the attacker's server; only its script's request
        # reaches the network (and, rebound, the kiosk).
        html = ATTACK % {"target": target, "mode": mode, "headers": headers, "body": body}
        tab.route(page_url, lambda route: route.fulfill(body=html, content_type="text/html"))
        tab.goto(page_url)
        tab.wait_for_function("document.title !== 'prize'", timeout=5_000)
        return tab.title()
    finally:
        context.close()


def test_a_page_on_a_name_rebound_to_the_kiosk_cannot_check_out(
    rebinding_browser, base_url, runtime, card, balance
):
    port = urlsplit(base_url).port
    _shopping(runtime, card)
    evil = f"http://evil.example:{port}"

    # Same origin in the browser's eyes: the script may send JSON and read the answer.
    seen = _attack(
        rebinding_browser,
        f"{evil}/prize.html",
        f"{evil}/api/session/checkout",
        "same-origin",
        '{"Content-Type": "application/json"}',
        '"{}"',
    )

    assert seen == "answered 403"
    assert balance("H0001") == 320


def test_a_page_on_another_local_port_cannot_check_out(
    rebinding_browser, base_url, runtime, card, balance
):
    port = urlsplit(base_url).port
    _shopping(runtime, card)

    # A "simple" request without a body: no preflight, the browser sends it, hides the answer.
    seen = _attack(
        rebinding_browser,
        f"http://127.0.0.1:{port + 1}/prize.html",
        f"{base_url}/api/session/checkout",
        "no-cors",
        "{}",
        "undefined",
    )

    assert seen in ("answered 0", "failed")
    assert balance("H0001") == 320


@pytest.mark.parametrize("name", ["localhost", "127.0.0.1"])
def test_the_resident_screen_works_on_the_kiosk_by_either_local_name(
    browser, base_url, card, balance, name
):
    url = base_url.replace("127.0.0.1", name)
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", base_url=url)
    context.set_default_timeout(5_000)
    try:
        page = context.new_page()
        page.goto("/")
        tap_card(page, card("王建国")["code"])
        expect(page.locator("#household-name")).to_have_text("王建国家")
        page.locator(".good[data-code='SOAP'] .add").click()
        expect(page.locator("#total")).to_have_text("8")
        page.locator("#confirm").click()
        expect(page.locator("#new-balance")).to_have_text("312")
    finally:
        context.close()
    assert balance("H0001") == 312
