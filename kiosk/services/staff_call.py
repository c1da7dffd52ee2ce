"""A resident at the screen calls the shopkeeper; the admin screen shows the call until answered."""

from __future__ import annotations

import threading
from datetime import datetime

from kiosk.services.common import audit
from kiosk.services.context import Kiosk

TERMINAL = "terminal"
# Two taps reach two server threads at once: one looks, records and marks the call at a time.
_calls = threading.Lock()


def call(k: Kiosk) -> datetime:
    """Record that a resident asks for the shopkeeper; return when the waiting call was made.

    Pressed again while a call waits, it is the same call: no second audit entry, no change
    announced to the screens, and the shopkeeper still sees how long the resident has waited.
    """
    with _calls:
        waiting_since = k.staff_called_at
        if waiting_since is not None:
            return waiting_since
        with k.uow() as uow:
            now = k.clock.now()
            audit(uow.session, now, TERMINAL, "staff_call")
            uow.commit()
        k.staff_called_at = now
    k.changed("staff_call")
    return now


def answer(k: Kiosk, actor: str) -> None:
    """Record that the shopkeeper has seen the call."""
    with _calls:
        if k.staff_called_at is None:
            return
        with k.uow() as uow:
            audit(uow.session, k.clock.now(), actor, "staff_call_answer")
            uow.commit()
        k.staff_called_at = None
    k.changed("staff_call")


def waiting(k: Kiosk) -> datetime | None:
    """Return when the unanswered call was made, if one is waiting."""
    return k.staff_called_at
