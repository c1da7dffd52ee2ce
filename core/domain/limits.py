"""Every limit and format the kiosk and central both enforce, defined once.

The kiosk's use cases, central's office services and CSV imports, and the sync protocol's
schemas all read these; tests/core/test_same_refusals.py checks that both sides refuse alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Bounds:
    """An inclusive range of whole numbers; `n in bounds` is False for bools and non-ints."""

    low: int
    high: int

    def __contains__(self, value: object) -> bool:
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            and self.low <= value <= self.high
        )

    def __iter__(self) -> Iterator[int]:
        return iter((self.low, self.high))


# Ids that travel in every push (households, residents, kiosks): plain ASCII, at most 40.
MAX_ID = 40
ID_CHAR = r"[A-Za-z0-9._-]"
RECORD_ID = re.compile(f"{ID_CHAR}{{1,{MAX_ID}}}")
MAX_REF = 40  # what a ledger entry refers to: an exchange, a check-in, "opening", …
MAX_EXCHANGE_NUMBER = 60  # an exchange's number or id, as looked up and pushed
# Product and activity codes, as printed after EKP: / EKA: on labels (upper case once read).
MAX_CODE = 32
CODE_CHAR = r"[A-Z0-9._-]"
CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")

# Texts, in characters after spaces are collapsed.
MAX_NAME = 80  # households, residents, products, activities, stores, donors
MAX_CATEGORY = 40
MAX_UNIT = 16
MAX_ACTIVITY_TYPE = 40
MAX_REASON = 200  # voids, stocktakes, card revocations, office corrections
PHONE = re.compile(r"[0-9+\- ]{0,20}")

# Quantities.
CART_QTY = Bounds(1, 99)  # one line of an exchange (0 in the cart removes the line)
RESTOCK_QTY = Bounds(1, 100_000)  # one batch received
COUNTED = Bounds(0, 100_000)  # a stocktake's count on the shelf
SOURCES = ("donation", "purchase", "transfer")
MAX_UNIT_VALUE_CENTS = 100_000_000

# Points.
MAX_POINTS = 1_000_000  # a product's price, a line, an exchange, opening points, one entry
PRODUCT_POINTS = Bounds(1, MAX_POINTS)
OPENING_POINTS = Bounds(0, MAX_POINTS)
# An activity is worth at most 100,000: the kiosk once took 1,000,000, central 100,000.
ACTIVITY_POINTS = Bounds(1, 100_000)
ACTIVITY_CAP = Bounds(1, 1_000_000)  # participants of one activity
MAX_ADJUSTMENT = 100_000  # the most one office correction adds or takes away
ALLOWANCE = Bounds(0, 100_000)  # a store's offline allowance
# The rule book: a rule adds (or, negative, deducts) at most this much per approved claim.
MAX_RULE_POINTS = 100_000
RULE_CAP = Bounds(1, 1000)  # approved claims of one rule per resident or household per period
MAX_CLAIM_PHOTOS = 4
MAX_PHOTO_BYTES = 2 * 1024 * 1024  # one claim photo, as stored
MAX_PHOTO_PIXELS = 30_000_000  # what a photo may decode to (a small file can claim a huge image)
# A still the kiosk's camera takes for a claim: small enough that four travel in one outbox entry.
MAX_KIOSK_PHOTO_BYTES = 180 * 1024
KIOSK_PHOTO_WIDTH = 1280
# An announcement's picture: small, since every store's feed carries it to its kiosks.
MAX_PICTURE_BYTES = 300 * 1024


def is_code(text: object) -> bool:
    """Tell whether text is a product or activity code in canonical (upper-case) form."""
    return isinstance(text, str) and 1 <= len(text) <= MAX_CODE and set(text) <= CODE_CHARS


def is_record_id(text: object) -> bool:
    """Tell whether text is a household, resident or kiosk id."""
    return isinstance(text, str) and RECORD_ID.fullmatch(text) is not None
