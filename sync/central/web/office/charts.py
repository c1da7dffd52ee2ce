"""Bar charts drawn as inline SVG on the server: no script, no CDN."""

from __future__ import annotations

import unicodedata
from html import escape


def bars(
    labels: list[str],
    values: list[int],
    *,
    width: int = 720,
    height: int = 240,
    colour: str = "#1b5e20",
    title: str = "",
) -> str:
    """Return an SVG bar chart of values with a label under each bar."""
    top = max(values, default=0) or 1
    pad_left, pad_bottom, pad_top = 56, 36, 24
    inner_w, inner_h = width - pad_left - 12, height - pad_bottom - pad_top
    step = inner_w / max(len(values), 1)
    bar_w = max(step * 0.7, 2)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{pad_left}" y1="{pad_top + inner_h}" x2="{width - 12}" '
        f'y2="{pad_top + inner_h}" stroke="#555"/>',
        f'<text x="{pad_left - 6}" y="{pad_top + 4}" text-anchor="end" font-size="12">{top}</text>',
        f'<text x="{pad_left - 6}" y="{pad_top + inner_h}" text-anchor="end" '
        'font-size="12">0</text>',
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = inner_h * value / top
        x = pad_left + i * step + (step - bar_w) / 2
        y = pad_top + inner_h - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{colour}">'
            f"<title>{escape(label)}: {value}</title></rect>"
        )
        if value:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" '
                f'font-size="11">{value}</text>'
            )
        size = 12 if text_width(label) <= step else max(int(12 * step / text_width(label)), 8)
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{height - 12}" text-anchor="middle" '
            f'font-size="{size}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def text_width(text: str, size: int = 12) -> float:
    """Return about how wide text is drawn, in pixels: a Chinese character is two columns."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.6 for ch in text)


def hbars(
    labels: list[str],
    values: list[int],
    *,
    width: int = 720,
    colour: str = "#1b5e20",
    title: str = "",
) -> str:
    """Return an SVG chart of horizontal bars, each label whole at its left (names are long)."""
    top = max(values, default=0) or 1
    row, pad = 26, 8
    label_w = min(max((text_width(label) for label in labels), default=0) + 2 * pad, width / 2)
    value_w = text_width(str(top)) + 2 * pad
    inner_w = width - label_w - value_w
    height = max(len(values), 1) * row + 2 * pad
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = pad + i * row
        w = inner_w * value / top
        parts.append(
            f'<text x="{label_w - pad:.1f}" y="{y + row / 2 + 4:.1f}" text-anchor="end" '
            f'font-size="12">{escape(label)}</text>'
            f'<rect x="{label_w:.1f}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" '
            f'fill="{colour}"><title>{escape(label)}: {value}</title></rect>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + row / 2 + 4:.1f}" '
            f'font-size="11">{value}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
