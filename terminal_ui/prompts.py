"""What the kiosk will say aloud: its own messages, with their blanks filled by short values.

The screen asks for a prompt's audio by its text. The text must be one of the catalogue's
messages in the screen's language; each blank may hold only a number or a short name. No page
can make the kiosk read out anything else, nor a long text.
"""

from __future__ import annotations

import re
from functools import cache

from terminal_ui.i18n import CATALOGUES, DEFAULT

MAX_TEXT = 160  # characters: the longest prompt with the longest names fits
# Blanks holding counts and points: digits only (a minus for a correction).
NUMBERS = {
    "available",
    "balance",
    "count",
    "high",
    "level",
    "low",
    "minutes",
    "needed",
    "number",
    "page",
    "pages",
    "points",
    "qty",
    "seconds",
    "stock",
    "tries",
}
NUMBER = r"-?\d{1,9}"
# Any other blank (a name, a product code, a day): letters of any script, digits, and the few
# marks names and codes use, at most 40 of them.
WORDS = r"[\w·・.:\- ]{1,40}"
BLANK = re.compile(r"\{(\w+)\}")


def _pattern(template: str) -> str:
    parts = []
    last = 0
    for blank in BLANK.finditer(template):
        parts.append(re.escape(template[last : blank.start()]))
        parts.append(NUMBER if blank.group(1) in NUMBERS else WORDS)
        last = blank.end()
    parts.append(re.escape(template[last:]))
    return "".join(parts)


@cache
def _prompts(language: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    ids = CATALOGUES.catalogue(DEFAULT)  # every message has a Chinese translation
    return tuple(
        (message, re.compile(_pattern(CATALOGUES.translate(message, language)))) for message in ids
    )


def prompt_id(text: str, language: str) -> str | None:
    """Return the catalogue message that text is, blanks filled, or None when it is none."""
    if not text or len(text) > MAX_TEXT:
        return None
    for message, pattern in _prompts(language):
        if pattern.fullmatch(text):
            return message
    return None
