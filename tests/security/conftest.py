"""Fixtures for the security tests: a central with two stores, users and tokens."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from kiosk_helpers import kiosk_app, kiosk_client, kiosk_rt  # noqa: F401  (the kiosk's tests)
from security_helpers import ADMIN_PASSWORD, EAST, VIEWER_PASSWORD, WEST, Office

from sync.central.server import open_central
from sync.central.services import activities, kiosks, roster
from sync.central.services import tokens as tokens_service
from sync.central.services.users import add_user


@pytest.fixture
def office(tmp_path: Path) -> Office:
    """Return central with K001 at the east store, K002 at the west, users and tokens."""
    c = open_central(f"sqlite:///{tmp_path / 'central.db'}")
    roster.add_roster(
        c,
        [
            roster.RosterRow(2, "王建国家", "王建国", "13800000000", 100),
            roster.RosterRow(3, "张伟家", "张伟", "", 30),
        ],
    )
    east = kiosks.enroll(c, EAST, "K001")
    west = kiosks.enroll(c, WEST, "K002")
    activities.define_activity(c, "SORT", "垃圾分类积分日", "垃圾分类", date(2026, 11, 1), 10)
    add_user(c, "admin", ADMIN_PASSWORD, "admin")
    add_user(c, "viewer", VIEWER_PASSWORD, "viewer")
    office = Office(
        c,
        {"K001": east.token, "K002": west.token},
        tokens_service.office_token(c, "admin", "script"),
        tokens_service.office_token(c, "viewer", "reader"),
    )
    yield office
    c.engine.dispose()


@pytest.fixture
def app(office: Office) -> Flask:
    return office.app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
