"""The simulated camera that ships in the product: frames are pushed in, not captured."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

SIZE = (1280, 720)


class SimulatedCamera:
    """A camera whose frames come from push(): uploads, the demo screen, tests.

    With nothing pushed, read() blocks (the loop sleeps, using no processor); given an
    idle_frame and idle_fps it instead returns that frame at that rate, like a real camera
    watching an empty counter.
    """

    name = "sim"

    def __init__(self, idle_frame: np.ndarray | None = None, idle_fps: float = 0.0) -> None:
        self._cond = threading.Condition()
        self._pending: np.ndarray | None = None
        self._closed = True
        self._idle_frame = idle_frame
        self._idle_period = 1.0 / idle_fps if idle_frame is not None and idle_fps > 0 else None
        self.pushed = 0

    def open(self) -> None:
        """Start handing out frames."""
        with self._cond:
            self._closed = False

    def push(self, frame: np.ndarray) -> int:
        """Show the camera a frame (it replaces one not yet read); return how many so far."""
        with self._cond:
            self._pending = frame
            self.pushed += 1
            self._cond.notify_all()
            return self.pushed

    def read(self) -> np.ndarray | None:
        """Return the next pushed frame, the idle frame when due, or None once closed."""
        with self._cond:
            self._cond.wait_for(
                lambda: self._pending is not None or self._closed, timeout=self._idle_period
            )
            if self._closed:
                return None
            frame, self._pending = self._pending, None
            return frame if frame is not None else self._idle_frame

    def close(self) -> None:
        """Stop; a read() in progress returns None."""
        with self._cond:
            self._closed = True
            self._pending = None
            self._cond.notify_all()


def render_card_frame(code: str, seed: int = 0, *, size: tuple[int, int] = SIZE) -> np.ndarray:
    """Render a BGR camera frame of a card showing code, held up to the camera.

    The card sits on a cluttered counter, turned and tilted a little, under uneven light with
    sensor noise: what the demo's "hold a card to the camera" pushes through the real decoder.
    The distortions stay mild so every seed reads (a test checks forty of them).
    """
    import numpy as np

    from kiosk.scan.synth import render_qr, scene

    rng = np.random.default_rng([seed, 2024])
    modules = render_qr(code, scale=1, border=4).shape[0]
    return scene(
        code,
        seed=seed,
        size=size,
        code_size=round(rng.uniform(6.0, 8.0) * modules * min(size) / 720),
        rotation=float(rng.uniform(-25, 25)),
        tilt=float(rng.uniform(0, 25)),
        noise=float(rng.uniform(2, 5)),
        lighting=float(rng.uniform(0.1, 0.4)),
    )
