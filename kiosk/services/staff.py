"""The people at the admin screen: each shopkeeper or volunteer with their own PIN and role,
signing in with a lockout, and the admin sessions a sign-in opens."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain import errors, rules
from core.domain.passwords import hash_secret, secret_matches
from kiosk.services.common import audit
from kiosk.services.context import Kiosk
from kiosk.storage.models import StaffMember
from kiosk.storage.settings import read, write
from kiosk.storage.states import StaffRole

DEMO_PIN = "246810"  # the demo store's shopkeeper; a real store sets its own with `kiosk set-pin`
DEMO_VOLUNTEER_PIN = "135246"  # the demo store's volunteer
DEMO_PINS = (DEMO_PIN, DEMO_VOLUNTEER_PIN)
ADMIN = "admin"  # the audit log's name for the shop PIN's holder, before each person had their own
FIRST_SHOPKEEPER = "店主"  # the name the first shopkeeper gets when no one has named them
ACTOR_PREFIX = "staff:"  # the audit log's actor for a person: staff:<id>
MAX_FAILURES = 5
LOCK = timedelta(minutes=5)  # the first lock; each one after it, with no sign-in between, doubles
LONGEST_LOCK = timedelta(hours=24)
PIN_DIGITS = (4, 12)
MAX_STAFF_NAME = 40

# Keys in the kiosk's settings (String(40) keys, String(200) values).
PIN_FAILURES = "admin_pin_failures"
PIN_LOCKED_UNTIL = "admin_pin_locked_until"
PIN_LOCKS = "admin_pin_locks"  # locks since the last sign-in
SESSION_EPOCH = "admin_session_epoch"


class PinRefused(Exception):
    """A PIN was not accepted; ``code`` is unset, wrong, locked, bad or taken."""

    def __init__(self, code: str, seconds_left: int = 0, tries_left: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.seconds_left = seconds_left
        self.tries_left = tries_left


class LastShopkeeper(errors.DomainError):
    """Removing the last shopkeeper would leave no one to manage the shop."""

    code = "last_shopkeeper"
    message = "The last shopkeeper cannot be removed: add another shopkeeper first."


class UnknownStaff(errors.DomainError):
    """No such person on the staff list."""

    code = "unknown_staff"
    message = "This person is not on the staff list."


@dataclass(frozen=True)
class Person:
    """Someone on the staff list, as the admin screen knows them."""

    id: int
    name: str
    role: str

    @property
    def actor(self) -> str:
        """Return the audit log's name for this person."""
        return actor_of(self.id)

    @property
    def is_shopkeeper(self) -> bool:
        """Tell whether this person may do everything on the admin screen."""
        return self.role == StaffRole.SHOPKEEPER


hash_pin = hash_secret
pin_matches = secret_matches


def actor_of(member_id: int) -> str:
    """Return the audit log's actor code for a staff member."""
    return f"{ACTOR_PREFIX}{member_id}"


def is_demo_pin(pin: object) -> bool:
    """Tell whether a PIN is one of the demo store's, which anyone who saw the demo knows."""
    if not isinstance(pin, str):
        return False
    return any(hmac.compare_digest(pin.encode(), known.encode()) for known in DEMO_PINS)


def valid_pin(pin: object) -> bool:
    """Tell whether a PIN has the allowed shape: 4 to 12 digits."""
    low, high = PIN_DIGITS
    return isinstance(pin, str) and pin.isascii() and pin.isdigit() and low <= len(pin) <= high


def _person(m: StaffMember) -> Person:
    return Person(m.id, m.name, m.role)


def _active(s: Session) -> list[StaffMember]:
    return list(s.scalars(select(StaffMember).where(StaffMember.active).order_by(StaffMember.id)))


def _taken(s: Session, pin: str, but: int | None = None) -> bool:
    """Tell whether another active person already signs in with this PIN (the PIN alone says
    who signs in, so two people cannot share one)."""
    return any(pin_matches(pin, m.pin_hash) for m in _active(s) if m.id != but)


def _bump_epoch(s: Session) -> None:
    write(s, SESSION_EPOCH, str(int(read(s, SESSION_EPOCH, "0") or 0) + 1))


