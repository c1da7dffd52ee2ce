"""The office web's message catalogue (English ids; Chinese first)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

FOLDER = Path(__file__).with_name("translations")


@cache
def _catalogue(language: str) -> dict[str, str]:
    path = FOLDER / f"{language}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def translate(message: str, language: str, **params: object) -> str:
    """Translate a message id and fill in its parameters."""
    text = _catalogue(language).get(message, message) if language != "en" else message
    return text.format(**params) if params else text
