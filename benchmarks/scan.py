"""QR decode rate and time on distorted camera frames, against the open decoders.

Each condition renders the same seeded scenes (kiosk.scan.synth: a card or a phone placed by a
3-D pose on a cluttered counter) and runs three decoders on every frame in the same run:

- `kiosk` — `kiosk.scan.decode`, the function the camera loop calls;
- `zxing` — plain `zxingcpp.read_barcodes(frame, formats=QRCode)` with its defaults;
- `aruco` — OpenCV's `cv2.QRCodeDetectorAruco().detectAndDecodeMulti(frame)`.

Conditions: nominal (5-9 px a module, small turn and tilt), small codes at 3.5 and 2.5 px a
module, any rotation, tilts of exactly 40° and 60°, defocus, straight motion blur of 8-16 px
(the whole frame, as when the camera shakes), sensor noise, low contrast, dim light, glare,
heavy JPEG, light-on-dark codes, several moderate distortions combined; phones in dark mode
photographed with their glow, glare and moiré (dark_screen) and in light mode (light_screen),
codes filling a 640×480 frame, small stills of 90-360 px, cards under fluorescent light (a
colour cast and flicker banding); and empty frames. Frames are 1280×720 unless a condition
sets its size. Two more conditions are not rendered: `photos`, real camera photos and
screenshots of QR codes that others made (tests/fixtures/qr-photos, with their sources and
licences; some hold two codes, some none) as shipped, and `photos_inverted`, the same turned
light-on-dark as a phone in dark mode shows a code; each photo is shown --frames divided by
the number of photos times (at least once). They are left out of the overall figures, which
stay those of the rendered frames. Every row also compares the kiosk with plain zxing-cpp on
the same frames: the difference in read rate (points), the ratio of median times, and the
frames plain zxing-cpp read and the kiosk did not (kept at 0 by
tests/scan/test_scan_never_worse.py and, for the photos, tests/scan/test_scan_photos.py).
A frame counts as read when the decoder returns every code it holds; a misread is any other
text on a frame that holds a code; a false positive is any text on a frame that holds none.
Times are the decoding thread's processor time with one OpenCV thread (see CLOCK).

    python benchmarks/scan.py [--frames 100] [--seed 1] [--only motion,photos]
        [--no-aruco] [--jobs N] [--out benchmarks/results/scan.json]

The default run takes about five minutes on two cores (frames are rendered by --jobs
processes between timings, never during them).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import zxingcpp

from kiosk.scan import decode
from kiosk.scan.synth import fluorescent, render_qr, scene, screen_photo

SIZE = (1280, 720)
CHUNK = 25  # frames rendered at a time: ~70 MB
# Decode times are the decoding thread's processor time: every decoder here runs on one
# thread, so on an idle machine this equals wall time, and on a shared one it is not
# inflated by other processes taking the core.
CLOCK = time.thread_time
RESULTS = Path(__file__).parent / "results" / "scan.json"
PHOTOS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "qr-photos"
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def payload(rng: np.random.Generator) -> str:
    """Return a card code (four in five) or a product label, as the kiosk prints them."""
    if rng.random() < 0.8:
        token = base64.b32encode(rng.bytes(16)).decode("ascii").rstrip("=")
        return "EKC:" + token
    return "EKP:" + "".join(rng.choice(list(_ALPHABET), size=int(rng.integers(3, 9))))


def modules(text: str) -> int:
    """Return the side of a code in modules, quiet zone (4 each side) included."""
    return render_qr(text, scale=1, border=4).shape[0]


def _nominal(rng: np.random.Generator, text: str) -> dict[str, Any]:
    """Return the scene options of a plain, well-lit, steady card at a comfortable distance."""
    return {
        "code_size": round(rng.uniform(5.0, 9.0) * modules(text)),
        "rotation": float(rng.uniform(-20, 20)),
        "tilt": float(rng.uniform(0, 15)),
        "noise": float(rng.uniform(2, 5)),
        "lighting": float(rng.uniform(0.0, 0.4)),
        "phone": bool(rng.random() < 0.25),
    }


def _with(**changes: Callable[[np.random.Generator, str], Any] | Any):
    """Return a condition: the nominal options with some replaced (values or rng functions)."""

    def options(rng: np.random.Generator, text: str) -> dict[str, Any]:
        out = _nominal(rng, text)
        for key, value in changes.items():
            out[key] = value(rng, text) if callable(value) else value
        return out

    return options


def _ppm(low: float, high: float | None = None):
    """Return a code_size chooser for a pixels-per-module range (or one value)."""
    return lambda rng, text: round(
        (low if high is None else rng.uniform(low, high)) * modules(text)
    )


def _uniform(low: float, high: float):
    return lambda rng, text: float(rng.uniform(low, high))


def _combined(rng: np.random.Generator, text: str) -> dict[str, Any]:
    """Return several moderate distortions at once, as a real counter produces them."""
    return {
        "code_size": round(rng.uniform(4.5, 8.0) * modules(text)),
        "rotation": float(rng.uniform(0, 360)),
        "tilt": float(rng.uniform(15, 45)),
        "blur": float(rng.uniform(0.0, 1.2)),
        "motion": float(rng.choice([0.0, rng.uniform(3, 8)])),
        "noise": float(rng.uniform(4, 12)),
        "contrast": float(rng.uniform(0.5, 0.9)),
        "brightness": float(rng.uniform(0.45, 1.0)),
        "lighting": float(rng.uniform(0.2, 0.6)),
        "glare": float(rng.choice([0.0, rng.uniform(0.3, 0.6)])),
        "jpeg": int(rng.uniform(40, 85)),
        "invert": bool(rng.random() < 0.2),
        "phone": bool(rng.random() < 0.3),
    }


def _dark_screen(rng: np.random.Generator, text: str) -> dict[str, Any]:
    """Return a phone or watch in dark mode, photographed with its glow, glare and moiré."""
    return {
        **_with(code_size=_ppm(3.0, 7.0), phone=True, invert=True)(rng, text),
        "glare": float(rng.uniform(0.2, 0.6)),
        "lighting": float(rng.uniform(0.3, 0.7)),
        "brightness": float(rng.uniform(0.4, 0.9)),
        "screen": {"glow": float(rng.uniform(0.3, 1.0)), "moire": float(rng.uniform(0.3, 1.0))},
    }


def _light_screen(rng: np.random.Generator, text: str) -> dict[str, Any]:
    """Return a phone in light mode with screen glare and moiré."""
    return {
        **_with(code_size=_ppm(3.0, 7.0), phone=True)(rng, text),
        "glare": float(rng.uniform(0.3, 0.7)),
        "screen": {"glow": float(rng.uniform(0.0, 0.4)), "moire": float(rng.uniform(0.3, 1.0))},
    }


def _fill(rng: np.random.Generator, text: str) -> dict[str, Any]:
    """Return a code held so close that it fills a 640×480 frame (its edge may be cut)."""
    return {
        **_nominal(rng, text),
        "size": (640, 480),
        "code_size": int(rng.uniform(0.85, 1.15) * 480),
        "rotation": float(rng.uniform(-10, 10)),
        "tilt": float(rng.uniform(0, 12)),
    }


def _small_still(rng: np.random.Generator, text: str) -> dict[str, Any]:
    """Return a small still (a thumbnail or a cropped photo, 90-360 px), either polarity."""
    width, height = int(rng.integers(90, 361)), int(rng.integers(90, 361))
    return {
        **_nominal(rng, text),
        "size": (width, height),
        "code_size": int(rng.uniform(0.6, 0.95) * min(width, height)),
        "invert": bool(rng.random() < 0.3),
        "phone": False,
        "blur": float(rng.uniform(0.0, 0.8)),
        "jpeg": int(rng.uniform(50, 95)) if rng.random() < 0.5 else None,
    }


def _fluorescent(rng: np.random.Generator, text: str) -> dict[str, Any]:
    """Return a card under a shop's fluorescent tubes: a colour cast and flicker banding."""
    return {
        **_nominal(rng, text),
        "light": {"cast": float(rng.uniform(0.5, 1.0)), "banding": float(rng.uniform(0.3, 1.0))},
    }


