"""The idle screen shows what a real camera sees, mirrored; the simulated camera shows nothing."""

from __future__ import annotations

import dataclasses
import shutil
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from kiosk_server import serving
from playwright.sync_api import expect

from kiosk.bootstrap import bootstrap
from kiosk.camera.scans import start_camera
from kiosk.cli import demo_settings
from printer.simulator import SimulatedPrinter
from terminal_ui import create_app

VIEWPORT = {"width": 1280, "height": 800}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _dark_left_frames(folder: Path, count: int = 3) -> Path:
    """Write frames dark on the left half and bright on the right, as a camera would see them."""
    folder.mkdir()
    for i in range(count):
        frame = np.full((480, 640, 3), 225, np.uint8)
        frame[:, :320] = 25
        cv2.imwrite(str(folder / f"frame-{i:02}.png"), frame)
    return folder


@pytest.fixture
def camera_kiosk(tmp_path: Path, seeded_store: Path):
    """Return a demo kiosk whose camera is a folder of real image frames (not the simulator)."""
    data = tmp_path / "data"
    data.mkdir()
    for path in seeded_store.iterdir():
        shutil.copy2(path, data / path.name)
    frames = _dark_left_frames(tmp_path / "frames")
    settings = demo_settings(data)
    settings = dataclasses.replace(
        settings, camera=dataclasses.replace(settings.camera, source=str(frames))
    )
    rt = bootstrap(settings, printer=SimulatedPrinter())
    start_camera(rt)
    deadline = time.monotonic() + 10
    while rt.camera.preview_jpeg() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    yield rt
    rt.close()


def _loaded_width(page, seconds: float = 10) -> int:
    """Return the preview picture's width once one has loaded (0 if none did in time)."""
    deadline = time.monotonic() + seconds
    while True:
        width = page.locator("#camera-preview").evaluate(
            "img => (img.complete && img.naturalWidth) || 0"
        )
        if width or time.monotonic() > deadline:
            return width
        time.sleep(0.1)


def test_the_idle_screen_shows_the_real_camera_mirrored(browser, camera_kiosk, tmp_path):
    with serving(create_app(camera_kiosk), camera_kiosk) as url:
        context = browser.new_context(base_url=url, viewport=VIEWPORT, locale="zh-CN")
        page = context.new_page()
        page.goto("/")
        # Waited for as a locator: a polled expression is evaluated by eval, which the page's
        # Content Security Policy refuses once the first look finds no picture yet.
        expect(page.locator("#camera-preview")).to_be_visible(timeout=10_000)
        # Shown once a picture has loaded; the next picture may still be on its way when read,
        # so the width is read again until one is there (up to 10 s), not once.
        assert _loaded_width(page) > 0
        assert page.locator("#idle .scan-art").is_hidden()
        box = page.locator("#camera-preview").bounding_box()
        assert box and box["width"] >= 200  # big enough to see the card in it
        picture = page.request.get("/api/camera/preview")
        assert picture.status == 200 and picture.headers["content-type"] == "image/jpeg"
        assert picture.headers["cache-control"] == "no-store"
        image = cv2.imdecode(np.frombuffer(picture.body(), np.uint8), cv2.IMREAD_GRAYSCALE)
        width = image.shape[1]
        # The camera saw dark on the left; mirrored, as a person expects, it is on the right.
        assert image[:, : width // 3].mean() > 150
        assert image[:, -width // 3 :].mean() < 100
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(tmp_path / "idle-camera-preview.png"))
        shutil.copy(tmp_path / "idle-camera-preview.png", SCREENSHOTS / "idle-camera-preview.png")
        context.close()


def test_the_simulated_camera_has_no_preview(page, base_url):
    page.goto("/")
    page.wait_for_selector("#idle:not([hidden])")
    assert page.locator("#camera-preview").is_hidden()
    assert page.locator("#idle .scan-art").is_visible()
    answer = page.request.get("/api/camera/preview")
    assert answer.status == 404
    assert answer.json()["error"]["code"] == "no_preview"
