"""Synthetic camera frames: QR cards in cluttered scenes, deterministic for a seed."""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np
import qrcode
import qrcode.constants

_WORDS = ("EKP:OIL-5L", "积分", "SOAP 30", "TISSUE", "CUP 12", "SALE", "2024-05-01", "No.17")


def render_qr(text: str | bytes, *, scale: int = 8, border: int = 4) -> np.ndarray:
    """Render text (or raw bytes) as a gray QR image at level M, black on white."""
    if scale < 1 or border < 0:
        raise ValueError("scale must be >= 1 and border >= 0")
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=border)
    qr.add_data(text)
    qr.make(fit=True)
    dark = np.array(qr.get_matrix(), dtype=bool)
    modules = np.where(dark, 0, 255).astype(np.uint8)
    return np.kron(modules, np.ones((scale, scale), dtype=np.uint8))


def scene(
    text: str | bytes | Sequence[str | bytes] | None,
    *,
    seed: int = 0,
    size: tuple[int, int] = (1280, 720),
    rotation: float | None = None,
    perspective: float = 0.0,
    blur: float = 0.0,
    noise: float = 0.0,
    contrast: float = 1.0,
    invert: bool = False,
    code_size: int | None = None,
    lighting: float = 0.3,
    jpeg: int | None = None,
    tilt: float | None = None,
    motion: float = 0.0,
    motion_angle: float | None = None,
    glare: float = 0.0,
    brightness: float = 1.0,
    phone: bool = False,
) -> np.ndarray:
    """Render a BGR frame of size (width, height) with each text's card in clutter.

    rotation is in degrees (None: random); perspective in 0..1 tilts the card up to 60°;
    blur is a Gaussian sigma in pixels; noise a Gaussian sigma in gray levels; contrast < 1
    washes the frame out; invert prints the code light on dark; code_size is the code's
    side in pixels before tilt (None: random); lighting in 0..1 is the strength of uneven
    light; jpeg is a JPEG quality to round-trip the frame through.

    tilt turns the card exactly that many degrees out of the image plane about a random
    axis (instead of perspective); motion is the length in pixels of a straight motion
    blur at motion_angle degrees (None: random); glare in 0..1 is the strength of a
    specular highlight over part of the code; brightness < 1 dims the frame before the
    sensor noise; phone shows the code on a phone screen instead of a printed card.
    """
    rng = np.random.default_rng(seed)
    # Options added later draw from their own generator, so older scenes stay the same.
    extra = np.random.default_rng([seed, 11])
    width, height = size
    frame = _background(rng, width, height)
    texts = [] if text is None else [text] if isinstance(text, str | bytes) else list(text)
    slots = _slots(len(texts), width, height)
    placed = []
    for item, (cx, cy, room) in zip(texts, slots, strict=True):
        side = code_size or int(rng.uniform(0.3, 0.55) * min(room, height))
        angle = rng.uniform(0, 360) if rotation is None else rotation
        slack_x, slack_y = max(room // 2 - side, 0), max(height // 2 - side, 0)
        centre = (
            cx + int(rng.integers(-slack_x, slack_x + 1)),
            cy + int(rng.integers(-slack_y, slack_y + 1)),
        )
        if phone:
            card, anchor = _phone(extra, item, side, invert)
        else:
            card, anchor = _card(rng, item, side, invert), None
        axis = extra.uniform(0, 2 * math.pi) if tilt is not None else 0.0
        _paste(rng, frame, card, centre, side, angle, perspective, anchor, tilt, axis)
        placed.append((centre, side))
    if glare > 0:
        for centre, side in placed or [((width // 2, height // 2), min(width, height) // 3)]:
            _glare(extra, frame, centre, side, glare)
    if motion > 0:
        frame = _motion_blur(
            frame, motion, extra.uniform(0, 180) if motion_angle is None else motion_angle
        )
    frame = _finish(rng, frame, blur, noise, contrast, lighting, brightness)
    if jpeg is not None:
        ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(jpeg)])
        frame = cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else frame
    return frame


def varied_scene(
    text: str | bytes | Sequence[str | bytes] | None,
    seed: int,
    size: tuple[int, int] = (1280, 720),
) -> np.ndarray:
    """Render a scene with seed-chosen, realistic distortions (the decode-rate benchmark)."""
    rng = np.random.default_rng([seed, 7])
    return scene(
        text,
        seed=seed,
        size=size,
        perspective=float(rng.uniform(0.0, 0.8)),
        blur=float(rng.choice([0.0, rng.uniform(0.5, 2.5)])),
        noise=float(rng.uniform(0.0, 20.0)),
        contrast=float(rng.uniform(0.3, 1.0)),
        invert=bool(rng.random() < 0.2),
        code_size=int(rng.uniform(0.15, 0.45) * min(size)),
        lighting=float(rng.uniform(0.0, 0.7)),
        jpeg=int(rng.uniform(30, 90)) if rng.random() < 0.6 else None,
    )


def _slots(count: int, width: int, height: int) -> list[tuple[int, int, int]]:
    """Split the frame into side-by-side slots, returning (centre x, centre y, slot width)."""
    if count == 0:
        return []
    room = width // count
    return [(room * i + room // 2, height // 2, room) for i in range(count)]


def _background(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """Draw shelves, boxes, stripes, checks and words: clutter that looks a bit like codes."""
    base = rng.integers(60, 200, size=3)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    ramp = (xx / max(width, 1) - 0.5) * rng.uniform(-60, 60) + (
        yy / max(height, 1) - 0.5
    ) * rng.uniform(-60, 60)
    frame = np.clip(base[None, None, :] + ramp[..., None], 0, 255).astype(np.uint8)
    scale = min(width, height)
    for _ in range(int(rng.integers(15, 35))):
        colour = tuple(int(c) for c in rng.integers(0, 256, size=3))
        kind = rng.integers(0, 6)
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        r = int(rng.integers(max(scale // 40, 2), max(scale // 5, 3)))
        if kind == 0:
            cv2.rectangle(frame, (x, y), (x + r, y + int(r * rng.uniform(0.5, 2))), colour, -1)
        elif kind == 1:
            cv2.circle(frame, (x, y), r // 2, colour, -1)
        elif kind == 2:
            end = (int(rng.integers(0, width)), int(rng.integers(0, height)))
            cv2.line(frame, (x, y), end, colour, int(rng.integers(1, 6)))
        elif kind == 3:
            cell = max(r // 6, 2)
            for i in range(6):
                for j in range(6):
                    if (i + j) % 2 == 0:
                        p = (x + i * cell, y + j * cell)
                        cv2.rectangle(frame, p, (p[0] + cell, p[1] + cell), colour, -1)
        elif kind == 4:
            for i in range(int(rng.integers(4, 12))):
                px = x + i * max(r // 8, 2)
                cv2.line(frame, (px, y), (px, y + r), colour, int(rng.integers(1, 4)))
        else:
            word = _WORDS[int(rng.integers(0, len(_WORDS)))]
            cv2.putText(
                frame, word, (x, y), cv2.FONT_HERSHEY_SIMPLEX, rng.uniform(0.5, 2.0), colour, 2
            )
    return frame


def _card(rng: np.random.Generator, text: str | bytes, side: int, invert: bool) -> np.ndarray:
    """Print a card: the code with a margin, a header band and lines of 'text'."""
    code = render_qr(text, scale=1, border=4)
    code = cv2.resize(code, (side, side), interpolation=cv2.INTER_NEAREST)
    paper, ink = int(rng.integers(225, 256)), int(rng.integers(0, 40))
    back, fore = (ink, paper) if invert else (paper, ink)
    code = np.where(code > 127, back, fore).astype(np.uint8)
    pad = side // 8
    card_h, card_w = side + pad * 5, side + pad * 2
    card = np.full((card_h, card_w, 3), back, np.uint8)
    card[pad : pad + side, pad : pad + side] = code[..., None]
    band = tuple(int(c) for c in rng.integers(0, 200, size=3))
    cv2.rectangle(card, (0, card_h - pad * 3), (card_w, card_h - pad * 2), band, -1)
    for i in range(2):
        y = card_h - pad * 2 + pad // 3 + i * pad // 2
        length = int(card_w * rng.uniform(0.3, 0.8))
        cv2.line(card, (pad, y), (pad + length, y), (fore, fore, fore), max(pad // 6, 1))
    return card


def _paste(
    rng: np.random.Generator,
    frame: np.ndarray,
    card: np.ndarray,
    centre: tuple[int, int],
    side: int,
    angle: float,
    perspective: float,
    anchor: tuple[float, float] | None = None,
    tilt: float | None = None,
    axis: float = 0.0,
) -> None:
    """Warp the card into the frame around centre with rotation and a 3-D tilt."""
    card_h, card_w = card.shape[:2]
    # Put the code (not the card) at the requested centre: the code sits in the card's top part.
    qx, qy = anchor or (card_w / 2, (side // 8) + side / 2)
    corners = np.array([[0, 0], [card_w, 0], [card_w, card_h], [0, card_h]], np.float64)
    plane = corners - [qx, qy]
    limit = min(max(perspective, 0.0), 1.0) * math.radians(60)
    ax, ay = rng.uniform(-limit, limit), rng.uniform(-limit, limit)
    a = math.radians(angle)
    rz = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
    if tilt is None:
        rx = np.array(
            [[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]]
        )
        ry = np.array(
            [[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]]
        )
        turn = ry @ rx @ rz
    else:
        turn = _axis_rotation((math.cos(axis), math.sin(axis), 0.0), math.radians(tilt)) @ rz
    points = np.c_[plane, np.zeros(4)] @ turn.T
    focal = 2.5 * side
    depth = focal + points[:, 2]
    projected = points[:, :2] * (focal / depth)[:, None] + centre
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), projected.astype(np.float32))
    height, width = frame.shape[:2]
    warped = cv2.warpPerspective(card, matrix, (width, height), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(
        np.full((card_h, card_w), 255, np.uint8), matrix, (width, height), flags=cv2.INTER_LINEAR
    )
    alpha = (mask.astype(np.float32) / 255.0)[..., None]
    frame[:] = (warped * alpha + frame * (1.0 - alpha)).astype(np.uint8)


def _axis_rotation(axis: tuple[float, float, float], angle: float) -> np.ndarray:
    """Return the 3-D rotation by angle (radians) about a unit axis (Rodrigues)."""
    x, y, z = axis
    k = np.array([[0, -z, y], [z, 0, -x], [-y, x, 0]], np.float64)
    return np.eye(3) + math.sin(angle) * k + (1 - math.cos(angle)) * (k @ k)


def _phone(
    rng: np.random.Generator, text: str | bytes, side: int, invert: bool
) -> tuple[np.ndarray, tuple[float, float]]:
    """Draw a phone showing the code (dark mode if inverted); return it and the code centre."""
    code = render_qr(text, scale=1, border=4)
    code = cv2.resize(code, (side, side), interpolation=cv2.INTER_NEAREST)
    lit, ink = int(rng.integers(215, 250)), int(rng.integers(5, 35))
    back, fore = (ink, lit) if invert else (lit, ink)
    bezel = side // 14 + 2
    screen_w, screen_h = side + side // 6, int((side + side // 6) * 2.0)
    body = int(rng.integers(10, 45))
    phone = np.full((screen_h + 2 * bezel, screen_w + 2 * bezel, 3), body, np.uint8)
    phone[bezel:-bezel, bezel:-bezel] = back
    top = bezel + (screen_h - side) // 3
    left = bezel + (screen_w - side) // 2
    phone[top : top + side, left : left + side] = np.where(code > 127, back, fore)[..., None]
    for i in range(3):  # lines of text under the code
        y = top + side + side // 8 + i * side // 9
        length = int(side * rng.uniform(0.4, 0.9))
        cv2.line(phone, (left, y), (left + length, y), (fore,) * 3, max(side // 40, 1))
    return phone, (left + side / 2, top + side / 2)


def _glare(
    rng: np.random.Generator, frame: np.ndarray, centre: tuple[int, int], side: int, strength: float
) -> None:
    """Add a specular highlight (a bright elliptical spot) over part of the code."""
    height, width = frame.shape[:2]
    cx = centre[0] + rng.uniform(-0.35, 0.35) * side
    cy = centre[1] + rng.uniform(-0.35, 0.35) * side
    radius = side * rng.uniform(0.15, 0.3)
    angle = rng.uniform(0, math.pi)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    u = (xx - cx) * math.cos(angle) + (yy - cy) * math.sin(angle)
    v = -(xx - cx) * math.sin(angle) + (yy - cy) * math.cos(angle)
    spot = np.exp(-((u / (radius * 1.8)) ** 2 + (v / radius) ** 2))
    lift = (min(max(strength, 0.0), 1.0) * 255.0 * spot)[..., None]
    frame[:] = np.clip(frame.astype(np.float32) + lift, 0, 255).astype(np.uint8)


def _motion_blur(frame: np.ndarray, length: float, angle: float) -> np.ndarray:
    """Smear the frame along a straight line of length pixels at angle degrees."""
    size = math.ceil(length) | 1
    kernel = np.zeros((size, size), np.float32)
    half = (length - 1) / 2
    c = size // 2
    dx, dy = math.cos(math.radians(angle)) * half, math.sin(math.radians(angle)) * half
    shift = 4  # sub-pixel line ends
    start = (round((c - dx) * 2**shift), round((c - dy) * 2**shift))
    end = (round((c + dx) * 2**shift), round((c + dy) * 2**shift))
    cv2.line(kernel, start, end, 1.0, 1, cv2.LINE_AA, shift)
    if kernel.sum() <= 0:
        return frame
    return cv2.filter2D(frame, -1, kernel / kernel.sum(), borderType=cv2.BORDER_REFLECT)


def _finish(
    rng: np.random.Generator,
    frame: np.ndarray,
    blur: float,
    noise: float,
    contrast: float,
    lighting: float,
    brightness: float = 1.0,
) -> np.ndarray:
    """Apply uneven light, lowered contrast, lens blur, dimming and sensor noise."""
    height, width = frame.shape[:2]
    out = frame.astype(np.float32)
    if lighting > 0:
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        dist = np.hypot(xx - cx, yy - cy) / max(width, height)
        out *= (1.0 - lighting * np.clip(dist, 0, 1))[..., None]
    if contrast != 1.0:
        mean = float(out.mean())
        out = (out - mean) * contrast + mean
    if blur > 0:
        out = cv2.GaussianBlur(out, (0, 0), blur)
    if brightness != 1.0:
        out *= max(brightness, 0.0)
    if noise > 0:
        out += rng.normal(0.0, noise, size=out.shape).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


def screen_photo(frame: np.ndarray, seed: int, *, glow: float, moire: float) -> np.ndarray:
    """Make a frame look like a photo of a lit screen: its glow bleeds, its pixels beat.

    glow in 0..1 is how much the bright parts bleed into their surroundings (a screen in dark
    mode photographed in a dim shop); moire in 0..1 the strength of the interference stripes
    the screen's pixel grid makes with the camera's (a few gray levels up to ~25).
    """
    rng = np.random.default_rng([seed, 13])
    height, width = frame.shape[:2]
    out = frame.astype(np.float32)
    if glow > 0:
        halo = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.01, 0.03) * max(width, height))
        soft = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.6, 1.4))
        out = soft + min(glow, 1.0) * rng.uniform(0.5, 1.0) * halo
    if moire > 0:
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        stripes = np.zeros((height, width), np.float32)
        for _ in range(2):  # two beating gratings: curved, uneven stripes
            angle, period = rng.uniform(0, math.pi), rng.uniform(3.0, 14.0)
            bend = rng.uniform(-1e-4, 1e-4) * (xx - width / 2) ** 2
            phase = (xx * math.cos(angle) + yy * math.sin(angle) + bend) * (2 * math.pi / period)
            stripes += np.sin(phase)
        out += (min(moire, 1.0) * 12.0 * stripes)[..., None]
    return np.clip(out, 0, 255).astype(np.uint8)


def fluorescent(frame: np.ndarray, seed: int, *, cast: float, banding: float) -> np.ndarray:
    """Light a frame as a shop's fluorescent tubes do: a colour cast and flicker bands.

    cast in 0..1 tints the frame green-blue (cool tubes) or yellow (warm ones); banding in
    0..1 is the depth of the horizontal bright and dark bands a rolling shutter records
    from the tubes' 100 Hz flicker.
    """
    rng = np.random.default_rng([seed, 17])
    height = frame.shape[0]
    out = frame.astype(np.float32)
    if frame.ndim == 3 and cast > 0:
        cool = rng.random() < 0.6
        gains = np.array([1.15, 1.1, 0.8] if cool else [0.75, 0.95, 1.15], np.float32)  # B, G, R
        out *= 1.0 + (gains - 1.0) * min(cast, 1.0)
    if banding > 0:
        period = rng.uniform(0.08, 0.3) * height
        rows = np.arange(height, dtype=np.float32)
        wave = np.sin(2 * math.pi * rows / period + rng.uniform(0, 2 * math.pi))
        gain = 1.0 - min(banding, 1.0) * 0.5 * (1.0 + wave) * 0.6
        out *= gain[:, None, None] if out.ndim == 3 else gain[:, None]
    return np.clip(out, 0, 255).astype(np.uint8)
