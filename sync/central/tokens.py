"""Bearer tokens for kiosks and office scripts: `<prefix><id>.<secret>`, salted scrypt at rest.

A token names its row by a public id (an indexed lookup) and proves itself with a secret that is
stored only as a salted scrypt hash and compared in constant time. Scrypt costs tens of
milliseconds, so a token that has just been verified is remembered for a while in this process
(keyed by an HMAC of the token under a per-process key): a kiosk pays the slow hash about once
per TTL and process, not once per request. A revocation is seen at once by the process that
made it (it forgets the token) and by every other process within REVOCATION_CHECK seconds: each
process reads, at most that often, a stamp that every revocation changes, and forgets everything
it remembers when the stamp has moved.

A token's secret is 256 random bits, out of reach of any dictionary, so its scrypt cost is
TOKEN_COST (N = 2^10, about 3 ms) rather than the 2^14 (about 50 ms) that PINs and passwords
need: still salted and memory-hard at rest, but a thousand kiosks re-verifying after a restart
cost each worker seconds, not minutes. Rows hashed at the old cost are re-hashed at this one the
first time their token is verified (`rehash`).

Tokens issued before this form (`ekt_<secret>` / `eko_<secret>`, no dot) keep working: their
row's id is `legacy-` plus the first 16 hex digits of their old SHA-256 digest, and their hash is
scrypt over that old digest (migration c0003 re-hashed the stored digests in place).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from core.domain.passwords import hash_cost, hash_secret, secret_matches

KIOSK_PREFIX, OFFICE_PREFIX = "ekt_", "eko_"
LEGACY_ID = "legacy-"
MAX_TOKEN = 200  # longer bearer strings are refused before any hashing
# Revocations reach every process through the stamp below, so the cache time only bounds how
# long a process trusts a row it verified; long enough that a thousand kiosks do not keep the
# cores busy with scrypt (1,000 kiosks × 4 workers every 10 minutes is a third of a core).
CACHE_SECONDS = 6 * 3600.0
CACHE_SIZE = 65_536  # a few megabytes; more kiosks than this would pay scrypt on every push
REVOCATION_CHECK = 1.0  # seconds between two reads of the revocation stamp, per process
REVOCATION_STAMP = "token_revocations"  # its row in site_secrets
TOKEN_COST = 2**10  # scrypt N for 256-bit token secrets (PINs and passwords use 2**14)


@dataclass(frozen=True)
class Issued:
    """A new token: the only copy of the whole token, and what is stored for it."""

    token: str
    token_id: str
    token_hash: str


def issue(prefix: str) -> Issued:
    """Make a new token with a public id and a 256-bit secret."""
    token_id = secrets.token_hex(8)
    token = f"{prefix}{token_id}.{secrets.token_urlsafe(32)}"
    return Issued(token, token_id, hash_secret(token, cost=TOKEN_COST))


def legacy_digest(token: str) -> str:
    """Return the SHA-256 form tokens were stored in before salted hashes (hex)."""
    return hashlib.sha256(("ekt1:" + token).encode("utf-8")).hexdigest()


def legacy_id(digest: str) -> str:
    """Return the lookup id of a token stored before salted hashes, from its old digest."""
    return LEGACY_ID + digest[:16]


@dataclass(frozen=True)
class Presented:
    """A bearer string split into the id to look up and what the stored hash must match."""

    token_id: str
    proof: str


def parse(token: str, prefix: str) -> Presented | None:
    """Split a presented token; None when it cannot be one of ours."""
    if not token.startswith(prefix) or len(token) > MAX_TOKEN or not token.isascii():
        return None
    body = token[len(prefix) :]
    token_id, dot, secret = body.partition(".")
    if dot:
        if len(token_id) != 16 or not secret:
            return None
        return Presented(token_id, token)
    digest = legacy_digest(token)
    return Presented(legacy_id(digest), digest)


def matches(presented: Presented, stored: str) -> bool:
    """Tell whether a presented token matches its row's stored hash (scrypt, constant time)."""
    return secret_matches(presented.proof, stored)


def rehash(presented: Presented, stored: str) -> str | None:
    """Return a new hash at TOKEN_COST for a verified token stored at another cost, else None."""
    if hash_cost(stored) == TOKEN_COST:
        return None
    return hash_secret(presented.proof, cost=TOKEN_COST)


class TokenCache:
    """Recently verified tokens of this process, for a short time; forgotten on revocation."""

    def __init__(
        self,
        seconds: float = CACHE_SECONDS,
        size: int = CACHE_SIZE,
        check_every: float = REVOCATION_CHECK,
    ) -> None:
        self.seconds, self.size, self.check_every = seconds, size, check_every
        self._key = secrets.token_bytes(32)
        self._entries: OrderedDict[bytes, tuple[float, str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._stamp: str | None = None
        self._stamp_read = -math.inf
        self.generation = 0  # moves whenever something is forgotten

    def stamp_due(self) -> bool:
        """Tell whether the revocation stamp should be read again (and note that it will be)."""
        now = time.monotonic()
        with self._lock:
            if now - self._stamp_read < self.check_every:
                return False
            self._stamp_read = now
            return True

    def saw_stamp(self, stamp: str) -> None:
        """Take the revocation stamp just read; forget everything if it moved."""
        with self._lock:
            if stamp != self._stamp:
                self._entries.clear()
                self._stamp = stamp
                self.generation += 1

    def _slot(self, token: str) -> bytes:
        return hmac.new(self._key, token.encode("utf-8"), hashlib.sha256).digest()

    def get(self, token: str) -> Any | None:
        """Return what was remembered for a token, if it is still fresh."""
        if self.seconds <= 0:
            return None
        slot = self._slot(token)
        with self._lock:
            found = self._entries.get(slot)
            if found is None:
                return None
            if found[0] < time.monotonic():
                del self._entries[slot]
                return None
            return found[2]

    def put(self, token: str, owner: str, value: Any, generation: int) -> None:
        """Remember a token verified since `generation`; owner names its row (kiosk:K001).

        If anything was forgotten meanwhile (a revocation) the token is not remembered: it may
        have been read from its row just before the row was revoked.
        """
        if self.seconds <= 0:
            return
        with self._lock:
            if generation != self.generation:
                return
            slot = self._slot(token)
            self._entries[slot] = (time.monotonic() + self.seconds, owner, value)
            self._entries.move_to_end(slot)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def forget(self, owner: str) -> None:
        """Forget every token of a row (a revoked kiosk or office token)."""
        with self._lock:
            for slot in [k for k, v in self._entries.items() if v[1] == owner]:
                del self._entries[slot]
            self.generation += 1

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
            self.generation += 1
