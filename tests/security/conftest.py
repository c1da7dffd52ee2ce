"""Fixtures for the security tests: a central with two stores, users, tokens; kiosk clients."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sync.central import models as cm
from sync.central import registry
from sync.central.app import create_central_app
from sync.central.context import Central
from sync.central.server import open_central
from sync.central.users import add_user

EAST, WEST = "东村爱心超市", "西村爱心超市"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ADMIN_PASSWORD, VIEWER_PASSWORD = "admin-password-1", "viewer-password-1"


@pytest.fixture(autouse=True)
def quick_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash with a cheaper scrypt cost in tests (each hash stores its own cost)."""
    from kiosk.domain import passwords

    monkeypatch.setattr(passwords, "_N", 2**10)


@dataclass
class Office:
    """A seeded central: its context, the kiosks' tokens and the office tokens."""

    central: Central
    kiosk_tokens: dict[str, str]
    admin_token: str
    viewer_token: str

    def app(self, **config) -> Flask:
        """Return a new central app (a new worker, as far as rate limits go)."""
        return create_central_app(self.central, config or None)


@pytest.fixture
def office(tmp_path: Path) -> Office:
    """Return central with K001 at the east store, K002 at the west, users and tokens."""
    c = open_central(f"sqlite:///{tmp_path / 'central.db'}")
    registry.add_roster(
        c,
        [
            registry.RosterRow(2, "王建国家", "王建国", "13800000000", 100),
            registry.RosterRow(3, "张伟家", "张伟", "", 30),
        ],
    )
    east = registry.enroll(c, EAST, "K001")
    west = registry.enroll(c, WEST, "K002")
    registry.define_activity(c, "SORT", "垃圾分类积分日", "垃圾分类", date(2026, 11, 1), 10)
    add_user(c, "admin", ADMIN_PASSWORD, "admin")
    add_user(c, "viewer", VIEWER_PASSWORD, "viewer")
    office = Office(
        c,
        {"K001": east.token, "K002": west.token},
        registry.office_token(c, "admin", "script"),
        registry.office_token(c, "viewer", "reader"),
    )
    yield office
    c.engine.dispose()


@pytest.fixture
def app(office: Office) -> Flask:
    return office.app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf(client: FlaskClient, path: str = "/login") -> str:
    """Return the CSRF token of the client's office session."""
    return CSRF.search(client.get(path).text).group(1)


def sign_in(client: FlaskClient, user: str, password: str):
    """Sign in to the office web the way the form does."""
    return client.post(
        "/login", data={"csrf_token": csrf(client), "username": user, "password": password}
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def row_counts(c: Central) -> dict[str, int]:
    """Count the rows of every central table (the audit log and sign-in bookkeeping aside)."""
    skip = {"audit_log", "office_users", "site_secrets"}
    with c.uow(write=False) as uow:
        s = uow.session
        return {
            t.name: s.scalar(select(func.count()).select_from(t))
            for t in cm.Base.metadata.sorted_tables
            if t.name not in skip
        }


def state_of(c: Central) -> dict[str, object]:
    """Return what a write would change: row counts, balances, allowances, revocations."""
    with c.uow(write=False) as uow:
        s = uow.session
        return {
            "rows": row_counts(c),
            "balances": dict(s.execute(select(cm.Household.id, cm.Household.balance)).all()),
            "allowances": dict(s.execute(select(cm.Store.id, cm.Store.offline_allowance)).all()),
            "cards": dict(s.execute(select(cm.Card.id, cm.Card.status)).all()),
            "alerts": dict(s.execute(select(cm.Alert.id, cm.Alert.resolved_at)).all()),
            "kiosks": {
                k.id: (k.last_seen, k.version, k.backlog, k.revoked, k.contiguous_seq)
                for k in s.scalars(select(cm.Kiosk))
            },
        }
