"""Fixtures for the fuzz tests: the kiosk app with its simulated camera, and central on SQLite."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from flask import Flask

from kiosk import demo
from kiosk.bootstrap import Runtime, bootstrap
from kiosk.camera import CameraLoop
from kiosk.camera.scans import CameraScans
from kiosk.camera.sim import SimulatedCamera
from kiosk.cli import demo_settings
from printer.simulator import SimulatedPrinter
from sync.central.app import create_central_app
from sync.central.server import open_central
from sync.central.services import activities, kiosks, roster
from sync.central.services import goods as goods_service
from sync.central.services import tokens as tokens_service
from terminal_ui import create_app
from tests.pg import PG_URL, new_database


@pytest.fixture(scope="session")
def seeded_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a data directory seeded once with the demo store, to be copied per test."""
    data = tmp_path_factory.mktemp("fuzz-store")
    rt = bootstrap(demo_settings(data), printer=SimulatedPrinter())
    demo.seed(rt.kiosk, data)
    rt.close()
    return data


@pytest.fixture
def kiosk_runtime(tmp_path: Path, seeded_store: Path):
    """Return a kiosk holding its own copy of the demo store, with a simulated camera."""
    for path in seeded_store.iterdir():
        shutil.copy2(path, tmp_path / path.name)
    rt = bootstrap(demo_settings(tmp_path), printer=SimulatedPrinter())
    # The camera loop's threads are not started: uploads decode in the request's own thread.
    rt.camera_scans = CameraScans(rt)
    rt.camera = CameraLoop(SimulatedCamera(), on_code=rt.camera_scans)
    yield rt
    rt.close()


@pytest.fixture
def kiosk_app(kiosk_runtime: Runtime, tmp_path: Path) -> Flask:
    """Return the terminal app as the demo serves it."""
    return create_app(kiosk_runtime, {"DEMO_CARDS": demo.cards(kiosk_runtime.kiosk, tmp_path)})


@dataclass(frozen=True)
class CentralApp:
    """Central's app with the tokens a kiosk and the office hold."""

    app: Flask
    kiosk_id: str
    kiosk_token: str
    office_token: str


def seed_central(url: str) -> CentralApp:
    """Open central at url with two households, goods, an activity, a kiosk and office token."""
    c = open_central(url)
    roster.add_roster(
        c,
        [
            roster.RosterRow(2, "王建国家", "王建国", "", 100),
            roster.RosterRow(3, "王建国家", "李秀英", "", 100),
            roster.RosterRow(4, "张伟家", "张伟", "", 30),
        ],
    )
    goods_service.save_products(c, [goods_service.ProductRow(2, "OIL", "食用油", "粮油", 30, "瓶")])
    activities.define_activity(c, "SORT", "垃圾分类积分日", "垃圾分类", date(2026, 11, 1), 10)
    enrolled = kiosks.enroll(c, "东村爱心超市", "K001")
    office = tokens_service.office_token(c, role="viewer")
    return CentralApp(create_central_app(c), enrolled.kiosk_id, enrolled.token, office)


@pytest.fixture
def central_app(tmp_path: Path):
    """Return central on a fresh SQLite database, seeded."""
    seeded = seed_central(f"sqlite:///{tmp_path / 'central.db'}")
    yield seeded
    seeded.app.extensions["central"].engine.dispose()


@pytest.fixture(scope="module")
def central_pg_app():
    """Return central on a fresh PostgreSQL database, seeded, shared by a module's tests."""
    with new_database("kt_fuzz") as name:
        seeded = seed_central(PG_URL.format(name=name))
        yield seeded
        seeded.app.extensions["central"].engine.dispose()
