"""Camera scanning: decode QR cards and product labels from frames."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

MAX_PAYLOAD = 1024  # bytes; our card and label codes are ~30, anything this long is not ours
MAX_SIDE = 2048  # pixels; larger frames are shrunk first so a decode stays fast and small

__all__ = ["MAX_PAYLOAD", "MAX_SIDE", "decode"]


def decode(image: np.ndarray) -> list[str]:
    """Return the distinct QR texts found in a gray, BGR or BGRA frame, in the order found.

    Raise TypeError for what is not a numpy array, ValueError for an array that is not a
    frame (its shape or pixel type); an empty or tiny frame holds no code.
    """
    from kiosk.scan.decoder import decode as _decode

    return _decode(image)
