"""Helpers of the office web tests: the CSRF token of a page, and signing in as the form does."""

from __future__ import annotations

import re
from datetime import date, datetime

from flask.testing import FlaskClient

from sync.central.context import Central
from sync.central.models import Alert
from sync.central.services import activities, kiosks, roster
from sync.central.services.users import add_user

ADMIN_PASSWORD, VIEWER_PASSWORD = "admin-password", "viewer-password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client: FlaskClient, path: str = "/login") -> str:
    """Return the CSRF token the page at path carries for the client's session."""
    return CSRF.search(client.get(path).text).group(1)


def sign_in(client: FlaskClient, user: str, password: str, next_path: str | None = None):
    """Sign in to the office web the way the form does (to /login?next=… when given)."""
    url = "/login" if next_path is None else f"/login?next={next_path}"
    return client.post(
        url, data={"csrf_token": csrf(client), "username": user, "password": password}
    )


def seed_office(c: Central) -> Central:
    """Give central households, a store with a kiosk, an activity, an open alert and users."""
    roster.add_roster(
        c,
        [
            roster.RosterRow(2, "王建国家", "王建国", "", 100),
            roster.RosterRow(3, "张伟家", "张伟", "", 30),
        ],
    )
    kiosks.enroll(c, "东村爱心超市", "K001")
    activities.define_activity(c, "SORT", "垃圾分类积分日", "垃圾分类", date(2026, 11, 1), 10)
    with c.uow() as uow:
        uow.session.add(
            Alert(kind="overdraft", detail="test", created_at=datetime(2026, 11, 2, 8, 0))
        )
        uow.commit()
    add_user(c, "admin", ADMIN_PASSWORD, "admin")
    add_user(c, "viewer", VIEWER_PASSWORD, "viewer")
    return c
