"""The voice check behind `kiosk doctor`: it listens to a real prompt, not only for a program."""

from __future__ import annotations

import shutil
import struct

import pytest

from kiosk.voice import voice_problem
from kiosk.voice.wav import pcm_to_wav, peak


def test_peak_hears_the_loudest_sample_and_silence_as_zero():
    assert peak(pcm_to_wav(b"\x00\x00" * 800, 16000)) == 0
    assert peak(pcm_to_wav(struct.pack("<3h", 10, -20000, 300), 16000)) == 20000
    assert peak(b"not a wav") == 0


def test_a_missing_program_and_a_silent_engine_are_named(tmp_path):
    assert "not installed" in voice_problem("auto", "cmn", program=str(tmp_path / "nothing"))
    quiet = tmp_path / "quiet-espeak"  # answers every prompt with a second of silence
    silence = pcm_to_wav(b"\x00\x00" * 22050, 22050)
    (tmp_path / "silence.wav").write_bytes(silence)
    quiet.write_text(f"#!/bin/sh\ncat >/dev/null\ncat {tmp_path / 'silence.wav'}\n")
    quiet.chmod(0o755)
    assert voice_problem("espeak", "cmn", program=str(quiet)) == (
        "voice 'cmn' gives silence for a Chinese prompt"
    )
    assert voice_problem("simulator", "cmn", program=str(quiet)) is None


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed here")
def test_espeak_speaks_mandarin_aloud():
    assert voice_problem("espeak", "cmn") is None
    assert "cannot speak" in voice_problem("espeak", "nosuchvoice")
