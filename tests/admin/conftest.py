"""Fixtures for the admin screen: the demo store on a settable clock, a PIN, a signed-in client."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kiosk.bootstrap import Runtime
from kiosk.services import staff
from kiosk.storage.models import AuditEntry, Household, Product
from terminal_ui import create_app

PIN = "135790"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def rt(seeded) -> Runtime:
    """Return the demo store's runtime (its clock is the settable `clock` fixture)."""
    return seeded[0]


@pytest.fixture
def cards(seeded) -> list[dict[str, Any]]:
    """Return the demo cards."""
    return seeded[1]


@pytest.fixture
def card(cards) -> Callable[[str], dict[str, Any]]:
    """Return a lookup of a demo card by its holder's name."""
    return {c["name"]: c for c in cards}.__getitem__


@pytest.fixture
def app(rt: Runtime, cards) -> Flask:
    """Return the terminal app with the admin screen, its PIN set."""
    staff.set_pin(rt.kiosk, PIN, actor="test")
    return create_app(rt, {"DEMO_CARDS": cards, "VOICE_DEFAULT": False})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a client that has not signed in."""
    return app.test_client()


def csrf_of(client: FlaskClient) -> str:
    """Return the CSRF token of the client's admin session, opening one if needed."""
    with client.session_transaction("/admin/") as sess:
        token = sess.get("csrf")
    if token:
        return token
    page = client.get("/admin/login").get_data(as_text=True)
    return CSRF.search(page).group(1)


def post(client: FlaskClient, path: str, data: dict[str, Any] | None = None, **kw):
    """POST a form the way the page does: with the session's CSRF token."""
    return client.post(path, data={"csrf_token": csrf_of(client), **(data or {})}, **kw)


@pytest.fixture
def admin(client: FlaskClient) -> FlaskClient:
    """Return a client signed in with the PIN."""
    answer = post(client, "/admin/login", {"pin": PIN})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


@pytest.fixture
def audit_actions(rt: Runtime) -> Callable[[], list[str]]:
    """Return a function listing the audit log's actions, oldest first."""

    def actions() -> list[str]:
        with rt.kiosk.uow(write=False) as uow:
            return [a.action for a in uow.session.query(AuditEntry).order_by(AuditEntry.id)]

    return actions


@pytest.fixture
def balance(rt: Runtime) -> Callable[[str], int]:
    """Return a lookup of a household's balance."""

    def of(household_id: str) -> int:
        with rt.kiosk.uow(write=False) as uow:
            return uow.session.get(Household, household_id).balance

    return of


@pytest.fixture
def stock(rt: Runtime) -> Callable[[str], int]:
    """Return a lookup of a product's stock."""

    def of(code: str) -> int:
        with rt.kiosk.uow(write=False) as uow:
            return uow.session.get(Product, code).stock

    return of


@pytest.fixture
def snapshot_rows(rt: Runtime) -> Callable[[], dict[str, int]]:
    """Return a function counting the rows of every table (the audit log aside)."""
    from sqlalchemy import func, select

    from kiosk.storage.models import Base

    def take() -> dict[str, int]:
        with rt.kiosk.uow(write=False) as uow:
            s = uow.session
            return {
                t.name: s.scalar(select(func.count()).select_from(t))
                for t in Base.metadata.sorted_tables
                if t.name != "audit_log"
            }

    return take
