"""espeak-ng speaks Chinese prompts out loud: real audio, not silence, of a plausible length."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from voice_checks import AUDIBLE_RMS, hear

from kiosk.voice import EspeakSynthesizer, SpeechError, make_synthesizer
from kiosk.voice.sim import SimulatedSynthesizer

INSTALLED = shutil.which("espeak-ng") is not None
# CI installs espeak-ng (.ci/run): there a missing program is a failure, not a skip.
IN_CI = os.environ.get("CI", "").lower() == "true"
needs_espeak = pytest.mark.skipif(
    not INSTALLED and not IN_CI, reason="espeak-ng is not installed (apt-get install espeak-ng)"
)


def test_ci_has_espeak_ng_installed():
    if not IN_CI:
        pytest.skip("only checked in CI (CI=true), which installs espeak-ng")
    assert INSTALLED, "CI must install espeak-ng (.ci/run): the voice tests would not run"


@needs_espeak
def test_a_chinese_prompt_is_spoken_aloud_not_silence():
    text = "王建国，您好。您家有 320 分。"
    clip = EspeakSynthesizer().synthesize(text, voice="cmn", rate=150)
    heard = hear(clip)
    assert heard.rms > AUDIBLE_RMS
    # Fourteen syllables at 150 words a minute: a few seconds, not a blip nor a minute.
    assert 1.5 < heard.seconds < 12
    # The header tells the truth (espeak-ng writing to a pipe leaves 0x7ffff000 frames there).
    assert heard.frames_in_header == heard.frames_in_data


@needs_espeak
def test_a_longer_prompt_takes_longer_and_a_faster_rate_less_time():
    espeak = EspeakSynthesizer()
    short = hear(espeak.synthesize("您好。", voice="cmn", rate=150)).seconds
    long = hear(espeak.synthesize("您好。请出示积分码，谢谢。", voice="cmn", rate=150)).seconds
    fast = hear(espeak.synthesize("您好。请出示积分码，谢谢。", voice="cmn", rate=300)).seconds
    assert short < long
    assert fast < long


@needs_espeak
def test_text_that_looks_like_an_option_is_spoken_not_obeyed(tmp_path):
    # On the command line "-w file" would write a file; on stdin it is only words.
    clip = EspeakSynthesizer().synthesize(f"-w {tmp_path / 'x.wav'} 您好", voice="cmn", rate=150)
    assert hear(clip).rms > AUDIBLE_RMS
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("voice", ["-w/tmp/x", "", "cmn --stdout", "a" * 60])
def test_a_voice_that_is_not_a_voice_name_is_refused(voice):
    with pytest.raises(SpeechError, match="not a voice name"):
        EspeakSynthesizer().synthesize("您好", voice=voice, rate=150)


def test_a_missing_program_is_a_speech_error():
    with pytest.raises(SpeechError, match="not installed"):
        EspeakSynthesizer(program="no-such-espeak-here").synthesize("您好", voice="cmn", rate=150)


def _script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "fake-espeak"
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_a_synthesiser_that_hangs_is_stopped_after_its_timeout(tmp_path):
    slow = EspeakSynthesizer(program=_script(tmp_path, "exec sleep 30"), timeout=0.5)
    with pytest.raises(SpeechError, match="longer than"):
        slow.synthesize("您好", voice="cmn", rate=150)


def test_a_synthesiser_that_fails_or_gives_no_audio_is_a_speech_error(tmp_path):
    failing = EspeakSynthesizer(program=_script(tmp_path, "echo broken >&2; exit 3"))
    with pytest.raises(SpeechError, match="failed"):
        failing.synthesize("您好", voice="cmn", rate=150)
    (tmp_path / "fake-espeak").unlink()
    empty = EspeakSynthesizer(program=_script(tmp_path, "cat >/dev/null"))
    with pytest.raises(SpeechError, match="no audio"):
        empty.synthesize("您好", voice="cmn", rate=150)


def test_the_simulator_beeps_audibly_and_alike_for_the_same_text():
    sim = SimulatedSynthesizer()
    clip = sim.synthesize("请出示积分码", voice="cmn", rate=150)
    heard = hear(clip)
    assert heard.rms > AUDIBLE_RMS
    assert 0.5 < heard.seconds < 5
    assert sim.synthesize("请出示积分码", voice="cmn", rate=150) == clip
    assert sim.synthesize("您还在兑换吗？", voice="cmn", rate=150) != clip


def test_the_configuration_picks_the_backend_by_name(monkeypatch):
    assert isinstance(make_synthesizer("simulator"), SimulatedSynthesizer)
    assert isinstance(make_synthesizer("espeak", timeout=3.0), EspeakSynthesizer)
    monkeypatch.setenv("PATH", "/nonexistent")
    assert isinstance(make_synthesizer("auto"), SimulatedSynthesizer)
    with pytest.raises(ValueError, match="unknown voice backend"):
        make_synthesizer("festival")
