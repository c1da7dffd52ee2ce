"""What a WAV clip sounds like, measured with the standard library: loudness and length."""

from __future__ import annotations

import array
import io
import math
import sys
import wave
from dataclasses import dataclass

# 16-bit samples: speech at a normal level is well above 1,000 RMS; a silent clip is near 0.
AUDIBLE_RMS = 300


@dataclass(frozen=True)
class Heard:
    rms: float
    seconds: float
    rate: int
    frames_in_header: int
    frames_in_data: int


def hear(data: bytes) -> Heard:
    """Return a 16-bit PCM WAV clip's loudness (RMS) and length."""
    with wave.open(io.BytesIO(data), "rb") as w:
        assert w.getsampwidth() == 2, "16-bit PCM expected"
        declared = w.getnframes()
        frames = w.readframes(declared)
        rate = w.getframerate()
        channels = w.getnchannels()
    samples = array.array("h", frames)
    if sys.byteorder == "big":
        samples.byteswap()
    rms = math.sqrt(sum(s * s for s in samples) / len(samples)) if samples else 0.0
    count = len(samples) // channels
    return Heard(rms, count / rate, rate, declared, count)
