"""The receipt printer port and its error."""

from typing import Protocol

STATUSES = ("ok", "paper_low", "offline", "paper_out", "cover_open", "unknown")
PRINTABLE = ("ok", "paper_low")

STATE_MESSAGES = {
    "ok": "打印机正常",
    "paper_low": "打印纸快用完了",
    "offline": "打印机未连接",
    "paper_out": "打印机缺纸",
    "cover_open": "打印机盖未关好",
    "unknown": "打印机状态未知",
}

_MESSAGES = {
    "offline": "打印机未连接",
    "paper_out": "打印机缺纸",
    "cover_open": "打印机盖未关好",
    "unknown": "打印机故障",
}


class PrinterError(Exception):
    """A receipt could not be printed; ``code`` is offline, paper_out, cover_open or unknown."""

    def __init__(self, code: str, message: str | None = None) -> None:
        if code not in _MESSAGES:
            code = "unknown"
        self.code = code
        self.message = message or _MESSAGES[code]
        super().__init__(self.message)


class ReceiptPrinter(Protocol):
    """Anything that can take ESC/POS bytes to paper."""

    def send(self, data: bytes) -> None:
        """Print ``data``; raise PrinterError when the printer cannot."""
        ...

    def status(self) -> str:
        """Return ok, paper_low, offline, paper_out, cover_open or unknown (no answer)."""
        ...
