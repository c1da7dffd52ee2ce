"""GET /api/speech: the kiosk's own prompts as audio, made once; anything else is a clear 4xx."""

from __future__ import annotations

import io
import json
import wave
from pathlib import Path

import pytest

from kiosk.voice import SpeechCache, SpeechError
from kiosk.voice.sim import SimulatedSynthesizer
from terminal_ui.prompts import MAX_TEXT

ZH = json.loads(
    (Path(__file__).parents[2] / "terminal_ui" / "translations" / "zh_CN.json").read_text("utf-8")
)
GREETING = "Hello, {name}. Your household has {balance} points."
STILL_THERE = ZH["Are you still there?"]


class CountingSynthesizer:
    """The simulator, counting what it is asked to say (or failing when told to)."""

    name = "counting"

    def __init__(self) -> None:
        self.said: list[str] = []
        self.error: Exception | None = None

    def synthesize(self, text: str, *, voice: str, rate: int) -> bytes:
        self.said.append(text)
        if self.error is not None:
            raise self.error
        return SimulatedSynthesizer().synthesize(text, voice=voice, rate=rate)


@pytest.fixture
def synth(runtime, tmp_path) -> CountingSynthesizer:
    counting = CountingSynthesizer()
    runtime.speech = SpeechCache(tmp_path / "speech", counting, rate=150)
    return counting


def speech(client, text: str, lang: str = "zh_CN", **kw):
    return client.get("/api/speech", query_string={"text": text, "lang": lang}, **kw)


def test_a_prompt_is_served_as_wav_with_etag_and_cache_control(client, synth):
    answer = speech(client, STILL_THERE)
    assert answer.status_code == 200
    assert answer.mimetype == "audio/wav"
    with wave.open(io.BytesIO(answer.data)) as w:
        assert w.getnframes() > 0
    assert answer.headers["ETag"].strip('"')
    assert "max-age" in answer.headers["Cache-Control"]
    assert synth.said == [STILL_THERE]


def test_the_second_request_for_a_prompt_does_not_run_the_synthesiser(client, synth):
    first = speech(client, STILL_THERE)
    second = speech(client, STILL_THERE)
    assert second.status_code == 200 and second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"]
    revalidated = speech(client, STILL_THERE, headers={"If-None-Match": first.headers["ETag"]})
    assert revalidated.status_code == 304 and revalidated.data == b""
    assert synth.said == [STILL_THERE]


def test_a_prompt_with_a_name_and_a_balance_is_spoken(client, synth):
    text = ZH[GREETING].format(name="王建国", balance=320)
    assert speech(client, text).status_code == 200
    english = GREETING.format(name="Wang Jianguo", balance=320)
    assert speech(client, english, lang="en").status_code == 200
    assert synth.said == [text, english]


@pytest.mark.parametrize(
    ("text", "status", "code"),
    [
        ("", 400, "bad_request"),
        ("   ", 400, "bad_request"),
        ("您" * (MAX_TEXT + 1), 400, "prompt_too_long"),
        ("x" * 100_000, 400, "prompt_too_long"),
        ("我们欢迎任何文字", 404, "unknown_prompt"),
        ("Are you still there?", 404, "unknown_prompt"),  # English text on the Chinese screen
        (STILL_THERE + "！", 404, "unknown_prompt"),
        (ZH[GREETING].format(name="王" * 41, balance=320), 404, "unknown_prompt"),
        (ZH[GREETING].format(name="王建国", balance="很多"), 404, "unknown_prompt"),
        (ZH[GREETING].format(name="<speak>", balance=320), 404, "unknown_prompt"),
        (ZH[GREETING].format(name="王\n建国", balance=320), 404, "unknown_prompt"),
        (ZH[GREETING].format(name="王\x00", balance=320), 404, "unknown_prompt"),
        (ZH[GREETING].format(name="{name}", balance=320), 404, "unknown_prompt"),
    ],
    ids=lambda v: v[:20] if isinstance(v, str) else str(v),
)
def test_text_that_is_not_a_prompt_gets_a_clear_4xx_and_no_synthesis(
    client, synth, text, status, code
):
    answer = speech(client, text)
    assert answer.status_code == status
    assert answer.get_json()["error"]["code"] == code
    assert answer.get_json()["error"]["message"]
    assert synth.said == []


def test_bytes_that_are_not_utf8_are_an_unknown_prompt(client, synth):
    answer = client.get("/api/speech?lang=zh_CN&text=%ff%fe%ed%a0%80")
    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == "unknown_prompt"
    assert synth.said == []


def test_a_missing_text_or_a_repeated_one_is_a_bad_request_not_a_failure(client, synth):
    assert client.get("/api/speech").status_code == 400
    both = client.get("/api/speech", query_string=[("text", STILL_THERE), ("text", "x" * 999)])
    assert both.status_code == 200  # the first is taken, as Flask does everywhere
    assert client.post("/api/speech", query_string={"text": STILL_THERE}).status_code == 405


def test_a_synthesiser_failure_is_503_and_the_next_request_tries_again(client, synth):
    synth.error = SpeechError("espeak-ng took longer than 10 s")
    answer = speech(client, STILL_THERE)
    assert answer.status_code == 503
    assert answer.get_json()["error"]["code"] == "speech_unavailable"
    synth.error = None
    assert speech(client, STILL_THERE).status_code == 200
    assert synth.said == [STILL_THERE, STILL_THERE]


def test_synthesis_beyond_the_slots_is_told_to_retry(app, client, synth):
    from terminal_ui.limits import SPEECH_SLOTS

    held = app.extensions[SPEECH_SLOTS]
    for _ in range(held.size):
        held.take()
    try:
        answer = speech(client, STILL_THERE)
        assert answer.status_code == 429
        assert answer.headers["Retry-After"]
    finally:
        for _ in range(held.size):
            held.give()
    assert speech(client, STILL_THERE).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Host": "evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Referer": "http://evil.example/page.html"},
    ],
    ids=["origin", "rebound-host", "cross-site-audio", "referer"],
)
def test_another_site_cannot_make_the_kiosk_speak(client, synth, headers):
    answer = speech(client, STILL_THERE, headers=headers)
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "forbidden_origin"
    assert synth.said == []


def test_the_kiosks_own_page_may_ask(client, synth):
    own = {"Sec-Fetch-Site": "same-origin", "Referer": "http://localhost/"}
    assert speech(client, STILL_THERE, headers=own).status_code == 200


def test_the_screen_config_names_prompts_to_fetch_ahead_and_the_volume(client):
    config = client.get("/screen/config").get_json()
    assert STILL_THERE in config["speech_prefetch"]
    assert 0 <= config["volume"] <= 100
    for text in config["speech_prefetch"]:
        assert speech(client, text).status_code == 200
