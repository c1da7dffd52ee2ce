"""Every reason an office request is refused has a stable code and a Chinese translation."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest

from sync.central.services.errors import MESSAGES, Refusal, RegistryError

CATALOGUE = Path(__file__).resolve().parents[2] / "sync/central/translations/zh_CN.json"


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("code", list(Refusal))
def test_every_refusal_has_a_message_translated_with_the_same_placeholders(code: Refusal):
    chinese = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    message = MESSAGES[code]
    assert message in chinese
    assert _placeholders(chinese[message]) == _placeholders(message)


def test_a_refusal_reads_as_its_english_sentence_and_keeps_its_code():
    exc = RegistryError(Refusal.NO_HOUSEHOLD, household_id="H000009")
    assert str(exc) == "no household H000009"
    assert (exc.code, exc.params, exc.not_found) == (
        "no_household",
        {"household_id": "H000009"},
        True,
    )
    assert not RegistryError(Refusal.REASON).not_found
