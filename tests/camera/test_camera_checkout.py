"""A recording of a resident at the counter, played through the camera loop to a checkout."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from kiosk.camera import CameraLoop, OpenCVCamera, render_card_frame
from kiosk.scan.synth import scene
from kiosk.services import queries, terminal


def test_a_video_of_a_card_then_a_label_becomes_a_completed_exchange(seeded, tmp_path: Path):
    runtime, cards = seeded
    k = runtime.kiosk
    card = cards[0]
    before = queries.session_view(k)
    assert before["mode"] == "idle"
    # 0.4 s of counter, 0.8 s of the card, 0.4 s of counter, 0.8 s of the soap's label.
    counter = scene(None, seed=9, size=(640, 360))
    shots = (
        [counter] * 10
        + [render_card_frame(card["code"], s, size=(640, 360)) for s in range(20)]
        + [counter] * 10
        + [render_card_frame("EKP:SOAP", s, size=(640, 360)) for s in range(20)]
    )
    path = tmp_path / "counter.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (640, 360))
    for shot in shots:
        writer.write(np.ascontiguousarray(shot))
    writer.release()

    scanned = []

    def on_code(code: str) -> None:
        scanned.append(code)
        terminal.scan(k, code)  # the same use case as POST /api/scan

    loop = CameraLoop(OpenCVCamera(str(path)), on_code).start()
    assert loop.wait(20)
    assert scanned == [card["code"], "EKP:SOAP"]  # each showing once

    view = queries.session_view(k)
    assert view["resident"]["id"] == card["resident_id"]
    assert [(line["product_code"], line["qty"]) for line in view["cart"]] == [("SOAP", 1)]
    result = terminal.checkout(k)
    assert result.total == 8
    assert result.balance_after == card["balance"] - 8
    assert queries.session_view(k)["mode"] == "idle"
