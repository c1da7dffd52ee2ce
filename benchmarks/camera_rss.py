"""Memory of a kiosk with its camera loop running: peak RSS against the 200 MB target.

The kiosk is assembled as `kiosk run` assembles it (the demo store on a fresh data folder, the
simulated printer, the touch-screen app) and its camera loop, with the real decoder, watches
a recording of a counter in a loop: the empty counter, a card held still, a card shaken
(motion blur, so the deblurring path runs), a phone in dark mode and a product label. Every
new code goes to the scan use case, as a camera scan does. The recording is 1280×720 MJPG at
30 frames a second, rendered by a child process so that this one holds none of the rendering,
and played at its own frame rate. --source plays any camera source instead (a device number
on a real kiosk, a video file).

RSS is sampled from /proc/self/status twice a second; the peak is the largest of the samples
and the kernel's high-water marks for the process (VmHWM, ru_maxrss), which also cover moments
between samples. The baseline is the RSS of the assembled kiosk just before the camera starts.

    python benchmarks/camera_rss.py [--seconds 60] [--source sim-video|0|FILE]
        [--out benchmarks/results/camera_rss.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results" / "camera_rss.json"
TARGET_MB = 200.0
SIZE = (1280, 720)
FPS = 30.0
LABEL = "EKP:SOAP"


def rss_mb(field: str = "VmRSS") -> float:
    """Return a memory figure of this process from /proc/self/status, in MB (10⁶ bytes)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError(f"{field} not in /proc/self/status")


def render_counter(path: str, cards: list[str]) -> dict[str, int]:
    """Write the counter recording (three cards' codes) to path; return its frames by kind."""
    import cv2
    import numpy as np

    from kiosk.camera.sim import render_card_frame
    from kiosk.scan.synth import render_qr, scene

    held, shook, dark = cards[:3]
    modules = render_qr(shook, scale=1, border=4).shape[0]
    counters = [scene(None, seed=s, size=SIZE, noise=3) for s in range(4)]
    held = [render_card_frame(held, s, size=SIZE) for s in range(8)]
    shaken = [
        scene(shook, seed=s, size=SIZE, code_size=7 * modules, motion=12, noise=3) for s in range(8)
    ]
    phone = [scene(dark, seed=s, size=SIZE, phone=True, invert=True, noise=3) for s in range(8)]
    label = [render_card_frame(LABEL, s, size=SIZE) for s in range(8)]
    second = int(FPS)
    story = [
        ("empty", counters, 2 * second),
        ("card", held, second),
        ("empty", counters, second),
        ("shaken", shaken, second),
        ("empty", counters, second),
        ("phone", phone, second),
        ("label", label, second),
    ]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), FPS, SIZE)
    kinds: dict[str, int] = {}
    for kind, shots, count in story:
        for i in range(count):
            writer.write(np.ascontiguousarray(shots[i % len(shots)]))
        kinds[kind] = kinds.get(kind, 0) + count
    writer.release()
    return kinds


def assemble(data: Path, source: str):
    """Build the kiosk as `kiosk run` does, seeded with the demo store; return it and 3 cards."""
    from kiosk import config, demo
    from kiosk.bootstrap import bootstrap
    from terminal_ui import create_app

    settings = config.load(
        None,
        env={},
        kiosk={"id": demo.KIOSK_ID, "store": demo.STORE, "data_dir": str(data)},
        camera={"source": source},
        printer={"backend": "simulator"},
    )
    runtime = bootstrap(settings)
    demo.seed(runtime.kiosk, data)
    cards = [str(card["code"]) for card in demo.cards(runtime.kiosk, data)[:3]]
    app = create_app(runtime)
    return runtime, app, cards


def start_camera(runtime, source: str):
    """Start the camera loop as the kiosk does, but with a recording played in a loop."""
    from kiosk.camera import CameraLoop, make_camera
    from kiosk.camera.scans import CameraScans

    runtime.camera_scans = CameraScans(runtime)
    runtime.camera = CameraLoop(make_camera(source, loop=True), on_code=runtime.camera_scans)
    return runtime.camera.start()


def watch(seconds: float, every: float = 0.5) -> list[tuple[float, float]]:
    """Sample (seconds since start, RSS MB) for the given time."""
    samples = []
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        time.sleep(every)
        samples.append((round(time.monotonic() - start, 2), round(rss_mb(), 1)))
    return samples


def main(argv: list[str] | None = None) -> int:
    """Run the kiosk's camera loop for a while and save its memory figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--source", default="sim-video", help="sim-video (the rendered counter) or a camera source"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    python_mb = rss_mb()
    with tempfile.TemporaryDirectory(prefix="camera-rss-") as tmp:
        data, video = Path(tmp) / "data", Path(tmp) / "counter.avi"
        source = str(video) if args.source == "sim-video" else args.source
        runtime, _app, cards = assemble(data, source)
        kinds = None
        if args.source == "sim-video":
            # A child renders the recording: the scene renderer's large buffers stay out of
            # this process and its high-water mark.
            with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
                kinds = pool.submit(render_counter, str(video), cards).result()
        baseline_mb = rss_mb()
        loop = start_camera(runtime, source)
        try:
            samples = watch(args.seconds)
        finally:
            loop.stop()
            status = loop.status()
            runtime.close()
        high_water_mb = rss_mb("VmHWM")
    ru_maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6
    # The kernel updates its high-water mark lazily, so a sample may exceed it: take the most.
    peak_mb = max(high_water_mb, ru_maxrss_mb, *(s[1] for s in samples))
    half = len(samples) // 2
    first, second = [s[1] for s in samples[:half]], [s[1] for s in samples[half:]]
    report: dict[str, Any] = {
        "about": "peak RSS of a kiosk process with its camera loop decoding a recording",
        "command": " ".join(
            ["python benchmarks/camera_rss.py", *(sys.argv[1:] if argv is None else argv)]
        ),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cores": os.cpu_count(),
        },
        "source": args.source,
        "recording": None if kinds is None else {"fps": FPS, "size": SIZE, "frames": kinds},
        "seconds": args.seconds,
        "target_mb": TARGET_MB,
        "python_mb": round(python_mb, 1),
        "baseline_mb": round(baseline_mb, 1),
        "peak_mb": round(peak_mb, 1),
        "vmhwm_mb": round(high_water_mb, 1),
        "ru_maxrss_mb": round(ru_maxrss_mb, 1),
        "met": peak_mb <= TARGET_MB,
        "rss_first_half_max_mb": max(first, default=None),
        "rss_second_half_max_mb": max(second, default=None),
        "rss_median_mb": round(statistics.median(s[1] for s in samples), 1) if samples else None,
        "camera": {
            k: status[k]
            for k in ("state", "frames_read", "frames_decoded", "frames_dropped", "codes")
        },
        "samples": samples,
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    print(
        f"baseline {report['baseline_mb']} MB, peak {report['peak_mb']} MB "
        f"(target {TARGET_MB:.0f} MB: {'met' if report['met'] else 'NOT met'}); "
        f"{status['frames_decoded']} frames decoded, {status['frames_dropped']} dropped, "
        f"{status['codes']} codes; RSS max {report['rss_first_half_max_mb']} MB in the first "
        f"half, {report['rss_second_half_max_mb']} MB in the second"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"saved {args.out} ({report['wall_seconds']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
