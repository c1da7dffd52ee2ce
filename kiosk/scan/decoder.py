"""The frame decode pipeline: normalise the frame, read QR codes with zxing-cpp, filter."""

from __future__ import annotations

import cv2
import numpy as np
import zxingcpp

from kiosk.scan import MAX_PAYLOAD, MAX_SIDE

MIN_SIDE = 21  # a version-1 QR code is 21 modules; nothing smaller can hold one


def decode(image: np.ndarray) -> list[str]:
    """Return the distinct QR texts found in a gray, BGR or BGRA frame, in the order found."""
    gray = to_gray(image)
    if gray is None:
        return []
    texts, glimpsed = _read(gray)
    if texts or not glimpsed:
        return texts
    # A code was located but not read: retry on a sharpened, then an enlarged frame. Idle
    # frames never get here, so they cost one zxing pass.
    for retry in (_sharpen, _enlarge):
        texts, _ = _read(retry(gray))
        if texts:
            break
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
        # Subsample first so a huge frame is never copied or converted at full size.
        step = max(max(image.shape[:2]) // MAX_SIDE, 1)
        image = np.ascontiguousarray(_to_uint8(image[::step, ::step]))
    long_side = max(image.shape[:2])
    if long_side > MAX_SIDE:
        scale = MAX_SIDE / long_side
        height, width = image.shape[:2]
        size = (max(round(width * scale), 1), max(round(height * scale), 1))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    if image.ndim == 3:
        code = cv2.COLOR_BGR2GRAY if image.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        image = cv2.cvtColor(image, code)
    return image


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


def _read(gray: np.ndarray) -> tuple[list[str], bool]:
    """Read QR codes; return the short distinct texts and whether any code was located."""
    barcodes = zxingcpp.read_barcodes(
        gray,
        formats=zxingcpp.BarcodeFormat.QRCode,
        try_rotate=True,  # free for QR, whose detector is rotation-invariant anyway
        try_invert=True,  # light-on-dark codes: phone dark mode, inverted prints
        try_downscale=True,
        binarizer=zxingcpp.Binarizer.LocalAverage,  # 89% vs 66-73% for the global ones
        return_errors=True,
    )
    texts: list[str] = []
    glimpsed = False
    for barcode in barcodes:
        if not barcode.valid:
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
