"""Stills from the camera for a claim's photos: JPEG, small enough to travel in the outbox."""

from __future__ import annotations

import threading
from typing import Any

from core.domain import limits

QUALITIES = (85, 75, 65, 55, 45)


def still_jpeg(
    frame: Any, most: int = limits.MAX_KIOSK_PHOTO_BYTES, width: int = limits.KIOSK_PHOTO_WIDTH
) -> bytes | None:
    """Return a frame as a JPEG of at most `most` bytes (smaller or lower quality as needed),
    or None for a frame that is not an image."""
    import cv2
    import numpy as np

    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.size == 0:
        return None
    if frame.ndim == 3 and frame.shape[2] == 4:
        frame = cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    elif frame.ndim not in (2, 3) or (frame.ndim == 3 and frame.shape[2] not in (1, 3)):
        return None
    while True:
        height, w = frame.shape[:2]
        if w > width:
            size = (width, max(round(height * width / w), 1))
            frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
        for quality in QUALITIES:
            ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
            if ok and data.size <= most:
                return data.tobytes()
        if width <= 160:
            return None
        width = width * 3 // 4


class Stills:
    """The photos each staff member has taken for the claim they are recording, in memory.

    A restart forgets them (nothing was recorded yet); at most MAX_CLAIM_PHOTOS each.
    """

    def __init__(self, most: int = limits.MAX_CLAIM_PHOTOS) -> None:
        self.most = most
        self._lock = threading.Lock()
        self._taken: dict[str, list[bytes]] = {}

    def add(self, who: str, jpeg: bytes) -> bool:
        """Keep a still for someone; False when they have as many as a claim takes."""
        with self._lock:
            taken = self._taken.setdefault(who, [])
            if len(taken) >= self.most:
                return False
            taken.append(jpeg)
            return True

    def of(self, who: str) -> list[bytes]:
        """Return someone's stills, in the order taken."""
        with self._lock:
            return list(self._taken.get(who, []))

    def drop(self, who: str, index: int | None = None) -> None:
        """Forget one of someone's stills (by position from 0), or all of them."""
        with self._lock:
            taken = self._taken.get(who, [])
            if index is None:
                self._taken.pop(who, None)
            elif 0 <= index < len(taken):
                del taken[index]


class ClaimCardWait:
    """The claim page waiting for a household's card at the camera.

    While a signed-in person's claim page asks for the household, a card the camera sees names
    the claim's household instead of opening a resident's session; the page learns the household
    (never the card's code) and moves on. The page keeps the wait alive (renew) while it is open;
    left alone for WAIT_SECONDS, or as soon as another page of the kiosk is shown, the wait ends
    and a card opens a resident's session again. Held in memory: a restart forgets the wait.
    """

    WAIT_SECONDS = 30.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by: str | None = None
        self._until = 0.0
        self._seq = 0
        self._found: dict[str, Any] | None = None

    def arm(self, actor: str, now: float) -> None:
        """The claim page of `actor` waits for a card from now on."""
        with self._lock:
            self._by, self._until, self._found = actor, now + self.WAIT_SECONDS, None

    def renew(self, actor: str, now: float) -> None:
        """The waiting page of `actor` is still open: keep waiting (nothing found yet)."""
        with self._lock:
            if self._by == actor and now < self._until:
                self._until = now + self.WAIT_SECONDS

    def disarm(self) -> None:
        with self._lock:
            self._by, self._until = None, 0.0

    def waiting(self, now: float) -> bool:
        with self._lock:
            return self._by is not None and now < self._until

    def found(
        self, household_id: str | None, error: Exception | None, now: float
    ) -> dict[str, Any]:
        """Record what the card named (a household, or the refusal why none); the wait is over."""
        with self._lock:
            self._seq += 1
            self._found = {
                "seq": self._seq,
                "by": self._by,
                "household": household_id,
                "error": error,
            }
            self._by, self._until = None, 0.0
            return dict(self._found)

    def result(self, actor: str) -> dict[str, Any] | None:
        """Return what the last card named, to the person whose page waited for it."""
        with self._lock:
            if self._found is None or self._found["by"] != actor:
                return None
            return {k: v for k, v in self._found.items() if k != "by"}
