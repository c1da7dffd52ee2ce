"""Fixtures of the printer tests: a store with an empty print queue, workers, a fake printer."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fake_network_printer import FakeNetworkPrinter
from queue_helpers import FAST
from sqlalchemy import update

from kiosk.services.print_queue import PrintWorker, QueueRules
from kiosk.storage.models import Receipt
from printer.escpos import PrintOptions


@pytest.fixture
def store(seeded):
    """Return (runtime, cards) of the demo store with nothing left in the print queue."""
    runtime, cards = seeded
    # Seeding the demo restocked every product: those slips are not what these tests print.
    with runtime.kiosk.uow() as uow:
        uow.session.execute(update(Receipt).values(status="printed"))
        uow.commit()
    return runtime, cards


@pytest.fixture
def fake() -> Iterator[FakeNetworkPrinter]:
    printer = FakeNetworkPrinter()
    yield printer
    printer.close()


@pytest.fixture
def start_worker(store) -> Iterator[Callable[..., PrintWorker]]:
    """Return a function that starts a print worker for the store; all stop afterwards."""
    started: list[PrintWorker] = []

    def start(printer, rules: QueueRules = FAST, options: PrintOptions | None = None):
        worker = PrintWorker(store[0].kiosk, printer, options, rules)
        worker.start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
