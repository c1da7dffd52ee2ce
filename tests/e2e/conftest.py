"""Fixtures for browser tests: the demo store served by waitress, driven in Debian's chromium."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk import demo
from kiosk.bootstrap import Runtime, bootstrap
from kiosk.camera.scans import start_camera
from kiosk.cli import demo_settings
from kiosk.storage.models import Household, Product
from printer.simulator import SimulatedPrinter
from terminal_ui import create_app

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
VIEWPORT = {"width": 1280, "height": 800}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip the browser tests, saying why, where Debian's chromium is not installed."""
    if CHROMIUM.exists():
        return
    here = Path(__file__).parent
    missing = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (apt-get install chromium)")
    for item in items:
        if here in item.path.parents:
            item.add_marker(missing)


@pytest.fixture(scope="session")
def seeded_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a data directory seeded once with the demo store, to be copied per test."""
    data = tmp_path_factory.mktemp("demo-store")
    rt = bootstrap(demo_settings(data), printer=SimulatedPrinter())
    demo.seed(rt.kiosk, data)
    rt.close()
    return data


@pytest.fixture
def printer() -> SimulatedPrinter:
    """Return the in-memory printer the kiosk prints to."""
    return SimulatedPrinter()


@pytest.fixture
def runtime(tmp_path: Path, seeded_store: Path, printer: SimulatedPrinter) -> Iterator[Runtime]:
    """Return a kiosk holding its own copy of the demo store."""
    for path in seeded_store.iterdir():
        shutil.copy2(path, tmp_path / path.name)
    rt = bootstrap(demo_settings(tmp_path), printer=printer)
    start_camera(rt)  # the simulated camera, as in the demo: demo cards go through it
    yield rt
    rt.close()


@pytest.fixture
def cards(runtime: Runtime, tmp_path: Path) -> list[dict[str, Any]]:
    """Return the demo cards: code, name, household, balance, resident_id."""
    return demo.cards(runtime.kiosk, tmp_path)


@pytest.fixture
def card(cards: list[dict[str, Any]]) -> Callable[[str], dict[str, Any]]:
    """Return a lookup of a demo card by its holder's name."""
    return {c["name"]: c for c in cards}.__getitem__


@pytest.fixture
def base_url(runtime: Runtime, cards: list[dict[str, Any]]) -> Iterator[str]:
    """Serve the terminal app with waitress on a free local port; return its URL."""
    from waitress import create_server, wasyncore

    app = create_app(runtime, {"DEMO_CARDS": cards, "VOICE_DEFAULT": False})
    sockets: dict = {}
    server = create_server(
        app, map=sockets, host="127.0.0.1", port=0, threads=8, ident="kiosk-test"
    )
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    # The page is closed by now, but event streams still wait for the next change: wake them
    # so they find their client gone and end, then stop the workers and close every socket.
    deadline = time.monotonic() + 5
    while server.task_dispatcher.active_count and time.monotonic() < deadline:
        runtime.changes.publish("closing")
        time.sleep(0.02)
    server.task_dispatcher.shutdown(timeout=2)
    # Sockets are closed on the server's own thread: its loop then finds nothing left and ends.
    server.trigger.pull_trigger(lambda: wasyncore.close_all(sockets))
    thread.join(timeout=2)
    assert not thread.is_alive()


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    """Return a fresh 1280×800 page on the terminal, as the store's screen shows it."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", base_url=base_url)
    context.set_default_timeout(5_000)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda exc: problems.append(str(exc)))
    yield tab
    context.close()
    assert problems == [], f"JavaScript errors on the page: {problems}"


@pytest.fixture
def balance(runtime: Runtime) -> Callable[[str], int]:
    """Return a lookup of a household's balance in the database."""

    def of(household_id: str) -> int:
        with runtime.kiosk.uow(write=False) as uow:
            return uow.session.get(Household, household_id).balance

    return of


@pytest.fixture
def stock(runtime: Runtime) -> Callable[[str], int]:
    """Return a lookup of a product's stock in the database."""

    def of(code: str) -> int:
        with runtime.kiosk.uow(write=False) as uow:
            return uow.session.get(Product, code).stock

    return of


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    """Return a function saving a page's screenshot under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(tab: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        tab.screenshot(path=str(path))
        return path

    return save
