"""Undo straight motion blur: find its direction and length, then deconvolve along it.

A straight smear of length L multiplies the spectrum by a sinc whose zeros repeat every 1/L
along the smear, so the log spectrum's inverse transform (the cepstrum) has a deep minimum at
distance L in that direction. Turning the frame so the smear runs along the rows, a 1-D Wiener
filter then restores the edges well enough for the QR detector to find the finder patterns.

Two tests stand before the deconvolution. The first is nearly free: a smear weakens every
edge along its direction and none across it, so a frame whose edges are about as strong every
way (most still frames, sharp or out of focus) is not smeared. The second, the cepstrum of the
frame's centre (where a card held up to the camera usually is), finds the smear's direction
and length; only frames it flags pay for the rest.
"""

from __future__ import annotations

import math
from functools import lru_cache

import cv2
import numpy as np

TILE = (160, 512)  # the centre tile (rows, columns at half size) the cepstrum test reads
MAX_EVENNESS = 0.6  # weakest over strongest edge energy: the benchmark's smears stay under 0.51
MIN_SCORE = 3.15  # std devs the cepstrum dip must stand out by: 1% of still frames pass both
MIN_SIDE = 64  # pixels at half size: smaller frames are not worth the test
MIN_LENGTH = 4.0  # pixels; shorter smears do not stop the detector
MAX_LENGTH = 18.0  # pixels; the decoder cannot undo longer smears and clutter mimics them
NSR = 0.01  # the Wiener filter's noise-to-signal ratio


def streaked(half: np.ndarray) -> bool:
    """Tell whether a half-size frame's edges are much weaker along one direction than across."""
    return evenness(half) <= MAX_EVENNESS


def evenness(half: np.ndarray) -> float:
    """Return a half-size frame's weakest over strongest directional edge energy, 0..1."""
    # The eigenvalues of the structure tensor summed over the frame are the least and the
    # most gradient energy along any direction; cv2.norm sums the squares without a copy.
    dx, dy = cv2.spatialGradient(half)
    xx, yy = cv2.norm(dx, cv2.NORM_L2SQR), cv2.norm(dy, cv2.NORM_L2SQR)
    xy = (xx + yy - cv2.norm(dx, dy, cv2.NORM_L2SQR)) / 2
    middle, spread = (xx + yy) / 2, math.hypot((xx - yy) / 2, xy)
    if middle <= 0:
        return 1.0  # a flat frame: no edges, so no smear either
    return (middle - spread) / (middle + spread)


def smear(gray: np.ndarray) -> tuple[float, float, float]:
    """Return (score, angle°, length px) of the straight blur seen in the frame's centre."""
    half = _half(gray)
    height, width = half.shape
    rows, columns = min(TILE[0], height), min(TILE[1], width)
    top, left = (height - rows) // 2, (width - columns) // 2
    tile = half[top : top + rows, left : left + columns]
    angles, lengths, values = _cepstrum_polar(tile, 2.0, 0.5, (2.0, MAX_LENGTH / 2 + 0.5))
    # How far the dip stands out from the other directions at the same distance.
    spread = values.std(axis=0) + 1e-9
    scores = (values.mean(axis=0) - values.min(axis=0)) / spread
    j = int(np.argmax(scores))
    i = int(np.argmin(values[:, j]))
    return float(scores[j]), float(angles[i]), float(lengths[j] * 2)


def estimate(gray: np.ndarray, near: tuple[float, float] | None = None) -> tuple[float, float]:
    """Return the (angle°, length px) of the straight blur over the whole frame, finely.

    near is the cheap test's (angle, length): the search stays within 12° and a third of it,
    so a stray dip elsewhere in a cluttered frame cannot win.
    """
    angles, lengths, values = _cepstrum_polar(_half(gray), 1.0, 0.25, (2.0, MAX_LENGTH / 2))
    if near is not None:
        angle, length = near
        off_angle = np.abs((angles - angle + 90.0) % 180.0 - 90.0) > 12.0
        off_length = np.abs(lengths * 2 - length) > length / 3
        values = values.copy()
        values[off_angle, :] = np.inf
        values[:, off_length] = np.inf
        if not np.isfinite(values).any():
            return near
    i, j = np.unravel_index(int(np.argmin(values)), values.shape)
    return float(angles[i]), float(lengths[j] * 2)


