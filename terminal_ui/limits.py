"""What the kiosk does at once: a few image decodes, event streams and syntheses, 429 beyond.

Waitress serves with a fixed number of threads. A request that holds one for long (an event
stream) or takes much memory (decoding a picture) is given one of a few slots; when none is
free it is told to come back (429 busy, Retry-After), never queued, so the touch screen's own
requests always find a thread and the process stays small.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from flask import current_app

from core.domain import errors

DECODE_SLOTS = "decode_slots"
STREAM_SLOTS = "stream_slots"
# Streams other machines may hold (when [ui] allowed_hosts lets them in): at most half, so the
# kiosk's own resident and shopkeeper screens always find theirs.
REMOTE_STREAM_SLOTS = "remote_stream_slots"
SPEECH_SLOTS = "speech_slots"
SPEECH = 2  # prompts synthesised at once: a prefetch and the prompt the resident waits for


class TooBusy(errors.DomainError):
    code = "busy"
    message = "The terminal is busy. Please try again."
    retry_after = 1


class Slots:
    """At most `size` holders at once; one more is refused at once, never made to wait."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._free = threading.BoundedSemaphore(size)

    def take(self) -> None:
        """Take a slot, or raise TooBusy when none is free."""
        if not self._free.acquire(blocking=False):
            raise TooBusy()

    def give(self) -> None:
        """Give a slot back."""
        self._free.release()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Hold a slot while the block runs (TooBusy when none is free)."""
        self.take()
        try:
            yield
        finally:
            self.give()


def slots(name: str) -> Slots:
    """Return the app's slots of one kind."""
    return current_app.extensions[name]


def install(app, *, decodes: int, streams: int, speech: int = SPEECH) -> None:
    """Give an app its slots for decodes, event streams and speech synthesis."""
    app.extensions[DECODE_SLOTS] = Slots(decodes)
    app.extensions[STREAM_SLOTS] = Slots(streams)
    app.extensions[REMOTE_STREAM_SLOTS] = Slots(max(streams // 2, 1))
    app.extensions[SPEECH_SLOTS] = Slots(speech)
