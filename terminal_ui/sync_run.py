"""Run a sync round now, from a page, without holding the page for long.

The round runs in its own thread; the page waits a few seconds for it. A round still going on
then finishes by itself, and a second request meanwhile does not start another.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

_running: threading.Thread | None = None
_lock = threading.Lock()


def run_now(round_: Callable[[], None], wait: float) -> str:
    """Start round_ in a thread unless one is running; return "ok", "failed" or "running"."""
    global _running
    outcome: dict[str, str] = {}

    def work() -> None:
        try:
            round_()
        except Exception:  # the sync client has recorded its problem for the status page
            outcome["result"] = "failed"
        else:
            outcome["result"] = "ok"

    with _lock:
        if _running is not None and _running.is_alive():
            return "running"
        _running = threading.Thread(target=work, name="sync-now", daemon=True)
        _running.start()
        thread = _running
    thread.join(wait)
    return outcome.get("result", "running")
