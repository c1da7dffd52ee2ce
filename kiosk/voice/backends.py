"""Synthesisers by name, as the configuration picks them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kiosk.voice.espeak import EspeakSynthesizer
from kiosk.voice.ports import Synthesizer
from kiosk.voice.sim import SimulatedSynthesizer

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
