"""Send committed receipts to the printer; a printer fault never undoes what was recorded."""

from __future__ import annotations

from kiosk.services.context import Kiosk
from kiosk.storage.models import Receipt
from printer.ports import PrinterError, ReceiptPrinter


def print_receipt(k: Kiosk, printer: ReceiptPrinter, receipt_id: int) -> bool:
    """Print a stored receipt and record the outcome; return True if it printed."""
    with k.uow(write=False) as uow:
        row = uow.session.get(Receipt, receipt_id)
        data = row.escpos if row is not None else None
    if data is None:
        return False
    try:
        printer.send(data)
    except PrinterError as exc:
        status, error = "failed", exc.code
    except OSError as exc:  # a driver that leaks an OS error is still just an offline printer
        status, error = "failed", f"offline: {exc.__class__.__name__}"
    else:
        status, error = "printed", None
    with k.uow() as uow:
        row = uow.session.get(Receipt, receipt_id)
        row.status = status
        row.error = error
        row.printed_at = k.clock.now() if status == "printed" else None
        uow.commit()
    k.changed("printer")
    return status == "printed"