def _empty(rng: np.random.Generator, text: str) -> dict[str, Any]:
    """Return the distortions of a frame with no code: clutter under varied conditions."""
    return {
        "noise": float(rng.uniform(0, 15)),
        "blur": float(rng.choice([0.0, rng.uniform(0.5, 2.0)])),
        "contrast": float(rng.uniform(0.4, 1.0)),
        "lighting": float(rng.uniform(0, 0.6)),
        "jpeg": int(rng.uniform(30, 90)) if rng.random() < 0.5 else None,
    }


CONDITIONS: dict[str, Callable[[np.random.Generator, str], dict[str, Any]]] = {
    "nominal": _with(),
    "small_3.5px": _with(code_size=_ppm(3.5)),
    "small_2.5px": _with(code_size=_ppm(2.5)),
    "rotation": _with(rotation=_uniform(0, 360)),
    "perspective_40": _with(tilt=40.0, rotation=_uniform(0, 360)),
    "perspective_60": _with(tilt=60.0, rotation=_uniform(0, 360)),
    "defocus": _with(blur=_uniform(1.5, 3.0), code_size=_ppm(6, 9)),
    "motion": _with(motion=_uniform(8, 16), code_size=_ppm(6, 9)),
    "noise": _with(noise=_uniform(15, 30)),
    "low_contrast": _with(contrast=_uniform(0.15, 0.3)),
    "dim": _with(brightness=_uniform(0.1, 0.2), noise=_uniform(1.5, 3)),
    "glare": _with(glare=_uniform(0.5, 0.9)),
    "jpeg": _with(jpeg=lambda rng, text: int(rng.uniform(10, 30)), code_size=_ppm(4, 6)),
    "inverted": _with(invert=True, phone=lambda rng, text: bool(rng.random() < 0.5)),
    "combined": _combined,
    "dark_screen": _dark_screen,
    "light_screen": _light_screen,
    "fill_frame": _fill,
    "small_still": _small_still,
    "fluorescent": _fluorescent,
    "empty": _empty,
}


