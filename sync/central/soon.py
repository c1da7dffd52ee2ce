"""What an office decision leaves for just after its request, done on a thread of its own.

An award sheet can credit households in many villages, and each village's board is worked out
and posted to its stores: done inside the office's request, that made the request wait for every
village. A decision now only names its households here and returns; a thread takes everything
waiting in one go, so decisions close together cost one posting.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection

log = logging.getLogger(__name__)

IDLE_SECONDS = 60.0  # the thread ends after this long with nothing to do, and starts again


class Soon:
    """Keys waiting for work, and the daemon thread that does it.

    The thread is started by the first `add` after it ended (so each forked worker starts its
    own). A failed run is logged; what it held is left to central's timed jobs.
    """

    def __init__(self, idle_seconds: float = IDLE_SECONDS) -> None:
        self.idle_seconds = idle_seconds
        self._waiting: set[str] = set()
        self._work: Callable[[set[str]], object] | None = None
        self._running = False  # a run is under way
        self._thread: threading.Thread | None = None
        self._changed = threading.Condition()

    def add(self, keys: Collection[str], work: Callable[[set[str]], object]) -> None:
        """Leave keys for work(keys) on the thread; return at once."""
        if not keys:
            return
        with self._changed:
            self._waiting.update(keys)
            self._work = work
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="central-soon", daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait until nothing waits and no run is under way; say whether that happened."""
        with self._changed:
            return self._changed.wait_for(
                lambda: not self._waiting and not self._running, timeout=timeout
            )

    def _run(self) -> None:
        while True:
            with self._changed:
                if not self._changed.wait_for(lambda: self._waiting, timeout=self.idle_seconds):
                    self._thread = None
                    return
                keys, self._waiting = self._waiting, set()
                work, self._running = self._work, True
            try:
                assert work is not None
                work(keys)
            except Exception:
                log.exception("work left after a decision failed; central's timed jobs will do it")
            finally:
                with self._changed:
                    self._running = False
                    self._changed.notify_all()
