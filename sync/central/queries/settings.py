"""The programme's settings as the database holds them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.central.context import Central
from sync.central.models import CentralSetting
from sync.central.queries import totals

# The setting that says the programme's whole feed is closed: to every kiosk, and for good
# (services.kiosks.close_whole_feed).
WHOLE_FEED = "whole_feed"
CLOSED = "closed"


def programme_zone(c: Central) -> str:
    """Return the programme's time zone (a read: never waits for a push on SQLite)."""
    with c.uow(write=False) as uow:
        return totals.programme_zone(uow.session.connection())


def whole_feed_shut(s: Session) -> bool:
    """Say whether the programme has closed its whole feed (read once per session: it never
    opens again)."""
    if "whole_feed_shut" not in s.info:
        value = s.scalar(select(CentralSetting.value).where(CentralSetting.key == WHOLE_FEED))
        s.info["whole_feed_shut"] = value == CLOSED
    return s.info["whole_feed_shut"]