def frame(condition: str, seed: int, i: int) -> tuple[str | None, np.ndarray]:
    """Return (expected text or None, frame) number i of a condition; the same for a seed."""
    rng = np.random.default_rng([seed, list(CONDITIONS).index(condition), i])
    text = None if condition == "empty" else payload(rng)
    options = CONDITIONS[condition](rng, text)
    size, screen, light = (options.pop(k, None) for k in ("size", "screen", "light"))
    seed = int(rng.integers(2**31))
    image = scene(text, seed=seed, size=size or SIZE, **options)
    if screen:
        image = screen_photo(image, seed, **screen)
    if light:
        image = fluorescent(image, seed, **light)
    return text, image


def frames(condition: str, count: int, seed: int, pool: Pool | None = None):
    """Yield (expected text or None, frame) for a condition, rendered ahead by the pool."""
    jobs = [(condition, seed, i) for i in range(count)]
    for start in range(0, count, CHUNK):
        chunk = jobs[start : start + CHUNK]
        # Render a chunk first (on every core), then time the decoders alone.
        yield from pool.starmap(frame, chunk) if pool else (frame(*job) for job in chunk)


def photos(inverted: bool = False) -> list[tuple[frozenset[str], np.ndarray]]:
    """Return (the texts it holds, image) for every photo in PHOTOS, light-on-dark if asked."""
    listed = json.loads((PHOTOS / "expected.json").read_text("utf-8"))
    out = []
    for name, texts in sorted(listed.items()):
        image = cv2.imread(str(PHOTOS / name), cv2.IMREAD_COLOR)
        if image is None:
            raise FileNotFoundError(PHOTOS / name)
        out.append((frozenset(texts), 255 - image if inverted else image))
    return out


# Conditions made of images on disk rather than rendered scenes: name → light-on-dark.
PHOTO_SETS = {"photos": False, "photos_inverted": True}


def expected_frames(name: str, count: int, seed: int, pool: Pool | None):
    """Yield (the texts it holds, frame) for a rendered condition or a photo set."""
    if name in PHOTO_SETS:
        shots = photos(PHOTO_SETS[name])
        # Each photo is shown about count / len(shots) times (at least once), so that a
        # photo's time is a median of several looks, as a rendered condition's is.
        for _ in range(max(1, round(count / len(shots)))):
            yield from shots
        return
    for text, image in frames(name, count, seed, pool):
        yield frozenset() if text is None else frozenset({text}), image


def run_kiosk(frame: np.ndarray) -> list[str]:
    """Decode with the kiosk's pipeline."""
    return decode(frame)


