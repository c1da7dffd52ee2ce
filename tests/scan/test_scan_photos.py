"""decode reads every code plain zxing-cpp reads on real photos and screenshots others made.

The images (tests/fixtures/qr-photos; its README names each one's package, version, path and
licence): phone-camera stills of printed codes, a 5184×3456 camera photo of a printed form, a
2560×1440 desktop screenshot with two small codes, a mirrored code, small and dense stills,
and photos with no QR code in them (1-D barcodes, carpet). expected.json lists what each holds.
Each is also checked as a gray frame, turned light-on-dark (as a phone in dark mode shows a
code), and, where it is small, shrunk and enlarged and turned by an angle.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pytest
import zxingcpp

from benchmarks import scan as bench
from kiosk.scan import decode

PHOTOS = Path(__file__).resolve().parents[1] / "fixtures" / "qr-photos"
EXPECTED: dict[str, list[str]] = json.loads((PHOTOS / "expected.json").read_text("utf-8"))
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}
SMALL = 1000  # pixels; images up to this long are also checked at other sizes and angles


def plain(image: np.ndarray) -> set[str]:
    """Return what plain zxing-cpp reads, QR only, its defaults otherwise."""
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return {b.text for b in found}


@cache
def load(name: str) -> np.ndarray:
    image = cv2.imread(str(PHOTOS / name), cv2.IMREAD_COLOR)
    assert image is not None, f"{name} does not load"
    return image


def variants(image: np.ndarray) -> dict[str, np.ndarray]:
    """Return the gray frame, its light-on-dark copy and, for small images, resized and turned."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    out = {"gray": gray, "light on dark": 255 - gray, "light on dark, colour": 255 - image}
    if max(gray.shape) > SMALL:
        return out
    height, width = gray.shape
    for scale in (0.5, 0.75, 1.5):
        size = (round(width * scale), round(height * scale))
        resized = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
        out[f"×{scale}"] = resized
        out[f"×{scale}, light on dark"] = 255 - resized
    for angle in (25, 60):
        turn = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
        out[f"turned {angle}°"] = cv2.warpAffine(gray, turn, (width, height), borderValue=255)
    return out


def test_every_image_in_the_folder_is_listed_with_what_it_holds():
    on_disk = {p.name for p in PHOTOS.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES}
    assert on_disk == set(EXPECTED)
    assert sum(bool(texts) for texts in EXPECTED.values()) >= 12
    assert sum(not texts for texts in EXPECTED.values()) >= 4  # photos with no code


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_decode_reads_each_code_in_the_image_and_nothing_else(name):
    image = load(name)
    expected = set(EXPECTED[name])
    by_plain = plain(image)
    assert by_plain <= expected, f"expected.json misses {by_plain - expected}"
    by_kiosk = decode(image)
    assert set(by_kiosk) == expected
    assert len(by_kiosk) == len(set(by_kiosk))  # a code seen twice (mirrored) is one text


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_decode_reads_what_plain_reads_on_every_variant(name):
    expected = set(EXPECTED[name])
    read_by_plain = 0
    for label, image in variants(load(name)).items():
        by_plain = plain(image)
        by_kiosk = set(decode(image))
        assert by_plain <= by_kiosk, f"{label}: plain read {by_plain - by_kiosk}, decode did not"
        assert by_kiosk <= expected, f"{label}: decode misread {by_kiosk - expected}"
        read_by_plain += bool(by_plain)
    if expected:  # the comparison is not vacuous: plain reads the code in some variants
        assert read_by_plain >= 2


def test_the_benchmark_runs_the_set_beside_plain_zxing():
    decoders = {"kiosk": bench.run_kiosk, "zxing": bench.run_zxing}
    results = bench.measure(["photos", "photos_inverted"], 1, 1, decoders, None)
    coded = sum(bool(texts) for texts in EXPECTED.values())
    for name in ("photos", "photos_inverted"):
        kiosk, zxing = results[name]["kiosk"], results[name]["zxing"]
        assert kiosk["frames"] == len(EXPECTED) and kiosk["coded_frames"] == coded
        assert kiosk["read"] == coded >= zxing["read"] > 0
        assert kiosk["misreads"] == kiosk["false_positives"] == 0
        assert kiosk["missed_vs_plain"] == 0
    # The overall figures stay those of the rendered frames: the photos are reported apart.
    assert bench.overall(results, list(decoders))["kiosk"]["frames"] == 0
