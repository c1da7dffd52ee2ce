"""The resident screen speaks with the kiosk's own voice where the browser has none: each prompt's
audio is fetched once, played at the shopkeeper's volume, and the browser's voice is kept where
it has one."""

from __future__ import annotations

import collections
import contextlib
from urllib.parse import parse_qs, urlsplit

import pytest
from admin_pin import type_pin
from playwright.sync_api import expect

from kiosk.services import shop_settings, staff
from terminal_ui import create_app
from tests.e2e.idle import tap_card
from tests.e2e.kiosk_server import serving

pytestmark = pytest.mark.browser

GREETING = "王建国，您好。您家有 320 分。"
CARD_FIRST = "请先出示积分码。"  # a label scanned with no one's card shown
# A browser with a Chinese voice of its own, recording what it is asked to say.
SYSTEM_VOICE = """
window.__spoken = [];
window.speechSynthesis.getVoices = () => [{ lang: "zh-CN", name: "spy" }];
window.speechSynthesis.speak = (u) => window.__spoken.push([u.lang, u.text, u.volume]);
window.speechSynthesis.cancel = () => {};
"""


@pytest.fixture
def open_screen(browser, runtime, cards):
    """Return a function opening the resident screen (voice on); it yields (page, speech asks)."""
    stack = contextlib.ExitStack()

    def start(init_script: str | None = None):
        app = create_app(runtime, {"DEMO_CARDS": cards})
        url = stack.enter_context(serving(app, runtime))
        context = browser.new_context(
            viewport={"width": 1280, "height": 800}, locale="zh-CN", base_url=url
        )
        stack.callback(context.close)
        context.set_default_timeout(10_000)
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        asked: list[str] = []
        problems: list[str] = []

        def log(request) -> None:
            if urlsplit(request.url).path == "/api/speech":
                asked.append(parse_qs(urlsplit(request.url).query)["text"][0])

        page.on("request", log)
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        stack.callback(lambda: _no_errors(problems))
        page.goto("/")
        expect(page.locator("#idle")).to_be_visible()
        return page, asked

    with stack:
        yield start


def _no_errors(problems: list[str]) -> None:
    assert problems == [], f"JavaScript errors on the page: {problems}"


def _said(page, text: str) -> dict:
    page.wait_for_function(
        "t => kioskVoice.status.text === t"
        " && ['playing', 'ended'].includes(kioskVoice.status.state)",
        arg=text,
    )
    return page.evaluate("({ ...kioskVoice.status })")


def test_a_scan_is_greeted_aloud_with_audio_fetched_once_per_prompt(open_screen, runtime, card):
    shop_settings.save(runtime.kiosk, voice=True, low_stock=5, volume=60)
    page, asked = open_screen()
    prefetch = page.evaluate("JSON.parse(document.getElementById('config').textContent)")
    wanted = prefetch["speech_prefetch"]
    assert prefetch["volume"] == 60
    # Common prompts are fetched ahead, once each.
    page.wait_for_function("n => kioskVoice.status.requested >= n", arg=len(wanted))
    page.wait_for_timeout(300)
    assert sorted(asked) == sorted(wanted)

    tap_card(page, card("王建国")["code"])
    expect(page.locator("#shop")).to_be_visible()
    status = _said(page, GREETING)
    assert status["played"] == 1
    assert status["duration"] > 1.0  # real speech, seconds of it
    assert status["context"] == "running"  # the audio device is playing, not held back
    assert status["volume"] == pytest.approx(0.6)  # the shopkeeper's volume

    # A prompt fetched ahead is said without asking the kiosk again; said twice, still once.
    page.locator("#shop .cancel").click()
    expect(page.locator("#idle")).to_be_visible()
    for n in (2, 3):
        page.evaluate("code => window.kioskScan(code)", "EKP:SOAP")
        page.wait_for_function("n => kioskVoice.status.played >= n", arg=n)
        _said(page, CARD_FIRST)
    counts = collections.Counter(asked)
    assert counts[CARD_FIRST] == 1
    assert counts[GREETING] == 1
    assert len(asked) == len(wanted) + 1, counts  # the greeting only: the rest came ahead
    assert max(counts.values()) == 1, counts


def test_the_browsers_own_voice_is_kept_where_it_has_a_chinese_one(open_screen, runtime, card):
    shop_settings.save(runtime.kiosk, voice=True, low_stock=5, volume=40)
    page, asked = open_screen(SYSTEM_VOICE)
    tap_card(page, card("王建国")["code"])
    page.wait_for_function("() => window.__spoken.length > 0")
    lang, text, volume = page.evaluate("window.__spoken")[0]
    assert (lang, text) == ("zh-CN", GREETING)
    assert volume == pytest.approx(0.4)  # the shopkeeper's volume
    page.wait_for_timeout(1800)  # past the moment prompts would be fetched ahead
    assert asked == []


def test_no_audio_is_fetched_while_spoken_prompts_are_off(open_screen, runtime, card):
    shop_settings.save(runtime.kiosk, voice=False, low_stock=5)
    page, asked = open_screen()
    tap_card(page, card("王建国")["code"])
    expect(page.locator("#shop")).to_be_visible()
    page.wait_for_timeout(1800)
    assert asked == []


def test_the_shopkeeper_hears_a_sample_at_the_volume_set_and_saves_it(open_screen, runtime):
    staff.set_pin(runtime.kiosk, "246810", actor="test")
    page, asked = open_screen()
    page.goto("/admin/")
    type_pin(page, "246810")
    page.goto("/admin/settings")
    page.locator("#volume").fill("30")
    expect(page.locator("#volume-value")).to_have_text("30")
    asked.clear()
    page.locator("#voice-test").click()
    status = _said(page, "请出示积分码")
    assert status["context"] == "running" and status["duration"] > 0.5
    assert status["volume"] == pytest.approx(0.3)  # the slider's, before it is saved
    assert asked == ["请出示积分码"]
    page.locator("#settings-save").click()
    expect(page.locator(".note.ok")).to_be_visible()
    assert shop_settings.current(runtime.kiosk).volume == 30


@pytest.mark.parametrize(("volume", "gain"), [(40, 0.1), (0, 0.0)])
def test_beeps_follow_the_shopkeepers_volume(open_screen, runtime, card, volume, gain):
    shop_settings.save(runtime.kiosk, voice=False, low_stock=5, volume=volume)
    page, _ = open_screen()
    page.evaluate("code => window.kioskScan(code)", "EKC:NOT-A-CARD")  # refused: a low tone
    tap_card(page, card("王建国")["code"])
    expect(page.locator("#shop")).to_be_visible()
    page.wait_for_function("kioskSound.beeps.length >= 2")  # the tone may follow the redraw
    beeps = page.evaluate("kioskSound.beeps")
    assert [b["kind"] for b in beeps] == ["fail", "ok"]
    assert all(b["gain"] == pytest.approx(gain) for b in beeps)
