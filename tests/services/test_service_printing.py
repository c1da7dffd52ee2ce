"""Printing a committed receipt: a printer fault is recorded, never undoes the exchange."""

from __future__ import annotations

import pytest
from service_helpers import balance, card

from kiosk.services import print_jobs, queries, terminal


@pytest.fixture
def receipt_id(seeded) -> int:
    k, cards = seeded[0].kiosk, seeded[1]
    terminal.scan(k, card(cards, "H0001-1"))
    terminal.set_cart_line(k, "SALT", 1)
    return terminal.checkout(k).receipt_id


def test_printing_a_receipt_sends_its_stored_bytes_and_marks_it_printed(seeded, receipt_id):
    runtime = seeded[0]
    assert print_jobs.print_receipt(runtime.kiosk, runtime.printer, receipt_id) is True
    stored = queries.receipt(runtime.kiosk, receipt_id)
    assert runtime.printer.last_job() == stored["escpos"]
    assert stored["status"] == "printed"


def test_a_printer_fault_is_recorded_and_the_exchange_stands(seeded, receipt_id):
    runtime = seeded[0]
    runtime.printer.fail("paper_out")
    assert print_jobs.print_receipt(runtime.kiosk, runtime.printer, receipt_id) is False
    assert queries.receipt(runtime.kiosk, receipt_id)["status"] == "failed"
    assert balance(runtime.kiosk, "H0001") == 315
    runtime.printer.fail(None)
    assert print_jobs.print_receipt(runtime.kiosk, runtime.printer, receipt_id) is True


def test_a_printer_that_raises_an_os_error_counts_as_offline(seeded, receipt_id):
    class Unplugged:
        def send(self, data: bytes) -> None:
            raise BrokenPipeError("gone")

        def status(self) -> str:
            return "offline"

    assert print_jobs.print_receipt(seeded[0].kiosk, Unplugged(), receipt_id) is False
    assert queries.receipt(seeded[0].kiosk, receipt_id)["status"] == "failed"


def test_printing_an_unknown_receipt_prints_nothing(seeded):
    runtime = seeded[0]
    assert print_jobs.print_receipt(runtime.kiosk, runtime.printer, 99_999) is False
    assert runtime.printer.jobs == []