def run_zxing(frame: np.ndarray) -> list[str]:
    """Decode with plain zxing-cpp, QR only, its defaults otherwise."""
    return [b.text for b in zxingcpp.read_barcodes(frame, formats=zxingcpp.BarcodeFormat.QRCode)]


_ARUCO: list[Any] = []


def run_aruco(frame: np.ndarray) -> list[str]:
    """Decode with OpenCV's Aruco-based QR detector."""
    if not _ARUCO:
        _ARUCO.append(cv2.QRCodeDetectorAruco())
    try:
        ok, texts, _, _ = _ARUCO[0].detectAndDecodeMulti(frame)
    except cv2.error:
        return []
    return [t for t in texts if t] if ok else []


DECODERS = {"kiosk": run_kiosk, "zxing": run_zxing, "aruco": run_aruco}


def measure(
    names: list[str], count: int, seed: int, decoders: dict[str, Callable], pool: Pool | None
) -> dict:
    """Run every decoder on every frame of each condition; return the figures."""
    for run in decoders.values():  # load libraries and detectors before timing
        run(np.zeros((720, 1280, 3), np.uint8))
    results: dict[str, Any] = {}
    for name in names:
        tally = {
            d: {"read": 0, "misreads": 0, "false_positives": 0, "missed_vs_plain": 0, "ms": []}
            for d in decoders
        }
        frames_seen = coded = 0
        for wanted, image in expected_frames(name, count, seed, pool):
            frames_seen += 1
            coded += bool(wanted)
            found_by: dict[str, set[str]] = {}
            for decoder, run in decoders.items():
                image.max()  # bring the frame into the cache: no decoder pays for the first touch
                start = CLOCK()
                found = set(run(image))
                tally[decoder]["ms"].append((CLOCK() - start) * 1000.0)
                found_by[decoder] = found
                if not wanted:
                    tally[decoder]["false_positives"] += len(found)
                else:
                    tally[decoder]["read"] += wanted <= found
                    tally[decoder]["misreads"] += len(found - wanted)
            for decoder, found in found_by.items():  # what plain zxing-cpp read and this did not
                tally[decoder]["missed_vs_plain"] += bool(found_by.get("zxing", set()) - found)
        results[name] = {d: summary(t, frames_seen, coded) for d, t in tally.items()}
        print(row(name, results[name]), flush=True)
    return results


def summary(tally: dict[str, Any], frames_seen: int, coded: int) -> dict[str, Any]:
    """Return rate, counts and median/p90 milliseconds of one decoder on one condition.

    The rate is over the frames that hold a code (coded); a condition with none has no rate.
    """
    ms = sorted(tally["ms"])
    return {
        "frames": frames_seen,
        "coded_frames": coded,
        "read": tally["read"] if coded else None,
        "rate": round(tally["read"] / coded, 4) if coded else None,
        "misreads": tally["misreads"],
        "false_positives": tally["false_positives"],
        "missed_vs_plain": tally["missed_vs_plain"],
        "median_ms": round(statistics.median(ms), 2),
        "p90_ms": round(ms[min(int(len(ms) * 0.9), len(ms) - 1)], 2),
        "mean_ms": round(statistics.mean(ms), 2),
        "ms": [round(m, 3) for m in tally["ms"]],
    }


def overall(results: dict[str, Any], decoders: list[str]) -> dict[str, Any]:
    """Return each decoder's totals over every rendered condition that holds a code."""
    out = {}
    rendered = {name: r for name, r in results.items() if name not in PHOTO_SETS}
    for d in decoders:
        coded = [r[d] for name, r in rendered.items() if name != "empty"]
        frames_total = sum(r["frames"] for r in coded)
        all_ms = [m for r in coded for m in r["ms"]]
        out[d] = {
            "frames": frames_total,
            "read": sum(r["read"] for r in coded),
            "rate": round(sum(r["read"] for r in coded) / max(frames_total, 1), 4),
            "misreads": sum(r[d]["misreads"] for r in rendered.values()),
            "false_positives": sum(r[d]["false_positives"] for r in rendered.values()),
            "median_ms": round(statistics.median(all_ms), 2) if all_ms else None,
            "mean_ms": round(statistics.mean(all_ms), 2) if all_ms else None,
        }
    return out


