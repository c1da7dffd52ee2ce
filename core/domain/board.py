"""The village's notice board (公示): names masked for posting, and the month's digest.

A posted award names the household as 王*国家, never in full; a deduction is posted by group
only. The digest is a short fingerprint of the month's ledger for the village: the sheet on
the wall and the kiosk's screen each show it, so anyone can see that the posting and the
books agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
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
