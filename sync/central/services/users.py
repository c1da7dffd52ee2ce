"""Office users: salted scrypt password hashes, roles, a lock after repeated failures, and
server-side sessions that sign-out, a new password, a new role or deactivation end."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.domain.passwords import hash_secret, secret_matches
from sync.central.context import Central
from sync.central.models import Area, OfficeSession, OfficeUser, SiteSecret
from sync.central.scope import WHOLE, Scope
from sync.central.services.areas import find_area
from sync.central.services.audit import audit
from sync.central.services.errors import Refusal, RegistryError
from sync.central.services.tokens import stamp_revocation
from sync.central.states import LoginRefusal, Role

MAX_FAILURES = 5
LOCK = timedelta(minutes=5)
SESSION_IDLE = timedelta(hours=8)  # the app passes its PERMANENT_SESSION_LIFETIME instead
SESSION_MAX = timedelta(hours=12)  # a working day: a copied cookie dies with it at the latest
SESSION_TOUCH = timedelta(minutes=5)  # last_seen is written at most this often (a write each)


hash_password = hash_secret
check_password = secret_matches


@cache
def _decoy_hash() -> str:
    """A hash no password is checked against in earnest: unknown names cost one hash too."""
    return hash_password(secrets.token_urlsafe(16))


def add_user(
    c: Central,
    username: str,
    password: str,
    role: str,
    actor: str = "cli",
    *,
    area: str | None = None,
    scope: Scope = WHOLE,
) -> None:
    """Create an office user, or reset the password, role and area of one (ending their
    sessions). A user without an area sees the whole programme; whoever adds a user can give
    only an area inside their own scope."""
    name = (username or "").strip()
    if not name or len(name) > 40 or not name.isprintable():
        raise RegistryError(Refusal.USER_NAME)
    if role not in tuple(Role):
        raise RegistryError(Refusal.ROLE)
    if len(password or "") < 8:
        raise RegistryError(Refusal.PASSWORD)
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        area_id, path = _area_of(s, area, scope)
        user = s.scalar(select(OfficeUser).where(OfficeUser.username == name))
        if user is not None and not _user_in_scope(s, user, scope):
            raise RegistryError(Refusal.USER_EXISTS, username=name)
        if user is None:
            s.add(
                OfficeUser(
                    username=name,
                    password_hash=hash_password(password),
                    role=role,
                    created_at=now,
                    failed_logins=0,
                    active=True,
                    area_id=area_id,
                )
            )
        else:
            user.password_hash, user.role, user.active = hash_password(password), role, True
            user.failed_logins, user.locked_until, user.area_id = 0, None, area_id
            _end_sessions(s, user.id)
            stamp_revocation(s)  # its tokens take the new role and area
        audit(s, now, actor, "user_save", name, role=role, area=path)
        uow.commit()


def change_user(
    c: Central,
    username: str,
    role: str,
    area: str | None,
    actor: str = "cli",
    *,
    scope: Scope = WHOLE,
) -> None:
    """Give an office user a new role and area; their sessions end, their tokens follow."""
    if role not in tuple(Role):
        raise RegistryError(Refusal.ROLE)
    with c.uow() as uow:
        s = uow.session
        user = _scoped_user(s, username, scope)
        area_id, path = _area_of(s, area, scope)
        user.role, user.area_id = role, area_id
        _end_sessions(s, user.id)
        stamp_revocation(s)
        audit(s, c.clock.now(), actor, "user_change", user.username, role=role, area=path)
        uow.commit()


def deactivate_user(c: Central, username: str, actor: str = "cli", *, scope: Scope = WHOLE) -> None:
    """Stop an office user signing in and end every session they have open (and their tokens)."""
    with c.uow() as uow:
        s = uow.session
        user = _scoped_user(s, username, scope)
        user.active = False
        _end_sessions(s, user.id)
        stamp_revocation(s)
        audit(s, c.clock.now(), actor, "user_deactivate", user.username)
        uow.commit()


def _area_of(s: Session, area: str | None, scope: Scope) -> tuple[int | None, str | None]:
    """Return the id and path of the area a user is given (none: the whole programme)."""
    if area is None or not area.strip():
        if not scope.everything:  # a scoped admin cannot make a user who sees everything
            raise RegistryError(Refusal.AREA_OUTSIDE, path="—")
        return None, None
    found = find_area(s, area, scope=scope)
    return found.id, found.path


def _user_in_scope(s: Session, user: OfficeUser, scope: Scope) -> bool:
    if scope.everything:
        return True
    path = s.scalar(select(Area.path).where(Area.id == user.area_id)) if user.area_id else None
    return scope.covers_path(path)


def _scoped_user(s: Session, username: str, scope: Scope) -> OfficeUser:
    name = (username or "").strip()
    user = s.scalar(select(OfficeUser).where(OfficeUser.username == name))
    if user is None or not _user_in_scope(s, user, scope):
        raise RegistryError(Refusal.NO_USER, username=name)
    return user


def _end_sessions(s: Session, user_id: int) -> None:
    s.execute(delete(OfficeSession).where(OfficeSession.user_id == user_id))


class LoginRefused(Exception):
    """Wrong name or password, or the account is locked; says which for the screen."""

    def __init__(self, code: LoginRefusal) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class SignedIn:
    """The office user a live session belongs to, as the database holds them now."""

    username: str
    role: str
    area: str | None = None  # the path of the user's area; None: the whole programme

    @property
    def scope(self) -> Scope:
        """What part of the programme this user sees and acts on."""
        return Scope(self.area)


def login(
    c: Central, username: str, password: str, *, idle: timedelta = SESSION_IDLE
) -> tuple[SignedIn, str]:
    """Check a sign-in and start a session; return the user and the session's token.

    The slow hash runs outside any transaction (no connection or SQLite write lock is held
    while it works); the failure count then moves in one UPDATE, so parallel guesses all count.
    """
    name = (username or "").strip()
    now = c.clock.now()
    with c.uow(write=False) as uow:
        user = uow.session.scalar(select(OfficeUser).where(OfficeUser.username == name))
        known = user is not None and user.active
        if known:
            user_id, stored, locked_until = user.id, user.password_hash, user.locked_until
    if not known:
        check_password(password or "", _decoy_hash())  # as slow as a real check
        raise LoginRefused(LoginRefusal.WRONG)
    if locked_until is not None and locked_until > now:
        raise LoginRefused(LoginRefusal.LOCKED)
    if not check_password(password or "", stored):
        _count_failure(c, user_id, name, now)
        raise LoginRefused(LoginRefusal.WRONG)
    return _start_session(c, user_id, stored, now, idle)


def _count_failure(c: Central, user_id: int, name: str, now: datetime) -> None:
    """Add one to the user's failures in a single statement; lock the account at the limit."""
    with c.uow() as uow:
        s = uow.session
        failures = s.scalar(
            update(OfficeUser)
            .where(OfficeUser.id == user_id)
            .values(failed_logins=OfficeUser.failed_logins + 1)
            .returning(OfficeUser.failed_logins)
            .execution_options(synchronize_session=False)
        )
        if failures is not None and failures >= MAX_FAILURES:
            # The UPDATE above holds the row until commit: no other failure slips in between.
            s.execute(
                update(OfficeUser)
                .where(OfficeUser.id == user_id)
                .values(locked_until=now + LOCK, failed_logins=0)
                .execution_options(synchronize_session=False)
            )
            audit(s, now, name, "login_locked")
        uow.commit()


