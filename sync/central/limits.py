"""In-process rate limits: a token bucket per key (a kiosk, a client address, an account).

Each worker process keeps its own buckets, so with several gunicorn workers a client may get up
to workers × the limit; the limits are set so that even one worker's share never stops an honest
kiosk or office user, and the account lock in the database stays the hard stop for passwords.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class RateLimiter:
    """Allow `burst` requests at once per key, refilled at `per_second`; remember `size` keys."""

    def __init__(
        self,
        burst: float,
        per_second: float,
        *,
        size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst, self.rate, self.size, self.clock = float(burst), float(per_second), size, clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, cost: float = 1.0) -> float:
        """Spend from a key's bucket; return 0 if allowed, else the seconds to wait."""
        now = self.clock()
        with self._lock:
            level, at = self._buckets.get(key, (self.burst, now))
            level = min(self.burst, level + (now - at) * self.rate)
            if level >= cost:
                self._buckets[key] = (level - cost, now)
                self._buckets.move_to_end(key)
                while len(self._buckets) > self.size:
                    self._buckets.popitem(last=False)
                return 0.0
            self._buckets[key] = (level, now)
            self._buckets.move_to_end(key)
            return (cost - level) / self.rate if self.rate > 0 else math.inf

    def peek(self, key: str, cost: float = 1.0) -> float:
        """Return the seconds to wait before `cost` could be spent, spending nothing."""
        now = self.clock()
        with self._lock:
            level, at = self._buckets.get(key, (self.burst, now))
        level = min(self.burst, level + (now - at) * self.rate)
        if level >= cost:
            return 0.0
        return (cost - level) / self.rate if self.rate > 0 else math.inf

    def reset(self, key: str) -> None:
        """Forget a key's spending (after a successful sign-in, say)."""
        with self._lock:
            self._buckets.pop(key, None)


def retry_after(seconds: float) -> str:
    """Return a Retry-After header value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))


# Defaults, each overridable in the app's config (and so by KIOSK_CENTRAL_<NAME> variables).
DEFAULTS = {
    # A kiosk polls every few seconds (push, pull, heartbeat: under one request a second);
    # catching up a backlog it pushes 500 entries per request, so even at the limit it moves
    # 2,500 entries a second. The limit stops a runaway or cloned kiosk flooding central.
    "SYNC_RATE_BURST": 300,
    "SYNC_RATE_PER_SECOND": 5.0,
    # Wrong bearer tokens per client address: 20, then one more every 15 seconds.
    "AUTH_FAIL_BURST": 20,
    "AUTH_FAIL_PER_SECOND": 1 / 15,
    # Card lookups per kiosk (a card from elsewhere, on its first scan): 30, then one every
    # 10 seconds. A store's own village is in its feed already; a token used to probe for
    # households is held to a few hundred an hour, apart from its syncing.
    "CARD_LOOKUP_BURST": 30,
    "CARD_LOOKUP_PER_SECOND": 1 / 10,
    # Failed office sign-ins per client address (any account): 20, then one every 30 seconds.
    "LOGIN_FAIL_BURST": 20,
    "LOGIN_FAIL_PER_SECOND": 1 / 30,
}


class Limits:
    """The central app's rate limits."""

    def __init__(self, config: dict) -> None:
        def get(name: str) -> float:
            return float(config.get(name, DEFAULTS[name]))

        self.kiosk = RateLimiter(get("SYNC_RATE_BURST"), get("SYNC_RATE_PER_SECOND"))
        self.auth_failures = RateLimiter(get("AUTH_FAIL_BURST"), get("AUTH_FAIL_PER_SECOND"))
        self.login_failures = RateLimiter(get("LOGIN_FAIL_BURST"), get("LOGIN_FAIL_PER_SECOND"))
        self.card_lookups = RateLimiter(get("CARD_LOOKUP_BURST"), get("CARD_LOOKUP_PER_SECOND"))
