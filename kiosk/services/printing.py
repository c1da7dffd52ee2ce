"""The print queue: receipts committed with what they record, printed afterwards in order.

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
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from core.domain import errors
from kiosk.config import ConfigError, PrinterSection
from kiosk.services.common import audit, iso
from kiosk.services.context import Kiosk
from kiosk.services.receipts import store_receipt
from kiosk.storage.models import (
    CheckIn,
    Exchange,
    LedgerEntry,
    Product,
    Receipt,
    StockMovement,
)
from printer.blocks import Text
from printer.escpos import PrintOptions, encode, to_escpos
from printer.layout import layout
from printer.ports import PRINTABLE, STATE_MESSAGES, PrinterError, ReceiptPrinter
from printer.receipt import DailySummary, from_data

if TYPE_CHECKING:
    from kiosk.bootstrap import Runtime

log = logging.getLogger(__name__)

ATTENTION = ("failed", "held")  # jobs waiting for the shopkeeper
REASONS = {
    "offline": "打印机未连接",
    "paper_out": "打印机缺纸",
    "cover_open": "打印机盖未关好",
    "unknown": "打印机无应答",
    "stale": "排队太久未打印，需店员确认",
    "interrupted": "打印中断，可能只打了一部分",
}
API_WAIT = 2.5  # seconds a checkout waits for its receipt before answering printed: false


class AlreadyPrinted(errors.DomainError):
    """A retry of a receipt that printed: what the shopkeeper wants is a copy (reprint)."""

    code = "receipt_already_printed"
    status = 409
    message = "This receipt has already printed; print a copy instead."


@dataclass(frozen=True)
class QueueRules:
    """How hard the queue tries, and how old a job may be and still print on its own."""

    attempts: int = 3
    retry_delay: float = 1.0  # seconds before the second try; doubles after each
    stale_after: timedelta = timedelta(minutes=10)
    require_status: bool = False  # True: a printer that does not answer DLE EOT gets no job
    poll: float = 0.5  # seconds between looks for jobs queued by another process
    status_every: float | None = 30.0  # seconds between status checks while idle (admin screen)


def print_options(p: PrinterSection) -> PrintOptions:
    """Return the encoding options the [printer] settings describe."""
    from printer.profile import print_options as options

    try:
        return options(
            p.paper_width,
            p.profile,
            chinese_mode=p.chinese_mode,
            native_qr=p.native_qr,
            cut=p.cut,
            raster_text=p.raster_text,
        )
    except ValueError as exc:
        raise ConfigError(f"[printer] {exc}") from None


def queue_rules(p: PrinterSection) -> QueueRules:
    """Return the queue rules the [printer] settings describe."""
    if p.attempts < 1 or p.retry_delay_ms < 0 or p.stale_minutes < 1:
        raise ConfigError(
            "[printer] attempts and stale_minutes must be at least 1, retry_delay_ms at least 0"
        )
    return QueueRules(
        attempts=p.attempts,
        retry_delay=p.retry_delay_ms / 1000,
        stale_after=timedelta(minutes=p.stale_minutes),
        require_status=p.require_status,
    )


# The worker.

# Started workers by id(kiosk): the API and admin views find the worker through the kiosk they
# already hold, so no view needs wiring of its own; a worker leaves when it stops.
_running: dict[int, PrintWorker] = {}
_running_lock = threading.Lock()


def running_worker(k: Kiosk) -> PrintWorker | None:
    """Return the started print worker of this kiosk, if any."""
    with _running_lock:
        return _running.get(id(k))


def start_print_worker(runtime: Runtime) -> PrintWorker:
    """Build the print worker from a runtime's settings, start it and return it."""
    p = runtime.settings.printer
    worker = PrintWorker(runtime.kiosk, runtime.printer, print_options(p), queue_rules(p))
    worker.start()
    return worker


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
        self.state = "unknown"  # the printer's state as last seen
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
        with _running_lock:
            _running[id(self.k)] = self
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the job in hand; a job waiting for its next try stays pending."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with _running_lock:
            if _running.get(id(self.k)) is self:
                del _running[id(self.k)]

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
            rows = s.scalars(select(Receipt).where(Receipt.status.in_(("pending", "printing"))))
            held = 0
            for row in rows:
                if row.status == "printing":
                    _hold(row, "interrupted")
                elif self._stale(row, now):
                    _hold(row, "stale")
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
            status = "printed" if reason is None else "failed" if last else "pending"
            _record(self.k, job_id, status, state, reason, data)
            if status != "pending":
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
            if row is None or row.status != "pending":
                return None
            if self._stale(row, now):
                _hold(row, "stale")
                uow.commit()
                self._finish(job_id, "held")
                return None
            row.status = "printing"
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
        state = "unknown"
    if state not in PRINTABLE and not (state == "unknown" and not require_status):
        return state, state
    try:
        printer.send(data)
    except PrinterError as exc:
        return state, exc.code
    except OSError:  # a driver that leaks an OS error is still just an offline printer
        return state, "offline"
    except Exception:
        log.exception("printer send")
        return state, "unknown"
    return state, None


