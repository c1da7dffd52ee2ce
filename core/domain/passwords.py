"""Low-entropy secrets (PINs, passwords): salted scrypt hashes, compared in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

COST = 2**14  # scrypt N for PINs and passwords: tens of milliseconds a hash
_R, _P = 8, 1


def hash_secret(text: str, *, cost: int | None = None) -> str:
    """Return a salted scrypt hash of a PIN or password (cost: scrypt's N, a power of two;
    COST unless given). Each hash names its own cost, so a check needs no setting."""
    cost = cost or COST
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(text.encode("utf-8"), salt=salt, n=cost, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${cost}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def hash_cost(stored: str) -> int | None:
    """Return the scrypt N a stored hash was made with, or None if it is not one of ours."""
    try:
        kind, n, *_ = stored.split("$")
        return int(n) if kind == "scrypt" else None
    except ValueError:
        return None


def secret_matches(text: str, stored: str) -> bool:
    """Tell whether a PIN or password matches a stored hash, in constant time."""
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            text.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)
