"""decode reads every code plain zxing-cpp reads, on the same images, and nothing wrong.

The corpus: every benchmark condition (benchmarks/scan.py: dark-mode phones with glow, glare
and moiré, light-mode screens, codes filling the frame, small stills, cards under fluorescent
light, blur, tilt, ...), small stills of pure codes in either polarity, frames larger than
MAX_SIDE, and three images we did not make (tests/fixtures/qr-zbar, ZBar's examples). Real
photos and screenshots made by others are checked in test_scan_photos.py.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pytest
import zxingcpp

from benchmarks import scan as bench
from kiosk.scan import decode
from kiosk.scan.synth import render_qr, scene

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "qr-zbar"
PER_CONDITION = 6
SEED = 13


def plain(image: np.ndarray) -> set[str]:
    """Return what plain zxing-cpp reads, QR only, its defaults otherwise."""
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return {b.text for b in found}


def assert_never_worse(image: np.ndarray, expected: set[str]) -> set[str]:
    """Check decode ⊇ plain and decode ⊆ expected on one image; return what plain read."""
    by_plain = plain(image)
    by_kiosk = set(decode(image))
    assert by_plain <= by_kiosk, f"plain read {by_plain - by_kiosk}, decode did not"
    assert by_kiosk <= expected, f"decode misread {by_kiosk - expected}"
    return by_plain


@cache
def _frame(condition: str, i: int) -> tuple[str | None, np.ndarray]:
    return bench.frame(condition, SEED, i)


@pytest.mark.parametrize("condition", list(bench.CONDITIONS))
def test_every_benchmark_condition(condition):
    for i in range(PER_CONDITION):
        text, image = _frame(condition, i)
        assert_never_worse(image, set() if text is None else {text})


@pytest.mark.parametrize("name", ["qr-code.png", "qr-code-inverted.png", "qr-code-binary.png"])
def test_images_we_did_not_make(name):
    image = cv2.imread(str(FIXTURES / name), cv2.IMREAD_COLOR)
    expected = plain(image)
    assert expected, "plain zxing-cpp reads each of these"
    assert set(decode(image)) == expected
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    for scale in (0.5, 0.75, 1.5, 3.0):  # the same codes as smaller and larger stills
        size = (round(gray.shape[1] * scale), round(gray.shape[0] * scale))
        assert_never_worse(cv2.resize(gray, size, interpolation=cv2.INTER_AREA), expected)


@pytest.mark.parametrize("invert", [False, True])
def test_small_stills_of_a_few_hundred_pixels_or_less(invert):
    text = "EKC:SMALLSTILLSARENEVERMISSED"
    code = render_qr(text, scale=1, border=4)
    code = 255 - code if invert else code
    read = 0
    for side in (40, 55, 70, 90, 120, 160, 220, 300):
        still = cv2.resize(code, (side, side), interpolation=cv2.INTER_AREA)
        read += bool(assert_never_worse(still, {text}))
        framed = cv2.copyMakeBorder(still, 20, 20, 35, 35, cv2.BORDER_CONSTANT, value=128)
        read += bool(assert_never_worse(framed, {text}))
    assert read >= 12  # the comparison is not vacuous: plain reads most of these


def test_a_small_code_in_a_frame_larger_than_max_side():
    text = "EKC:ABIGPHOTOWITHASMALLCODEINIT"
    image = scene(text, seed=4, size=(4000, 3000), code_size=85, rotation=5.0, lighting=0.0)
    assert assert_never_worse(image, {text}) == {text}
