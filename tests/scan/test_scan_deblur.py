"""Motion blur: the smear is found, measured and undone, and steeply tilted codes still read."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import zxingcpp

from benchmarks import scan as bench
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


def half(frame: np.ndarray) -> np.ndarray:
    """Return the frame gray at half size, as the decoder hands it to the streak test."""
    gray = to_gray(frame)
    return cv2.resize(gray, (gray.shape[1] // 2, gray.shape[0] // 2), interpolation=cv2.INTER_AREA)


LIGHTS = {
    "plain": {},
    "dim": {"brightness": 0.25},
    "low_contrast": {"contrast": 0.3},
    "dark_mode_phone": {"phone": True, "invert": True},
}


@pytest.mark.parametrize("light", LIGHTS.values(), ids=LIGHTS.keys())
def test_the_streak_test_flags_long_smears_in_any_light(light):
    for seed, length in ((1, 12), (2, 14), (3, 16), (4, 13)):
        frame = scene(
            CARD,
            seed=seed,
            code_size=230,
            noise=3,
            motion=length,
            motion_angle=seed * 47.0,
            **light,
        )
        assert deblur.streaked(half(frame))


def test_the_streak_test_passes_over_most_still_frames():
    empty = [bench.frame("empty", 7, i)[1] for i in range(12)]
    cards = [
        scene(CARD, seed=s, code_size=230, noise=3, blur=(0, 1.2, 2.5)[s % 3]) for s in range(8)
    ]
    assert not any(deblur.streaked(half(frame)) for frame in cards)
    assert sum(deblur.streaked(half(frame)) for frame in empty) <= len(empty) // 2


def test_a_flat_frame_shows_no_streak():
    flat = np.full((360, 640), 90, np.uint8)
    assert deblur.evenness(flat) == 1.0
    assert not deblur.streaked(flat)


@pytest.mark.parametrize("light", LIGHTS.values(), ids=LIGHTS.keys())
def test_the_streak_test_costs_no_smeared_code(light, monkeypatch):
    frames = [
        scene(
            CARD,
            seed=s,
            code_size=230,
            noise=3,
            motion=8 + 2 * (s % 5),
            motion_angle=s * 37.0,
            **light,
        )
        for s in range(6)
    ]
    gated = [decode(frame) for frame in frames]
    monkeypatch.setattr(deblur, "MAX_EVENNESS", 1.0)  # every frame goes on to the cepstrum
    assert gated == [decode(frame) for frame in frames]
    assert sum(found == [CARD] for found in gated) >= 4


def test_the_streak_test_costs_none_of_the_benchmark_s_motion_blurred_codes(monkeypatch):
    frames = [bench.frame("motion", 7, i) for i in range(12)]
    gated = [decode(frame) for _, frame in frames]
    monkeypatch.setattr(deblur, "MAX_EVENNESS", 1.0)
    assert gated == [decode(frame) for _, frame in frames]
    assert sum(found == [text] for found, (text, _) in zip(gated, frames, strict=True)) >= 9
