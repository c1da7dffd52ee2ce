"""Fixtures of the kiosk attack tests: the demo store behind a test client, PIN set."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from kiosk.bootstrap import Runtime
from kiosk.services import staff
from kiosk.storage.models import AuditEntry
from terminal_ui import create_app

PIN = "135790"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LAN_PEER = {"REMOTE_ADDR": "192.168.1.50"}  # another machine on the shop's network


@pytest.fixture
def kiosk_rt(seeded) -> Runtime:
    """Return the demo store's runtime on the settable clock, its PIN set."""
    rt = seeded[0]
    staff.set_pin(rt.kiosk, PIN, actor="test")
    return rt


@pytest.fixture
def kiosk_app(kiosk_rt: Runtime, seeded) -> Flask:
    """Return the terminal app as the demo serves it."""
    return create_app(kiosk_rt, {"DEMO_CARDS": seeded[1], "VOICE_DEFAULT": False})


@pytest.fixture
def kiosk_client(kiosk_app: Flask) -> FlaskClient:
    """Return a test client of the terminal (a browser on the kiosk's own machine)."""
    return kiosk_app.test_client()


def sign_in(client: FlaskClient) -> FlaskClient:
    """Sign the client in to the admin screen with the PIN, as the form does."""
    token = CSRF.search(client.get("/admin/login").get_data(as_text=True)).group(1)
    answer = client.post("/admin/login", data={"csrf_token": token, "pin": PIN})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def audit_count(rt: Runtime, action: str) -> int:
    """Count the audit log's entries of one action."""
    with rt.kiosk.uow(write=False) as uow:
        return uow.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
        )