def _next_job(k: Kiosk) -> int | None:
    with k.uow(write=False) as uow:
        return uow.session.scalar(
            select(Receipt.id)
            .where(Receipt.status == "pending")
            .order_by(Receipt.queued_at, Receipt.id)
            .limit(1)
        )


def _record(
    k: Kiosk,
    job_id: int,
    status: str,
    state: str,
    reason: str | None,
    data: bytes,
    tried: bool = False,
) -> None:
    with k.uow() as uow:
        row = uow.session.get(Receipt, job_id)
        row.attempts += int(tried)
        row.status = status
        row.printer_state = state
        row.error = reason
        row.detail = REASONS.get(reason) if reason else None
        if status == "printed":
            row.printed_at = k.clock.now()
            if row.escpos != data:
                row.escpos = data  # keep the exact bytes the printer got
        uow.commit()
    if status == "failed":
        log.warning("print queue: job %d failed: %s", job_id, reason)


def _hold(row: Receipt, reason: str) -> None:
    row.status = "held"
    row.error = reason
    row.detail = REASONS[reason]


# Use cases.


def print_receipt(
    k: Kiosk, printer: ReceiptPrinter, receipt_id: int, wait: float = API_WAIT
) -> bool:
    """Have a committed receipt printed; return True if it printed within ``wait`` seconds.

    With the kiosk's worker running this only wakes it and waits; without one (tools, tests)
    it tries once here and records the outcome.
    """
    worker = running_worker(k)
    if worker is not None:
        worker.wake()
        return worker.wait_for(receipt_id, wait) == "printed"
    with k.uow(write=False) as uow:
        row = uow.session.get(Receipt, receipt_id)
        if row is None:
            return False
        if row.status == "printed":
            return True
        data = row.escpos
    state, reason = attempt_print(printer, data)
    status = "printed" if reason is None else "failed"
    _record(k, receipt_id, status, state, reason, data, tried=True)
    k.changed("printer")
    return reason is None


def retry(k: Kiosk, receipt_id: object, actor: str = "admin") -> None:
    """Queue a failed or held receipt again, as it is (it never printed whole)."""
    with k.uow() as uow:
        row = _receipt(uow.session, receipt_id)
        if row.status == "printed":
            raise AlreadyPrinted()
        if row.status in ("pending", "printing"):
            return
        now = k.clock.now()
        audit(uow.session, now, actor, "print_retry", row.number, receipt=row.id, was=row.status)
        row.status, row.attempts, row.error, row.detail = "pending", 0, None, None
        row.queued_at = now
        uow.commit()
    _wake(k, requeued=row.id)


