"""The exchange-window switch: a store may allow exchanges only during its published hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from core.domain import errors, hours
from kiosk.services.common import audit
from kiosk.services.context import Kiosk
from kiosk.services.receipts import local_time
from kiosk.storage.settings import read, write

ON = "exchange_window"  # "on": exchanges only in the hours; else any time
HOURS = "exchange_hours"  # e.g. 09:00-11:30,14:00-17:00
DEFAULT_HOURS = "09:00-11:30,14:00-17:00"


@dataclass(frozen=True)
class Window:
    """The store's exchange hours and whether they are enforced."""

    enabled: bool
    hours: str  # as the screen shows them


@dataclass(frozen=True)
class WindowState:
    """Whether exchanges are open now and, if not, when they open next."""

    enabled: bool
    open: bool
    hours: str
    next_opening: datetime | None  # local
    today: date  # the local day it is now

    def as_dict(self) -> dict[str, object]:
        """Return the state as the screen's JSON."""
        nxt = self.next_opening
        return {
            "enabled": self.enabled,
            "open": self.open,
            "hours": self.hours,
            "next": nxt.strftime("%Y-%m-%d %H:%M") if nxt else None,
            "next_time": nxt.strftime("%H:%M") if nxt else None,
            "next_day": None if nxt is None else "today" if self.open_today else "tomorrow",
        }

    @property
    def open_today(self) -> bool:
        """Tell whether the next opening is on the same local day as now."""
        return self.next_opening is not None and self.today == self.next_opening.date()


def _stored(s: Session) -> tuple[bool, str]:
    text = read(s, HOURS) or DEFAULT_HOURS
    return read(s, ON) == "on", text


def current(k: Kiosk) -> Window:
    """Return the store's exchange hours and whether they are enforced."""
    with k.uow(write=False) as uow:
        enabled, text = _stored(uow.session)
    return Window(enabled, hours.shown(hours.parse_hours(text)))


def save(k: Kiosk, *, enabled: bool, hours_text: object, actor: str) -> Window:
    """Store the exchange hours and the switch; the change is audited."""
    ranges = hours.parse_hours(hours_text)
    text = hours.shown(ranges)
    with k.uow() as uow:
        s = uow.session
        write(s, ON, "on" if enabled else "off")
        write(s, HOURS, text.replace(" ", ""))
        audit(s, k.clock.now(), actor, "exchange_window", "", new=text if enabled else "off")
        uow.commit()
    k.changed("settings")
    return Window(enabled, text)


def state(s: Session, k: Kiosk, now: datetime) -> WindowState:
    """Return whether exchanges are open at a (UTC) instant."""
    enabled, text = _stored(s)
    ranges = hours.parse_hours(text)
    local = local_time(k, now).replace(tzinfo=None)
    is_open = not enabled or hours.is_open(ranges, local)
    nxt = None if is_open else hours.next_opening(ranges, local)
    return WindowState(enabled, is_open, hours.shown(ranges), nxt, local.date())


def check_open(s: Session, k: Kiosk, now: datetime) -> None:
    """Refuse an exchange outside the published hours, saying when to come back."""
    found = state(s, k, now)
    if found.open:
        return
    nxt = found.next_opening
    message = None if found.open_today else errors.ExchangeWindowClosed.TOMORROW
    raise errors.ExchangeWindowClosed(message, hours=found.hours, time=f"{nxt:%H:%M}")
