"""The [printer] settings read into what the encoder and the queue need, and the self-test."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from kiosk.config import ConfigError, PrinterSection
from kiosk.services.print_queue import PrintWorker, QueueRules
from printer.escpos import PrintOptions, encode

if TYPE_CHECKING:
    from kiosk.bootstrap import Runtime


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


def selftest_job(p: PrinterSection) -> tuple[str, bytes]:
    """Return the self-test page (Chinese, ¥, full-width digits, a QR code, a cut) as text
    and as the bytes the configured printer should get."""
    from printer.layout import to_text
    from printer.selftest import selftest_document

    options = print_options(p)
    doc = selftest_document(options.width)
    return to_text(doc, options.width), encode(doc, options)


def start_print_worker(runtime: Runtime) -> PrintWorker:
    """Build the print worker from a runtime's settings, start it and return it."""
    p = runtime.settings.printer
    worker = PrintWorker(runtime.kiosk, runtime.printer, print_options(p), queue_rules(p))
    worker.start()
    return worker
