"""A printer that keeps jobs in memory: the demo's printer and the tests' fake."""

import threading
from collections import deque
from pathlib import Path

from printer.ports import PrinterError, PrinterState

FAILURES = (PrinterState.OFFLINE, PrinterState.PAPER_OUT, PrinterState.COVER_OPEN)


class SimulatedPrinter:
    """Keep the exact bytes of each job; fail on demand like real hardware."""

    def __init__(self, spool_dir: str | Path | None = None, max_jobs: int = 200) -> None:
        self._lock = threading.Lock()
        self._jobs: deque[bytes] = deque(maxlen=max_jobs)
        self._failure: str | None = None
        self._count = 0
        self.spool_dir = Path(spool_dir) if spool_dir is not None else None

    def send(self, data: bytes) -> None:
        """Store one job, or raise PrinterError while failing."""
        with self._lock:
            if self._failure:
                raise PrinterError(self._failure)
            self._count += 1
            self._jobs.append(bytes(data))
            if self.spool_dir is not None:
                self.spool_dir.mkdir(parents=True, exist_ok=True)
                (self.spool_dir / f"job-{self._count:06d}.bin").write_bytes(data)

    def status(self) -> str:
        """Return ok, or the failure set with fail(), as a real printer's DLE EOT would."""
        with self._lock:
            return self._failure or PrinterState.OK

    def fail(self, mode: str | None) -> None:
        """Make later jobs fail with ``mode`` (offline, paper_out, cover_open); None heals."""
        if mode is not None and mode not in FAILURES:
            raise ValueError(f"unknown failure {mode!r}; use one of {', '.join(FAILURES)}")
        with self._lock:
            self._failure = mode

    @property
    def jobs(self) -> list[bytes]:
        """Return the kept jobs, oldest first."""
        with self._lock:
            return list(self._jobs)

    def last_job(self) -> bytes | None:
        """Return the most recent job, if any."""
        with self._lock:
            return self._jobs[-1] if self._jobs else None

    def preview_png(self, index: int = -1, width: int = 32) -> bytes | None:
        """Return a PNG of a kept job (the last by default) as it would print, if kept."""
        from printer.preview import preview_png

        jobs = self.jobs
        try:
            data = jobs[index]
        except IndexError:
            return None
        return preview_png(data, width)

    def clear(self) -> None:
        """Forget all kept jobs."""
        with self._lock:
            self._jobs.clear()