def set_pin(k: Kiosk, pin: str, actor: str = "cli") -> None:
    """Set the first shopkeeper's PIN (making them if no one is on the staff list), lift any
    lock and end open admin sessions."""
    if not valid_pin(pin):
        raise PinRefused("bad")
    stored = hash_pin(pin)
    with k.uow() as uow:
        s = uow.session
        now = k.clock.now()
        first = next((m for m in _active(s) if m.role == StaffRole.SHOPKEEPER), None)
        if _taken(s, pin, first.id if first else None):
            raise PinRefused("taken")
        if first is None:
            first = StaffMember(
                name=FIRST_SHOPKEEPER,
                role=StaffRole.SHOPKEEPER,
                pin_hash=stored,
                active=True,
                created_at=now,
            )
            s.add(first)
            s.flush()
        else:
            first.pin_hash = stored
        write(s, PIN_FAILURES, "0")
        write(s, PIN_LOCKED_UNTIL, "")
        write(s, PIN_LOCKS, "0")
        _bump_epoch(s)
        audit(s, now, actor, "pin_set", actor_of(first.id))
        uow.commit()


def add_member(k: Kiosk, name: object, role: object, pin: object, actor: str) -> Person:
    """Put a shopkeeper or volunteer on the staff list with their own PIN."""
    title = rules.text_value(name, "name", required=True, limit=MAX_STAFF_NAME)
    if role not in tuple(StaffRole):
        raise errors.BadValue(field="role", reason="unknown")
    if not valid_pin(pin):
        raise PinRefused("bad")
    stored = hash_pin(pin)
    with k.uow() as uow:
        s = uow.session
        now = k.clock.now()
        if _taken(s, pin):
            _taken_refused(uow, now, actor)
        member = StaffMember(
            name=title, role=str(role), pin_hash=stored, active=True, created_at=now
        )
        s.add(member)
        s.flush()
        audit(s, now, actor, "staff_add", actor_of(member.id), name=title, kind=str(role))
        uow.commit()
        return _person(member)


def remove_member(k: Kiosk, member_id: object, actor: str) -> None:
    """Take a person off the staff list; their sessions end at their next request."""
    with k.uow() as uow:
        s = uow.session
        member = s.get(StaffMember, member_id) if isinstance(member_id, int) else None
        if member is None or not member.active:
            raise UnknownStaff()
        keepers = [m for m in _active(s) if m.role == StaffRole.SHOPKEEPER]
        if member.role == StaffRole.SHOPKEEPER and len(keepers) <= 1:
            raise LastShopkeeper()
        member.active = False
        audit(s, k.clock.now(), actor, "staff_remove", actor_of(member.id), name=member.name)
        uow.commit()


def members(k: Kiosk) -> list[Person]:
    """Return the people on the staff list, oldest first."""
    with k.uow(write=False) as uow:
        return [_person(m) for m in _active(uow.session)]


def member(k: Kiosk, member_id: object) -> Person | None:
    """Return an active person on the staff list by id, or None."""
    if not isinstance(member_id, int):
        return None
    with k.uow(write=False) as uow:
        found = uow.session.get(StaffMember, member_id)
        return _person(found) if found is not None and found.active else None


def names(k: Kiosk) -> dict[str, str]:
    """Return every staff member's name (removed ones too) by their audit actor code."""
    with k.uow(write=False) as uow:
        return {actor_of(m.id): m.name for m in uow.session.scalars(select(StaffMember))}


def change_pin(k: Kiosk, member_id: int, current: str, new: str) -> None:
    """Change one's own PIN from the admin screen: the current PIN must be given again."""
    if not valid_pin(new):
        raise PinRefused("bad")
    person = check_pin(k, current, clear_failures=False)
    if person.id != member_id:
        raise PinRefused("wrong", tries_left=_tries_left(k))
    stored = hash_pin(new)
    with k.uow() as uow:
        s = uow.session
        if _taken(s, new, member_id):
            _taken_refused(uow, k.clock.now(), actor_of(member_id))
        write(s, PIN_FAILURES, "0")
        write(s, PIN_LOCKED_UNTIL, "")
        write(s, PIN_LOCKS, "0")
        s.get(StaffMember, member_id).pin_hash = stored
        _bump_epoch(s)
        audit(s, k.clock.now(), actor_of(member_id), "pin_set", actor_of(member_id))
        uow.commit()


