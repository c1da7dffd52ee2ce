"""Synthesisers by name, as the configuration picks them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kiosk.voice.espeak import EspeakSynthesizer
from kiosk.voice.ports import SpeechError, Synthesizer
from kiosk.voice.sim import SimulatedSynthesizer
from kiosk.voice.wav import SILENT, peak

log = logging.getLogger(__name__)


def _auto(**params: Any) -> Synthesizer:
    espeak = EspeakSynthesizer(**params)
    if espeak.is_usable():
        return espeak
    log.warning("espeak-ng is not installed: prompts beep instead of speaking")
    return SimulatedSynthesizer()


BACKENDS: dict[str, Callable[..., Synthesizer]] = {
    "espeak": EspeakSynthesizer,
    "simulator": lambda **_: SimulatedSynthesizer(),
    "auto": _auto,  # espeak-ng when installed, else the simulator
}


def make_synthesizer(backend: str, **params: Any) -> Synthesizer:
    """Build the synthesiser named by ``backend`` (espeak, simulator or auto)."""
    try:
        factory = BACKENDS[backend]
    except KeyError:
        known = ", ".join(BACKENDS)
        raise ValueError(f"unknown voice backend {backend!r}; choose one of: {known}") from None
    return factory(**params)


SAMPLE = "请出示积分卡"  # a prompt the kiosk really speaks


def voice_problem(
    backend: str, voice: str, *, program: str = "espeak-ng", timeout: float = 10.0
) -> str | None:
    """Say why the configured voice cannot speak a Chinese prompt aloud, or None if it can.

    The check synthesises a real prompt and listens to it: a voice that is missing, fails, or
    gives back silence is named, so `kiosk doctor` can tell a shopkeeper why the kiosk is mute.
    """
    if backend == "simulator":
        return None
    espeak = EspeakSynthesizer(program=program, timeout=timeout)
    if not espeak.is_usable():
        return f"{program} is not installed: spoken prompts only beep (apt-get install espeak-ng)"
    try:
        audio = espeak.synthesize(SAMPLE, voice=voice, rate=150)
    except SpeechError as exc:
        return f"voice {voice!r} cannot speak: {exc}"
    if peak(audio) < SILENT:
        return f"voice {voice!r} gives silence for a Chinese prompt"
    return None
