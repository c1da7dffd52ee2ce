"""The simulated synthesiser: a short beep pattern for each prompt, in place of speech."""

from __future__ import annotations

import array
import hashlib
import math

from kiosk.voice.wav import pcm_to_wav

SAMPLE_RATE = 16_000
NOTE_SECONDS = 0.12
GAP_SECONDS = 0.04
MAX_NOTES = 24  # a long prompt still beeps only a few seconds
AMPLITUDE = 8_000  # of 32,767: clearly heard, never clipped
PITCHES = (523.25, 587.33, 659.25, 783.99, 880.0)  # a pentatonic scale: never unpleasant


class SimulatedSynthesizer:
    """Make one soft note per character (up to a few seconds): a kiosk without a speech engine
    still sounds each prompt, and tests get real, non-silent audio without espeak-ng."""

    name = "simulator"

    def synthesize(self, text: str, *, voice: str, rate: int) -> bytes:
        """Return a WAV file of notes standing for ``text``; the same text, the same notes."""
        seed = hashlib.sha256(f"{voice}\n{text}".encode()).digest()
        notes = max(1, min(MAX_NOTES, len(text.strip())))
        speed = 150 / max(rate, 1)  # a faster rate plays shorter notes, as speech would be
        note = int(SAMPLE_RATE * NOTE_SECONDS * speed)
        gap = int(SAMPLE_RATE * GAP_SECONDS * speed)
        fade = max(1, note // 8)  # no clicks at the note's edges
        samples = array.array("h")
        for i in range(notes):
            pitch = PITCHES[seed[i % len(seed)] % len(PITCHES)]
            for n in range(note):
                envelope = min(1.0, n / fade, (note - n) / fade)
                wave = math.sin(2 * math.pi * pitch * n / SAMPLE_RATE)
                samples.append(int(AMPLITUDE * envelope * wave))
            samples.extend([0] * gap)
        return pcm_to_wav(samples.tobytes(), SAMPLE_RATE)
