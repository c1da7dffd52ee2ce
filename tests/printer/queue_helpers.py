"""Helpers of the print queue tests: checkouts, reading jobs back, waiting for them."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fake_network_printer import FakeNetworkPrinter
from sqlalchemy import select

from kiosk.services import terminal
from kiosk.services.print_queue import QueueRules
from kiosk.storage.models import Receipt
from printer.backends import make_printer

FAST = QueueRules(attempts=3, retry_delay=0.05, poll=0.05, status_every=None)


def network(fake: FakeNetworkPrinter):
    return make_printer("network", host="127.0.0.1", port=fake.port, timeout=2, status_timeout=0.3)


def exchange(store, product: str = "SALT", qty: int = 1, holder: int = 0) -> int:
    """Check out one product for a demo card holder without printing; return the receipt id."""
    runtime, cards = store
    k = runtime.kiosk
    terminal.scan(k, cards[holder]["code"])
    terminal.set_cart_line(k, product, qty)
    return terminal.checkout(k).receipt_id


def job(k, receipt_id: int) -> Receipt:
    """Return a receipt row as it is now, detached from the database."""
    with k.uow(write=False) as uow:
        row = uow.session.get(Receipt, receipt_id)
        uow.session.expunge(row)
        return row


def statuses(k) -> dict[int, str]:
    with k.uow(write=False) as uow:
        return dict(uow.session.execute(select(Receipt.id, Receipt.status)).all())


def wait_until(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll ``check`` until it returns something true; fail after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        result = check()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError(f"not reached within {timeout}s")


def wait_status(k, receipt_id: int, status: str, timeout: float = 5.0) -> Receipt:
    return wait_until(lambda: (row := job(k, receipt_id)).status == status and row, timeout=timeout)
