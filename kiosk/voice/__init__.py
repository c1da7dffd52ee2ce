"""Spoken prompts: the synthesiser port, espeak-ng and the simulator, and the audio cache."""

from __future__ import annotations

from kiosk.voice.backends import make_synthesizer, voice_problem
from kiosk.voice.cache import SpeechCache
from kiosk.voice.espeak import EspeakSynthesizer
from kiosk.voice.ports import SpeechError, Synthesizer
from kiosk.voice.sim import SimulatedSynthesizer

__all__ = [
    "EspeakSynthesizer",
    "SimulatedSynthesizer",
    "SpeechCache",
    "SpeechError",
    "Synthesizer",
    "make_synthesizer",
    "voice_problem",
]
