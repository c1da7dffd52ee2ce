"""The print worker: order, status checks, bounded retries, faults held for the shopkeeper."""

import time

import pytest
from escpos_decoder import decode
from queue_helpers import (
    FAST,
    exchange,
    job,
    network,
    statuses,
    wait_status,
    wait_until,
)
from sqlalchemy import select

from kiosk.services import print_config, print_jobs, print_queue
from kiosk.services.print_queue import PrintWorker, QueueRules
from kiosk.storage.models import AuditEntry, Receipt
from printer.simulator import SimulatedPrinter


def test_pending_jobs_print_in_order_and_keep_the_bytes_sent(store, start_worker):
    k = store[0].kiosk
    ids = [exchange(store) for _ in range(3)]
    printer = SimulatedPrinter()

    start_worker(printer)

    rows = [wait_status(k, rid, "printed") for rid in ids]
    assert printer.jobs == [row.escpos for row in rows]
    numbers = [row.number for row in rows]
    assert [decode(data).qr_payloads for data in printer.jobs] == [[n.encode()] for n in numbers]
    assert all(row.attempts == 1 and row.printer_state == "ok" for row in rows)


def test_a_checkout_receipt_prints_through_the_worker_on_a_network_printer(
    store, start_worker, fake
):
    k = store[0].kiosk
    start_worker(network(fake))
    receipt_id = exchange(store)

    assert print_jobs.print_receipt(k, None, receipt_id, wait=3) is True

    (paper,) = fake.wait_printed(1)
    decoded = decode(paper)
    row = job(k, receipt_id)
    assert f"交易号：{row.number}" in decoded.texts
    assert decoded.qr_payloads == [row.number.encode()]
    assert decoded.cuts == [b"\x1dV\x01"]
    assert decoded.unknown == []
    assert 1 in fake.queries  # the printer was asked before it was sent anything


def test_paper_out_holds_the_job_and_the_admin_summary_reports_it(store, start_worker, fake):
    k = store[0].kiosk
    fake.set_state("paper_out")
    printer = network(fake)
    start_worker(printer)
    receipt_id = exchange(store)

    assert print_jobs.print_receipt(k, printer, receipt_id, wait=3) is False

    row = wait_status(k, receipt_id, "failed")
    assert (row.error, row.attempts, row.printer_state) == ("paper_out", 3, "paper_out")
    assert fake.jobs == []  # asked three times, never sent a byte of the receipt
    summary = print_jobs.printer_status(k, printer)
    assert (summary["state"], summary["ok"], summary["message"]) == (
        "paper_out",
        False,
        "Printer out of paper",
    )
    assert summary["attention"] == 1
    (failed,) = summary["failed"]
    assert (failed["id"], failed["reason"], failed["message"]) == (
        receipt_id,
        "paper_out",
        "Printer out of paper",
    )


def test_back_online_a_held_job_prints_only_when_the_shopkeeper_asks(store, start_worker, fake):
    k = store[0].kiosk
    fake.set_state("cover_open")
    start_worker(network(fake))
    receipt_id = exchange(store)
    wait_status(k, receipt_id, "failed")

    fake.set_state("ok")
    time.sleep(0.5)  # ten polls of the queue
    assert fake.jobs == []
    assert job(k, receipt_id).status == "failed"

    print_jobs.retry(k, receipt_id, actor="店长")
    wait_status(k, receipt_id, "printed")
    copy_id = print_jobs.reprint(k, receipt_id, actor="店长")
    wait_status(k, copy_id, "printed")

    first, copy = (decode(data) for data in fake.wait_printed(2))
    assert not any("重打" in text for text in first.texts)
    assert copy.texts[0] == "【重打】"
    assert copy.qr_payloads == first.qr_payloads
    with k.uow(write=False) as uow:
        actions = uow.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["print_retry", "reprint"]


def test_a_retried_job_is_reported_by_its_new_outcome_not_its_old_one(store, start_worker):
    k = store[0].kiosk
    printer = SimulatedPrinter()
    printer.fail("paper_out")
    start_worker(printer)
    receipt_id = exchange(store)
    assert print_jobs.print_receipt(k, printer, receipt_id, wait=3) is False
    wait_status(k, receipt_id, "failed")
    printer.fail(None)

    print_jobs.retry(k, receipt_id, actor="店长")

    assert print_jobs.print_receipt(k, printer, receipt_id, wait=3) is True
    assert len(printer.jobs) == 1


def test_tries_are_bounded_and_wait_longer_each_time(store, start_worker):
    class Offline(SimulatedPrinter):
        def __init__(self):
            super().__init__()
            self.asked: list[float] = []

        def status(self):
            self.asked.append(time.monotonic())
            return "offline"

    printer = Offline()
    start_worker(printer, QueueRules(attempts=4, retry_delay=0.05, poll=0.05, status_every=None))
    receipt_id = exchange(store)

    row = wait_status(store[0].kiosk, receipt_id, "failed")

    assert (row.error, row.attempts) == ("offline", 4)
    gaps = [b - a for a, b in zip(printer.asked, printer.asked[1:], strict=False)]
    assert len(printer.asked) == 4
    assert gaps[0] >= 0.04 and gaps[1] >= 0.09 and gaps[2] >= 0.19


def test_a_printer_that_recovers_within_the_tries_prints_the_job(store, start_worker):
    class Flaky(SimulatedPrinter):
        def __init__(self):
            super().__init__()
            self.fail("offline")

        def status(self):
            state = super().status()
            self.fail(None)  # the cable is back in after the first try
            return state

    printer = Flaky()
    start_worker(printer)
    receipt_id = exchange(store)

    row = wait_status(store[0].kiosk, receipt_id, "printed")
    assert row.attempts == 2
    assert len(printer.jobs) == 1


