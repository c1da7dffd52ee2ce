"""An in-process change feed so the screen learns of changes at once (server-sent events)."""

from __future__ import annotations

import threading


class Changes:
    """Count changes and let listeners wait for the next one."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.version = 0
        self.last: str = ""

    def publish(self, what: str) -> None:
        """Announce that something changed."""
        with self._cond:
            self.version += 1
            self.last = what
            self._cond.notify_all()

    def wait(self, seen: int, timeout: float) -> int:
        """Block until the version passes seen or the timeout ends; return the version."""
        with self._cond:
            self._cond.wait_for(lambda: self.version != seen, timeout=timeout)
            return self.version
