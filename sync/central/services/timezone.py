"""The programme's time zone: change it and recount the monthly figures."""

from __future__ import annotations

from sync.central.context import Central
from sync.central.queries import totals


def set_timezone(c: Central, name: str) -> bool:
    """Set the programme's time zone and recount the monthly figures; say whether it changed.

    Raises ValueError if the database server does not know the zone.
    """
    with c.engine.begin() as conn:
        return totals.set_zone(conn, name)
