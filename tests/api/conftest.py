"""Fixtures for the kiosk JSON API: a seeded demo store behind a Flask test client."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from kiosk import demo
from kiosk.bootstrap import Runtime, bootstrap
from kiosk.cli import demo_settings
from kiosk.storage.models import Base, Household, Product, SessionLine, TerminalSession
from printer.simulator import SimulatedPrinter
from terminal_ui import create_app

CJK = re.compile(r"[\u4e00-\u9fff]")

# Demo households by balance, as seeded by kiosk.demo.
RICH = "王建国"  # 王建国家, 320 points, three members
POOR = "宋明亮"  # 宋明亮家, 5 points


@pytest.fixture
def printer() -> SimulatedPrinter:
    """Return the in-memory printer the kiosk prints to."""
    return SimulatedPrinter()


@pytest.fixture(scope="session")
def seeded_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a data directory seeded once with the demo store, to be copied per test."""
    data = tmp_path_factory.mktemp("demo-store")
    rt = bootstrap(demo_settings(data), printer=SimulatedPrinter())
    demo.seed(rt.kiosk, data)
    rt.close()
    return data


@pytest.fixture
def runtime(tmp_path: Path, seeded_store: Path, printer: SimulatedPrinter):
    """Return a migrated kiosk holding its own copy of the demo store."""
    # Copying the seeded files is 20x faster than seeding each test's store again.
    for path in seeded_store.iterdir():
        shutil.copy2(path, tmp_path / path.name)
    rt = bootstrap(demo_settings(tmp_path), printer=printer)
    yield rt
    rt.close()


@pytest.fixture
def cards(runtime: Runtime, tmp_path: Path) -> list[dict[str, Any]]:
    """Return the demo cards: code, name, household, balance, resident_id."""
    return demo.cards(runtime.kiosk, tmp_path)


@pytest.fixture
def card(cards: list[dict[str, Any]]) -> Callable[[str], dict[str, Any]]:
    """Return a lookup of a demo card by its holder's name."""
    by_name = {c["name"]: c for c in cards}
    return by_name.__getitem__


@pytest.fixture
def app(runtime: Runtime, cards: list[dict[str, Any]]) -> Flask:
    """Return the terminal app as the demo serves it."""
    return create_app(runtime, {"DEMO_CARDS": cards})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client of the terminal app."""
    return app.test_client()


@pytest.fixture
def snapshot(runtime: Runtime) -> Callable[[], dict[str, Any]]:
    """Return a function capturing everything a refused request must leave alone."""

    def take() -> dict[str, Any]:
        with runtime.kiosk.uow(write=False) as uow:
            s = uow.session
            rows = {
                table.name: s.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables
            }
            open_session = s.scalar(
                select(TerminalSession.id).where(TerminalSession.status == "open")
            )
            return {
                "rows": rows,
                "balances": dict(s.execute(select(Household.id, Household.balance)).all()),
                "stock": dict(s.execute(select(Product.code, Product.stock)).all()),
                "active": dict(s.execute(select(Product.code, Product.active)).all()),
                "open_session": open_session,
                "cart": sorted(
                    tuple(row)
                    for row in s.execute(select(SessionLine.product_code, SessionLine.qty))
                ),
                "statuses": sorted(
                    tuple(row)
                    for row in s.execute(select(TerminalSession.id, TerminalSession.status))
                ),
                "printed": len(runtime.printer.jobs),
            }

    return take


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
