"""Central's timed work, run in the serving process: the expiry of points under the policy,
the month's 公示 board posted to the stores, and the ledger's monthly partitions made ahead
(PostgreSQL).

Each job is idempotent (a boundary is cleared once, notices are sent when they change), so
several workers may each run them; on PostgreSQL the expiry job also skips a run while another
process is in one.
"""

from __future__ import annotations

import logging
import threading

from sync.central.context import Central

log = logging.getLogger(__name__)

EVERY_SECONDS = 600.0  # the boundary is a local midnight: cleared within ten minutes of it


class Jobs:
    """A daemon thread running central's timed jobs until stopped."""

    def __init__(self, central: Central, every: float = EVERY_SECONDS, first: float = 5.0):
        self.central = central
        self.every = every
        self.first = first
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="central-jobs", daemon=True)

    def start(self) -> Jobs:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def run_once(self) -> None:
        from sync.central.services import board, expiry, partitions

        try:  # a month not made ahead is no reason to leave points unexpired
            made = partitions.ensure_ahead(self.central)
            if made:
                log.info("partitions made ahead: %s", ", ".join(made))
        except Exception:
            log.exception("central jobs: making the months' partitions failed")
        done = expiry.run(self.central)
        if done.households or done.notices:
            log.info(
                "expiry: %s points of %s households cleared, %s notices sent",
                done.points,
                done.households,
                done.notices,
            )
        posted = board.publish(self.central)
        if posted:
            log.info("board: posted to %s stores", posted)

    def _run(self) -> None:
        wait = self.first
        while not self._stop.wait(wait):
            try:
                self.run_once()
            except Exception:  # a failed run is logged and tried again at the next turn
                log.exception("central jobs: a run failed")
            wait = self.every
