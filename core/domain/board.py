"""The village's notice board (公示): names masked for posting, and the month's digest.

A posted award names the household as 王*国家, never in full; a deduction is posted by group
only. The digest is a short fingerprint of the month's ledger for the village: the sheet on
the wall and the kiosk's screen each show it, so anyone can see that the posting and the
books agree.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.domain.canonical import fast as canonical

HOUSEHOLD_SUFFIX = "家"
DIGEST_VERSION = "EKB-1"  # what the digest covers; docs/transparency.md spells it out


def mask_person(name: str) -> str:
    """A person's name as posted: the family name and the last character; the rest starred."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_household(name: str) -> str:
    """A household's name as posted: 王建国家 → 王*国家."""
    name = name.strip()
    if len(name) > 1 and name.endswith(HOUSEHOLD_SUFFIX):
        return mask_person(name[: -len(HOUSEHOLD_SUFFIX)]) + HOUSEHOLD_SUFFIX
    return mask_person(name)


def digest(village: str, month: str, entries: Iterable[dict[str, Any]]) -> str:
    """The month's ledger for the village as 4 groups of 4 hex digits (64 bits of SHA-256).

    ``entries``: each {"id", "household_id", "kind", "points"}; their order does not matter.
    """
    rows = sorted(
        (
            {
                "id": str(e["id"]),
                "household_id": str(e["household_id"]),
                "kind": str(e["kind"]),
                "points": int(e["points"]),
            }
            for e in entries
        ),
        key=lambda e: e["id"],
    )
    body = {"v": DIGEST_VERSION, "village": village, "month": month, "entries": rows}
    full = hashlib.sha256(canonical(body)).hexdigest()
    return " ".join(full[i : i + 4] for i in range(0, 16, 4))


SECTIONS = ("awards", "deductions", "ranking", "exchange_day")
RANKING_MOST = 20  # households ranked at most, on the screen and the sheet
MONTH_PATTERN = r"[0-9]{4}-(0[1-9]|1[0-2])"


@dataclass(frozen=True)
class BoardSettings:
    """What the office shows on the board: which sections, and how many households ranked."""

    sections: tuple[str, ...] = SECTIONS
    ranking_size: int = 10

    def to_json(self) -> dict[str, Any]:
        """Return the settings as stored and as the feed carries them."""
        return {"sections": list(self.sections), "ranking_size": self.ranking_size}

    @classmethod
    def from_json(cls, data: Any) -> BoardSettings:
        """Return settings read back (anything unreadable falls back to the defaults)."""
        if not isinstance(data, dict):
            return cls()
        sections = data.get("sections", SECTIONS)
        size = data.get("ranking_size", 10)
        if not isinstance(sections, list) or not isinstance(size, int):
            return cls()
        return cls(
            tuple(s for s in SECTIONS if s in sections), max(1, min(RANKING_MOST, int(size)))
        )


def valid_settings(sections: Iterable[str], ranking_size: object) -> BoardSettings | None:
    """Return settings from the office's choices, or None when one is not a choice."""
    chosen = list(sections)
    if any(s not in SECTIONS for s in chosen):
        return None
    if isinstance(ranking_size, bool) or not isinstance(ranking_size, int):
        return None
    if not 1 <= ranking_size <= RANKING_MOST:
        return None
    return BoardSettings(tuple(s for s in SECTIONS if s in chosen), ranking_size)


def month_bounds(month: str) -> tuple[date, date] | None:
    """Return the first day of a month given as YYYY-MM and of the month after; None if bad."""
    if not isinstance(month, str) or not re.fullmatch(MONTH_PATTERN, month):
        return None
    year, number = int(month[:4]), int(month[5:])
    if year < 1:
        return None
    first = date(year, number, 1)
    following = (
        date(year + number // 12, number % 12 + 1, 1) if year < 9999 or number < 12 else None
    )
    if following is None:
        return None
    return first, following
