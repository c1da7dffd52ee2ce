"""The shopkeeper's PIN: setting it, signing in with a lockout, and the admin sessions it opens."""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.domain.passwords import hash_secret, secret_matches
from kiosk.services.common import audit
from kiosk.services.context import Kiosk
from kiosk.storage.settings import read, write

DEMO_PIN = "246810"  # the demo store's PIN; a real store sets its own with `kiosk set-pin`
ADMIN = "admin"  # the audit log's name for whoever holds the PIN
MAX_FAILURES = 5
LOCK = timedelta(minutes=5)
PIN_DIGITS = (4, 12)

# Keys in the kiosk's settings (String(40) keys, String(200) values).
PIN_HASH = "admin_pin_hash"
PIN_FAILURES = "admin_pin_failures"
PIN_LOCKED_UNTIL = "admin_pin_locked_until"
SESSION_EPOCH = "admin_session_epoch"


class PinRefused(Exception):
    """A PIN was not accepted; ``code`` is unset, wrong, locked or bad."""

    def __init__(self, code: str, seconds_left: int = 0, tries_left: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.seconds_left = seconds_left
        self.tries_left = tries_left


hash_pin = hash_secret
pin_matches = secret_matches


def is_demo_pin(pin: object) -> bool:
    """Tell whether a PIN is the demo store's, which anyone who saw the demo knows."""
    return isinstance(pin, str) and hmac.compare_digest(pin.encode(), DEMO_PIN.encode())


def valid_pin(pin: object) -> bool:
    """Tell whether a PIN has the allowed shape: 4 to 12 digits."""
    low, high = PIN_DIGITS
    return isinstance(pin, str) and pin.isascii() and pin.isdigit() and low <= len(pin) <= high


def set_pin(k: Kiosk, pin: str, actor: str = "cli") -> None:
    """Set the shopkeeper's PIN (4 to 12 digits), lift any lock and end open admin sessions."""
    if not valid_pin(pin):
        raise PinRefused("bad")
    stored = hash_pin(pin)
    with k.uow() as uow:
        s = uow.session
        write(s, PIN_HASH, stored)
        write(s, PIN_FAILURES, "0")
        write(s, PIN_LOCKED_UNTIL, "")
        write(s, SESSION_EPOCH, str(int(read(s, SESSION_EPOCH, "0") or 0) + 1))
        audit(s, k.clock.now(), actor, "pin_set")
        uow.commit()


def change_pin(k: Kiosk, current: str, new: str) -> None:
    """Change the PIN from the admin screen: the current PIN must be given again."""
    if not valid_pin(new):
        raise PinRefused("bad")
    check_pin(k, current)
    set_pin(k, new, actor=ADMIN)


def pin_is_set(k: Kiosk) -> bool:
    """Tell whether a PIN has been set, without which the admin screen stays shut."""
    with k.uow(write=False) as uow:
        return bool(read(uow.session, PIN_HASH))


def lock_seconds_left(k: Kiosk) -> int:
    """Return how many seconds the PIN stays locked (0: not locked)."""
    with k.uow(write=False) as uow:
        return _seconds_left(uow.session, k.clock.now())


def _seconds_left(s: Session, now: datetime) -> int:
    until = read(s, PIN_LOCKED_UNTIL)
    if not until:
        return 0
    left = (datetime.fromisoformat(until) - now).total_seconds()
    return max(int(left + 0.999), 0)


def check_pin(k: Kiosk, pin: object) -> None:
    """Accept the PIN or raise PinRefused; five wrong PINs lock it for five minutes."""
    text = pin if isinstance(pin, str) else ""
    with k.uow(write=False) as uow:
        stored = read(uow.session, PIN_HASH)
    if not stored:
        raise PinRefused("unset")
    # The slow hash runs outside the write transaction, so the terminal is never kept waiting.
    right = valid_pin(text) and pin_matches(text, stored)
    with k.uow() as uow:
        s = uow.session
        now = k.clock.now()
        left = _seconds_left(s, now)
        if left:
            audit(s, now, ADMIN, "login_refused_locked", seconds_left=left)
            uow.commit()
            raise PinRefused("locked", seconds_left=left)
        if right:
            write(s, PIN_FAILURES, "0")
            write(s, PIN_LOCKED_UNTIL, "")
            uow.commit()
            return
        failures = int(read(s, PIN_FAILURES, "0") or 0) + 1
        audit(s, now, ADMIN, "login_failed", failures=failures)
        if failures >= MAX_FAILURES:
            write(s, PIN_FAILURES, "0")
            write(s, PIN_LOCKED_UNTIL, (now + LOCK).isoformat())
            audit(s, now, ADMIN, "pin_locked", minutes=int(LOCK.total_seconds() // 60))
            uow.commit()
            raise PinRefused("locked", seconds_left=int(LOCK.total_seconds()))
        write(s, PIN_FAILURES, str(failures))
        uow.commit()
        raise PinRefused("wrong", tries_left=MAX_FAILURES - failures)


def session_epoch(k: Kiosk) -> int:
    """Return the admin session generation; sessions of an older one are no longer valid."""
    with k.uow(write=False) as uow:
        return int(read(uow.session, SESSION_EPOCH, "0") or 0)


def end_sessions(k: Kiosk) -> None:
    """Invalidate every admin session signed so far (sign-out)."""
    with k.uow() as uow:
        s = uow.session
        write(s, SESSION_EPOCH, str(int(read(s, SESSION_EPOCH, "0") or 0) + 1))
        uow.commit()
