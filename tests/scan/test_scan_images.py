"""Image bytes to frames: uploads and files, including huge, forged and broken ones."""

from __future__ import annotations

import struct
import time
import zlib

import cv2
import numpy as np
import pytest

from kiosk.scan import MAX_SIDE, decode
from kiosk.scan.files import decode_file
from kiosk.scan.images import UnreadableImage, image_from_bytes
from kiosk.scan.synth import scene

CARD = "EKC:ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def encoded(frame: np.ndarray, ext: str = ".png") -> bytes:
    ok, buf = cv2.imencode(ext, frame)
    assert ok
    return buf.tobytes()


def png_claiming(width: int, height: int) -> bytes:
    """Return a tiny PNG whose header claims width × height pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("ext", [".png", ".jpg", ".bmp", ".webp"])
def test_image_from_bytes_reads_common_formats_as_gray(ext):
    frame = image_from_bytes(encoded(scene(CARD, seed=1), ext))
    assert frame.shape == (720, 1280)
    assert decode(frame) == [CARD]


def test_an_8000_by_6000_jpeg_is_shrunk_while_decoding_and_read_quickly():
    big = cv2.resize(scene(CARD, seed=2, rotation=5), (8000, 6000), interpolation=cv2.INTER_LINEAR)
    data = encoded(big, ".jpg")
    del big
    start = time.perf_counter()
    frame = image_from_bytes(data)
    found = decode(frame)
    elapsed = time.perf_counter() - start
    assert MAX_SIDE <= max(frame.shape) <= 2 * MAX_SIDE  # never 48 million pixels in memory
    assert found == [CARD]
    assert elapsed < 1.5


@pytest.mark.parametrize(("width", "height"), [(30000, 30000), (9000, 8000), (100000, 1000)])
def test_a_forged_huge_size_is_refused_before_decoding(width, height):
    with pytest.raises(UnreadableImage, match="too large"):
        image_from_bytes(png_claiming(width, height))


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, bytes(range(256)) * 4],
    ids=["empty", "text", "broken-png", "noise"],
)
def test_bytes_that_are_no_image_are_refused(data):
    with pytest.raises(UnreadableImage):
        image_from_bytes(data)


def test_a_truncated_jpeg_is_refused_or_read_without_crashing():
    data = encoded(scene(CARD, seed=3), ".jpg")
    try:
        frame = image_from_bytes(data[: len(data) // 3])
    except UnreadableImage:
        return
    assert isinstance(decode(frame), list)


def test_scan_image_names_a_forged_huge_file(tmp_path):
    path = tmp_path / "huge.png"
    path.write_bytes(png_claiming(30000, 30000))
    assert decode_file(path).error == "image too large"
