"""Fixtures for the office web tests that run on SQLite and on PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from office_helpers import ADMIN_PASSWORD, VIEWER_PASSWORD

from sync.central import registry
from sync.central.context import Central
from sync.central.models import Alert
from sync.central.server import open_central
from sync.central.users import add_user
from tests.pg import PG_URL, new_database


@pytest.fixture(scope="session")
def office_pg_template() -> Iterator[str]:
    """Return a migrated, empty central database on PostgreSQL that tests copy."""
    with new_database("kt_office_template") as name:
        open_central(PG_URL.format(name=name)).engine.dispose()
        yield name


def seed_office(c: Central) -> Central:
    """Give central households, a store with a kiosk, an activity, an open alert and users."""
    registry.add_roster(
        c,
        [
            registry.RosterRow(2, "王建国家", "王建国", "", 100),
            registry.RosterRow(3, "张伟家", "张伟", "", 30),
        ],
    )
    registry.enroll(c, "东村爱心超市", "K001")
    registry.define_activity(c, "SORT", "垃圾分类积分日", "垃圾分类", date(2026, 11, 1), 10)
    with c.uow() as uow:
        uow.session.add(
            Alert(kind="overdraft", detail="test", created_at=datetime(2026, 11, 2, 8, 0))
        )
        uow.commit()
    add_user(c, "admin", ADMIN_PASSWORD, "admin")
    add_user(c, "viewer", VIEWER_PASSWORD, "viewer")
    return c


@pytest.fixture(params=["sqlite", "postgresql"])
def office_central(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Central]:
    """Return a seeded central on a fresh SQLite file, or on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        c = seed_office(open_central(f"sqlite:///{tmp_path / 'central.db'}"))
        yield c
        c.engine.dispose()
        return
    with new_database("kt_office", template=request.getfixturevalue("office_pg_template")) as name:
        c = seed_office(open_central(PG_URL.format(name=name)))
        yield c
        c.engine.dispose()
