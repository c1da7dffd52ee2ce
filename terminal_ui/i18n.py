"""Message catalogues: English message ids, translated per language (zh_CN first)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

CATALOGUES = Path(__file__).with_name("translations")
LANGUAGES = ("zh_CN", "en")
DEFAULT = "zh_CN"


@cache
def catalogue(language: str) -> dict[str, str]:
    """Return the translations of one language (empty for the source language)."""
    path = CATALOGUES / f"{language}.json"
    if language not in LANGUAGES or not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def translate(message: str, language: str, **params: object) -> str:
    """Translate a message id and fill in its parameters."""
    text = catalogue(language).get(message, message)
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
