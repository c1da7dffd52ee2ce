"""Claim photos: what central accepts is a JPEG, PNG or WebP image it can decode, of limited size.

The type is read from the bytes (their magic number, then a full decode), never from a file
name or a client's Content-Type: a script named photo.jpg is refused.
"""

from __future__ import annotations

import io
import warnings

from core.domain import limits

MAX_BYTES = limits.MAX_PHOTO_BYTES
# Magic numbers of the three kinds taken, and the type each is served with.
MAGIC = (
    (b"\xff\xd8\xff", "JPEG", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "PNG", "image/png"),
)
MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class PhotoRefused(ValueError):
    """A photo that is not a small JPEG, PNG or WebP image; `too_large` tells which."""

    def __init__(self, too_large: bool) -> None:
        super().__init__("too large" if too_large else "not a JPEG, PNG or WebP image")
        self.too_large = too_large


def sniff(data: bytes) -> str | None:
    """Return the image format the bytes start like (JPEG, PNG, WEBP), or None."""
    for magic, name, _ in MAGIC:
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def check_photo(
    data: object, max_bytes: int = MAX_BYTES, kinds: tuple[str, ...] = ("JPEG", "PNG", "WEBP")
) -> str:
    """Return the media type of an acceptable photo, or raise PhotoRefused."""
    if not isinstance(data, bytes | bytearray):
        raise PhotoRefused(too_large=False)
    if len(data) > max_bytes:
        raise PhotoRefused(too_large=True)
    kind = sniff(bytes(data[:16]))
    if kind not in kinds:
        raise PhotoRefused(too_large=False)
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind]) as image:
                if image.width * image.height > limits.MAX_PHOTO_PIXELS:
                    raise PhotoRefused(too_large=True)
                image.load()  # a truncated or corrupt file fails here, not when served
    except PhotoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRefused(too_large=True) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Warning):
        raise PhotoRefused(too_large=False) from None
    return MEDIA_TYPES[kind]


def check_picture(data: object) -> str:
    """Return the media type of an acceptable announcement picture (a small JPEG or PNG)."""
    return check_photo(data, limits.MAX_PICTURE_BYTES, ("JPEG", "PNG"))
