"""Real-time status (DLE EOT n): the questions a printer answers even while busy, and what
its one-byte answers mean."""

from collections.abc import Callable

from printer.ports import PrinterState

DLE_EOT = b"\x10\x04"
PRINTER = 1  # online or offline
OFFLINE_CAUSE = 2  # cover open, stopped at paper end, error
PAPER = 4  # roll paper sensor: near end, end

_OFFLINE = 0x08
_COVER_OPEN = 0x04
_STOPPED_AT_PAPER_END = 0x20
_PAPER_NEAR_END = 0x0C
_PAPER_END = 0x60


def query(n: int) -> bytes:
    """Return the DLE EOT command asking status ``n`` (1, 2, 3 or 4)."""
    return DLE_EOT + bytes([n])


def is_status_byte(b: int) -> bool:
    """Tell whether ``b`` has the fixed bits of a status answer: 1 and 4 set, 0 and 7 clear."""
    return b & 0x93 == 0x12


def status_byte(reply: bytes) -> int | None:
    """Return the last status byte in a reply, or None when there is none."""
    for b in reversed(reply):
        if is_status_byte(b):
            return b
    return None


def read_state(ask: Callable[[int], int | None]) -> PrinterState:
    """Return ok, paper_low, paper_out, cover_open or unknown from the answers to DLE EOT.

    ``ask(n)`` sends DLE EOT n and returns the status byte, or None when the printer does not
    answer; no answer is "unknown", never "ok".
    """
    printer = ask(PRINTER)
    if printer is None:
        return PrinterState.UNKNOWN
    if printer & _OFFLINE:
        cause = ask(OFFLINE_CAUSE)
        if cause is None:
            return PrinterState.UNKNOWN
        if cause & _COVER_OPEN:
            return PrinterState.COVER_OPEN
        if cause & _STOPPED_AT_PAPER_END:
            return PrinterState.PAPER_OUT
    paper = ask(PAPER)
    if paper is None:
        return PrinterState.UNKNOWN
    if paper & _PAPER_END:
        return PrinterState.PAPER_OUT
    if printer & _OFFLINE:
        # Offline for a cause we cannot name (an error, the feed button).
        return PrinterState.UNKNOWN
    return PrinterState.PAPER_LOW if paper & _PAPER_NEAR_END else PrinterState.OK
