"""The print queue and its worker: receipts committed with what they record, printed afterwards
(in order) by one worker thread.

A printer fault never undoes or blocks what was recorded. The rules:

- A job is a Receipt row: pending → printing → printed, or failed / held for the shopkeeper.
- One worker thread prints pending jobs oldest first. Before each try it asks the printer's
  status (DLE EOT, where the backend can read): offline, paper out or cover open is not sent;
  no answer is "unknown", never OK (sent anyway, unless require_status is set).
- A job gets ``attempts`` tries, ``retry_delay`` apart and doubling; then it is failed with
  the last reason (offline, paper_out, cover_open, unknown).
- Never print a stale receipt on its own: a job queued more than ``stale_after`` ago is held
  instead (checked at start and whenever the worker reaches it), and a job found "printing"
  at start was cut off mid-send (it may be half on paper) and is held too.
- Failed and held jobs print again only when the shopkeeper asks: retry() sends the same
  receipt, reprint() queues a copy marked 重打; dismiss() clears one from the list.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from kiosk.services.context import Kiosk
from kiosk.storage.models import Receipt
from kiosk.storage.states import PrintStatus
from printer.escpos import PrintOptions, encode
from printer.layout import layout
from printer.ports import (
    PRINTABLE,
    PrinterError,
    PrinterState,
    ReceiptPrinter,
    state_message,
)
from printer.receipt import from_data

log = logging.getLogger(__name__)

# Why the queue itself held a job; a failed job's reason is the printer's state (STATE_MESSAGES).
HOLD_REASONS = {
    "stale": "Queued too long to print on its own: the shopkeeper decides",
    "interrupted": "Printing was cut off: part of it may be on paper",
}


def reason_message(reason: str) -> str:
    """Return the message id saying why a job did not print."""
    return HOLD_REASONS.get(reason) or state_message(reason)


@dataclass(frozen=True)
class QueueRules:
    """How hard the queue tries, and how old a job may be and still print on its own."""

    attempts: int = 3
    retry_delay: float = 1.0  # seconds before the second try; doubles after each
    stale_after: timedelta = timedelta(minutes=10)
    require_status: bool = False  # True: a printer that does not answer DLE EOT gets no job
    poll: float = 0.5  # seconds between looks for jobs queued by another process
    status_every: float | None = 30.0  # seconds between status checks while idle (admin screen)


def running_worker(k: Kiosk) -> PrintWorker | None:
    """Return the started print worker of this kiosk, if any."""
    return k.print_worker


class PrintWorker:
    """Print pending jobs from the database, one at a time, oldest first."""

    def __init__(
        self,
        k: Kiosk,
        printer: ReceiptPrinter,
        options: PrintOptions | None = None,
        rules: QueueRules | None = None,
    ) -> None:
        self.k = k
        self.printer = printer
        self.options = options or PrintOptions(width=k.paper_width)
        self.rules = rules or QueueRules()
        self.state: str = PrinterState.UNKNOWN  # the printer's state as last seen
        self.state_at: datetime | None = None
        self._checked = float("-inf")  # monotonic time of the last status check
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._done = threading.Condition()
        self._outcomes: OrderedDict[int, str] = OrderedDict()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Tell whether the worker thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Hold what must not print on its own, then print in a background thread."""
        self.recover()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="print-queue", daemon=True)
        self.k.print_worker = self  # how the API and admin views find the worker
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the job in hand; a job waiting for its next try stays pending."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self.k.print_worker is self:
            self.k.print_worker = None

    def wake(self, requeued: int | None = None) -> None:
        """Look for new jobs now; ``requeued`` names a job queued again, whose last outcome
        no longer counts."""
        if requeued is not None:
            with self._done:
                self._outcomes.pop(requeued, None)
        self._wake.set()

    def wait_for(self, receipt_id: int, timeout: float) -> str | None:
        """Wait until a job is printed, failed or held; return that, or its status on timeout."""
        with self._done:
            self._done.wait_for(lambda: receipt_id in self._outcomes, timeout=timeout)
            if receipt_id in self._outcomes:
                return self._outcomes[receipt_id]
        with self.k.uow(write=False) as uow:
            row = uow.session.get(Receipt, receipt_id)
            return row.status if row is not None else None

    def recover(self) -> int:
        """Hold jobs too old to print on their own and jobs cut off mid-send; return how many."""
        now = self.k.clock.now()
        with self.k.uow() as uow:
            s = uow.session
            rows = s.scalars(
                select(Receipt).where(
                    Receipt.status.in_((PrintStatus.PENDING, PrintStatus.PRINTING))
                )
            )
            held = 0
            for row in rows:
                if row.status == PrintStatus.PRINTING:
                    hold(row, "interrupted")
                elif self._stale(row, now):
                    hold(row, "stale")
                else:
                    continue
                held += 1
            uow.commit()
        if held:
            log.warning("print queue: %d job(s) held for the shopkeeper at start", held)
            self.k.changed("printer")
        return held

    def run_pending(self) -> int:
        """Print every job that is due now, in order; return how many were handled."""
        handled = 0
        while not self._stop.is_set():
            job = _next_job(self.k)
            if job is None:
                break
            self._handle(job)
            handled += 1
        return handled

    def check_status(self) -> str:
        """Ask the printer's state now and remember it; tell the screen when it changed."""
        self._saw(self.printer.status())
        return self.state

    def _saw(self, state: str) -> None:
        changed = state != self.state
        self.state, self.state_at, self._checked = state, self.k.clock.now(), time.monotonic()
        if changed:
            self.k.changed("printer")

    def _run(self) -> None:
        every = self.rules.status_every
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.run_pending()
                if every is not None and time.monotonic() - self._checked >= every:
                    self.check_status()  # keeps the admin screen's printer state current
            except Exception:  # a locked database, a driver bug: log, wait, try again
                log.exception("print queue")
            self._wake.wait(self.rules.poll)

    def _handle(self, job_id: int) -> None:
        delay = self.rules.retry_delay
        while not self._stop.is_set():
            claimed = self._claim(job_id)
            if claimed is None:
                return
            attempt, data = claimed
            state, reason = attempt_print(self.printer, data, self.rules.require_status)
            self._saw(state)
            last = reason is not None and attempt >= self.rules.attempts
            status = (
                PrintStatus.PRINTED
                if reason is None
                else PrintStatus.FAILED
                if last
                else PrintStatus.PENDING
            )
            record_outcome(self.k, job_id, status, state, reason, data)
            if status != PrintStatus.PENDING:
                self._finish(job_id, status)
                return
            log.info(
                "print queue: job %d try %d: %s; again in %.1fs", job_id, attempt, reason, delay
            )
            if self._stop.wait(delay):
                return
            delay *= 2

    def _claim(self, job_id: int) -> tuple[int, bytes] | None:
        """Mark a pending job printing (or hold it if stale); return its try number and bytes."""
        now = self.k.clock.now()
        with self.k.uow() as uow:
            row = uow.session.get(Receipt, job_id)
            if row is None or row.status != PrintStatus.PENDING:
                return None
            if self._stale(row, now):
                hold(row, "stale")
                uow.commit()
                self._finish(job_id, PrintStatus.HELD)
                return None
            row.status = PrintStatus.PRINTING
            row.attempts += 1
            attempt, source, stored = row.attempts, row.source, row.escpos
            uow.commit()
        return attempt, self._bytes(source, stored)

    def _bytes(self, source: dict | None, stored: bytes) -> bytes:
        """Encode the job for this printer; rows from before the queue keep their bytes."""
        if not source:
            return stored
        try:
            return encode(layout(from_data(source), self.options.width), self.options)
        except (ValueError, TypeError, KeyError):
            log.exception("print queue: cannot lay out a stored receipt; sending its bytes")
            return stored

    def _stale(self, row: Receipt, now: datetime) -> bool:
        return now - (row.queued_at or row.created_at) > self.rules.stale_after

    def _finish(self, job_id: int, status: str) -> None:
        with self._done:
            self._outcomes[job_id] = status
            while len(self._outcomes) > 500:
                self._outcomes.popitem(last=False)
            self._done.notify_all()
        self.k.changed("printer")


