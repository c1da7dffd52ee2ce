"""Fixtures for the office web in a real browser: central served by waitress, driven in chromium."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sync.central.app import create_central_app
from sync.central.context import Central
from sync.central.server import open_central
from tests.office.office_helpers import ADMIN_PASSWORD, seed_office
from tests.pg import PG_URL, new_database

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip the office browser tests, saying why, where Debian's chromium is not installed."""
    if CHROMIUM.exists():
        return
    here = Path(__file__).parent
    missing = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (apt-get install chromium)")
    for item in items:
        if here in item.path.parents:
            item.add_marker(missing)


@pytest.fixture(params=["sqlite", "postgresql"])
def central(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Central]:
    """Return a seeded central on a fresh SQLite file, or on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        c = seed_office(open_central(f"sqlite:///{tmp_path / 'central.db'}"))
        yield c
        c.engine.dispose()
        return
    with new_database("kt_office_web") as name:
        c = seed_office(open_central(PG_URL.format(name=name)))
        yield c
        c.engine.dispose()


@pytest.fixture
def base_url(central: Central) -> Iterator[str]:
    """Serve the office web with waitress on a free local port; return its URL."""
    from waitress import create_server, wasyncore

    sockets: dict = {}
    server = create_server(
        create_central_app(central), map=sockets, host="127.0.0.1", port=0, threads=4
    )
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.task_dispatcher.shutdown(timeout=2)
    server.trigger.pull_trigger(lambda: wasyncore.close_all(sockets))
    thread.join(timeout=2)


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    """Return a fresh page on the office web; fail the test on a JavaScript error or a 500."""
    context = browser.new_context(locale="zh-CN", base_url=base_url, accept_downloads=True)
    # Signing in hashes the password (scrypt) and draws the dashboard from PostgreSQL: on a
    # machine loaded by the other test workers that alone took over 5 s.
    context.set_default_timeout(10_000)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda exc: problems.append(str(exc)))
    tab.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 500 else None,
    )
    yield tab
    context.close()
    assert problems == [], f"errors on the page: {problems}"


@pytest.fixture
def admin(page: Any) -> Any:
    """Return the page signed in as the office admin, on the dashboard."""
    page.goto("/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("form button")
    page.wait_for_url("**/")
    return page
