"""Scanned codes: card credentials, product labels and activity codes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from core.domain import errors, limits

CARD_PREFIX = "EKC:"
PRODUCT_PREFIX = "EKP:"
ACTIVITY_PREFIX = "EKA:"
MAX_CODE_LENGTH = 1024
TOKEN_BYTES = 16  # 128 bits: unguessable, and "EKC:" + 26 base32 chars fits QR version 2-M
_B32 = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
_CODE_CHARS = limits.CODE_CHARS


@dataclass(frozen=True)
class Scanned:
    """What a scanned text turned out to be."""

    kind: str  # "card" | "product" | "activity"
    value: str  # the card token, product code or activity code


def new_card_token() -> str:
    """Return a fresh random card token (26 base32 characters)."""
    return token_from_bytes(secrets.token_bytes(TOKEN_BYTES))


def token_from_bytes(raw: bytes) -> str:
    """Return the base32 token for 16 bytes."""
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def derived_card_token(secret: bytes, label: str) -> str:
    """Return a token derived from a secret (demo data only, so it can be shown again)."""
    digest = hmac.new(secret, label.encode("utf-8"), hashlib.sha256).digest()
    return token_from_bytes(digest[:TOKEN_BYTES])


def card_code(token: str) -> str:
    """Return the text a card's QR carries."""
    return CARD_PREFIX + token


def token_hash(token: str) -> str:
    """Return the hash under which a card token is stored (the token itself never is)."""
    return hashlib.sha256(("ekc1:" + token).encode("ascii")).hexdigest()


def bare_card_token(raw: object) -> str | None:
    """Return the token of a card code that lost its EKC: prefix (some scanners drop it), if
    the text has a card token's shape; None otherwise."""
    if not isinstance(raw, str):
        return None
    text = raw.strip().upper()
    if len(text) == 26 and set(text) <= _B32:
        return text
    return None


def normalise_product_code(code: object) -> str:
    """Return a product code in canonical form, or raise UnknownProduct."""
    if not isinstance(code, str):
        raise errors.UnknownProduct(code="?")
    text = code.strip().upper()
    if text.startswith(PRODUCT_PREFIX):
        text = text[len(PRODUCT_PREFIX) :]
    if not limits.is_code(text):
        raise errors.UnknownProduct(code=text[: limits.MAX_CODE] or "?")
    return text


def classify(raw: object) -> Scanned:
    """Classify a scanned text; raise a DomainError for unreadable input."""
    if not isinstance(raw, str):
        raise errors.BadCode()
    if len(raw) > MAX_CODE_LENGTH:
        raise errors.CodeTooLong()
    text = raw.strip()
    if not text or not text.isprintable():
        raise errors.BadCode()
    upper = text.upper()
    if upper.startswith(CARD_PREFIX):
        token = upper[len(CARD_PREFIX) :]
        if len(token) != 26 or not set(token) <= _B32:
            raise errors.UnknownCard()
        return Scanned("card", token)
    if upper.startswith(ACTIVITY_PREFIX):
        code = upper[len(ACTIVITY_PREFIX) :]
        if not limits.is_code(code):
            raise errors.UnknownActivity()
        return Scanned("activity", code)
    if upper.startswith(PRODUCT_PREFIX) or (
        len(upper) <= limits.MAX_CODE and set(upper) <= _CODE_CHARS
    ):
        return Scanned("product", normalise_product_code(upper))
    raise errors.UnknownCode()