def _left(s: Session) -> int:
    return MAX_FAILURES - int(read(s, PIN_FAILURES, "0") or 0)


def _tries_left(k: Kiosk) -> int:
    with k.uow(write=False) as uow:
        return MAX_FAILURES - int(read(uow.session, PIN_FAILURES, "0") or 0)


def pin_is_set(k: Kiosk) -> bool:
    """Tell whether anyone is on the staff list, without whom the admin screen stays shut."""
    with k.uow(write=False) as uow:
        return uow.session.scalar(select(StaffMember.id).where(StaffMember.active)) is not None


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


def _taken_refused(uow, now: datetime, actor: str) -> None:
    """Refuse a new PIN someone else signs in with. Being told so tells that it is someone's
    PIN: the try counts as a wrong PIN toward the lock, so it is no faster than guessing at
    the sign-in."""
    s = uow.session
    audit(s, now, actor, "pin_taken")
    locked = _count_failure(s, now)
    uow.commit()
    if locked:
        raise PinRefused("locked", seconds_left=locked)
    raise PinRefused("taken")


def _count_failure(s: Session, now: datetime) -> int:
    """Count a wrong PIN; at the fifth, lock the screen and return for how many seconds (each
    lock since the last sign-in twice as long as the one before, at most a day), else 0."""
    failures = int(read(s, PIN_FAILURES, "0") or 0) + 1
    audit(s, now, ADMIN, "login_failed", failures=failures)
    if failures < MAX_FAILURES:
        write(s, PIN_FAILURES, str(failures))
        return 0
    locks = int(read(s, PIN_LOCKS, "0") or 0)
    lock = min(LOCK * 2 ** min(locks, 20), LONGEST_LOCK)
    write(s, PIN_FAILURES, "0")
    write(s, PIN_LOCKS, str(locks + 1))
    write(s, PIN_LOCKED_UNTIL, (now + lock).isoformat())
    audit(s, now, ADMIN, "pin_locked", minutes=int(lock.total_seconds() // 60))
    return int(lock.total_seconds())


def check_pin(k: Kiosk, pin: object, *, clear_failures: bool = True) -> Person:
    """Return whose PIN this is or raise PinRefused; five wrong PINs, whoever types them, lock
    the admin screen for five minutes, and each further lock before a sign-in for twice as
    long. A sign-in clears the count (clear_failures=False leaves it for the caller)."""
    text = pin if isinstance(pin, str) else ""
    with k.uow(write=False) as uow:
        stored = [(m.id, m.pin_hash) for m in _active(uow.session)]
    if not stored:
        raise PinRefused("unset")
    # The slow hashes run outside the write transaction, so the terminal is never kept waiting.
    found = None
    if valid_pin(text):
        found = next((mid for mid, digest in stored if pin_matches(text, digest)), None)
    with k.uow() as uow:
        s = uow.session
        now = k.clock.now()
        left = _seconds_left(s, now)
        if left:
            audit(s, now, ADMIN, "login_refused_locked", seconds_left=left)
            uow.commit()
            raise PinRefused("locked", seconds_left=left)
        person = s.get(StaffMember, found) if found is not None else None
        if person is not None and person.active:
            if clear_failures:
                write(s, PIN_FAILURES, "0")
                write(s, PIN_LOCKED_UNTIL, "")
                write(s, PIN_LOCKS, "0")
                uow.commit()
            return _person(person)
        locked = _count_failure(s, now)
        uow.commit()
        if locked:
            raise PinRefused("locked", seconds_left=locked)
        raise PinRefused("wrong", tries_left=_left(s))


def session_epoch(k: Kiosk) -> int:
    """Return the admin session generation; sessions of an older one are no longer valid."""
    with k.uow(write=False) as uow:
        return int(read(uow.session, SESSION_EPOCH, "0") or 0)


def end_sessions(k: Kiosk) -> None:
    """Invalidate every admin session signed so far (sign-out)."""
    with k.uow() as uow:
        _bump_epoch(uow.session)
        uow.commit()
