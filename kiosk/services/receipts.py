"""Receipt records: laid out and encoded in the transaction of what they record.

Each record is also its print job: committed as "pending", printed afterwards by the print
queue (kiosk.services.print_queue), so a printer fault can never undo what it records.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from kiosk.services.context import Kiosk
from kiosk.storage.models import Receipt
from kiosk.storage.states import PrintStatus
from printer import receipt as r
from printer.escpos import to_escpos
from printer.layout import layout, to_text


def local_time(k: Kiosk, at: datetime) -> datetime:
    """Return a stored UTC time in the store's zone, as printed."""
    return at.replace(tzinfo=UTC).astimezone(k.zone).replace(tzinfo=None)


def store_receipt(
    s: Session,
    k: Kiosk,
    kind: str,
    ref: str,
    doc_source: Any,
    at: datetime,
    reprint_of: int | None = None,
    number: str | None = None,
) -> Receipt:
    """Lay out a receipt, encode it and add its record (a pending print job) to the session."""
    doc = layout(doc_source, width=k.paper_width)
    row = Receipt(
        kind=kind,
        ref=ref,
        number=number if number is not None else doc_source.number,
        text=to_text(doc, k.paper_width),
        escpos=to_escpos(doc, width=k.paper_width),
        source=r.to_data(doc_source),
        created_at=at,
        queued_at=at,
        status=PrintStatus.PENDING,
        attempts=0,
        reprint_of=reprint_of,
    )
    s.add(row)
    s.flush()
    return row


def items(lines) -> tuple[r.ReceiptItem, ...]:
    """Return receipt items for exchange lines."""
    return tuple(r.ReceiptItem(name=ln.name, qty=ln.qty, points=ln.points) for ln in lines)