def reprint(k: Kiosk, receipt_id: object, actor: str = "admin") -> int:
    """Queue a copy of a receipt marked 重打; return the copy's receipt id.

    A failed or held original is settled by its copy, so it leaves the shopkeeper's list.
    """
    with k.uow() as uow:
        s = uow.session
        row = _receipt(s, receipt_id)
        now = k.clock.now()
        original = s.get(Receipt, row.reprint_of) if row.reprint_of else row
        if original.source:
            copy_of = replace(from_data(original.source), reprint=True)
            copy = store_receipt(
                s, k, original.kind, original.ref, copy_of, now, original.id, original.number
            )
        else:
            copy = _legacy_copy(s, k, original, now)
        if row.status in ATTENTION or row.status == "pending":
            row.status, row.error, row.detail = "dismissed", None, f"reprinted as {copy.id}"
        audit(s, now, actor, "reprint", original.number, receipt=original.id, copy=copy.id)
        uow.commit()
    _wake(k)
    return copy.id


def dismiss(k: Kiosk, receipt_id: object, actor: str = "admin") -> None:
    """Take a failed, held or still pending job off the queue without printing it."""
    with k.uow() as uow:
        row = _receipt(uow.session, receipt_id)
        if row.status not in (*ATTENTION, "pending"):
            return
        row.status = "dismissed"
        audit(uow.session, k.clock.now(), actor, "print_dismiss", row.number, receipt=row.id)
        uow.commit()
    k.changed("printer")


def summary_figures(k: Kiosk, day: date) -> DailySummary:
    """Return this kiosk's figures for one local day."""
    start, end = _day_bounds(k, day)
    with k.uow(write=False) as uow:
        s = uow.session
        mine = Exchange.kiosk_id == k.kiosk_id
        made = (Exchange.created_at >= start) & (Exchange.created_at < end)
        # Exchanges voided since are not counted, like the goods they returned.
        kept = Exchange.status == "completed"
        exchanges, spent = s.execute(
            select(func.count(), func.coalesce(func.sum(Exchange.total), 0)).where(mine, made, kept)
        ).one()
        voids = s.scalar(
            select(func.count()).where(mine, Exchange.voided_at >= start, Exchange.voided_at < end)
        )
        moved = (StockMovement.created_at >= start) & (StockMovement.created_at < end)
        goods = s.execute(
            select(Product.name, -func.sum(StockMovement.qty))
            .join(Product, Product.code == StockMovement.product_code)
            .where(moved, StockMovement.kind.in_(("issue", "void")))
            .group_by(Product.code, Product.name)
            .order_by(Product.code)
        ).all()
        restocks = s.scalar(select(func.count()).where(moved, StockMovement.kind == "restock"))
        checkins, earned = s.execute(
            select(func.count(), func.coalesce(func.sum(LedgerEntry.points), 0))
            .select_from(CheckIn)
            .join(LedgerEntry, LedgerEntry.id == CheckIn.ledger_entry_id)
            .where(CheckIn.created_at >= start, CheckIn.created_at < end)
        ).one()
    return DailySummary(
        store=k.store,
        kiosk_id=k.kiosk_id,
        day=day,
        exchanges=exchanges,
        points_spent=spent,
        goods_out=tuple((name, qty) for name, qty in goods if qty),
        restocks=restocks or 0,
        checkins=checkins,
        points_earned=earned,
        voids=voids or 0,
    )


def daily_summary(k: Kiosk, day: date | None = None, actor: str = "admin") -> int:
    """Queue the day's summary slip (today by default); return its receipt id."""
    now = k.clock.now()
    day = day or now.replace(tzinfo=UTC).astimezone(k.zone).date()
    figures = summary_figures(k, day)
    with k.uow() as uow:
        number = f"{k.kiosk_id}-D{day:%Y%m%d}"
        row = store_receipt(uow.session, k, "summary", f"day-{day}", figures, now, None, number)
        audit(uow.session, now, actor, "daily_summary", day.isoformat(), receipt=row.id)
        uow.commit()
    _wake(k)
    return row.id


