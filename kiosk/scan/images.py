"""Image files to frames: uploads, `kiosk scan-image` and camera stills, bounded in memory.

Every image is measured from its header before anything is decoded: its format must be one
we read, every frame or page must fit in MAX_PIXELS, and the decode's estimated peak memory
must fit in DECODE_BUDGET. A small file cannot expand into gigabytes, and the kiosk (which
runs DECODE_SLOTS of these at once at most) stays small.
"""

from __future__ import annotations

import io
import struct
import warnings
from typing import TYPE_CHECKING

from kiosk.scan import MAX_SIDE

if TYPE_CHECKING:
    import numpy as np

MAX_PIXELS = 64_000_000  # an 8000×6000 photo is read; a bigger (or forged) size is refused
DECODE_BUDGET = 64 * 2**20  # bytes one decode may take at its peak
DECODE_SLOTS = 2  # decodes of uploaded images at once in the kiosk; one more is told "busy"
MAX_PAGES = 64  # TIFF pages looked at; a file with more is not a camera picture
# Peak bytes per decoded pixel of OpenCV's decoders (gray output), measured on 4000×4000 and
# 8000×8000 images with this project's OpenCV, rounded up: GIF and WebP decode to colour
# first. A JPEG is decoded straight to a half, a quarter or an eighth of its size.
PEAK_BYTES = {"JPEG": 2.5, "MPO": 2.5, "PNG": 2.5, "BMP": 2.5, "TIFF": 2.5, "WEBP": 5.5, "GIF": 6.5}
COLOUR_BYTES = 2  # a colour frame holds two bytes a pixel more than a gray one


class UnreadableImage(ValueError):
    """The bytes are not an image we can read, or it is too large."""


def reduction(width: int, height: int) -> int:
    """Return how much a frame may be shrunk while decoding and still keep MAX_SIDE pixels."""
    for factor in (8, 4, 2):
        if max(width, height) // factor >= MAX_SIDE:
            return factor
    return 1


def decode_cost(fmt: str, width: int, height: int, *, colour: bool = False) -> int:
    """Return the estimated peak bytes of decoding an image of that format and size."""
    factor = reduction(width, height)
    out = (width // factor) * (height // factor)
    decoded = out if fmt in ("JPEG", "MPO") else width * height
    return int(decoded * PEAK_BYTES[fmt] + (out * COLOUR_BYTES if colour else 0))


def measure(data: bytes) -> tuple[str, int, int]:
    """Return (format, width, height) from the header, every frame and page counted.

    Raise UnreadableImage for what is not a PNG, JPEG, BMP, WebP, TIFF or GIF, or is larger
    than MAX_PIXELS in any frame. Nothing is decoded.
    """
    from PIL import Image

    if not data:
        raise UnreadableImage("empty file")
    try:
        with warnings.catch_warnings():
            # A damaged file's header warns (bogus tags, truncated EXIF): it is refused or
            # read below, and the warnings would only be noise, or errors under -W error.
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as header:
                fmt, (width, height) = header.format or "", header.size
                if fmt == "TIFF":
                    width, height = _tiff_pages(header, width, height)
    except Image.DecompressionBombError:
        raise UnreadableImage("too large") from None
    except (OSError, ValueError, SyntaxError, EOFError, struct.error):
        raise UnreadableImage("not an image") from None
    if fmt not in PEAK_BYTES:
        raise UnreadableImage("not an image")
    if fmt == "GIF":
        # Pillow sizes a GIF by its first frame; a later frame may claim far more.
        width, height = _gif_canvas(data)
    # Animated PNG and WebP frames lie within the canvas their header gives (their specs).
    if width < 1 or height < 1:
        raise UnreadableImage("not an image")
    if width * height > MAX_PIXELS:
        raise UnreadableImage(f"too large ({width}×{height})")
    return fmt, width, height


def _tiff_pages(header, width: int, height: int) -> tuple[int, int]:
    """Return the largest width and height over a TIFF's pages (reading headers only)."""
    for page in range(1, MAX_PAGES + 1):
        try:
            header.seek(page)
        except EOFError:
            return width, height
        w, h = header.size
        if w * h > width * height:
            width, height = w, h
    raise UnreadableImage("too many pages")


def _gif_canvas(data: bytes) -> tuple[int, int]:
    """Return the width and height a GIF's frames reach, walking its blocks without decoding."""
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        raise UnreadableImage("not an image")
    width, height = struct.unpack_from("<HH", data, 6)
    pos = 13 + ((3 << ((data[10] & 7) + 1)) if data[10] & 0x80 else 0)
    try:
        while pos < len(data):
            kind, pos = data[pos], pos + 1
            if kind == 0x3B:  # trailer
                break
            if kind == 0x21:  # extension: label, then data sub-blocks
                pos = _skip_blocks(data, pos + 1)
            elif kind == 0x2C:  # an image: where it lies, then its colours and its data
                left, top, w, h, flags = struct.unpack_from("<HHHHB", data, pos)
                width, height = max(width, left + w), max(height, top + h)
                pos += 9 + ((3 << ((flags & 7) + 1)) if flags & 0x80 else 0)
                pos = _skip_blocks(data, pos + 1)  # after the LZW code size
            else:
                break  # not a GIF block: decoders stop here too
    except (struct.error, IndexError):
        pass  # a truncated file: what was read so far is what could be decoded
    return width, height


def _skip_blocks(data: bytes, pos: int) -> int:
    while pos < len(data):
        size = data[pos]
        pos += 1 + size
        if size == 0:
            break
    return pos


def image_from_bytes(data: bytes, *, colour: bool = False) -> np.ndarray:
    """Return image file bytes (PNG, JPEG, BMP, WebP, TIFF, GIF) as a gray (or BGR) frame.

    The header is measured first (see measure) and the decode's peak memory estimated: an
    image over DECODE_BUDGET is refused before anything is decoded. Big images are decoded at
    a half, a quarter or an eighth of their size (JPEG decodes straight to that size). Raise
    UnreadableImage otherwise.
    """
    import cv2
    import numpy as np

    fmt, width, height = measure(data)
    if decode_cost(fmt, width, height, colour=colour) > DECODE_BUDGET:
        raise UnreadableImage(f"too large ({width}×{height} {fmt})")
    flag = {
        (False, 1): cv2.IMREAD_GRAYSCALE,
        (False, 2): cv2.IMREAD_REDUCED_GRAYSCALE_2,
        (False, 4): cv2.IMREAD_REDUCED_GRAYSCALE_4,
        (False, 8): cv2.IMREAD_REDUCED_GRAYSCALE_8,
        (True, 1): cv2.IMREAD_COLOR,
        (True, 2): cv2.IMREAD_REDUCED_COLOR_2,
        (True, 4): cv2.IMREAD_REDUCED_COLOR_4,
        (True, 8): cv2.IMREAD_REDUCED_COLOR_8,
    }[colour, reduction(width, height)]
    try:
        frame = cv2.imdecode(np.frombuffer(data, np.uint8), flag)
    except cv2.error:
        frame = None
    if frame is None or frame.size == 0:
        raise UnreadableImage("not an image")
    return frame
