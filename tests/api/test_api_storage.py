"""A kiosk whose disk fills up (or turns read-only) says so, changes nothing, and carries on.

The full disk is real: the kiosk's data folder is a tmpfs of a few megabytes, filled by
another file until not one byte fits. SQLite's own limits stand in where no mount is allowed,
and for a database that has become read-only under the kiosk.
"""

from __future__ import annotations

import errno
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, func, select, text

from kiosk import demo
from kiosk.bootstrap import Runtime, bootstrap
from kiosk.cli import demo_settings
from kiosk.services import staff
from kiosk.storage.models import Exchange, Household, Product
from printer.simulator import SimulatedPrinter
from terminal_ui import create_app
from tests.full_disk import fill, tmpfs

CJK = re.compile(r"[\u4e00-\u9fff]")
MESSAGE_ZH = "存储空间已满或只读"
PIN = "135790"


@dataclass
class Store:
    runtime: Runtime
    client: FlaskClient
    cards: dict[str, str]  # name → card code
    folder: Path

    def books(self) -> dict[str, Any]:
        """Return what a refused write must leave alone."""
        with self.runtime.kiosk.uow(write=False) as uow:
            s = uow.session
            return {
                "balances": dict(s.execute(select(Household.id, Household.balance)).all()),
                "stock": dict(s.execute(select(Product.code, Product.stock)).all()),
                "exchanges": s.scalar(select(func.count()).select_from(Exchange)),
            }

    def shop_for_soap(self) -> None:
        self.client.post("/api/scan", json={"code": self.cards["王建国"]})
        assert self.client.post(
            "/api/session/cart", json={"product_code": "SOAP", "qty": 1}
        ).is_json


def _store(folder: Path, seeded_store: Path) -> Store:
    for path in seeded_store.iterdir():
        shutil.copy2(path, folder / path.name)
    rt = bootstrap(demo_settings(folder), printer=SimulatedPrinter())
    staff.set_pin(rt.kiosk, PIN, actor="test")
    cards = demo.cards(rt.kiosk, folder)
    client = create_app(rt, {"DEMO_CARDS": cards}).test_client()
    return Store(rt, client, {c["name"]: c["code"] for c in cards}, folder)


@pytest.fixture
def small_disk_store(tmp_path: Path, seeded_store: Path) -> Iterator[Store]:
    """Return the demo store on a 16 MB filesystem of its own."""
    with tmpfs(tmp_path / "disk", "16m") as disk:
        store = _store(disk, seeded_store)
        try:
            yield store
        finally:
            store.runtime.close()


@pytest.fixture
def store(tmp_path: Path, seeded_store: Path) -> Iterator[Store]:
    """Return the demo store on the ordinary test disk."""
    store = _store(tmp_path, seeded_store)
    yield store
    store.runtime.close()


def _empty_wal(rt: Runtime) -> None:
    # Writes go to the WAL; a WAL already grown has room to reuse. Emptied, every write needs
    # new space on the disk, as on a kiosk whose WAL was just checkpointed.
    raw = rt.kiosk.engine.raw_connection()  # outside a transaction, as a checkpoint must be
    try:
        busy, _, _ = raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
    finally:
        raw.close()


def _assert_storage_refusal(answer) -> None:
    assert answer.status_code == 503, answer.get_data(as_text=True)
    error = answer.get_json()["error"]
    assert error["code"] == "storage_unavailable"
    assert MESSAGE_ZH in error["message"]


def test_a_checkout_on_a_full_disk_is_refused_with_503_changes_nothing_and_works_once_freed(
    small_disk_store,
):
    store = small_disk_store
    store.shop_for_soap()
    _empty_wal(store.runtime)
    filler = fill(store.folder)
    before = store.books()

    refused = store.client.post("/api/session/checkout", json={})
    english = store.client.post("/api/session/checkout?lang=en", json={})

    _assert_storage_refusal(refused)
    assert english.get_json()["error"]["message"].startswith("The kiosk cannot save")
    assert store.books() == before
    assert store.client.get("/api/session").get_json()["cart"][0]["product_code"] == "SOAP"

    filler.unlink()  # space comes back: no restart
    done = store.client.post("/api/session/checkout", json={})

    assert done.status_code == 200, done.get_data(as_text=True)
    assert store.books()["balances"]["H0001"] == before["balances"]["H0001"] - 8


