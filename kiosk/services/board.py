"""The village's 公示 board for the idle screen: this month's posting, as the office chose.

Central posts each village's board to its stores (awards, deductions by group, the ranking by
honour points, the month's digest); the kiosk shows the sections the office chose and adds its
store's next exchange day. Households appear only masked (王*国家), deductions only by group.
"""

from __future__ import annotations

from typing import Any

from core.domain.board import BoardSettings
from kiosk.services.context import Kiosk
from kiosk.services.notices import next_exchange_day
from kiosk.services.receipts import local_time
from kiosk.storage.models import BoardPosting


def board(k: Kiosk) -> dict[str, Any]:
    """Return this month's board (month in the store's zone) with the sections shown."""
    with k.uow(write=False) as uow:
        s = uow.session
        now = k.clock.now()
        month = f"{local_time(k, now):%Y-%m}"
        row = s.get(BoardPosting, month)
        posted = dict(row.data) if row is not None else {}
        chosen = BoardSettings.from_json(posted.get("settings"))
        shown = set(chosen.sections)
        return {
            "month": month,
            "posted": row is not None,
            "village": posted.get("village"),
            "village_name": posted.get("village_name"),
            "digest": posted.get("digest"),
            "entries": int(posted.get("entries", 0)),
            "sections": list(chosen.sections),
            "awards": _rows(posted, "awards", ("label", "household", "points"), shown),
            "deductions": _rows(posted, "deductions", ("group", "count", "points"), shown),
            "ranking": _rows(posted, "ranking", ("rank", "household", "points"), shown)[
                : chosen.ranking_size
            ],
            "next_exchange_day": (
                next_exchange_day(s, k, now) if "exchange_day" in shown else None
            ),
        }


def _rows(posted: dict, section: str, keys: tuple[str, ...], shown: set[str]) -> list[dict]:
    """Return a section's rows with only the fields the board shows (none when hidden)."""
    if section not in shown:
        return []
    return [{key: row.get(key) for key in keys} for row in posted.get(section) or []]