def deblur(gray: np.ndarray, angle: float, length: float) -> np.ndarray:
    """Return the frame turned so the blur runs along the rows, with the blur undone."""
    height, width = gray.shape
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    cos, sin = abs(turn[0, 0]), abs(turn[0, 1])
    size = (int(height * sin + width * cos), int(height * cos + width * sin))
    turn[0, 2] += size[0] / 2 - width / 2
    turn[1, 2] += size[1] / 2 - height / 2
    rows = cv2.warpAffine(gray, turn, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    taps = _inverse_filter(round(length * 4) / 4)
    # 8-bit output: OpenCV rounds and clips the ringing to 0..255 as it writes.
    return cv2.sepFilter2D(rows, cv2.CV_8U, taps, _ONE, borderType=cv2.BORDER_REPLICATE)


def _half(gray: np.ndarray) -> np.ndarray:
    return cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)


def _cepstrum_polar(
    image: np.ndarray, angle_step: float, length_step: float, lengths: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return angles, lengths and the cepstrum sampled on that polar grid (angle × length)."""
    height, width = (n - n % 2 for n in image.shape)  # the packed transforms need even sides
    image = image[:height, :width]
    window, angles, radii, xs, ys = _grid(width, height, angle_step, length_step, lengths)
    pixels = image.astype(np.float32)
    pixels -= float(pixels.mean())
    cepstrum = _cepstrum(pixels * window)
    values = cv2.remap(cepstrum, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
    return angles, radii, values


def _cepstrum(pixels: np.ndarray) -> np.ndarray:
    """Return the real cepstrum of an even-sized float32 image, via packed real transforms.

    The log magnitude of a real image's spectrum is real and even, so both transforms can
    stay in OpenCV's packed (CCS) layout: a quarter of the work of complex transforms.
    """
    packed = cv2.dft(pixels)
    height, width = packed.shape
    log = np.empty_like(packed)
    re, im = packed[:, 1 : width - 1 : 2], packed[:, 2 : width - 1 : 2]
    log[:, 1 : width - 1 : 2] = cv2.log(cv2.magnitude(re, im) + _FLOOR)
    log[:, 2 : width - 1 : 2] = 0.0
    for c in (0, width - 1):  # the first and last columns are packed down the rows
        column = packed[:, c]
        pair = np.hypot(column[1 : height - 1 : 2], column[2 : height - 1 : 2])
        log[1 : height - 1 : 2, c] = np.log(pair + _FLOOR)
        log[2 : height - 1 : 2, c] = 0.0
        log[0, c] = np.log(abs(column[0]) + _FLOOR)
        log[height - 1, c] = np.log(abs(column[height - 1]) + _FLOOR)
    return cv2.idft(log, flags=cv2.DFT_SCALE | cv2.DFT_REAL_OUTPUT)


_FLOOR = 1e-3


@lru_cache(maxsize=8)
def _grid(width: int, height: int, angle_step: float, length_step: float, lengths):
    """Return the window and the polar sampling grid for a frame size (cached)."""
    window = cv2.createHanningWindow((width, height), cv2.CV_32F)
    angles = np.arange(0.0, 180.0, angle_step)
    radii = np.arange(lengths[0], lengths[1] + 1e-6, length_step)
    a, r = np.meshgrid(np.radians(angles), radii, indexing="ij")
    xs = ((r * np.cos(a)) % width).astype(np.float32)
    ys = ((r * np.sin(a)) % height).astype(np.float32)
    return window, angles, radii, xs, ys


@lru_cache(maxsize=64)
def _inverse_filter(length: float) -> np.ndarray:
    """Return a 1-row Wiener filter undoing a box blur of length pixels (cached)."""
    n = 256
    box = np.zeros(n)
    whole = int(length)
    box[:whole] = 1.0
    box[whole] = length - whole
    box = np.roll(box / box.sum(), -int(length // 2))
    response = np.fft.fft(box)
    taps = np.real(np.fft.ifft(np.conj(response) / (np.abs(response) ** 2 + NSR)))
    reach = int(3 * length) + 1
    taps = np.roll(taps, n // 2)[n // 2 - reach : n // 2 + reach + 1]
    taps *= np.hanning(2 * reach + 3)[1:-1]
    return (taps / taps.sum()).astype(np.float32)


_ONE = np.ones(1, np.float32)


def stands_out(score: float, length: float) -> bool:
    """Tell whether a smear is both clear and long enough to be worth undoing."""
    return score >= MIN_SCORE and length >= MIN_LENGTH and not math.isnan(score)
