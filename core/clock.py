"""Clocks: the system clock and a settable one for tests and demos."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Tell the current UTC time (naive, as stored)."""

    def now(self) -> datetime:
        """Return the current UTC time without a zone."""
        return datetime.now(UTC).replace(tzinfo=None)


class FixedClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        """Return the set time."""
        return self.current

    def advance(self, **delta: float) -> None:
        """Move the clock forward."""
        self.current += timedelta(**delta)
