"""Message catalogues: English message ids, translated per language (zh_CN first).

Each program keeps its own catalogue folder (one JSON file per language); this loader is shared.
Not flask-babel: the same catalogue is sent whole to the touch screen's JavaScript, and messages
are translated outside any request (receipts, spoken prompts, the printer, the command line),
where a request-bound locale does not apply; JSON catalogues also need no compile step on a kiosk.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LANGUAGES = ("zh_CN", "en")
DEFAULT = "zh_CN"


class Catalogues:
    """The translations kept in one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.catalogue = cache(self._load)

    def _load(self, language: str) -> dict[str, str]:
        path = self.folder / f"{language}.json"
        if language not in LANGUAGES or not path.exists():
            return {}
        return json.loads(path.read_text(encoding="utf-8"))

    def translate(self, message: str, language: str, **params: object) -> str:
        """Translate a message id and fill in its parameters."""
        text = self.catalogue(language).get(message, message)
        if params:
            try:
                return text.format(**params)
            except (KeyError, IndexError, ValueError):
                return text
        return text


def pick(requested: str | None, default: str = DEFAULT) -> str:
    """Return a supported language for what was asked for."""
    if requested:
        normal = requested.replace("-", "_")
        for language in LANGUAGES:
            if normal.lower() == language.lower() or normal.lower().startswith(language[:2]):
                return language
    return default if default in LANGUAGES else DEFAULT
