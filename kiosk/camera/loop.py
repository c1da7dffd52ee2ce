"""The camera loop: capture frames, decode the newest, debounce, hand on each new code."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from core.domain.codes import CARD_PREFIX
from kiosk.camera.ports import Camera, EndOfStream

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

WINDOW = 2.5  # seconds: the same code seen again within this is the same showing
BACKOFF = (0.5, 10.0)  # seconds: first and longest wait before reopening a lost camera
PREVIEW_WIDTH = 320  # pixels: the idle screen's small "where to hold the card" picture
PREVIEW_EVERY = 0.2  # seconds: a preview is made from at most five frames a second


class CameraState(StrEnum):
    """What status()["state"] reports."""

    STARTING = "starting"
    RUNNING = "running"
    LOST = "lost"
    RECONNECTING = "reconnecting"
    ENDED = "ended"
    STOPPED = "stopped"


def shown(code: str) -> str:
    """Return a code as it may be shown or logged: card tokens are credentials, so cut short."""
    if code[:4].upper() == CARD_PREFIX:
        return code[:8] + "…"
    return code if len(code) <= 40 else code[:40] + "…"


class Debouncer:
    """Let a code through once per showing: again only after window seconds out of sight.

    Each code keeps its own last-seen time, refreshed every time it is seen, so a card held
    in front of the camera for a minute is one scan, two codes in view at once are two scans
    (not an alternating stream), and a different code is new at once.
    """

    def __init__(self, window: float = WINDOW) -> None:
        self.window = window
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def accept(self, codes: Iterable[str], now: float) -> list[str]:
        """Return the codes that are new at time now (seconds), remembering all of them."""
        new = []
        with self._lock:
            for code in codes:
                last = self._seen.get(code)
                if last is None or now - last > self.window:
                    new.append(code)
                self._seen[code] = now
            if len(self._seen) > 32:  # forget codes long gone, so memory stays flat
                self._seen = {c: t for c, t in self._seen.items() if now - t <= self.window}
        return new

    def forget(self, code: str) -> None:
        """Treat the next sighting of a code as a new showing (the card was taken away)."""
        with self._lock:
            self._seen.pop(code, None)


class CameraLoop:
    """Two threads around one camera: a grabber that keeps only the newest frame, and a
    decoder that reads it, debounces and calls on_code(code) for each new code.

    The grabber blocks on the camera and the decoder on a condition: nothing polls. While
    the decoder is busy, newer frames replace the waiting one (counted as dropped), so the
    decoder never falls behind the camera. A lost camera (read() fails or raises) is closed
    and reopened with exponential backoff; stop() ends both threads and joins them.
    """

    def __init__(
        self,
        camera: Camera,
        on_code: Callable[[str], Any],
        *,
        on_status: Callable[[dict[str, Any]], Any] | None = None,
        window: float = WINDOW,
        decode: Callable[[np.ndarray], list[str]] | None = None,
        backoff: tuple[float, float] = BACKOFF,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.camera = camera
        self.on_code = on_code
        self.on_status = on_status
        self.debouncer = Debouncer(window)
        self.backoff = backoff
        self.clock = clock
        self._decode = decode
        self._cond = threading.Condition()
        self._slot: np.ndarray | None = None
        self._stop = threading.Event()
        self._grab_done = False
        self._threads: list[threading.Thread] = []
        self._deliver_lock = threading.Lock()
        self._preview: np.ndarray | None = None
        self._last: np.ndarray | None = None  # the newest frame, for a still (claims' photos)
        self._preview_at = float("-inf")
        self._status: dict[str, Any] = {
            "state": CameraState.STARTING,
            "running": False,
            "source": getattr(camera, "name", type(camera).__name__),
            "frames_read": 0,
            "frames_decoded": 0,
            "frames_dropped": 0,
            "codes": 0,
            "last_code": None,
            "last_code_at": None,
            "last_error": None,
            "reconnects": 0,
            "decode_ms": None,
        }

    # -- control -------------------------------------------------------------------------

    def start(self) -> CameraLoop:
        """Start the grab and decode threads (once)."""
        if self._threads:
            return self
        self._threads = [
            threading.Thread(target=self._grab, name="camera-grab", daemon=True),
            threading.Thread(target=self._decode_newest, name="camera-decode", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop both threads and release the camera; return whether both have ended."""
        self._stop.set()
        self._close_camera()
        with self._cond:
            self._cond.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(deadline - time.monotonic(), 0.0))
        alive = any(thread.is_alive() for thread in self._threads)
        self._set(state=CameraState.STOPPED, running=False)
        return not alive

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a finite source to be played out and decoded; return whether it was."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in self._threads:
            thread.join(None if deadline is None else max(deadline - time.monotonic(), 0.0))
        return not any(thread.is_alive() for thread in self._threads)

    def __enter__(self) -> CameraLoop:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def status(self) -> dict[str, Any]:
        """Return a snapshot: state, counts of frames read/decoded/dropped, last code, error."""
        with self._cond:
            return dict(self._status)

    def scan_frame(self, frame: np.ndarray) -> list[str]:
        """Decode a frame now, in the caller's thread, as if the camera had seen it.

        The codes go through the same debounce and on_code as the camera's; return the new
        ones. For an upload that wants its answer at once (POST /api/camera/frame).
        """
        with self._cond:
            self._last = frame  # as if the camera had seen it: a still takes this one
        codes = self._run_decode(frame)
        return self._deliver(codes)

    def still(self) -> np.ndarray | None:
        """Return the newest frame the camera read (not mirrored), or None before the first."""
        with self._cond:
            return self._last

    def preview_jpeg(self, quality: int = 70) -> bytes | None:
        """Return the newest frame as a small, mirrored JPEG, or None before the first frame.

        Mirrored, as a person expects to see themselves; at most PREVIEW_WIDTH wide, made
        from at most one frame in PREVIEW_EVERY seconds, so showing it costs the camera
        loop next to nothing.
        """
        import cv2

        with self._cond:
            small = self._preview
        if small is None:
            return None
        ok, data = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
        return data.tobytes() if ok else None

    def _keep_preview(self, frame: Any) -> None:
        """Keep a small mirrored copy of a frame for the preview, at most every PREVIEW_EVERY s."""
        now = self.clock()
        if now - self._preview_at < PREVIEW_EVERY:
            return
        import cv2
        import numpy as np

        if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.size == 0:
            return
        if frame.ndim not in (2, 3) or (frame.ndim == 3 and frame.shape[2] not in (1, 3, 4)):
            return
        height, width = frame.shape[:2]
        scale = min(PREVIEW_WIDTH / width, 1.0)
        size = (max(round(width * scale), 1), max(round(height * scale), 1))
        small = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
        if small.ndim == 3 and small.shape[2] == 4:
            small = cv2.cvtColor(small, cv2.COLOR_BGRA2BGR)
        small = cv2.flip(small, 1)
        with self._cond:
            self._preview, self._preview_at = small, now

    # -- threads -------------------------------------------------------------------------

    def _grab(self) -> None:
        """Read frames into the one-frame slot; reopen the camera with backoff when lost."""
        delay = self.backoff[0]
        is_open = False
        try:
            while not self._stop.is_set():
                if not is_open:
                    try:
                        self.camera.open()
                        is_open = True
                    except Exception as exc:  # a missing device, a busy one, a bad file
                        delay = self._lost(f"open: {exc}", delay)
                        continue
                    if self._stop.is_set():
                        break
                    self._set(state=CameraState.RUNNING, running=True)
                try:
                    frame = self.camera.read()
                    problem = None if frame is not None else "no frame"
                except EndOfStream:
                    self._set(state=CameraState.ENDED, running=False)
                    break
                except Exception as exc:  # the driver gave up: treat as a lost camera
                    frame, problem = None, f"read: {exc}"
                if self._stop.is_set():
                    break
                if problem is not None:
                    self._close_camera()
                    is_open = False
                    delay = self._lost(problem, delay)
                    continue
                delay = self.backoff[0]
                self._keep_preview(frame)
                with self._cond:
                    status = self._status
                    if self._slot is not None:
                        status["frames_dropped"] += 1
                    self._slot = self._last = frame
                    status["frames_read"] += 1
                    changed = status["state"] != CameraState.RUNNING
                    if changed:
                        status["state"], status["running"] = CameraState.RUNNING, True
                    self._cond.notify_all()
                del frame  # hold no frame while blocked in read()
                if changed:
                    self._report()
        finally:
            self._close_camera()
            with self._cond:
                self._grab_done = True
                self._cond.notify_all()

    def _lost(self, problem: str, delay: float) -> float:
        """Report the camera lost, wait out the backoff, report reconnecting; return the next."""
        source = self._status["source"]
        log.warning("camera %s lost (%s); retrying in %.1f s", source, problem, delay)
        self._set(state=CameraState.LOST, running=False, last_error=problem)
        if self._stop.wait(delay):
            return delay
        with self._cond:
            self._status["reconnects"] += 1
        self._set(state=CameraState.RECONNECTING)
        return min(delay * 2, self.backoff[1])

    def _decode_newest(self) -> None:
        """Wait for a frame, decode it, deliver its new codes; repeat until stopped."""
        while True:
            with self._cond:
                self._cond.wait_for(
                    lambda: self._slot is not None or self._stop.is_set() or self._grab_done
                )
                if self._stop.is_set() or self._slot is None:
                    return
                frame, self._slot = self._slot, None
            codes = self._run_decode(frame)
            del frame
            if codes and not self._stop.is_set():
                self._deliver(codes)

    # -- helpers -------------------------------------------------------------------------

    def _run_decode(self, frame: np.ndarray) -> list[str]:
        """Decode one frame, timing it; a failure is recorded, never raised."""
        decode = self._decode
        if decode is None:
            from kiosk.scan import decode
        start = time.perf_counter()
        try:
            codes = decode(frame)
        except Exception as exc:  # a malformed frame must not stop the loop
            log.warning("camera frame not decoded: %s", exc)
            codes, error = [], f"decode: {exc}"
        else:
            error = None
        ms = round((time.perf_counter() - start) * 1000.0, 1)
        with self._cond:
            self._status["frames_decoded"] += 1
            self._status["decode_ms"] = ms
            if error:
                self._status["last_error"] = error
        return codes

    def _deliver(self, codes: list[str]) -> list[str]:
        """Debounce codes and call on_code for each new one; return the new ones."""
        with self._deliver_lock:  # camera and uploads: one code at a time, in order
            new = self.debouncer.accept(codes, self.clock())
            for code in new:
                with self._cond:
                    self._status["codes"] += 1
                    self._status["last_code"] = shown(code)
                    self._status["last_code_at"] = time.time()
                try:
                    self.on_code(code)
                except Exception as exc:  # the scan path reports its own errors; keep going
                    log.warning("camera code %s not handled: %s", shown(code), exc)
                    with self._cond:
                        self._status["last_error"] = f"on_code: {exc}"
                self._report()
        return new

    def _set(self, **changes: Any) -> None:
        """Update the status and tell on_status if the state changed."""
        with self._cond:
            changed = any(self._status.get(k) != v for k, v in changes.items())
            self._status.update(changes)
        if changed:
            self._report()

    def _report(self) -> None:
        if self.on_status is None:
            return
        try:
            self.on_status(self.status())
        except Exception as exc:  # a listener's fault must not stop the camera
            log.warning("camera status listener failed: %s", exc)

    def _close_camera(self) -> None:
        try:
            self.camera.close()
        except Exception as exc:
            log.warning("camera close failed: %s", exc)
