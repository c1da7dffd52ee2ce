"""The shopkeeper's printing use cases, the daily summary, previews, the API and upgrades."""

import sqlite3
import time
from datetime import date

import numpy as np
import pytest
import zxingcpp
from alembic import command
from alembic.config import Config
from escpos_decoder import decode
from PIL import Image
from queue_helpers import (
    exchange,
    job,
    network,
    wait_status,
)
from sqlalchemy import select

from core.db.engine import make_engine
from core.domain import errors
from kiosk.scan import decode as scan_decode
from kiosk.services import admin, checkin, day_report, inventory, print_jobs, receipt_images
from kiosk.services.print_queue import QueueRules
from kiosk.storage.migrate import MIGRATIONS
from kiosk.storage.models import AuditEntry, Household, Receipt
from printer.escpos import PrintOptions
from printer.simulator import SimulatedPrinter
from terminal_ui import create_app


def test_reprint_queues_a_marked_copy_and_audits_who_asked(store):
    k = store[0].kiosk
    original = exchange(store)
    printer = SimulatedPrinter()
    assert print_jobs.print_receipt(k, printer, original)

    copy = print_jobs.reprint(k, original, actor="店长")

    row = job(k, copy)
    assert (row.status, row.reprint_of, row.kind) == ("pending", original, "exchange")
    assert row.text.splitlines()[0].strip() == "【重打】"
    assert row.text.splitlines()[1:] == job(k, original).text.splitlines()
    assert print_jobs.reprint(k, copy, actor="店长") != copy  # a copy of a copy copies the original
    assert job(k, print_jobs.reprint(k, copy, actor="店长")).reprint_of == original
    with k.uow(write=False) as uow:
        audit = uow.session.execute(
            select(AuditEntry.actor, AuditEntry.details)
            .where(AuditEntry.action == "reprint")
            .order_by(AuditEntry.id)
        ).first()
    assert (audit.actor, audit.details["copy"]) == ("店长", copy)


def test_reprinting_a_failed_job_settles_it(store):
    k = store[0].kiosk
    printer = SimulatedPrinter()
    printer.fail("offline")
    original = exchange(store)
    print_jobs.print_receipt(k, printer, original)

    print_jobs.reprint(k, original, actor="店长")

    assert job(k, original).status == "dismissed"
    assert print_jobs.printer_status(k, printer)["attention"] == 0


def test_retry_refuses_a_printed_receipt_and_dismiss_clears_a_failed_one(store):
    k = store[0].kiosk
    printer = SimulatedPrinter()
    printed = exchange(store)
    print_jobs.print_receipt(k, printer, printed)
    printer.fail("cover_open")
    failed = exchange(store)
    print_jobs.print_receipt(k, printer, failed)

    with pytest.raises(errors.DomainError) as refused:
        print_jobs.retry(k, printed, actor="店长")
    assert refused.value.code == "receipt_already_printed"
    print_jobs.dismiss(k, failed, actor="店长")

    assert job(k, failed).status == "dismissed"
    assert print_jobs.printer_status(k, printer)["failed"] == []
    with pytest.raises(errors.UnknownReceipt):
        print_jobs.retry(k, 10**9, actor="店长")
    with pytest.raises(errors.UnknownReceipt):
        print_jobs.reprint(k, "1", actor="店长")


def test_a_receipt_stored_before_the_queue_is_reprinted_under_a_mark(store):
    k = store[0].kiosk
    with k.uow() as uow:
        old = Receipt(
            kind="exchange",
            ref="x",
            number="T01-000001",
            text="旧凭条\n",
            escpos=b"\x1b@\x1c&" + "旧凭条".encode("gb18030") + b"\n",
            created_at=k.clock.now(),
            status="printed",
        )
        uow.session.add(old)
        uow.commit()

    copy = job(k, print_jobs.reprint(k, old.id, actor="店长"))

    assert copy.text == "【重打】\n旧凭条\n"
    assert decode(copy.escpos).texts == ["【重打】", "旧凭条"]