def versus_plain(figures: dict[str, Any]) -> dict[str, Any]:
    """Return the kiosk's rate and median time as ratios of plain zxing-cpp's, same frames."""
    kiosk, plain = figures.get("kiosk"), figures.get("zxing")
    if not kiosk or not plain:
        return {}
    rate = None
    if kiosk["rate"] is not None and plain["rate"]:
        rate = round(kiosk["rate"] / plain["rate"], 3)
    return {
        "rate_ratio": rate,
        "rate_points": None
        if kiosk["rate"] is None
        else round((kiosk["rate"] - plain["rate"]) * 100, 1),
        "median_ms_ratio": round(kiosk["median_ms"] / max(plain["median_ms"], 1e-6), 2),
        "frames_plain_read_kiosk_missed": kiosk["missed_vs_plain"],
    }


def row(name: str, figures: dict[str, Any]) -> str:
    """Format one table row: per decoder the rate and median/p90 milliseconds."""
    cells = []
    for f in figures.values():
        rate = "   -  " if f["rate"] is None else f"{f['rate'] * 100:5.1f}%"
        bad = f["misreads"] + f["false_positives"]
        flag = f" !{bad}" if bad else "   "
        cells.append(f"{rate} {f['median_ms']:6.1f} {f['p90_ms']:6.1f}{flag}")
    ratio = versus_plain(figures)
    if ratio:
        points = "   -  " if ratio["rate_points"] is None else f"{ratio['rate_points']:+5.1f}"
        cells.append(
            f"{points} x{ratio['median_ms_ratio']:<5} {ratio['frames_plain_read_kiosk_missed']:>3}"
        )
    return f"{name:<16}" + " | ".join(cells)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table and save the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=100, help="frames per condition")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default="", help="comma-separated conditions to run")
    parser.add_argument("--no-aruco", action="store_true", help="skip OpenCV's slow detector")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="render processes")
    args = parser.parse_args(argv)
    names = [n for n in args.only.split(",") if n] or [*CONDITIONS, *PHOTO_SETS]
    unknown = set(names) - set(CONDITIONS) - set(PHOTO_SETS)
    if unknown:
        parser.error(f"unknown condition(s): {', '.join(sorted(unknown))}")
    decoders = {d: f for d, f in DECODERS.items() if not (args.no_aruco and d == "aruco")}
    cv2.setNumThreads(1)  # the kiosk decodes one frame at a time on one core
    header = " | ".join(f"{d:<5} rate  med ms p90 ms   " for d in decoders)
    header += " | vs zxing: pts time  lost"
    print(f"{'condition':<16}{header}")
    started = time.perf_counter()
    with Pool(args.jobs) as pool:
        results = measure(names, args.frames, args.seed, decoders, pool)
    totals = overall(results, list(decoders))
    print()
    for d, t in totals.items():
        if not t["frames"]:  # only photo sets were run: they are reported per condition
            continue
        print(
            f"overall {d:<6} {t['rate'] * 100:5.1f}% of {t['frames']} frames, median "
            f"{t['median_ms']} ms, {t['misreads']} misreads, {t['false_positives']} false positives"
        )
    report = {
        "about": "decode rate and time per condition on seeded frames (1280x720 unless the"
        " condition sets a size); kiosk_vs_zxing compares with plain zxing-cpp on the same frames",
        "command": " ".join(
            ["python benchmarks/scan.py", *(sys.argv[1:] if argv is None else argv)]
        ),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cores": os.cpu_count(),
        },
        "versions": {
            "opencv": cv2.__version__,
            "zxingcpp": _zxing_version(),
            "numpy": np.__version__,
        },
        "frames_per_condition": args.frames,
        "seed": args.seed,
        "seconds": round(time.perf_counter() - started, 1),
        "clock": "thread processor time (time.thread_time), one OpenCV thread",
        "overall": totals,
        "conditions": {
            name: {
                **{d: {k: v for k, v in f.items() if k != "ms"} for d, f in figures.items()},
                "kiosk_vs_zxing": versus_plain(figures),
            }
            for name, figures in results.items()
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"saved {args.out} ({report['seconds']} s)")
    return 0


def _zxing_version() -> str:
    from importlib.metadata import version

    return version("zxing-cpp")


if __name__ == "__main__":
    raise SystemExit(main())
