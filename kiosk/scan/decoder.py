"""The frame decode pipeline: normalise the frame, read QR codes with zxing-cpp, filter."""

from __future__ import annotations

import math

import cv2
import numpy as np
import zxingcpp

from kiosk.scan import MAX_PAYLOAD, MAX_SIDE, deblur

MIN_SIDE = 21  # a version-1 QR code is 21 modules; nothing smaller can hold one
# We print (and read) only QR codes, model 2. Micro QR is looked for too, at no measurable
# cost, because its detector glimpses noisy, soft QR codes that the QR detector misses:
# a "micro QR code" found (read or not) sends the frame to the retries, never to the caller.
_FORMATS = (zxingcpp.BarcodeFormat.QRCodeModel2, zxingcpp.BarcodeFormat.MicroQRCode)
SECOND_SCALE = 0.7  # a smaller look at a code located but not read: softens glow and moiré


def decode(image: np.ndarray) -> list[str]:
    """Return the distinct QR texts found in a gray, BGR or BGRA frame, in the order found."""
    gray = to_gray(image)
    if gray is None:
        return []
    # The first pass is the plain decoder's own search (full size, both polarities, with
    # zxing-cpp's downscaled looks) on the gray frame, so nothing it reads is ever missed:
    # light-on-dark codes (phones in dark mode, with glow) and small stills included. Most
    # frames end here; an idle one then pays only for a cheap smear test at half size.
    texts, glimpsed = _read(gray, invert=True, downscale=True)
    if texts:
        return texts
    if glimpsed:
        # A code was located but not read: a tilted, noisy, soft, tiny or glowing one.
        for retry, invert in _RETRIES:
            changed = retry(gray)
            if changed is None:
                continue
            texts, _ = _read(changed, invert=invert, downscale=True)
            if texts:
                return texts
    texts = _unsmear(gray, _shrink(gray, 0.5))
    if texts or not _shrunk(image):
        return texts
    # A frame larger than MAX_SIDE was shrunk to be searched quickly; a code small in it
    # may only be readable at full resolution, where the plain decoder looks.
    texts, _ = _read(_full_gray(image), invert=True, downscale=True)
    return texts


# The longest side searched again at full size: a camera photo (4000×3000, 8 K video) is, a
# forged or broadcast frame claiming 200,000 pixels a side is not (it would be copied whole, and
# zxing-cpp refuses sides over 65,535).
FULL_SEARCH_MAX_SIDE = 8192


def _shrunk(image: np.ndarray) -> bool:
    """Tell whether to_gray shrank a uint8 frame small enough to search again at full size."""
    return image.dtype == np.uint8 and MAX_SIDE < max(image.shape[:2]) <= FULL_SEARCH_MAX_SIDE


def _full_gray(image: np.ndarray) -> np.ndarray:
    """Return a uint8 frame as a contiguous gray frame at full size."""
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    image = np.ascontiguousarray(image)
    return _gray(image) if image.ndim == 3 else image


def _shrink(gray: np.ndarray, scale: float) -> np.ndarray | None:
    """Return the frame scaled down, or None if that would be too small to hold a code."""
    height, width = gray.shape
    size = (round(width * scale), round(height * scale))
    if min(size) < MIN_SIDE:
        return None
    # Bilinear: nearest neighbour loses dark-mode codes, and area averaging at a fractional
    # scale costs more than the pass it feeds.
    return cv2.resize(gray, size, interpolation=cv2.INTER_LINEAR)


def _unsmear(gray: np.ndarray, half: np.ndarray | None) -> list[str]:
    """Read a code smeared by motion: find the smear's direction and length, then undo it."""
    if half is None or min(half.shape) < deblur.MIN_SIDE or not deblur.streaked(half):
        return []
    score, angle, length = deblur.smear(gray)
    if not deblur.stands_out(score, length):
        return []
    angle, length = deblur.estimate(gray, near=(angle, length))
    texts, _ = _read(deblur.deblur(gray, angle, length), invert=True, downscale=True)
    return texts


def to_gray(image: np.ndarray) -> np.ndarray | None:
    """Return a contiguous uint8 gray frame at most MAX_SIDE long, or None if too small."""
    if not isinstance(image, np.ndarray):
        raise TypeError(f"expected a numpy array, got {type(image).__name__}")
    if image.size == 0:
        return None
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (3, 4)):
        raise ValueError(f"expected an H×W, H×W×3 or H×W×4 frame, got shape {image.shape}")
    if min(image.shape[:2]) < MIN_SIDE:
        return None
    if image.dtype != np.uint8 or not image.flags.c_contiguous:
        # Subsample first so a huge frame is never copied or converted at full size; pixels
        # to convert (through float32, 4 bytes each) are cut to at most MAX_SIDE long.
        longest = max(image.shape[:2])
        step = longest // MAX_SIDE if image.dtype == np.uint8 else -(-longest // MAX_SIDE)
        step = max(step, 1)
        image = np.ascontiguousarray(_to_uint8(image[::step, ::step]))
    long_side = max(image.shape[:2])
    if image.ndim == 3 and long_side <= FULL_SEARCH_MAX_SIDE:
        # Gray first: shrinking one channel costs a third of shrinking three (a 5184×3456
        # camera photo: 35 ms instead of 80). Larger frames are shrunk first, so that no
        # gray copy of them is made at full size.
        image = _gray(image)
    if long_side > MAX_SIDE:
        scale = MAX_SIDE / long_side
        height, width = image.shape[:2]
        size = (max(round(width * scale), 1), max(round(height * scale), 1))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return _gray(image) if image.ndim == 3 else image


