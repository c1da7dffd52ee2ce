"""Display width and wrapping in printer columns (a Chinese character takes two)."""

import unicodedata

from core.domain.linebreak import NO_END, held_back

# Ambiguous-width characters (·, é, ×, “, ①) print full-width on Chinese-mode printers,
# so they count two: overestimating wastes a column, underestimating overflows the paper.
_WIDE = frozenset("WFA")


def clean(s: str) -> str:
    """Return ``s`` NFC-normalised with control characters replaced by spaces."""
    s = unicodedata.normalize("NFC", s)
    return "".join(" " if unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") else c for c in s)


def char_width(c: str) -> int:
    """Return the display width of one character: 0, 1 or 2."""
    if unicodedata.combining(c) or unicodedata.category(c) in ("Mn", "Me", "Cf"):
        return 0
    if unicodedata.category(c) in ("Cc", "Cs"):
        return 0
    return 2 if unicodedata.east_asian_width(c) in _WIDE else 1


def display_width(s: str) -> int:
    """Return the number of printer columns ``s`` occupies."""
    return sum(char_width(c) for c in s)


def wrap(s: str, width: int) -> list[str]:
    """Split ``s`` into lines no wider than ``width`` columns, preferring breaks at spaces;
    no line starts with a closing mark (。，) or ends with an opening one (（)."""
    if width < 2:
        raise ValueError("width must be at least 2 columns")
    lines: list[str] = []
    for paragraph in s.split("\n"):
        lines.extend(_wrap_paragraph(clean(paragraph), width))
    return lines


def _wrap_paragraph(s: str, width: int) -> list[str]:
    lines: list[str] = []
    line, used = "", 0
    for c in s:
        w = char_width(c)
        if used + w > width:
            head, tail = (line, "") if c.isspace() else _break(line, c, width)
            lines.append(head.rstrip())
            line = tail
            used = display_width(line)
            if c == " " and not line:
                continue
        line += c
        used += w
    lines.append(line.rstrip())
    return lines


def _break(line: str, c: str, width: int) -> tuple[str, str]:
    """Return where a full line ends when c does not fit after it, and what goes down: a
    trailing Latin word whole, with the mark that opens it; no 。 starts a line, no （ ends one.
    When a word cannot take its mark along (a narrow column), it is broken instead."""
    w = char_width(c)
    head, tail = _split_before_word(line, width - w)
    end = held_back(head, tail[0] if tail else c)
    if end < len(head) and display_width(head[end:] + tail) + w <= width:
        return head[:end], head[end:] + tail
    if tail and head.rstrip()[-1:] in NO_END:
        head, tail = line, ""
        end = held_back(line, c)
        if end < len(line) and display_width(line[end:]) + w <= width:
            return line[:end], line[end:]
    return head, tail


def _split_before_word(line: str, room: int) -> tuple[str, str]:
    """Move a trailing Latin word ("3kg") to the next line whole when it fits there."""
    start = len(line)
    while start > 0 and line[start - 1].isascii() and not line[start - 1].isspace():
        start -= 1
    head, tail = line[:start], line[start:]
    if not head.strip() or not tail or display_width(tail) > room:
        return line, ""
    return head, tail
