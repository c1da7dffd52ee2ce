"""The receipt printer port, the states a printer can be in, and its error."""

from enum import StrEnum
from typing import Protocol


class PrinterState(StrEnum):
    """What a printer answers when asked (DLE EOT), or "unknown" when it does not answer."""

    OK = "ok"
    PAPER_LOW = "paper_low"
    OFFLINE = "offline"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    UNKNOWN = "unknown"


STATUSES = tuple(PrinterState)
PRINTABLE = (PrinterState.OK, PrinterState.PAPER_LOW)

# The one table of what the shopkeeper reads for each state: message ids, translated by the
# kiosk's catalogue (terminal_ui/translations) on the screen that shows them.
STATE_MESSAGES = {
    PrinterState.OK: "Printer ready",
    PrinterState.PAPER_LOW: "Printer paper running low",
    PrinterState.OFFLINE: "Printer not connected",
    PrinterState.PAPER_OUT: "Printer out of paper",
    PrinterState.COVER_OPEN: "Printer cover open",
    PrinterState.UNKNOWN: "Printer not answering",
}

# The states a failed send can be put down to.
FAILURES = (
    PrinterState.OFFLINE,
    PrinterState.PAPER_OUT,
    PrinterState.COVER_OPEN,
    PrinterState.UNKNOWN,
)


def state_message(state: str) -> str:
    """Return the message id for a printer state; one it does not know reads as no answer."""
    return STATE_MESSAGES.get(state, STATE_MESSAGES[PrinterState.UNKNOWN])


class PrinterError(Exception):
    """A receipt could not be printed; ``code`` is offline, paper_out, cover_open or unknown."""

    def __init__(self, code: str, message: str | None = None) -> None:
        if code not in FAILURES:
            code = PrinterState.UNKNOWN
        self.code = PrinterState(code)
        self.message = message or STATE_MESSAGES[self.code]
        super().__init__(self.message)


class ReceiptPrinter(Protocol):
    """Anything that can take ESC/POS bytes to paper."""

    def send(self, data: bytes) -> None:
        """Print ``data``; raise PrinterError when the printer cannot."""
        ...

    def status(self) -> str:
        """Return ok, paper_low, offline, paper_out, cover_open or unknown (no answer)."""
        ...