def _gray(image: np.ndarray) -> np.ndarray:
    """Return a BGR or BGRA frame in gray."""
    code = cv2.COLOR_BGR2GRAY if image.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
    return cv2.cvtColor(image, code)


def _to_uint8(image: np.ndarray) -> np.ndarray:
    """Convert pixels to uint8: 0..1 floats scale by 255, 0..255 values stay, others stretch."""
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.bool_:
        return image.astype(np.uint8) * 255
    if image.dtype.kind not in "iuf":
        raise ValueError(f"unsupported pixel type {image.dtype}")
    with np.errstate(all="ignore"):  # garbage pixels (inf, 1e300) become 0, not warnings
        pixels = image.astype(np.float32)
        pixels[~np.isfinite(pixels)] = 0.0
        low, high = float(pixels.min()), float(pixels.max())
        if image.dtype.kind == "f" and low >= 0.0 and high <= 1.0:
            pixels *= 255.0
        elif low < 0.0 or high > 255.0:
            pixels = (pixels - low) * np.float32(255.0 / max(high - low, 1e-6))
            pixels[~np.isfinite(pixels)] = 0.0
    return np.clip(pixels + 0.5, 0, 255).astype(np.uint8)


def _read(gray: np.ndarray, *, invert: bool, downscale: bool) -> tuple[list[str], bool]:
    """Read QR codes; return the short distinct texts and whether any code was located."""
    barcodes = zxingcpp.read_barcodes(
        gray,
        formats=_FORMATS,
        try_rotate=True,  # free for QR, whose detector is rotation-invariant anyway
        try_invert=invert,  # light-on-dark codes: phone dark mode, inverted prints
        try_downscale=downscale,
        binarizer=zxingcpp.Binarizer.LocalAverage,  # 89% vs 66-73% for the global ones
        return_errors=True,
    )
    texts: list[str] = []
    glimpsed = False
    for barcode in barcodes:
        if not barcode.valid or barcode.format != zxingcpp.BarcodeFormat.QRCode:
            glimpsed = True
            continue
        text = barcode.text
        if text and _short(barcode.bytes, text) and text not in texts:
            texts.append(text)
    return texts, glimpsed


def _short(raw: bytes, text: str) -> bool:
    """Tell whether a payload is within MAX_PAYLOAD bytes, raw and as UTF-8."""
    return len(raw) <= MAX_PAYLOAD and len(text.encode("utf-8", "replace")) <= MAX_PAYLOAD


def _sharpen(gray: np.ndarray) -> np.ndarray:
    """Denoise lightly then sharpen (a difference of Gaussians) for noisy, soft frames."""
    fine = cv2.GaussianBlur(gray, (0, 0), 0.8)
    coarse = cv2.GaussianBlur(gray, (0, 0), 1.8)
    return cv2.addWeighted(fine, 2.0, coarse, -1.0, 0)


def _enlarge(gray: np.ndarray) -> np.ndarray:
    """Enlarge 1.5× so small, blurred modules span enough pixels to binarise."""
    return cv2.resize(gray, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_LINEAR)


def _stretch(degrees: float, factor: float = 1.6):
    """Return a retry that stretches the frame by factor along the direction degrees."""
    # A steep tilt foreshortens the code along one axis until the detector misjudges its
    # size (zxing-cpp: "invalid symbol size"); stretching that axis back evens the modules
    # out. The axis is unknown, so four are tried; in the benchmark every such code read.

    def stretch(gray: np.ndarray) -> np.ndarray:
        a = math.radians(degrees)
        c, s = math.cos(a), math.sin(a)
        turn = np.array([[c, s], [-s, c]])
        matrix = turn.T @ np.diag([factor, 1.0]) @ turn
        height, width = gray.shape
        corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], float) @ matrix.T
        low, high = corners.min(axis=0), corners.max(axis=0)
        affine = np.c_[matrix, -low]
        size = (int(high[0] - low[0]), int(high[1] - low[1]))
        return cv2.warpAffine(gray, affine, size, flags=cv2.INTER_LINEAR)

    return stretch


# (how to change the frame, whether to try both polarities), cheapest and likeliest first.
_RETRIES = (
    (lambda gray: _shrink(gray, SECOND_SCALE), True),  # glowing dark-mode screens, moiré
    (_sharpen, True),
    (_enlarge, True),
    *((_stretch(degrees), True) for degrees in (0, 90, 45, 135)),
)
