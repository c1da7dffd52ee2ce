"""What every use case needs to know about the terminal it runs on."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from core.clock import Clock, SystemClock
from core.db.uow import UnitOfWork

SESSIONS_NOTED = 16  # sessions whose starts are kept: one screen has one open at a time


class SessionStart(NamedTuple):
    """When an exchange session began: on the kiosk's clock, and on this process's monotonic
    clock when it was opened here (None after a restart). News pulled in this process are
    weighed against the monotonic time, which no clock setting moves."""

    at: datetime
    moment: float | None = None


if TYPE_CHECKING:
    from kiosk.services.print_queue import PrintWorker


class PendingCard(NamedTuple):
    """A card shown during another resident's session: the screen asks before it replaces it."""

    session_id: str
    resident_id: str
    asked_at: datetime


@dataclass
class Kiosk:
    """This terminal: identity, store, database and clock."""

    kiosk_id: str
    store: str
    engine: Engine
    clock: Clock = field(default_factory=SystemClock)
    offline_allowance: int = 0
    paper_width: int = 32
    timezone: str = "Asia/Shanghai"
    on_change: Callable[[str], None] | None = None
    synced: bool = False  # a central server is configured: the offline allowance rules apply
    is_online: Callable[[], bool] | None = None
    # Asks central about a card this kiosk does not know (by its token's hash) and stores what
    # central answers: True found, False unknown to central, None central unreachable.
    lookup_card: Callable[[str], bool | None] | None = field(default=None, compare=False)
    # Held in memory only: a restart forgets the question, and the open session stays as it was.
    pending_card: PendingCard | None = field(default=None, compare=False)
    # When a resident called the shopkeeper from the screen and no one has answered yet.
    staff_called_at: datetime | None = field(default=None, compare=False)
    # The started print worker: use cases wake it and wait on it through the kiosk they hold.
    print_worker: PrintWorker | None = field(default=None, compare=False, repr=False)
    # The starts of the exchange sessions lately opened in this process, by session id, noted
    # as each is opened (before its commit): a checkout naming its session weighs central's news
    # against that session's own start, whatever the order the sessions' threads ran in and
    # wherever the clock was set meanwhile. A session not here (a restart): ask the database.
    sessions_opened: dict[str, SessionStart] = field(
        default_factory=dict, compare=False, repr=False
    )
    _session_noted: threading.Lock = field(
        default_factory=threading.Lock, compare=False, repr=False
    )

    def uow(self, *, write: bool = True) -> UnitOfWork:
        """Return a new unit of work on this kiosk's database."""
        return UnitOfWork(self.engine, write=write)

    @property
    def zone(self) -> ZoneInfo:
        """Return the store's local time zone (receipts show local time)."""
        return ZoneInfo(self.timezone)

    def note_session_opened(self, session_id: str, at: datetime) -> None:
        """Remember that an exchange session begins at this time (see sessions_opened)."""
        with self._session_noted:
            self.sessions_opened[session_id] = SessionStart(at, time.monotonic())
            while len(self.sessions_opened) > SESSIONS_NOTED:
                del self.sessions_opened[next(iter(self.sessions_opened))]

    def session_opened(self, session_id: str) -> SessionStart | None:
        """Return when this exchange session was opened, if it was lately in this process."""
        with self._session_noted:
            return self.sessions_opened.get(session_id)

    def online(self) -> bool:
        """Tell whether central was reachable at the last attempt."""
        return self.is_online() if self.is_online is not None else False

    def changed(self, what: str) -> None:
        """Tell listeners (the screen) that something they show has changed."""
        if self.on_change is not None:
            self.on_change(what)