def _start_session(
    c: Central, user_id: int, checked_hash: str, now: datetime, idle: timedelta
) -> tuple[SignedIn, str]:
    """Clear the failures and add a session row, unless the account changed meanwhile."""
    token = secrets.token_urlsafe(32)
    with c.uow() as uow:
        s = uow.session
        # Locked by parallel guesses, deactivated or given a new password while the hash was
        # being checked: the sign-in does not count.
        row = s.execute(
            update(OfficeUser)
            .where(
                OfficeUser.id == user_id,
                OfficeUser.active.is_(True),
                OfficeUser.password_hash == checked_hash,
                or_(OfficeUser.locked_until.is_(None), OfficeUser.locked_until <= now),
            )
            .values(failed_logins=0, locked_until=None)
            .returning(OfficeUser.username, OfficeUser.role, OfficeUser.area_id)
            .execution_options(synchronize_session=False)
        ).one_or_none()
        if row is None:
            until = s.scalar(select(OfficeUser.locked_until).where(OfficeUser.id == user_id))
            refusal = (
                LoginRefusal.LOCKED if until is not None and until > now else LoginRefusal.WRONG
            )
            raise LoginRefused(refusal)
        s.execute(
            delete(OfficeSession).where(
                or_(
                    OfficeSession.last_seen <= now - idle,
                    OfficeSession.created_at <= now - SESSION_MAX,
                )
            )
        )
        s.add(OfficeSession(id=_digest(token), user_id=user_id, created_at=now, last_seen=now))
        audit(s, now, row.username, "login")
        area = s.scalar(select(Area.path).where(Area.id == row.area_id)) if row.area_id else None
        uow.commit()
    return SignedIn(row.username, row.role, area), token


def session_user(
    c: Central, token: str | None, *, idle: timedelta = SESSION_IDLE
) -> SignedIn | None:
    """Return who a session token signs in now, or None if the session has ended."""
    if not token or not isinstance(token, str):
        return None
    key, now = _digest(token), c.clock.now()
    with c.uow(write=False) as uow:
        row = uow.session.execute(
            select(
                OfficeUser.username,
                OfficeUser.role,
                OfficeUser.active,
                OfficeSession.created_at,
                OfficeSession.last_seen,
                Area.path,
            )
            .join(OfficeUser, OfficeUser.id == OfficeSession.user_id)
            .outerjoin(Area, Area.id == OfficeUser.area_id)
            .where(OfficeSession.id == key)
        ).one_or_none()
    if (
        row is None
        or not row.active
        or row.last_seen <= now - idle
        or row.created_at <= now - SESSION_MAX
    ):
        return None
    if now - row.last_seen >= SESSION_TOUCH:
        with c.uow() as uow:
            uow.session.execute(
                update(OfficeSession).where(OfficeSession.id == key).values(last_seen=now)
            )
            uow.commit()
    return SignedIn(row.username, row.role, row.path)


def logout(c: Central, token: str | None) -> None:
    """End a session (its copies with it)."""
    if not token or not isinstance(token, str):
        return
    with c.uow() as uow:
        s = uow.session
        row = s.get(OfficeSession, _digest(token))
        if row is None:
            return
        name = s.scalar(select(OfficeUser.username).where(OfficeUser.id == row.user_id))
        s.delete(row)
        audit(s, c.clock.now(), name or "?", "logout")
        uow.commit()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def site_secret(c: Central) -> str:
    """Return the key that signs office sessions, making it on first use."""
    try:
        with c.uow() as uow:
            row = uow.session.get(SiteSecret, "session")
            if row is None:
                row = SiteSecret(name="session", value=secrets.token_hex(32))
                uow.session.add(row)
                uow.commit()
            return row.value
    except IntegrityError:  # another server process made it first (gunicorn workers start at once)
        with c.uow(write=False) as uow:
            return uow.session.get(SiteSecret, "session").value
