"""The decoder and the image-file path take any array or any bytes: an answer or their own error."""

from __future__ import annotations

import io
import warnings
from unittest import mock

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from kiosk.scan import MAX_SIDE, decode, decoder
from kiosk.scan.files import NOT_FOUND, UNREADABLE, decode_file
from kiosk.scan.images import UnreadableImage, image_from_bytes

# A hang is what these look for, not a slow decode on a busy machine.
FUZZ = settings(
    max_examples=40,
    deadline=5000,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

PIXEL_TYPES = st.one_of(
    hnp.integer_dtypes(endianness="="),
    hnp.unsigned_integer_dtypes(endianness="="),
    hnp.floating_dtypes(endianness="="),
    hnp.boolean_dtypes(),
    hnp.complex_number_dtypes(endianness="="),
    st.just(np.dtype("U2")),
    st.just(np.dtype("M8[s]")),
)
FRAMES = hnp.arrays(
    dtype=PIXEL_TYPES,
    shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=48),
)


def assert_codes(found) -> None:
    assert isinstance(found, list)
    assert all(isinstance(text, str) and text for text in found)


@FUZZ
@given(frame=FRAMES)
def test_any_small_array_is_decoded_or_refused_as_not_a_frame(frame):
    try:
        found = decode(frame)
    except ValueError as exc:
        assert "frame" in str(exc) or "pixel" in str(exc)
        return
    assert_codes(found)


@FUZZ
@given(
    height=st.integers(1, 400),
    width=st.integers(1, 400),
    channels=st.sampled_from([None, 1, 3, 4]),
    dtype=st.sampled_from([np.uint8, np.uint16, np.int32, np.float32, np.float64, np.bool_]),
    seed=st.integers(0, 2**32 - 1),
    view=st.sampled_from(["plain", "flipped", "strided", "fortran"]),
)
def test_noise_of_any_layout_and_pixel_type_is_decoded(height, width, channels, dtype, seed, view):
    rng = np.random.default_rng(seed)
    shape = (height, width) if channels is None else (height, width, channels)
    frame = (rng.random(shape) * 300 - 20).astype(dtype)
    frame = {
        "plain": frame,
        "flipped": frame[::-1],
        "strided": frame[::2, ::3],
        "fortran": np.asfortranarray(frame),
    }[view]
    assert_codes(decode(frame))


@settings(FUZZ, max_examples=15)
@given(
    height=st.integers(1, 200_000),
    width=st.integers(1, 200_000),
    channels=st.sampled_from([None, 3, 4]),
    dtype=st.sampled_from([np.uint8, np.float64, np.int64]),
    value=st.integers(0, 255),
)
def test_huge_frames_are_shrunk_before_any_pixel_is_converted(
    height, width, channels, dtype, value
):
    shape = (height, width) if channels is None else (height, width, channels)
    # Broadcast: a frame of any size that takes no memory, as a forged header might claim.
    frame = np.broadcast_to(np.array(value, dtype=dtype), shape)
    with mock.patch.object(decoder, "_to_uint8", wraps=decoder._to_uint8) as convert:
        assert_codes(decode(frame))
    for call in convert.call_args_list:
        pixels = call.args[0]
        assert pixels.dtype == np.uint8 or max(pixels.shape[:2]) <= MAX_SIDE


def test_a_float_frame_a_little_over_the_limit_is_converted_at_most_max_side_long():
    frame = np.zeros((MAX_SIDE * 2 + 1, 64, 4), np.float64)
    with mock.patch.object(decoder, "_to_uint8", wraps=decoder._to_uint8) as convert:
        assert decode(frame) == []
    (converted,) = convert.call_args_list
    assert MAX_SIDE // 2 < converted.args[0].shape[0] <= MAX_SIDE


@pytest.mark.parametrize("thing", [None, b"\x89PNG", [[0] * 30] * 30, "frame", 3.5])
def test_what_is_not_an_array_is_a_type_error(thing):
    with pytest.raises(TypeError):
        decode(thing)


def _image_file(fmt: str) -> bytes:
    picture = np.zeros((40, 60, 3), np.uint8)
    cv2.rectangle(picture, (5, 5), (30, 30), (255, 255, 255), -1)
    out = io.BytesIO()
    Image.fromarray(picture).save(out, format=fmt)
    return out.getvalue()


SAMPLES = {fmt: _image_file(fmt) for fmt in ("PNG", "JPEG", "BMP", "TIFF", "WEBP", "GIF")}


@st.composite
def damaged_images(draw) -> bytes:
    """Return a real small image file with a few bytes changed, cut short or spliced."""
    data = bytearray(SAMPLES[draw(st.sampled_from(sorted(SAMPLES)))])
    for _ in range(draw(st.integers(1, 6))):
        # The header is where the sizes and offsets are: change it most.
        at = draw(st.integers(0, min(len(data) - 1, draw(st.sampled_from([40, 200, 10**6])))))
        data[at] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[: draw(st.integers(1, len(data)))]
    if draw(st.booleans()):
        data += draw(st.binary(max_size=64))
    return bytes(data)


def _read_or_refuse(data: bytes) -> None:
    try:
        frame = image_from_bytes(data)
    except UnreadableImage:
        return
    assert isinstance(frame, np.ndarray) and frame.dtype == np.uint8 and frame.ndim == 2
    assert 0 < max(frame.shape) <= MAX_SIDE * 8
    assert_codes(decode(frame))


@FUZZ
@given(data=st.binary(max_size=512))
def test_random_bytes_are_refused_as_unreadable(data):
    _read_or_refuse(data)


@settings(FUZZ, max_examples=120)
@given(data=damaged_images())
def test_damaged_image_files_are_read_or_refused_as_unreadable(data):
    _read_or_refuse(data)


@settings(FUZZ, max_examples=10)
@given(data=st.one_of(damaged_images(), st.binary(max_size=256)))
def test_scan_image_reports_a_damaged_file_as_unreadable(data, tmp_path_factory):
    path = tmp_path_factory.mktemp("scan") / "图片.png"
    path.write_bytes(data)
    result = decode_file(path)
    assert result.error in (None, UNREADABLE, "image too large")
    assert result.error != NOT_FOUND
    if result.error:
        assert result.codes == []


def test_a_tiff_header_with_nothing_after_it_is_unreadable_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning escaping is an error for the caller too
        with pytest.raises(UnreadableImage):
            image_from_bytes(b"II*\x00\x08\x00\x00\x00")
