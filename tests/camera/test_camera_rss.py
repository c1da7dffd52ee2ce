"""The camera memory benchmark runs the kiosk's camera loop on a source and reports its RSS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from benchmarks import camera_rss
from kiosk.camera import render_card_frame
from kiosk.scan.synth import scene


def test_the_memory_benchmark_decodes_a_recording_and_reports_the_peak(tmp_path: Path):
    path = tmp_path / "counter.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (640, 360))
    for shot in [scene(None, seed=1, size=(640, 360))] * 5 + [
        render_card_frame("EKP:SOAP", s, size=(640, 360)) for s in range(10)
    ]:
        writer.write(np.ascontiguousarray(shot))
    writer.release()
    out = tmp_path / "rss.json"

    # In a process of its own, as the benchmark is run: inside the test process, memory freed by
    # earlier tests is reused and the kiosk's own start-up no longer shows in the figures.
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
    }
    command = [sys.executable, "-m", "benchmarks.camera_rss", "--seconds", "1.5"]
    command += ["--source", str(path), "--out", str(out)]
    ran = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stdout + ran.stderr

    report = json.loads(out.read_text())
    assert report["camera"]["frames_decoded"] > 0
    assert report["camera"]["codes"] >= 1  # the label was read and handed on
    assert 0 < report["python_mb"] < report["baseline_mb"] <= report["peak_mb"]
    assert report["peak_mb"] >= max(mb for _, mb in report["samples"])
    assert report["met"] == (report["peak_mb"] <= camera_rss.TARGET_MB)
