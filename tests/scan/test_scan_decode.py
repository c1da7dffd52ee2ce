"""The camera decode pipeline: what it reads, what it refuses, how it copes with odd frames."""

import subprocess
import sys
import time

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from kiosk.scan import MAX_PAYLOAD, decode, decoder
from kiosk.scan.synth import render_qr, scene, varied_scene

CARD = "EKC:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
OTHER_CARD = "EKC:QZ7RM3KX2P4TN6WB5YHC8DJA"
LABEL = "EKP:OIL-5L"


def gray(frame: np.ndarray) -> np.ndarray:
    """Convert a BGR frame to gray."""
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def test_decode_reads_a_card_code_on_a_gray_frame():
    assert decode(gray(scene(CARD, seed=1))) == [CARD]


def test_decode_reads_a_card_code_on_a_bgr_frame():
    assert decode(scene(CARD, seed=2)) == [CARD]


def test_decode_reads_a_card_code_on_a_bgra_frame():
    frame = cv2.cvtColor(scene(CARD, seed=3), cv2.COLOR_BGR2BGRA)
    assert decode(frame) == [CARD]


def test_decode_reads_a_product_label():
    assert decode(scene(LABEL, seed=4)) == [LABEL]


@pytest.mark.parametrize("degrees", [90, 180, 270, 30, 137])
def test_decode_reads_a_rotated_card(degrees):
    assert decode(scene(CARD, seed=5, rotation=degrees)) == [CARD]


def test_decode_reads_an_exactly_rotated_pure_code():
    code = render_qr(CARD, scale=6)
    for turn in (cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_180, cv2.ROTATE_90_COUNTERCLOCKWISE):
        assert decode(cv2.rotate(code, turn)) == [CARD]


@pytest.mark.parametrize("seed", [6, 7, 8])
def test_decode_reads_light_on_dark_codes(seed):
    assert decode(scene(CARD, seed=seed, invert=True)) == [CARD]


def test_decode_reads_an_inverted_pure_code():
    assert decode(255 - render_qr(LABEL, scale=5)) == [LABEL]


LIGHT_ON_DARK = {
    "dim": {"brightness": 0.25, "noise": 2},
    "low_contrast": {"contrast": 0.3, "noise": 3},
    "blurred": {"blur": 1.5, "noise": 3},
    "dark_mode_phone": {"phone": True, "noise": 3},
    "small": {"code_size": 116, "noise": 3},  # 3.5 px a module (33 with the quiet zone)
}


@pytest.mark.parametrize("options", LIGHT_ON_DARK.values(), ids=LIGHT_ON_DARK.keys())
def test_decode_reads_light_on_dark_codes_in_poor_conditions(options):
    for seed in range(4):
        frame = scene(OTHER_CARD, seed=seed, invert=True, rotation=seed * 10.0, **options)
        assert decode(frame) == [OTHER_CARD]


def spy_on_reads(monkeypatch, located_at: int | None = None) -> list[int]:
    """Record the width of every frame zxing-cpp is given; pretend a code was located at one."""
    widths: list[int] = []
    read = decoder._read

    def spy(gray, *, invert, downscale):
        widths.append(gray.shape[1])
        texts, seen = read(gray, invert=invert, downscale=downscale)
        return texts, seen or gray.shape[1] == located_at

    monkeypatch.setattr(decoder, "_read", spy)
    return widths


def test_an_empty_frame_gets_one_full_size_pass_in_both_polarities(monkeypatch):
    widths = spy_on_reads(monkeypatch)
    assert decode(scene(None, seed=3)) == []
    assert widths == [1280]


def test_a_code_located_but_not_read_gets_a_look_at_0_7_first(monkeypatch):
    widths = spy_on_reads(monkeypatch, located_at=1280)
    assert decode(scene(None, seed=3)) == []
    assert widths[:2] == [1280, 896]


@pytest.mark.parametrize("seed", [9, 10, 11])
def test_decode_reads_a_card_tilted_in_perspective(seed):
    assert decode(scene(CARD, seed=seed, perspective=0.7, code_size=260)) == [CARD]


@pytest.mark.parametrize("sigma", [0.8, 1.5])
def test_decode_reads_a_mildly_blurred_card(sigma):
    assert decode(scene(CARD, seed=12, blur=sigma, code_size=220)) == [CARD]


def test_decode_reads_a_noisy_washed_out_jpeg_card():
    frame = scene(CARD, seed=13, noise=10, contrast=0.5, jpeg=50, code_size=220)
    assert decode(frame) == [CARD]


@pytest.mark.parametrize("seed", range(10))
def test_decode_finds_nothing_in_a_cluttered_frame_without_a_code(seed):
    assert decode(varied_scene(None, seed)) == []


def test_decode_finds_nothing_in_blank_or_noise_frames():
    rng = np.random.default_rng(0)
    assert decode(np.zeros((720, 1280), np.uint8)) == []
    assert decode(np.full((720, 1280, 3), 255, np.uint8)) == []
    assert decode(rng.integers(0, 256, (720, 1280), dtype=np.uint8)) == []


def test_decode_reads_at_least_85_percent_of_varied_distorted_scenes():
    # Measured 37/40 (and 92.3% over 300 seeds, against 88.7% for plain zxing-cpp).
    read = sum(decode(varied_scene(CARD, seed)) == [CARD] for seed in range(40))
    assert read >= 34


