"""What the shopkeeper and the terminal do with print jobs: print now, retry, reprint,
dismiss, and the printer's state with the jobs that need attention."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from core.domain import errors
from kiosk.services.common import audit, iso
from kiosk.services.context import Kiosk
from kiosk.services.print_queue import (
    attempt_print,
    reason_message,
    record_outcome,
    running_worker,
    wake,
)
from kiosk.services.receipts import store_receipt
from kiosk.storage.models import Receipt
from kiosk.storage.states import NEEDS_ATTENTION, PrintStatus
from printer.blocks import Text
from printer.escpos import to_escpos
from printer.ports import PRINTABLE, ReceiptPrinter, state_message
from printer.receipt import from_data

API_WAIT = 2.5  # seconds a checkout waits for its receipt before answering printed: false


class AlreadyPrinted(errors.DomainError):
    """A retry of a receipt that printed: what the shopkeeper wants is a copy (reprint)."""

    code = "receipt_already_printed"
    message = "This receipt has already printed; print a copy instead."


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
        return worker.wait_for(receipt_id, wait) == PrintStatus.PRINTED
    with k.uow(write=False) as uow:
        row = uow.session.get(Receipt, receipt_id)
        if row is None:
            return False
        if row.status == PrintStatus.PRINTED:
            return True
        data = row.escpos
    state, reason = attempt_print(printer, data)
    status = PrintStatus.PRINTED if reason is None else PrintStatus.FAILED
    record_outcome(k, receipt_id, status, state, reason, data, tried=True)
    k.changed("printer")
    return reason is None


def retry(k: Kiosk, receipt_id: object, actor: str = "admin") -> None:
    """Queue a failed or held receipt again, as it is (it never printed whole)."""
    with k.uow() as uow:
        row = stored_receipt(uow.session, receipt_id)
        if row.status == PrintStatus.PRINTED:
            raise AlreadyPrinted()
        if row.status in (PrintStatus.PENDING, PrintStatus.PRINTING):
            return
        now = k.clock.now()
        audit(uow.session, now, actor, "print_retry", row.number, receipt=row.id, was=row.status)
        row.status, row.attempts, row.error, row.detail = PrintStatus.PENDING, 0, None, None
        row.queued_at = now
        uow.commit()
    wake(k, requeued=row.id)


def reprint(k: Kiosk, receipt_id: object, actor: str = "admin") -> int:
    """Queue a copy of a receipt marked 重打; return the copy's receipt id.

    A failed or held original is settled by its copy, so it leaves the shopkeeper's list.
    """
    with k.uow() as uow:
        s = uow.session
        row = stored_receipt(s, receipt_id)
        now = k.clock.now()
        original = s.get(Receipt, row.reprint_of) if row.reprint_of else row
        if original.source:
            copy_of = replace(from_data(original.source), reprint=True)
            copy = store_receipt(
                s, k, original.kind, original.ref, copy_of, now, original.id, original.number
            )
        else:
            copy = _legacy_copy(s, k, original, now)
        if row.status in (*NEEDS_ATTENTION, PrintStatus.PENDING):
            row.status, row.error, row.detail = (
                PrintStatus.DISMISSED,
                None,
                f"reprinted as {copy.id}",
            )
        audit(s, now, actor, "reprint", original.number, receipt=original.id, copy=copy.id)
        uow.commit()
    wake(k)
    return copy.id


def dismiss(k: Kiosk, receipt_id: object, actor: str = "admin") -> None:
    """Take a failed, held or still pending job off the queue without printing it."""
    with k.uow() as uow:
        row = stored_receipt(uow.session, receipt_id)
        if row.status not in (*NEEDS_ATTENTION, PrintStatus.PENDING):
            return
        row.status = PrintStatus.DISMISSED
        audit(uow.session, k.clock.now(), actor, "print_dismiss", row.number, receipt=row.id)
        uow.commit()
    k.changed("printer")


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
            .where(Receipt.status.in_(NEEDS_ATTENTION))
            .order_by(Receipt.id.desc())
            .limit(limit)
        ).all()
        recent = s.scalars(select(Receipt).order_by(Receipt.id.desc()).limit(limit)).all()
        return {
            "state": state,
            "message": state_message(state),
            "ok": state in PRINTABLE,
            "checked_at": iso(checked),
            "worker": "running" if worker is not None and worker.running else "stopped",
            "pending": counts.get(PrintStatus.PENDING, 0) + counts.get(PrintStatus.PRINTING, 0),
            "attention": sum(counts.get(status, 0) for status in NEEDS_ATTENTION),
            "failed": [_job(row) for row in attention],
            "recent": [_job(row) for row in recent],
        }


def _job(row: Receipt) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "number": row.number,
        "status": row.status,
        "reason": row.error,
        "message": row.detail or (reason_message(row.error) if row.error else None),
        "attempts": row.attempts,
        "created_at": iso(row.created_at),
        "printed_at": iso(row.printed_at) if row.printed_at else None,
        "reprint_of": row.reprint_of,
    }


def stored_receipt(s, receipt_id: object) -> Receipt:
    """Return a receipt by its integer id or raise UnknownReceipt."""
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
        status=PrintStatus.PENDING,
        attempts=0,
        reprint_of=original.id,
    )
    s.add(row)
    s.flush()
    return row
