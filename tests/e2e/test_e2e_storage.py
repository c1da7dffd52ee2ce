"""The resident screen on a kiosk that cannot save: the reason is shown and nothing is spent."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import event

from tests.e2e.idle import tap_card

pytestmark = pytest.mark.browser


def test_the_resident_sees_why_an_exchange_cannot_be_saved_and_can_finish_it_later(
    page, runtime, card, balance
):
    page.goto("/")
    tap_card(page, card("王建国")["code"])
    page.locator(".good[data-code='SOAP'] .add").click()
    expect(page.locator("#total")).to_have_text("8")
    # The database may not grow: SQLite answers "database or disk is full", as on a full disk.
    raw = runtime.kiosk.engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = raw.driver_connection.execute("PRAGMA page_count").fetchone()[0]
    finally:
        raw.close()
    cap = {"pages": pages}

    @event.listens_for(runtime.kiosk.engine, "connect")
    def _cap(dbapi_conn, _record) -> None:
        if cap["pages"]:
            dbapi_conn.execute(f"PRAGMA max_page_count = {cap['pages']}")

    runtime.kiosk.engine.dispose()

    page.locator("#confirm").click()

    expect(page.locator("#message")).to_contain_text("存储空间已满或只读")
    expect(page.locator("#shop")).to_be_visible()
    assert balance("H0001") == 320

    cap["pages"] = 0  # space again: the kiosk carries on without a restart
    runtime.kiosk.engine.dispose()
    page.locator("#confirm").click()
    expect(page.locator("#new-balance")).to_have_text("312")
    assert balance("H0001") == 312
