"""Fixtures for the office web tests that run on SQLite and on PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from office_helpers import seed_office

from sync.central.context import Central
from sync.central.server import open_central
from tests.pg import PG_URL, new_database


@pytest.fixture(scope="session")
def office_pg_template() -> Iterator[str]:
    """Return a migrated, empty central database on PostgreSQL that tests copy."""
    with new_database("kt_office_template") as name:
        open_central(PG_URL.format(name=name)).engine.dispose()
        yield name


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


@pytest.fixture
def sqlite_central(tmp_path: Path) -> Iterator[Central]:
    """Return a seeded central on a fresh SQLite file (for what the database does not change)."""
    c = seed_office(open_central(f"sqlite:///{tmp_path / 'central.db'}"))
    yield c
    c.engine.dispose()