def attempt_print(
    printer: ReceiptPrinter, data: bytes, require_status: bool = False
) -> tuple[str, str | None]:
    """Ask the printer's state, then send if it can print; return (state, failure or None)."""
    try:
        state = printer.status()
    except Exception:  # a driver bug must not leave the job stuck mid-print
        log.exception("printer status")
        state = PrinterState.UNKNOWN
    if state not in PRINTABLE and not (state == PrinterState.UNKNOWN and not require_status):
        return state, state
    try:
        printer.send(data)
    except PrinterError as exc:
        return state, exc.code
    except OSError:  # a driver that leaks an OS error is still just an offline printer
        return state, PrinterState.OFFLINE
    except Exception:
        log.exception("printer send")
        return state, PrinterState.UNKNOWN
    return state, None


def _next_job(k: Kiosk) -> int | None:
    """Return the oldest pending job's id."""
    with k.uow(write=False) as uow:
        return uow.session.scalar(
            select(Receipt.id)
            .where(Receipt.status == PrintStatus.PENDING)
            .order_by(Receipt.queued_at, Receipt.id)
            .limit(1)
        )


def record_outcome(
    k: Kiosk,
    job_id: int,
    status: str,
    state: str,
    reason: str | None,
    data: bytes,
    tried: bool = False,
) -> None:
    """Store how a try at a job ended: printed, failed, or pending for the next try."""
    with k.uow() as uow:
        row = uow.session.get(Receipt, job_id)
        row.attempts += int(tried)
        row.status = status
        row.printer_state = state
        row.error = reason
        row.detail = reason_message(reason) if reason else None
        if status == PrintStatus.PRINTED:
            row.printed_at = k.clock.now()
            if row.escpos != data:
                row.escpos = data  # keep the exact bytes the printer got
        uow.commit()
    if status == PrintStatus.FAILED:
        log.warning("print queue: job %d failed: %s", job_id, reason)


def hold(row: Receipt, reason: str) -> None:
    """Hold a job for the shopkeeper, saying why."""
    row.status = PrintStatus.HELD
    row.error = reason
    row.detail = HOLD_REASONS[reason]


def wake(k: Kiosk, requeued: int | None = None) -> None:
    """Have the running worker look for jobs now and tell the screen the queue changed."""
    worker = running_worker(k)
    if worker is not None:
        worker.wake(requeued)
    k.changed("printer")
