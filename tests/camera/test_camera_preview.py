"""The camera loop keeps a small mirrored preview of what the camera sees (the idle screen's)."""

from __future__ import annotations

import cv2
import numpy as np

from kiosk.camera import CameraLoop, EndOfStream
from kiosk.camera.loop import PREVIEW_WIDTH


class Frames:
    """Play frames once, then end."""

    name = "frames"

    def __init__(self, frames) -> None:
        self.frames = list(frames)

    def open(self) -> None:
        pass

    def read(self):
        if not self.frames:
            raise EndOfStream()
        return self.frames.pop(0)

    def close(self) -> None:
        pass


def half_dark(width: int = 1280, height: int = 720, channels: int = 3) -> np.ndarray:
    """Return a frame dark on its left half, bright on its right."""
    frame = np.full((height, width, channels), 230, np.uint8)
    frame[:, : width // 2] = 20
    return frame


def run(frames) -> CameraLoop:
    loop = CameraLoop(Frames(frames), lambda code: None, decode=lambda frame: [])
    loop.start()
    assert loop.wait(5.0)
    return loop


def test_there_is_no_preview_before_the_first_frame():
    loop = CameraLoop(Frames([]), lambda code: None, decode=lambda frame: [])
    assert loop.preview_jpeg() is None


def test_the_preview_is_small_and_mirrored():
    jpeg = run([half_dark()]).preview_jpeg()
    assert jpeg is not None and len(jpeg) < 30_000
    picture = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert picture.shape == (180, PREVIEW_WIDTH)
    # Mirrored, as a person expects: the camera's dark left half shows on the right.
    assert picture[:, :100].mean() > 200 and picture[:, -100:].mean() < 50


def test_gray_bgra_and_small_frames_make_a_preview_and_odd_ones_are_skipped():
    assert run([half_dark(channels=4)]).preview_jpeg() is not None
    assert run([half_dark()[..., 0]]).preview_jpeg() is not None
    small = cv2.imdecode(
        np.frombuffer(run([half_dark(200, 100)]).preview_jpeg(), np.uint8), cv2.IMREAD_COLOR
    )
    assert small.shape == (100, 200, 3)  # never enlarged
    assert run([np.zeros((2, 2), np.int64), np.zeros((0, 0, 3), np.uint8)]).preview_jpeg() is None


def test_a_preview_is_made_from_at_most_five_frames_a_second():
    now = [0.0]
    loop = CameraLoop(Frames([]), lambda code: None, decode=lambda frame: [], clock=lambda: now[0])
    made = 0
    for tick in range(10):  # frames 50 ms apart, 0 to 0.45 s
        now[0] = tick * 0.05
        before = loop.preview_jpeg()
        loop._keep_preview(np.full((72, 128, 3), 20 * tick, np.uint8))  # each one differs
        made += loop.preview_jpeg() != before
    assert made == 3  # at 0, 0.2 and 0.4 s
