"""Fixtures for the sync tests: central on SQLite and PostgreSQL over real HTTP, kiosks, a proxy."""

from __future__ import annotations

from pathlib import Path

import pytest
from fault_proxy import FaultProxy
from sync_helpers import EAST, WEST, CentralServer, Programme

from core.db.engine import make_engine, sqlite_url
from kiosk.storage.migrate import migrate
from sync.central.server import open_central
from tests.pg import PG_ADMIN, PG_URL, new_database


@pytest.fixture(scope="session")
def pg_template():
    """Return the name of a migrated central database that each test's database copies."""
    with new_database("kt_template") as name:
        open_central(PG_URL.format(name=name)).engine.dispose()
        yield name


@pytest.fixture(scope="session")
def kiosk_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return an empty migrated kiosk database, copied for each kiosk (migrating takes time)."""
    path = tmp_path_factory.mktemp("kiosk-template") / "kiosk.db"
    engine = make_engine(sqlite_url(path))
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def central_url(request: pytest.FixtureRequest, tmp_path: Path):
    """Return a fresh central database URL: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.db'}"
        return
    with new_database(template=request.getfixturevalue("pg_template")) as name:
        yield PG_URL.format(name=name)


@pytest.fixture
def empty_pg_database():
    """Return (URL, admin connection string) of a new, empty PostgreSQL database."""
    with new_database() as name:
        yield PG_URL.format(name=name), PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def central_server(central_url: str):
    """Return central served by waitress on 127.0.0.1 (base URL in .base, Central in .central)."""
    server = CentralServer(central_url)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def programme(central_server: CentralServer, tmp_path: Path, kiosk_template: Path):
    """Return a seeded programme: K1 at the east store, K2 at the west, K3 also at the east."""
    p = Programme(central_server, tmp_path, kiosk_template=kiosk_template)
    p.seed({"K1": EAST, "K2": WEST, "K3": EAST})
    yield p
    p.close()


@pytest.fixture
def unassigned(central_server: CentralServer, tmp_path: Path, kiosk_template: Path):
    """Return a programme whose households are in no store's set yet: K1 at the east store, K2
    and K3 at the west."""
    p = Programme(central_server, tmp_path, kiosk_template=kiosk_template)
    p.seed({"K1": EAST, "K2": WEST, "K3": WEST}, assign=False)
    yield p
    p.close()


@pytest.fixture
def proxy(central_server: CentralServer):
    """Return a fault-injecting proxy in front of central."""
    fp = FaultProxy(
        lambda: central_server.port,
        restart=central_server.restart,
        stop=central_server.stop,
        start=central_server.start,
    )
    yield fp
    fp.stop()
