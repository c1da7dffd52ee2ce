"""Time-ordered ids: UUID version 7 (RFC 9562), made from the standard library only.

An id begins with the Unix time in milliseconds, so ids made one after another land next to each
other in a B-tree index (a random UUID lands on a random page, and once an index outgrows memory
every insert reads one). Ids from one generator only ever increase, also within a millisecond
and when the clock steps back: the 74 bits after the time start random each millisecond and then
grow by a random step (RFC 9562, 6.2, method 2, with a random increment).

Layout: 48 bits time | 4 bits version (7) | 12 bits | 2 bits variant (10) | 62 bits.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable

_RANDOM_BITS = 74
_RANDOM_MAX = (1 << _RANDOM_BITS) - 1
_MS_MAX = (1 << 48) - 1
_STEP_BITS = 32


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _random_bits(bits: int) -> int:
    return int.from_bytes(os.urandom((bits + 7) // 8), "big") >> (-bits % 8)


class Uuid7:
    """Make UUIDv7 ids as text, each greater than the one before (thread-safe)."""

    def __init__(
        self,
        clock_ms: Callable[[], int] = _now_ms,
        random_bits: Callable[[int], int] = _random_bits,
    ) -> None:
        self._clock_ms = clock_ms
        self._random_bits = random_bits
        self._lock = threading.Lock()
        self._ms = -1
        self._tail = 0

    def __call__(self) -> str:
        """Return the next id, in canonical lower-case text."""
        return str(self.next_uuid())

    def next_uuid(self) -> uuid.UUID:
        """Return the next id as a UUID."""
        with self._lock:
            ms = self._clock_ms()
            if not 0 <= ms <= _MS_MAX:
                raise ValueError(f"the clock reads {ms} ms, outside what 48 bits hold")
            if ms > self._ms:
                self._ms, self._tail = ms, self._random_bits(_RANDOM_BITS)
            else:  # the same millisecond, or a clock that stepped back: count on from the last
                self._tail += 1 + self._random_bits(_STEP_BITS)
                if self._tail > _RANDOM_MAX:  # this millisecond is used up: borrow the next
                    if self._ms == _MS_MAX:
                        raise ValueError("no UUIDv7 is left after the last millisecond")
                    self._ms, self._tail = self._ms + 1, self._random_bits(_RANDOM_BITS - 1)
            return from_parts(self._ms, self._tail)


def from_parts(ms: int, tail: int) -> uuid.UUID:
    """Return the UUIDv7 of a millisecond time and 74 bits that follow it."""
    rand_a, rand_b = tail >> 62, tail & ((1 << 62) - 1)
    return uuid.UUID(int=(ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b)


def timestamp_ms(value: str | uuid.UUID) -> int:
    """Return the Unix time in milliseconds a UUIDv7 begins with."""
    parsed = value if isinstance(value, uuid.UUID) else uuid.UUID(value)
    if parsed.version != 7:
        raise ValueError(f"{value} is not a version 7 UUID")
    return parsed.int >> 80


uuid7 = Uuid7()