def test_decode_returns_both_codes_in_one_frame():
    found = decode(scene([CARD, LABEL], seed=14, rotation=15))
    assert sorted(found) == sorted([CARD, LABEL])


def test_decode_returns_a_code_seen_twice_once():
    assert decode(scene([CARD, CARD], seed=15, rotation=0)) == [CARD]


@pytest.mark.parametrize(
    "frame",
    [
        np.zeros((0, 0), np.uint8),
        np.zeros((0, 640, 3), np.uint8),
        np.zeros((480, 0), np.uint8),
        np.zeros((0,), np.uint8),
        np.zeros((1, 1), np.uint8),
        np.zeros((1, 1, 3), np.uint8),
        np.zeros((20, 20), np.uint8),
        np.zeros((1, 5000), np.uint8),
    ],
    ids=["0x0", "0xWx3", "Hx0", "empty-1d", "1x1", "1x1x3", "20x20", "1x5000"],
)
def test_decode_returns_nothing_for_empty_or_tiny_frames(frame):
    assert decode(frame) == []


def test_decode_reads_float_frames_in_either_range():
    code = render_qr(CARD, scale=5)
    assert decode(code.astype(np.float64) / 255.0) == [CARD]
    assert decode(code.astype(np.float32)) == [CARD]


def test_decode_reads_float_frames_with_nan_and_out_of_range_values():
    frame = render_qr(CARD, scale=5).astype(np.float32) * 4.0 - 100.0
    frame[0, :] = np.nan
    assert decode(frame) == [CARD]


def test_decode_reads_16_bit_signed_and_boolean_frames():
    code = render_qr(CARD, scale=5)
    assert decode(code.astype(np.uint16) * 257) == [CARD]
    assert decode(code.astype(np.int16) - 128) == [CARD]
    assert decode(code > 127) == [CARD]
    assert decode(code[..., None]) == [CARD]


def test_decode_reads_non_contiguous_frames():
    frame = scene(CARD, seed=16, rotation=0)
    assert decode(frame[:, ::-1]) == [CARD]
    assert decode(np.asfortranarray(gray(frame))) == [CARD]
    assert decode(gray(frame).T) == [CARD]
    assert decode(frame[..., ::-1]) == [CARD]  # RGB seen as BGR still has the code
    wide = np.zeros((720, 2560, 3), np.uint8)
    wide[:, ::2] = frame
    assert decode(wide[:, ::2]) == [CARD]


@pytest.mark.parametrize(
    "frame",
    [np.zeros((5, 5, 5, 3), np.uint8), np.zeros((100, 100, 2), np.uint8), np.zeros(100)],
    ids=["4d", "two-channel", "1d"],
)
def test_decode_refuses_frames_of_the_wrong_shape_with_a_clear_error(frame):
    with pytest.raises(ValueError, match="frame"):
        decode(frame)


def test_decode_refuses_things_that_are_not_arrays():
    with pytest.raises(TypeError, match="numpy array"):
        decode([[0, 255], [255, 0]])  # type: ignore[arg-type]


def test_decode_refuses_arrays_of_objects_or_strings():
    with pytest.raises(ValueError, match="pixel type"):
        decode(np.full((50, 50), "x"))


def test_decode_reads_a_code_in_an_8000_by_6000_frame_in_well_under_a_second_and_a_half():
    decode(render_qr(CARD))  # load the decoder first; the camera loop has it loaded
    frame = np.full((6000, 8000, 3), 190, np.uint8)
    frame[2000:3500, 3000:5000] = scene(CARD, seed=17, size=(2000, 1500), rotation=10)
    start = time.perf_counter()
    found = decode(frame)
    elapsed = time.perf_counter() - start
    assert found == [CARD]
    assert elapsed < 1.5


def test_decode_handles_an_8000_by_6000_float_frame_quickly():
    frame = np.full((6000, 8000), 0.5, np.float32)
    start = time.perf_counter()
    assert decode(frame) == []
    assert time.perf_counter() - start < 1.5


def test_decode_keeps_a_payload_of_exactly_max_payload_bytes():
    text = "ekp:" + "x" * (MAX_PAYLOAD - 4)
    assert decode(render_qr(text, scale=2)) == [text]


def test_decode_drops_a_payload_over_max_payload_bytes():
    assert MAX_PAYLOAD == 1024
    assert decode(render_qr("ekp:" + "x" * MAX_PAYLOAD, scale=2)) == []


def test_decode_does_not_raise_on_a_payload_that_is_not_utf8():
    found = decode(render_qr(b"EKC:\xff\xfe\x80\x81\xc3(", scale=6))
    assert len(found) == 1
    assert isinstance(found[0], str)
    assert found[0].startswith("EKC:")


def test_importing_the_package_loads_neither_opencv_nor_zxing():
    probe = "import sys, kiosk.scan; print(sorted({'cv2', 'zxingcpp'} & set(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(
        dtype=st.sampled_from([np.uint8, np.uint16, np.int32, np.float32, np.float64, np.bool_]),
        shape=st.one_of(
            hnp.array_shapes(min_dims=2, max_dims=2, min_side=0, max_side=64),
            st.tuples(st.integers(0, 64), st.integers(0, 64), st.sampled_from([1, 3, 4])),
        ),
    )
)
def test_decode_returns_a_list_of_strings_for_any_pixels(frame):
    found = decode(frame)
    assert isinstance(found, list)
    assert all(isinstance(text, str) for text in found)