def test_the_shopkeepers_sign_in_on_a_full_disk_shows_the_reason_on_the_page(small_disk_store):
    store = small_disk_store
    page = store.client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    _empty_wal(store.runtime)
    filler = fill(store.folder)

    answer = store.client.post("/admin/login", data={"csrf_token": token, "pin": PIN})

    assert answer.status_code == 503
    assert answer.mimetype == "text/html"
    assert MESSAGE_ZH in answer.get_data(as_text=True)
    assert store.client.get("/admin/").status_code == 302  # not signed in: nothing was saved
    filler.unlink()
    signed = store.client.post("/admin/login", data={"csrf_token": token, "pin": PIN})
    assert signed.status_code == 302


def _limit_pages(rt: Runtime, limit: dict[str, int | None]) -> None:
    """Hold every new connection of the kiosk to limit["pages"] database pages (None: no cap)."""

    @event.listens_for(rt.kiosk.engine, "connect")
    def _cap(dbapi_conn, _record) -> None:
        if limit["pages"] is not None:
            dbapi_conn.execute(f"PRAGMA max_page_count = {int(limit['pages'])}")

    rt.kiosk.engine.dispose()


def test_a_database_at_its_size_limit_refuses_with_503_and_works_once_it_may_grow(store):
    store.shop_for_soap()
    with store.runtime.kiosk.engine.connect() as conn:
        pages = conn.execute(text("PRAGMA page_count")).scalar()
    _empty_wal(store.runtime)
    limit: dict[str, int | None] = {"pages": pages}
    _limit_pages(store.runtime, limit)
    before = store.books()

    _assert_storage_refusal(store.client.post("/api/session/checkout", json={}))
    assert store.books() == before

    limit["pages"] = None
    store.runtime.kiosk.engine.dispose()
    assert store.client.post("/api/session/checkout", json={}).status_code == 200


def test_a_card_shown_to_the_camera_on_a_full_disk_is_answered_with_the_reason(
    small_disk_store,
):
    from kiosk.camera.scans import start_camera

    store = small_disk_store
    start_camera(store.runtime)  # the simulated camera, as in the demo
    _empty_wal(store.runtime)
    filler = fill(store.folder)
    before = store.books()

    shown = store.client.post("/api/camera/card", json={"code": store.cards["王建国"]})

    assert shown.status_code == 200
    outcome = shown.get_json()["camera"]["outcome"]
    assert outcome["ok"] is False and outcome["code"] == "storage_unavailable"
    assert MESSAGE_ZH in outcome["message"]
    assert store.client.get("/api/session").get_json()["mode"] == "idle"
    assert store.books() == before
    filler.unlink()
    again = store.client.post("/api/camera/card", json={"code": store.cards["王建国"]})
    assert again.get_json()["resident"]["name"] == "王建国"


def test_a_database_turned_read_only_refuses_with_503_and_works_once_writable(store):
    store.shop_for_soap()
    readonly = {"on": True}

    @event.listens_for(store.runtime.kiosk.engine, "connect")
    def _query_only(dbapi_conn, _record) -> None:
        dbapi_conn.execute(f"PRAGMA query_only = {int(readonly['on'])}")

    store.runtime.kiosk.engine.dispose()
    before = store.books()

    _assert_storage_refusal(store.client.post("/api/session/checkout", json={}))
    assert store.books() == before

    readonly["on"] = False
    store.runtime.kiosk.engine.dispose()
    assert store.client.post("/api/session/checkout", json={}).status_code == 200


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_a_file_write_failing_for_space_or_a_read_only_disk_answers_503(store, code):
    app = store.client.application

    @app.post("/api/test-write")
    def _write():
        raise OSError(code, "simulated")

    answer = app.test_client().post("/api/test-write")

    _assert_storage_refusal(answer)
