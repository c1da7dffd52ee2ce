"""Shared fixtures: a fresh migrated SQLite kiosk, empty or seeded with the demo store."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from core.clock import FixedClock
from core.domain import passwords
from kiosk import config, demo
from kiosk.bootstrap import Runtime, bootstrap
from printer.simulator import SimulatedPrinter

# A browser test's retrying assertions wait up to 10 s: three test workers and Chromium share two
# cores in the full suite, where a scan through the real decode path can take longer than the
# default 5 s. A page that never gets there still fails, only later.
expect.set_options(timeout=10_000)

START = datetime(2025, 3, 1, 2, 0, 0)  # naive UTC, as stored: 10:00 in the store


def make_runtime(data_dir: Path, clock: FixedClock | None = None) -> Runtime:
    """Bootstrap a kiosk (id T01) whose SQLite file lives in data_dir."""
    settings = config.load(
        None, env={}, kiosk={"data_dir": str(data_dir), "id": "T01", "store": "测试超市"}
    )
    return bootstrap(settings, clock=clock or FixedClock(START), printer=SimulatedPrinter())


@pytest.fixture(scope="session", autouse=True)
def migrated_sqlite_central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Give a new SQLite central file the pages of one migrated once in this test process.

    Migrating an empty central database runs every migration (a fifth of a second); the suite
    opens hundreds. The template is the real migration's own work, made on first use in the
    same process, and what follows migration on a new database (the zone the environment
    names) still runs for each one. A file that holds anything already, an in-memory database
    and PostgreSQL (whose tests copy a migrated template database) go through the migrations.
    """
    from core.db.engine import make_engine, sqlite_url
    from core.db.migrate import upgrade
    from sync.central import localtime, server

    real = server.migrate
    made: list[Path] = []

    def template() -> Path:
        if not made:
            path = tmp_path_factory.mktemp("central-template") / "central.db"
            engine = make_engine(sqlite_url(path))
            localtime.install(engine)
            assert upgrade(engine, server.MIGRATIONS) is None
            engine.dispose()
            made.append(path)
        return made[0]

    def migrate(engine) -> None:
        name = engine.url.database if engine.dialect.name == "sqlite" else None
        if not name or name == ":memory:" or (Path(name).exists() and Path(name).stat().st_size):
            real(engine)
            return
        localtime.install(engine)  # before any connection is made: each needs the function
        source = sqlite3.connect(template())
        target = engine.raw_connection()
        try:
            source.backup(target.driver_connection)
        finally:
            target.close()
            source.close()
        server._seed_zone(engine)  # what a new database's migration is followed by

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(server, "migrate", migrate)
        yield


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the long tests (marked slow) first, so no worker is left with one at the end.

    With `--dist worksteal` (pyproject) the first worker starts on them and the others take
    the rest of its share as they run out; in order, the suite's end waited on whichever long
    test came last.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


# The scrypt cost PINs and passwords are hashed with in production, read before the suite lowers it.
PRODUCTION_PASSWORD_COST = passwords.COST


@pytest.fixture(scope="session", autouse=True)
def quick_password_hashes() -> Iterator[None]:
    """Hash PINs and passwords at a sixteenth of the production scrypt cost in tests.

    Each hash names its own cost and every check reads it from there, so nothing else changes:
    a hash made here is checked as one made in production is. Tests of the cost itself ask for
    `production_password_cost`.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "COST", 2**10)
        yield


@pytest.fixture
def production_password_cost(monkeypatch: pytest.MonkeyPatch) -> int:
    """Hash PINs and passwords at the production cost in this test; return it."""
    monkeypatch.setattr(passwords, "COST", PRODUCTION_PASSWORD_COST)
    return PRODUCTION_PASSWORD_COST


@pytest.fixture
def clock() -> FixedClock:
    """Return the settable clock the kiosk fixture runs on."""
    return FixedClock(START)


@pytest.fixture
def kiosk(tmp_path: Path, clock: FixedClock):
    """Return a fresh migrated kiosk Runtime on SQLite in tmp_path."""
    runtime = make_runtime(tmp_path, clock)
    yield runtime
    runtime.close()


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a data dir holding the demo store, seeded once per test run."""
    data_dir = tmp_path_factory.mktemp("seeded-template")
    runtime = make_runtime(data_dir)
    demo.seed(runtime.kiosk, data_dir)
    runtime.close()
    return data_dir


@pytest.fixture
def seeded(
    kiosk: Runtime, tmp_path: Path, seeded_template: Path
) -> tuple[Runtime, list[dict[str, object]]]:
    """Return (runtime, demo cards) for a kiosk holding the demo store."""
    # Same result as demo.seed(kiosk.kiosk, tmp_path), a hundred times faster: copy the pages
    # of a database seeded once, through SQLite's backup API so the open engine stays valid.
    source = sqlite3.connect(seeded_template / "kiosk.db")
    target = kiosk.kiosk.engine.raw_connection()
    try:
        source.backup(target.driver_connection)
    finally:
        target.close()
        source.close()
    shutil.copy2(demo.secret_path(seeded_template), demo.secret_path(tmp_path))
    return kiosk, demo.cards(kiosk.kiosk, tmp_path)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Return one headless chromium for every browser test of the run.

    Playwright's sync API runs one event loop per process: a second `sync_playwright()` in the
    same test process fails, so the kiosk's and the office's browser tests share this one.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def pg_replica():
    """Return a streaming replica of the PostgreSQL test server (tests/pg.py), for a module."""
    from tests.pg import streaming_replica

    with streaming_replica() as replica:
        yield replica
