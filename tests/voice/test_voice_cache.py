"""Each prompt is synthesised once, kept privately in the data folder, and read back after."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from kiosk.voice import SpeechCache, SpeechError
from kiosk.voice.sim import SimulatedSynthesizer


class CountingSynthesizer:
    """The simulator, counting what it is asked to say."""

    name = "counting"

    def __init__(self, *, fail: bool = False, pause: threading.Event | None = None) -> None:
        self.said: list[tuple[str, str, int]] = []
        self.fail = fail
        self.pause = pause

    def synthesize(self, text: str, *, voice: str, rate: int) -> bytes:
        self.said.append((text, voice, rate))
        if self.pause is not None:
            self.pause.wait(5)
        if self.fail:
            raise SpeechError("broken")
        return SimulatedSynthesizer().synthesize(text, voice=voice, rate=rate)


@pytest.fixture
def synth() -> CountingSynthesizer:
    return CountingSynthesizer()


@pytest.fixture
def cache(tmp_path: Path, synth: CountingSynthesizer) -> SpeechCache:
    return SpeechCache(tmp_path / "speech", synth, rate=150)


def test_the_second_request_for_a_prompt_does_not_run_the_synthesiser(cache, synth):
    assert cache.lookup("您还在兑换吗？", "cmn") is None
    first = cache.make("您还在兑换吗？", "cmn")
    assert cache.lookup("您还在兑换吗？", "cmn") == first
    assert cache.make("您还在兑换吗？", "cmn") == first
    assert synth.said == [("您还在兑换吗？", "cmn", 150)]


def test_a_new_cache_on_the_same_folder_finds_the_clips_made_before(tmp_path, cache, synth):
    clip = cache.make("您还在兑换吗？", "cmn")
    again = SpeechCache(tmp_path / "speech", synth, rate=150)
    assert again.lookup("您还在兑换吗？", "cmn") == clip
    assert len(synth.said) == 1


def test_voice_text_rate_and_engine_each_make_another_clip(tmp_path, cache, synth):
    key = cache.key("您好", "cmn")
    assert cache.key("您好", "en-us") != key
    assert cache.key("您好。", "cmn") != key
    assert SpeechCache(tmp_path, synth, rate=170).key("您好", "cmn") != key
    assert SpeechCache(tmp_path, SimulatedSynthesizer(), rate=150).key("您好", "cmn") != key
    assert cache.key("您好", "cmn") == key


def test_clips_are_private_files_in_a_private_folder(tmp_path, cache):
    cache.make("您好", "cmn")
    folder = tmp_path / "speech"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    [clip] = folder.iterdir()
    assert clip.name == cache.key("您好", "cmn") + ".wav"
    assert stat.S_IMODE(clip.stat().st_mode) == 0o600


def test_two_requests_at_once_for_one_prompt_synthesise_it_once(cache):
    pause = threading.Event()
    slow = CountingSynthesizer(pause=pause)
    cache.synthesizer = slow
    clips: list[bytes] = []
    threads = [threading.Thread(target=lambda: clips.append(cache.make("您好", "cmn")))]
    threads.append(threading.Thread(target=lambda: clips.append(cache.make("您好", "cmn"))))
    for t in threads:
        t.start()
    pause.set()
    for t in threads:
        t.join(5)
    assert len(slow.said) == 1
    assert clips[0] == clips[1]


def test_a_failed_synthesis_is_an_error_and_nothing_is_kept(tmp_path):
    cache = SpeechCache(tmp_path / "speech", CountingSynthesizer(fail=True), rate=150)
    with pytest.raises(SpeechError):
        cache.make("您好", "cmn")
    assert cache.lookup("您好", "cmn") is None
    assert not (tmp_path / "speech").exists() or list((tmp_path / "speech").iterdir()) == []


def test_a_clip_that_cannot_be_kept_is_still_returned(tmp_path, synth):
    blocked = tmp_path / "speech"
    blocked.write_text("a file where the folder should be")
    cache = SpeechCache(blocked, synth, rate=150)
    assert cache.make("您好", "cmn").startswith(b"RIFF")


def test_the_folder_keeps_the_clips_heard_last(tmp_path, synth):
    cache = SpeechCache(tmp_path / "speech", synth, rate=150, max_clips=3)
    for n in range(5):
        cache.make(f"您家有 {n} 分。", "cmn")
    assert len(list((tmp_path / "speech").glob("*.wav"))) == 3
    assert cache.lookup("您家有 0 分。", "cmn") is None
    assert cache.lookup("您家有 4 分。", "cmn") is not None
