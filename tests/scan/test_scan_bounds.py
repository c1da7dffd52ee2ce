"""Decoding is bounded: an image that would take too much memory is refused from its header."""

from __future__ import annotations

import io
import struct
from functools import cache

import cv2
import numpy as np
import pytest
from PIL import Image

from kiosk.camera.sources import FolderCamera
from kiosk.scan import decode
from kiosk.scan.images import UnreadableImage, image_from_bytes
from kiosk.scan.synth import scene

CARD = "EKC:ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@cache
def blank(fmt: str, width: int, height: int) -> bytes:
    """Return a real, blank image file of that size (cached: the big ones take a moment)."""
    mode = {"GIF": "P", "BMP": "1", "WEBP": "RGB"}.get(fmt, "L")
    options = {"WEBP": {"lossless": True}, "TIFF": {"compression": "tiff_deflate"}}
    out = io.BytesIO()
    Image.new(mode, (width, height)).save(out, fmt, **options.get(fmt, {}))
    return out.getvalue()


def gif_with_a_huge_second_frame() -> bytes:
    """Return a 64×64 GIF whose second frame claims to reach 8000×8000."""
    first = io.BytesIO()
    Image.new("P", (64, 64)).save(first, "GIF")
    data = first.getvalue().rstrip(b";")
    frame = b"," + struct.pack("<HHHHB", 0, 0, 8000, 8000, 0) + b"\x02\x02\x4c\x01\x00"
    return data + frame + b";"


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record every call to OpenCV's decoder (none may come for a refused image)."""
    calls: list[int] = []
    real = cv2.imdecode

    def watched(buf, flags):
        calls.append(flags)
        return real(buf, flags)

    monkeypatch.setattr(cv2, "imdecode", watched)
    return calls


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP", "BMP", "TIFF"])
def test_an_8000_by_8000_image_is_refused_from_its_header_without_decoding(fmt, no_decoding):
    data = blank(fmt, 8000, 8000)

    with pytest.raises(UnreadableImage, match="too large"):
        image_from_bytes(data)

    assert no_decoding == []


def test_a_gif_whose_later_frame_is_huge_is_refused_without_decoding(no_decoding):
    with pytest.raises(UnreadableImage, match="too large"):
        image_from_bytes(gif_with_a_huge_second_frame())
    assert no_decoding == []


def test_every_page_of_a_tiff_is_measured():
    out = io.BytesIO()
    small, huge = Image.new("L", (64, 64)), Image.new("1", (8000, 8000))
    small.save(out, "TIFF", save_all=True, append_images=[huge], compression="tiff_deflate")

    with pytest.raises(UnreadableImage, match="too large"):
        image_from_bytes(out.getvalue())


@pytest.mark.parametrize(
    ("fmt", "size"),
    [("JPEG", (8000, 8000)), ("PNG", (5000, 4000)), ("GIF", (3000, 2000)), ("WEBP", (3000, 3000))],
)
def test_big_images_within_the_budget_are_still_decoded(fmt, size):
    data = blank(fmt, *size)

    frame = image_from_bytes(data)

    assert frame.ndim == 2 and 1 <= max(frame.shape) <= max(size)


def test_the_cost_of_a_decode_is_estimated_before_it_and_kept_within_the_budget():
    from kiosk.scan.images import DECODE_BUDGET, decode_cost

    # A JPEG decodes straight to an eighth of its size; the others whole, GIF the dearest.
    assert decode_cost("JPEG", 8000, 8000) < decode_cost("PNG", 8000, 8000)
    assert decode_cost("PNG", 3000, 3000) < decode_cost("GIF", 3000, 3000)
    assert decode_cost("JPEG", 8000, 6000) <= DECODE_BUDGET
    assert decode_cost("GIF", 8000, 8000) > DECODE_BUDGET


def test_a_card_in_a_gif_is_read():
    out = io.BytesIO()
    Image.fromarray(scene(CARD, seed=4)).convert("P").save(out, "GIF")

    assert decode(image_from_bytes(out.getvalue())) == [CARD]


@pytest.mark.parametrize("fmt", ["PPM", "PCX", "TGA"])
def test_formats_other_than_the_listed_ones_are_not_read(fmt):
    out = io.BytesIO()
    Image.new("L", (64, 64)).save(out, fmt)

    with pytest.raises(UnreadableImage):
        image_from_bytes(out.getvalue())


def test_the_folder_camera_skips_a_huge_still_without_decoding_it(tmp_path, no_decoding):
    (tmp_path / "01-huge.png").write_bytes(blank("PNG", 8000, 8000))
    _, small = cv2.imencode(".png", np.full((720, 1280), 255, np.uint8))
    (tmp_path / "02-card.png").write_bytes(small.tobytes())
    camera = FolderCamera(tmp_path)
    camera.open()

    frame = camera.read()

    assert frame.shape[:2] == (720, 1280)
    assert camera.unreadable == 1
    assert len(no_decoding) == 1  # the small still only
