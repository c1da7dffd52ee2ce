"""The programme's settings as the database holds them."""

from __future__ import annotations

from sync.central.context import Central
from sync.central.queries import totals


def programme_zone(c: Central) -> str:
    """Return the programme's time zone (a read: never waits for a push on SQLite)."""
    with c.uow(write=False) as uow:
        return totals.programme_zone(uow.session.connection())