def test_a_send_that_fails_after_a_good_status_is_retried(store, start_worker):
    class Unplugged(SimulatedPrinter):
        def send(self, data):
            raise BrokenPipeError("gone")

    start_worker(Unplugged())
    row = wait_status(store[0].kiosk, exchange(store), "failed")
    assert (row.error, row.printer_state) == ("offline", "ok")


def test_a_silent_printer_is_unknown_and_gets_jobs_only_when_status_is_not_required(
    store, start_worker, fake
):
    k = store[0].kiosk
    fake.set_state("silent")
    worker = start_worker(network(fake))
    receipt_id = exchange(store)

    row = wait_status(k, receipt_id, "printed")
    assert row.printer_state == "unknown"
    assert worker.state == "unknown"
    worker.stop()

    start_worker(
        network(fake),
        QueueRules(attempts=2, retry_delay=0.05, require_status=True, status_every=None),
    )
    strict_id = exchange(store)
    row = wait_status(k, strict_id, "failed")
    assert row.error == "unknown"
    assert len(fake.jobs) == 1


def test_pending_jobs_survive_a_restart(store, start_worker):
    k = store[0].kiosk
    printer = SimulatedPrinter()
    printer.fail("offline")
    first = start_worker(
        printer, QueueRules(attempts=50, retry_delay=0.05, poll=0.05, status_every=None)
    )
    receipt_id = exchange(store)
    wait_until(lambda: job(k, receipt_id).attempts >= 2)
    first.stop()  # the kiosk is switched off while the job waits for its next try
    assert job(k, receipt_id).status == "pending"

    printer.fail(None)
    start_worker(printer)  # switched on again within minutes

    assert wait_status(k, receipt_id, "printed")
    assert len(printer.jobs) == 1


def test_jobs_too_old_at_start_are_held_not_printed(store, start_worker, clock):
    k = store[0].kiosk
    old = exchange(store)
    clock.advance(minutes=11)
    fresh = exchange(store)
    printer = SimulatedPrinter()

    start_worker(printer)

    wait_status(k, fresh, "printed")
    row = job(k, old)
    assert (row.status, row.error) == ("held", "stale")
    assert len(printer.jobs) == 1
    assert [j["id"] for j in print_jobs.printer_status(k, printer)["failed"]] == [old]


def test_a_job_cut_off_mid_send_is_held_at_start(store, start_worker):
    k = store[0].kiosk
    receipt_id = exchange(store)
    with k.uow() as uow:
        uow.session.get(Receipt, receipt_id).status = "printing"
        uow.commit()
    printer = SimulatedPrinter()

    worker = start_worker(printer)

    row = job(k, receipt_id)
    assert (row.status, row.error) == ("held", "interrupted")
    assert worker.run_pending() == 0
    assert printer.jobs == []


def test_a_job_that_waited_too_long_behind_others_is_held(store, clock):
    k = store[0].kiosk
    receipt_id = exchange(store)
    worker = PrintWorker(k, SimulatedPrinter(), rules=FAST)
    worker.recover()
    clock.advance(minutes=30)  # the worker was busy (or the printer slow) all this time

    assert worker.run_pending() == 1
    assert job(k, receipt_id).status == "held"


def test_without_a_running_worker_print_receipt_tries_once_here(store):
    k = store[0].kiosk
    printer = SimulatedPrinter()
    printer.fail("paper_out")
    receipt_id = exchange(store)

    assert print_jobs.print_receipt(k, printer, receipt_id) is False
    assert job(k, receipt_id).error == "paper_out"
    printer.fail(None)
    assert print_jobs.print_receipt(k, printer, receipt_id) is True
    assert print_jobs.print_receipt(k, printer, receipt_id) is True
    assert len(printer.jobs) == 1  # printed once, not once per call


def test_a_stopped_worker_is_no_longer_found(store, start_worker):
    k = store[0].kiosk
    worker = start_worker(SimulatedPrinter())
    assert print_queue.running_worker(k) is worker
    worker.stop()
    assert print_queue.running_worker(k) is None
    assert set(statuses(k).values()) <= {"printed"}


@pytest.mark.parametrize("state", ["paper_out", "unplugged"])
def test_new_receipts_still_print_once_the_fault_is_cleared(store, start_worker, fake, state):
    k = store[0].kiosk
    fake.set_state(state)
    start_worker(network(fake))
    lost = exchange(store)
    wait_status(k, lost, "failed")
    fake.set_state("ok")

    later = exchange(store)

    wait_status(k, later, "printed")
    assert job(k, lost).status == "failed"
    assert len(fake.wait_printed(1)) == 1


def test_an_idle_worker_keeps_the_printer_state_current_for_the_admin_screen(store, start_worker):
    k = store[0].kiosk
    printer = SimulatedPrinter()
    printer.fail("paper_out")
    start_worker(printer, QueueRules(poll=0.02, status_every=0.05))
    wait_until(lambda: print_jobs.printer_status(k, printer, live=False)["state"] == "paper_out")

    printer.fail(None)  # paper put in; no job has been sent since

    wait_until(lambda: print_jobs.printer_status(k, printer, live=False)["state"] == "ok")


def test_the_runtime_starts_its_worker_from_the_printer_settings(store):
    runtime = store[0]
    receipt_id = exchange(store)

    worker = print_config.start_print_worker(runtime)
    try:
        assert print_queue.running_worker(runtime.kiosk) is worker
        assert worker.options.width == 32 and worker.rules.attempts == 3
        wait_status(runtime.kiosk, receipt_id, "printed")
        assert runtime.printer.jobs == [job(runtime.kiosk, receipt_id).escpos]
    finally:
        worker.stop()
