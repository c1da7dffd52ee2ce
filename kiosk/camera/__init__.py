"""Cameras: capture adapters, the simulator, and the loop that turns frames into scans."""

from __future__ import annotations

from kiosk.camera.loop import CameraLoop, Debouncer
from kiosk.camera.ports import Camera, CameraError, EndOfStream
from kiosk.camera.sim import SimulatedCamera, render_card_frame
from kiosk.camera.sources import FolderCamera, OpenCVCamera, make_camera

__all__ = [
    "Camera",
    "CameraError",
    "CameraLoop",
    "Debouncer",
    "EndOfStream",
    "FolderCamera",
    "OpenCVCamera",
    "SimulatedCamera",
    "make_camera",
    "render_card_frame",
]
