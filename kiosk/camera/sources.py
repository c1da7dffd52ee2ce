"""Real frame sources: OpenCV capture (camera or video) and folders of still images."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.camera.ports import Camera, CameraError, EndOfStream
from kiosk.config import ConfigError

if TYPE_CHECKING:
    import numpy as np

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"})
STREAM_PREFIXES = ("rtsp://", "rtsps://", "http://", "https://", "/dev/")


class OpenCVCamera:
    """A cv2.VideoCapture: a camera by device index or path, a stream URL, or a video file.

    A video file is played at its own frame rate (realtime, as a camera would deliver it) or
    as fast as it decodes, and at its end either starts again (loop) or ends the stream.
    """

    def __init__(
        self,
        source: int | str,
        *,
        loop: bool = False,
        realtime: bool = True,
        width: int | None = None,
        height: int | None = None,
    ) -> None:
        self.source = source
        self.name = f"camera {source}" if isinstance(source, int) else str(source)
        self.loop = loop
        self.realtime = realtime
        self.size = (width, height)
        self._is_file = isinstance(source, str) and Path(source).is_file()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._capture = None
        self._period = 0.0
        self._due = 0.0

    def open(self) -> None:
        """Open the device or file; raise CameraError if OpenCV cannot."""
        import cv2

        capture = cv2.VideoCapture(self.source)
        if not capture.isOpened():
            capture.release()
            raise CameraError(f"cannot open {self.name}")
        width, height = self.size
        if width and height and not self._is_file:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        fps = capture.get(cv2.CAP_PROP_FPS) if self._is_file else 0.0
        self._period = 1.0 / fps if self.realtime and 0 < fps < 1000 else 0.0
        self._due = time.monotonic()
        with self._lock:
            self._closed.clear()
            self._capture = capture

    def read(self) -> np.ndarray | None:
        """Return the next frame; None if the camera is lost; EndOfStream at a video's end."""
        if self._period:
            # Pace a recording like the camera that made it; close() cuts the wait short.
            self._due += self._period
            if self._closed.wait(max(self._due - time.monotonic(), 0.0)):
                return None
        with self._lock:
            if self._capture is None:
                return None
            ok, frame = self._capture.read()
            if not ok and self._is_file and self.loop:
                import cv2

                self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, frame = self._capture.read()
        if ok and frame is not None:
            return frame
        if self._is_file:
            raise EndOfStream(self.name)
        return None

    def close(self) -> None:
        """Release the capture (waiting for a read in progress to return)."""
        self._closed.set()
        with self._lock:
            if self._capture is not None:
                self._capture.release()
                self._capture = None


class FolderCamera:
    """Still images replayed as frames, in name order: a folder of them, or one file."""

    def __init__(self, path: str | Path, *, fps: float | None = None, loop: bool = False) -> None:
        self.path = Path(path)
        self.name = str(path)
        self.loop = loop
        self._period = 1.0 / fps if fps else 0.0
        self._files: list[Path] = []
        self._next = 0
        self._due = 0.0
        self._closed = threading.Event()
        self.unreadable = 0

    def open(self) -> None:
        """List the images; raise CameraError if there are none."""
        if self.path.is_dir():
            files = sorted(p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        else:
            files = [self.path] if self.path.is_file() else []
        if not files:
            raise CameraError(f"no images in {self.name}")
        self._files, self._next = files, 0
        self._due = time.monotonic()
        self._closed.clear()

    def read(self) -> np.ndarray | None:
        """Return the next readable image; skip unreadable files; EndOfStream after the last."""
        from kiosk.scan.images import UnreadableImage, image_from_bytes

        while not self._closed.is_set():
            if self._next >= len(self._files):
                if not self.loop or self.unreadable >= len(self._files):
                    raise EndOfStream(self.name)
                self._next, self.unreadable = 0, 0
            path = self._files[self._next]
            self._next += 1
            try:
                # Measured before decoding, as uploads are: a huge still is skipped.
                frame = image_from_bytes(path.read_bytes(), colour=True)
            except (OSError, UnreadableImage):
                frame = None
            if frame is None:
                self.unreadable += 1
                continue
            if self._period:
                self._due += self._period
                if self._closed.wait(max(self._due - time.monotonic(), 0.0)):
                    return None
            return frame
        return None

    def close(self) -> None:
        """Stop replaying; a paced read in progress returns None."""
        self._closed.set()


def make_camera(source: str, *, loop: bool = False) -> Camera:
    """Build the camera named by the [camera] source setting.

    "sim" is the simulator; a whole number is a device index; a folder or an image file is
    replayed as stills; any other existing file is a video; /dev/… paths and stream URLs go
    to OpenCV. loop makes recordings start again at their end.
    """
    from kiosk.camera.sim import SimulatedCamera

    text = str(source).strip()
    if text.lower() == "sim":
        return SimulatedCamera()
    if text.isdigit():
        return OpenCVCamera(int(text))
    if text.lower().startswith(STREAM_PREFIXES):
        return OpenCVCamera(text)
    path = Path(text).expanduser()
    if text and (path.is_dir() or (path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES)):
        return FolderCamera(path, loop=loop)
    if text and path.is_file():
        return OpenCVCamera(str(path), loop=loop)
    raise ConfigError(
        f"[camera] source {source!r} is not 'sim', a device number, a stream URL, "
        "or an existing video, image or folder"
    )
