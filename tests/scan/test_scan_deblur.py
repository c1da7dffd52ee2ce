"""Motion blur: the smear is found, measured and undone, and steeply tilted codes still read."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import zxingcpp

from kiosk.scan import deblur, decode
from kiosk.scan.decoder import to_gray
from kiosk.scan.synth import scene

CARD = "EKC:QZ7RM3KX2P4TN6WB5YHC8DJA"


def plain_zxing(frame: np.ndarray) -> list[str]:
    return [b.text for b in zxingcpp.read_barcodes(frame, formats=zxingcpp.BarcodeFormat.QRCode)]


def smeared(seed: int, length: float, angle: float) -> np.ndarray:
    """Return a card frame smeared by a straight motion of length px at angle degrees."""
    return scene(CARD, seed=seed, code_size=230, motion=length, motion_angle=angle, noise=3)


def angle_gap(a: float, b: float) -> float:
    return abs((a - b + 90) % 180 - 90)


@pytest.mark.parametrize(("length", "angle"), [(10, 0), (14, 35), (12, 90), (16, 150)])
def test_estimate_finds_the_direction_and_length_of_a_smear(length, angle):
    found_angle, found_length = deblur.estimate(to_gray(smeared(1, length, angle)))
    assert angle_gap(found_angle, angle) <= 6
    assert abs(found_length - length) <= 2


def test_estimate_near_the_cheap_test_s_answer_ignores_stray_dips():
    gray = to_gray(smeared(24, 14, 24 * 40.0 % 180))
    _, angle, length = deblur.smear(gray)
    found_angle, found_length = deblur.estimate(gray, near=(angle, length))
    assert angle_gap(found_angle, angle) <= 6
    assert abs(found_length - length) <= 2


def test_the_cheap_test_tells_a_smeared_frame_from_a_still_one():
    score, _, length = deblur.smear(to_gray(smeared(2, 13, 60)))
    assert deblur.stands_out(score, length)
    still = [deblur.smear(to_gray(scene(None, seed=s))) for s in range(10)]
    assert sum(deblur.stands_out(score, length) for score, _, length in still) <= 1


def test_deblur_returns_a_sharper_frame_turned_along_the_smear():
    gray = to_gray(smeared(3, 12, 30))
    sharp = deblur.deblur(gray, 30, 12)
    assert sharp.dtype == np.uint8
    assert sharp.shape[0] >= gray.shape[0] and sharp.shape[1] >= gray.shape[1]
    assert cv2.Laplacian(sharp, cv2.CV_32F).var() > 1.5 * cv2.Laplacian(gray, cv2.CV_32F).var()


@pytest.mark.parametrize(("seed", "length"), [(9, 14), (11, 14), (17, 12), (21, 12), (24, 14)])
def test_decode_reads_motion_blurred_cards_plain_zxing_cannot(seed, length):
    frame = smeared(seed, length, seed * 40.0)
    assert plain_zxing(frame) == []
    assert decode(frame) == [CARD]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_decode_reads_a_card_tilted_60_degrees(seed):
    frame = scene(CARD, seed=seed, tilt=60, code_size=230, rotation=seed * 50.0)
    assert decode(frame) == [CARD]


def test_decode_does_not_spend_long_on_a_small_frame():
    assert decode(np.full((100, 100), 128, np.uint8)) == []