def test_daily_summary_counts_the_day_from_the_database(store, clock):
    k = store[0].kiosk
    today = date(2025, 3, 1)  # START is 10:00 in the store, where the demo was seeded
    seeded = day_report.summary_figures(k, today)
    exchange(store, "SALT", 2)
    kept = exchange(store, "SOAP", 1)
    voided = job(k, exchange(store, "SALT", 1))
    admin.void_exchange(k, voided.number, "误选商品", actor="店长")
    inventory.restock(k, "SALT", 10, "donation", "县妇联", actor="店长")
    checkin.check_in(k, "ACT-SCREEN", resident_id="H0003-1", actor="店长")

    figures = day_report.summary_figures(k, today)

    # The voided exchange counts as a void, not as an exchange, like the goods it returned.
    assert (figures.exchanges, figures.points_spent) == (2, 2 * 5 + 8)
    assert (figures.voids, figures.checkins, figures.points_earned) == (1, 1, 30)
    assert figures.restocks == seeded.restocks + 1
    assert dict(figures.goods_out) == {"食用盐 400克": 2, "雕牌肥皂": 1}
    assert job(k, kept).status == "pending"
    assert day_report.summary_figures(k, date(2025, 3, 2)).exchanges == 0

    receipt_id = day_report.daily_summary(k, today, actor="店长")
    text = decode(job(k, receipt_id).escpos).texts
    assert "日结汇总" in text
    assert any(line.startswith("兑换笔数") and line.endswith("2") for line in text)
    assert job(k, receipt_id).number == "T01-D20250301"


def test_preview_of_a_receipt_shows_its_text_and_a_scannable_qr(store):
    k = store[0].kiosk
    receipt_id = exchange(store)

    png = receipt_images.preview_png(k, receipt_id)

    image = np.asarray(Image.open(__import__("io").BytesIO(png)).convert("L"))
    assert image.shape[1] == 32 * 12 + 32
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [job(k, receipt_id).number]
    assert (image < 128).sum() > 5000  # the Chinese text is drawn, not only the code


def test_raster_text_printers_get_images_that_scan(store, start_worker, fake):
    k = store[0].kiosk
    start_worker(network(fake), options=PrintOptions(width=32, raster_text=True, cut=False))
    receipt_id = exchange(store)

    row = wait_status(k, receipt_id, "printed")

    (paper,) = fake.wait_printed(1)
    assert paper == row.escpos  # the record keeps the bytes the printer got
    decoded = decode(paper)
    assert decoded.texts == [] and decoded.qr_payloads == [] and decoded.cuts == []
    assert decoded.rasters and all(r.shape[1] == 384 for r in decoded.rasters)
    from escpos_decoder import raster_page

    assert scan_decode(raster_page(decoded)) == [row.number]


@pytest.fixture
def client(store):
    return create_app(store[0], {"DEMO_CARDS": []}).test_client()


def checkout(client, store):
    client.post("/api/scan", json={"code": store[1][0]["code"]})
    client.post("/api/session/cart", json={"product_code": "SALT", "qty": 1})
    started = time.monotonic()
    response = client.post("/api/session/checkout", json={})
    return response, time.monotonic() - started


def household_balance(k, household_id: str) -> int:
    with k.uow(write=False) as uow:
        return uow.session.get(Household, household_id).balance


def test_checkout_answers_printed_when_the_worker_prints_at_once(client, store, start_worker):
    printer = SimulatedPrinter()
    start_worker(printer)

    response, took = checkout(client, store)

    done = response.get_json()
    assert response.status_code == 200
    assert done["printed"] is True
    assert {"exchange_id", "total", "balance_after", "receipt_id", "printed"} <= done.keys()
    assert took < 1.5
    assert len(printer.jobs) == 1


def test_a_printer_fault_during_checkout_neither_rolls_back_nor_blocks(
    client, store, start_worker, fake
):
    k = store[0].kiosk
    fake.set_state("paper_out")
    start_worker(network(fake), QueueRules(attempts=3, retry_delay=1.0, poll=0.05))
    before = household_balance(k, "H0001")

    response, took = checkout(client, store)

    done = response.get_json()
    assert response.status_code == 200
    assert done["printed"] is False
    assert took < print_jobs.API_WAIT + 1.0
    assert household_balance(k, "H0001") == before - 5 == done["balance_after"]
    assert client.get(f"/api/receipts/{done['receipt_id']}").status_code == 200
    assert wait_status(k, done["receipt_id"], "failed").error == "paper_out"
    assert fake.jobs == []


def test_upgrading_holds_receipts_that_never_printed(tmp_path):
    db = tmp_path / "kiosk.db"
    engine = make_engine(f"sqlite:///{db}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
    with sqlite3.connect(db) as con:
        con.execute(
            "INSERT INTO receipts (id, kind, ref, number, text, escpos, created_at, status)"
            " VALUES (1, 'restock', 'b1', 'R1', 't', x'00', '2026-01-01 00:00:00', 'pending'),"
            " (2, 'exchange', 'e1', 'X1', 't', x'00', '2026-01-01 00:00:00', 'printed')"
        )
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    engine.dispose()
    with sqlite3.connect(db) as con:
        rows = con.execute(
            "SELECT id, status, error, queued_at, attempts FROM receipts ORDER BY id"
        ).fetchall()
    assert rows == [
        (1, "held", "stale", "2026-01-01 00:00:00", 0),
        (2, "printed", None, "2026-01-01 00:00:00", 0),
    ]
