"""Frame sources: the simulator, still-image folders, video files and make_camera."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.camera import (
    CameraError,
    CameraLoop,
    EndOfStream,
    FolderCamera,
    OpenCVCamera,
    SimulatedCamera,
    make_camera,
    render_card_frame,
)
from kiosk.config import ConfigError
from kiosk.scan import decode
from kiosk.scan.synth import scene

CARD = "EKC:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LABEL = "EKP:OIL5L"


def write_video(path: Path, frames: list[np.ndarray], fps: float = 25.0) -> Path:
    """Write frames to an MJPG .avi file (what opencv-headless can write)."""
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    assert writer.isOpened()
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def small(frame: np.ndarray) -> np.ndarray:
    """Return a frame at 640×360 (smaller videos are faster to write and read)."""
    return cv2.resize(frame, (640, 360), interpolation=cv2.INTER_AREA)


# -- the simulator -------------------------------------------------------------------------


def test_simulated_camera_returns_the_pushed_frame():
    sim = SimulatedCamera()
    sim.open()
    frame = np.zeros((4, 4), np.uint8)
    assert sim.push(frame) == 1
    assert sim.read() is frame


def test_simulated_camera_keeps_only_the_newest_unread_frame():
    sim = SimulatedCamera()
    sim.open()
    first, second = np.zeros((4, 4), np.uint8), np.ones((4, 4), np.uint8)
    sim.push(first)
    sim.push(second)
    assert sim.read() is second
    assert sim.pushed == 2


def test_simulated_camera_blocks_until_a_frame_is_pushed():
    sim = SimulatedCamera()
    sim.open()
    frame = np.zeros((4, 4), np.uint8)
    started = time.monotonic()  # before the timer starts: a busy machine may not run us at once
    threading.Timer(0.1, sim.push, [frame]).start()
    assert sim.read() is frame
    assert time.monotonic() - started >= 0.09


def test_simulated_camera_close_releases_a_waiting_read():
    sim = SimulatedCamera()
    sim.open()
    threading.Timer(0.05, sim.close).start()
    assert sim.read() is None


def test_simulated_camera_shows_its_idle_frame_when_nothing_is_pushed():
    idle = np.full((4, 4), 7, np.uint8)
    sim = SimulatedCamera(idle_frame=idle, idle_fps=50)
    sim.open()
    started = time.monotonic()
    assert sim.read() is idle
    assert 0.015 <= time.monotonic() - started < 0.5
    pushed = np.zeros((4, 4), np.uint8)
    sim.push(pushed)
    assert sim.read() is pushed


@pytest.mark.parametrize("seed", range(40))
def test_render_card_frame_makes_a_frame_the_decoder_reads(seed):
    code = f"EKC:{'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[seed % 32] * 26}"
    frame = render_card_frame(code, seed)
    assert frame.shape == (720, 1280, 3)
    assert decode(frame) == [code]


def test_render_card_frame_is_the_same_for_the_same_seed():
    assert np.array_equal(render_card_frame(CARD, 5), render_card_frame(CARD, 5))
    assert not np.array_equal(render_card_frame(CARD, 5), render_card_frame(CARD, 6))


def test_a_rendered_card_pushed_to_the_simulator_reaches_on_code_once():
    sim = SimulatedCamera()
    got = []
    with CameraLoop(sim, got.append) as loop:
        for seed in range(3):  # the card held up for three frames
            sim.push(render_card_frame(CARD, seed))
            time.sleep(0.15)
        deadline = time.monotonic() + 3
        while loop.status()["frames_decoded"] < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert got == [CARD]


def test_scan_frame_decodes_an_upload_at_once_through_the_same_debounce():
    got = []
    loop = CameraLoop(SimulatedCamera(), got.append)
    frame = render_card_frame(CARD, 1)
    assert loop.scan_frame(frame) == [CARD]
    assert loop.scan_frame(frame) == []  # the same showing
    assert loop.scan_frame(render_card_frame(LABEL, 2)) == [LABEL]
    assert got == [CARD, LABEL]
    assert loop.status()["frames_decoded"] == 3


# -- folders of still images ---------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Write a folder: an empty counter, a card, a corrupt file, a label, and a text file."""
    images = tmp_path / "frames"
    images.mkdir()
    cv2.imwrite(str(images / "01-empty.png"), small(scene(None, seed=1)))
    cv2.imwrite(str(images / "02-card.jpg"), render_card_frame(CARD, 2))
    (images / "03-corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    cv2.imwrite(str(images / "04-label.png"), render_card_frame(LABEL, 4))
    (images / "notes.txt").write_text("not a frame")
    return images


def test_folder_camera_replays_the_images_in_name_order_skipping_unreadable_ones(folder):
    camera = FolderCamera(folder)
    camera.open()
    found = []
    with pytest.raises(EndOfStream):
        while True:
            found.append(decode(camera.read()))
    assert found == [[], [CARD], [LABEL]]
    assert camera.unreadable == 1


def test_folder_camera_starts_again_when_looping(folder):
    camera = FolderCamera(folder, loop=True)
    camera.open()
    shapes = [camera.read().shape for _ in range(5)]
    assert shapes[3] == shapes[0]


def test_folder_camera_plays_a_single_image_file(folder):
    camera = FolderCamera(folder / "02-card.jpg")
    camera.open()
    assert decode(camera.read()) == [CARD]
    with pytest.raises(EndOfStream):
        camera.read()


def test_folder_camera_refuses_a_folder_without_images(tmp_path):
    with pytest.raises(CameraError, match="no images"):
        FolderCamera(tmp_path).open()


def test_folder_camera_ends_when_every_file_is_unreadable_even_when_looping(tmp_path):
    (tmp_path / "a.png").write_bytes(b"garbage")
    camera = FolderCamera(tmp_path, loop=True)
    camera.open()
    with pytest.raises(EndOfStream):
        camera.read()


def test_a_folder_through_the_loop_gives_each_code_once(folder):
    got = []
    loop = CameraLoop(FolderCamera(folder, fps=10), got.append).start()
    assert loop.wait(10)
    assert got == [CARD, LABEL]
    assert loop.status()["state"] == "ended"


# -- video files ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Write a 1.2 s video: an empty counter for 10 frames, then the card for 20."""
    tmp_path = tmp_path_factory.mktemp("video")
    blank = small(scene(None, seed=3))
    card = [small(render_card_frame(CARD, seed)) for seed in range(4)]
    frames = [blank] * 10 + [card[i % 4] for i in range(20)]
    return write_video(tmp_path / "counter.avi", frames)


def test_opencv_camera_reads_a_video_file_to_its_end(video):
    camera = OpenCVCamera(str(video), realtime=False)
    camera.open()
    count = 0
    with pytest.raises(EndOfStream):
        while True:
            assert camera.read().shape == (360, 640, 3)
            count += 1
    camera.close()
    assert count == 30


def test_opencv_camera_loops_a_video_when_asked(video):
    camera = OpenCVCamera(str(video), realtime=False, loop=True)
    camera.open()
    assert all(camera.read() is not None for _ in range(65))
    camera.close()


def test_opencv_camera_plays_a_video_at_its_own_frame_rate(video):
    camera = OpenCVCamera(str(video))
    camera.open()
    started = time.monotonic()
    for _ in range(10):
        camera.read()
    assert time.monotonic() - started >= 0.35  # 10 frames at 25 fps
    camera.close()


def test_opencv_camera_refuses_what_it_cannot_open(tmp_path):
    bogus = tmp_path / "not-a-video.avi"
    bogus.write_bytes(b"nothing here")
    with pytest.raises(CameraError, match="cannot open"):
        OpenCVCamera(str(bogus)).open()


def test_a_video_through_the_loop_delivers_the_card_exactly_once(video):
    got = []
    loop = CameraLoop(OpenCVCamera(str(video)), got.append)
    loop.start()
    assert loop.wait(15)
    assert got == [CARD]
    status = loop.status()
    assert status["state"] == "ended"
    assert status["frames_read"] == 30
    assert status["last_code"] == "EKC:ABCD…"


# -- make_camera ---------------------------------------------------------------------------


def test_make_camera_picks_the_simulator():
    assert isinstance(make_camera("sim"), SimulatedCamera)
    assert isinstance(make_camera(" SIM "), SimulatedCamera)


def test_make_camera_takes_a_number_as_a_device_index():
    camera = make_camera("0")
    assert isinstance(camera, OpenCVCamera)
    assert camera.source == 0


def test_make_camera_replays_a_folder_or_an_image(folder):
    assert isinstance(make_camera(str(folder)), FolderCamera)
    assert isinstance(make_camera(str(folder / "02-card.jpg")), FolderCamera)


def test_make_camera_plays_a_video_file(video):
    camera = make_camera(str(video), loop=True)
    assert isinstance(camera, OpenCVCamera)
    assert camera.loop


def test_make_camera_passes_device_paths_and_streams_to_opencv():
    assert make_camera("/dev/video2").source == "/dev/video2"
    assert make_camera("rtsp://10.0.0.5/stream").source == "rtsp://10.0.0.5/stream"


@pytest.mark.parametrize("source", ["", "camera", "/no/such/file.avi", "-1"])
def test_make_camera_refuses_a_source_it_cannot_use(source):
    with pytest.raises(ConfigError, match=r"\[camera\] source"):
        make_camera(source)


def test_a_missing_camera_device_reports_lost_and_keeps_retrying():
    loop = CameraLoop(OpenCVCamera(99), lambda code: None, backoff=(0.01, 0.02)).start()
    deadline = time.monotonic() + 3
    while loop.status()["reconnects"] < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    status = loop.status()
    assert loop.stop()
    assert status["reconnects"] >= 2
    assert "cannot open camera 99" in status["last_error"]
