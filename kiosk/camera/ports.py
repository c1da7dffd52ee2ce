"""The camera port: anything that hands out frames one at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np


class CameraError(RuntimeError):
    """The camera cannot be opened or has stopped giving frames."""


class EndOfStream(Exception):
    """A finite source (a video or a folder of images) has no more frames."""


@runtime_checkable
class Camera(Protocol):
    """A source of frames: a real camera, a recording, or the simulator."""

    name: str

    def open(self) -> None:
        """Start the camera; raise CameraError if it cannot be used."""

    def read(self) -> np.ndarray | None:
        """Block until the next frame and return it (BGR or gray).

        Return None or raise CameraError when the camera is lost, raise EndOfStream when a
        finite source is done.
        """

    def close(self) -> None:
        """Release the camera; safe to call twice or from another thread (read returns)."""
