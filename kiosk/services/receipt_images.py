"""A picture of a receipt as it printed, drawn from its stored bytes."""

from __future__ import annotations

from kiosk.services.context import Kiosk
from kiosk.services.print_jobs import stored_receipt


def preview_png(k: Kiosk, receipt_id: object) -> bytes:
    """Return a PNG of a receipt drawn from its exact ESC/POS bytes (text and QR code)."""
    from printer.preview import preview_png as draw

    with k.uow(write=False) as uow:
        data = stored_receipt(uow.session, receipt_id).escpos
    return draw(data, k.paper_width)
