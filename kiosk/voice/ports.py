"""The synthesiser port: anything that turns a line of text into WAV audio."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


class SpeechError(RuntimeError):
    """No audio could be made for a prompt (the synthesiser is missing, failed or too slow)."""


@runtime_checkable
class Synthesizer(Protocol):
    """A text-to-speech engine: espeak-ng, or the simulator."""

    name: str  # part of each cached clip's key: another engine makes other audio

    def synthesize(self, text: str, *, voice: str, rate: int) -> bytes:
        """Return a WAV file of ``text`` spoken by ``voice`` at ``rate`` words a minute.

        Raise SpeechError when no audio can be made.
        """
        ...
