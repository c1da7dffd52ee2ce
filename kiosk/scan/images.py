"""Image files to frames: uploads and `kiosk scan-image`, safe against huge or broken files."""

from __future__ import annotations

import io
import warnings
from typing import TYPE_CHECKING

from kiosk.scan import MAX_SIDE

if TYPE_CHECKING:
    import numpy as np

MAX_PIXELS = 64_000_000  # an 8000×6000 photo is read; a bigger (or forged) size is refused


class UnreadableImage(ValueError):
    """The bytes are not an image we can read, or it is too large."""


def image_from_bytes(data: bytes) -> np.ndarray:
    """Return image file bytes (PNG, JPEG, BMP, WebP, TIFF) as a gray frame.

    The size is read from the header first: a file claiming more than MAX_PIXELS is refused
    before anything is decoded, so a small file cannot expand into gigabytes. Big images are
    decoded at a half, a quarter or an eighth of their size (JPEG decodes straight to that
    size), and in gray, which is all the decoder uses. Raise UnreadableImage otherwise.
    """
    import cv2
    import numpy as np
    from PIL import Image

    if not data:
        raise UnreadableImage("empty file")
    try:
        with warnings.catch_warnings():
            # A damaged file's header warns (bogus tags, truncated EXIF): it is refused or
            # read below, and the warnings would only be noise, or errors under -W error.
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as header:
                width, height = header.size
    except Image.DecompressionBombError:
        raise UnreadableImage("too large") from None
    except (OSError, ValueError, SyntaxError):
        raise UnreadableImage("not an image") from None
    if width < 1 or height < 1:
        raise UnreadableImage("not an image")
    if width * height > MAX_PIXELS:
        raise UnreadableImage(f"too large ({width}×{height})")
    flag = cv2.IMREAD_GRAYSCALE
    for factor, reduced in (
        (8, cv2.IMREAD_REDUCED_GRAYSCALE_8),
        (4, cv2.IMREAD_REDUCED_GRAYSCALE_4),
        (2, cv2.IMREAD_REDUCED_GRAYSCALE_2),
    ):
        if max(width, height) // factor >= MAX_SIDE:
            flag = reduced
            break
    try:
        frame = cv2.imdecode(np.frombuffer(data, np.uint8), flag)
    except cv2.error:
        frame = None
    if frame is None or frame.size == 0:
        raise UnreadableImage("not an image")
    return frame
