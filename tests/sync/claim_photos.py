"""Photos for claim tests, drawn with Pillow: real JPEG, PNG and WebP bytes, and impostors."""

from __future__ import annotations

import base64
import io

from PIL import Image, ImageDraw


def photo(kind: str = "JPEG", size: tuple[int, int] = (320, 240), colour: str = "#4caf50") -> bytes:
    """Return an image of a kind (JPEG, PNG, WEBP) with a little drawing on it."""
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, size[0] - 20, size[1] - 20), outline="white", width=6)
    draw.line((0, 0, size[0], size[1]), fill="black", width=4)
    out = io.BytesIO()
    image.save(out, kind)
    return out.getvalue()


def noisy_png(least_bytes: int) -> bytes:
    """Return a real PNG of at least this many bytes (noise does not compress)."""
    import os

    side = int((least_bytes / 3) ** 0.5) + 64
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
