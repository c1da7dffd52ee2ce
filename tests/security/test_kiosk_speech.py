"""GET /api/speech under attack: the audio cache on the kiosk's disk stays small, whatever is asked.

Each prompt with a blank (a balance, a name) is a distinct text, so a loop over balances makes a
new clip every time; a long prompt is megabytes of audio. The cache keeps its size in bytes as
well as in clips, so no sequence of requests fills the kiosk's disk (an SD card, often).
"""

from __future__ import annotations

import json
from pathlib import Path

from kiosk.voice import SpeechCache
from kiosk.voice.wav import pcm_to_wav

ZH = json.loads(
    (Path(__file__).parents[2] / "terminal_ui" / "translations" / "zh_CN.json").read_text("utf-8")
)
GREETING = ZH["Hello, {name}. Your household has {balance} points."]
BUDGET = 40 * 1024 * 1024  # what the cache promises to hold at most
CLIP = 2 * 1024 * 1024  # espeak-ng's Mandarin for a 160-character prompt is about this long


class LongSpeech:
    """A synthesiser answering every text with two megabytes of (silent) audio, as espeak would."""

    name = "long"

    def __init__(self) -> None:
        self.said = 0

    def synthesize(self, text: str, *, voice: str, rate: int) -> bytes:
        self.said += 1
        return pcm_to_wav(b"\0" * CLIP, 22050)


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*") if p.is_file())


def test_many_distinct_long_prompts_do_not_fill_the_disk(kiosk_client, kiosk_rt, tmp_path):
    folder = tmp_path / "speech-cache"
    synth = LongSpeech()
    kiosk_rt.speech = SpeechCache(folder, synth, rate=150)
    headers = {"Sec-Fetch-Site": "same-origin"}
    texts = [GREETING.format(name="王建国", balance=n) for n in range(30)]  # 60 MB of audio

    for text in texts:
        answer = kiosk_client.get("/api/speech", query_string={"text": text}, headers=headers)
        assert answer.status_code == 200

    assert synth.said == len(texts)
    assert _folder_bytes(folder) <= BUDGET
    newest = kiosk_client.get("/api/speech", query_string={"text": texts[-1]}, headers=headers)
    assert newest.status_code == 200 and synth.said == len(texts)  # the newest clip was kept


def test_a_clip_larger_than_the_whole_cache_is_spoken_but_not_kept(tmp_path):
    cache = SpeechCache(tmp_path / "speech", LongSpeech(), rate=150, max_bytes=CLIP // 2)
    assert len(cache.make("请出示积分卡", "cmn")) > CLIP
    assert _folder_bytes(tmp_path / "speech") == 0
