"""Office users: salted scrypt password hashes, roles, and a lock after repeated failures."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kiosk.domain.passwords import hash_secret, secret_matches
from sync.central.context import Central
from sync.central.models import OfficeUser, SiteSecret
from sync.central.registry import RegistryError, audit

MAX_FAILURES = 5
LOCK = timedelta(minutes=5)


hash_password = hash_secret
check_password = secret_matches


def add_user(c: Central, username: str, password: str, role: str, actor: str = "cli") -> None:
    """Create an office user (or reset the password and role of an existing one)."""
    name = (username or "").strip()
    if not name or len(name) > 40 or not name.isprintable():
        raise RegistryError("a user name of 1 to 40 characters is needed")
    if role not in ("admin", "viewer"):
        raise RegistryError("the role must be admin or viewer")
    if len(password or "") < 8:
        raise RegistryError("the password must have at least 8 characters")
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        user = s.scalar(select(OfficeUser).where(OfficeUser.username == name))
        if user is None:
            s.add(
                OfficeUser(
                    username=name,
                    password_hash=hash_password(password),
                    role=role,
                    created_at=now,
                    failed_logins=0,
                    active=True,
                )
            )
        else:
            user.password_hash, user.role, user.active = hash_password(password), role, True
            user.failed_logins, user.locked_until = 0, None
        audit(s, now, actor, "user_save", name, role=role)
        uow.commit()


class LoginRefused(Exception):
    """Wrong name or password, or the account is locked; says which for the screen."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code  # wrong | locked


def login(c: Central, username: str, password: str) -> tuple[str, str]:
    """Check a sign-in; return (user name, role) or raise LoginRefused."""
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        user = s.scalar(select(OfficeUser).where(OfficeUser.username == (username or "").strip()))
        if user is None or not user.active:
            check_password(password or "", hash_password("x" * 8))  # same time as a real check
            raise LoginRefused("wrong")
        if user.locked_until is not None and user.locked_until > now:
            raise LoginRefused("locked")
        if not check_password(password or "", user.password_hash):
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILURES:
                user.locked_until, user.failed_logins = now + LOCK, 0
                audit(s, now, user.username, "login_locked")
            uow.commit()
            raise LoginRefused("wrong")
        user.failed_logins, user.locked_until = 0, None
        audit(s, now, user.username, "login")
        uow.commit()
        return user.username, user.role


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