def printer_status(
    k: Kiosk, printer: ReceiptPrinter, *, live: bool = True, limit: int = 20
) -> dict[str, Any]:
    """Return what the admin screen shows: the printer's state, the queue and the jobs that
    need the shopkeeper (each with a reason), newest first."""
    worker = running_worker(k)
    if live or worker is None or worker.state_at is None:
        state, checked = printer.status(), k.clock.now()
    else:
        state, checked = worker.state, worker.state_at
    with k.uow(write=False) as uow:
        s = uow.session
        counts = dict(
            s.execute(select(Receipt.status, func.count()).group_by(Receipt.status)).all()
        )
        attention = s.scalars(
            select(Receipt)
            .where(Receipt.status.in_(ATTENTION))
            .order_by(Receipt.id.desc())
            .limit(limit)
        ).all()
        recent = s.scalars(select(Receipt).order_by(Receipt.id.desc()).limit(limit)).all()
        return {
            "state": state,
            "message": STATE_MESSAGES.get(state, state),
            "ok": state in PRINTABLE,
            "checked_at": iso(checked),
            "worker": "running" if worker is not None and worker.running else "stopped",
            "pending": counts.get("pending", 0) + counts.get("printing", 0),
            "attention": sum(counts.get(status, 0) for status in ATTENTION),
            "failed": [_job(row) for row in attention],
            "recent": [_job(row) for row in recent],
        }


def selftest_job(p: PrinterSection) -> tuple[str, bytes]:
    """Return the self-test page (Chinese, ¥, full-width digits, a QR code, a cut) as text
    and as the bytes the configured printer should get."""
    from printer.layout import to_text
    from printer.selftest import selftest_document

    options = print_options(p)
    doc = selftest_document(options.width)
    return to_text(doc, options.width), encode(doc, options)


def preview_png(k: Kiosk, receipt_id: object) -> bytes:
    """Return a PNG of a receipt drawn from its exact ESC/POS bytes (text and QR code)."""
    from printer.preview import preview_png as draw

    with k.uow(write=False) as uow:
        data = _receipt(uow.session, receipt_id).escpos
    return draw(data, k.paper_width)


def _job(row: Receipt) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "number": row.number,
        "status": row.status,
        "reason": row.error,
        "message": row.detail or (REASONS.get(row.error) if row.error else None),
        "attempts": row.attempts,
        "created_at": iso(row.created_at),
        "printed_at": iso(row.printed_at) if row.printed_at else None,
        "reprint_of": row.reprint_of,
    }


def _receipt(s, receipt_id: object) -> Receipt:
    row = s.get(Receipt, receipt_id) if isinstance(receipt_id, int) else None
    if row is None or isinstance(receipt_id, bool):
        raise errors.UnknownReceipt()
    return row


def _legacy_copy(s, k: Kiosk, original: Receipt, now: datetime) -> Receipt:
    """Copy a receipt stored before the queue kept its data: a 重打 line above its bytes."""
    mark = Text("【重打】", "center", bold=True, double=True)
    row = Receipt(
        kind=original.kind,
        ref=original.ref,
        number=original.number,
        text="【重打】\n" + original.text,
        escpos=to_escpos((mark,), width=k.paper_width) + original.escpos,
        created_at=now,
        queued_at=now,
        status="pending",
        attempts=0,
        reprint_of=original.id,
    )
    s.add(row)
    s.flush()
    return row


def _day_bounds(k: Kiosk, day: date) -> tuple[datetime, datetime]:
    """Return a local day as stored (naive UTC) start and end times."""

    def utc(d: date) -> datetime:
        local = datetime(d.year, d.month, d.day, tzinfo=k.zone)
        return local.astimezone(UTC).replace(tzinfo=None)

    return utc(day), utc(day + timedelta(days=1))


def _wake(k: Kiosk, requeued: int | None = None) -> None:
    worker = running_worker(k)
    if worker is not None:
        worker.wake(requeued)
    k.changed("printer")
