"""Message catalogues: every word the screens show has a Chinese translation, none is hard-coded."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import terminal_ui
from core.domain import errors
from kiosk.services.print_queue import HOLD_REASONS
from printer.ports import STATE_MESSAGES
from terminal_ui import admin
from terminal_ui.i18n import translate

UI = Path(terminal_ui.__file__).parent
PY_OR_TEMPLATE = re.compile(r"""\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
JS = re.compile(r"""\b[tf]\(\s*"((?:[^"\\]|\\.)*)\"""")
CJK = re.compile(r"[\u4e00-\u9fff]")


def message_ids() -> set[str]:
    found: set[str] = set()
    for path in [*UI.glob("templates/**/*.html"), *UI.glob("**/*.py")]:
        for pair in PY_OR_TEMPLATE.findall(path.read_text(encoding="utf-8")):
            found.add(pair[0] or pair[1])
    for path in UI.glob("static/*.js"):
        found |= set(JS.findall(path.read_text(encoding="utf-8")))
    found |= set(admin.ACTIONS.values()) | set(admin.ACTORS.values())
    found |= set(STATE_MESSAGES.values()) | set(HOLD_REASONS.values())
    for value in vars(errors).values():
        if isinstance(value, type) and issubclass(value, errors.DomainError):
            found.add(value.message)
    return found


def zh() -> dict[str, str]:
    return json.loads((UI / "translations" / "zh_CN.json").read_text(encoding="utf-8"))


def test_every_message_on_the_screens_has_a_chinese_translation():
    missing = sorted(m for m in message_ids() if m not in zh())
    assert missing == []


def test_every_translation_keeps_the_blanks_of_its_message():
    blanks = re.compile(r"\{(\w+)\}")
    wrong = [m for m, text in zh().items() if set(blanks.findall(m)) != set(blanks.findall(text))]
    assert wrong == []


@pytest.mark.parametrize("folder", ["templates/admin", "templates/terminal", "static"])
def test_no_chinese_is_hard_coded_in_templates_or_scripts(folder):
    # The language switch names each language in its own words; everything else is a message id.
    allowed = {"中文"}
    found = []
    for path in (UI / folder).glob("*.*"):
        if path.suffix not in (".html", ".js", ".css"):
            continue
        for word in re.findall(r"[\u4e00-\u9fff]+", path.read_text(encoding="utf-8")):
            if word not in allowed:
                found.append((path.name, word))
    assert found == []


def test_a_message_with_blanks_is_filled_in_chinese_and_in_english():
    message = "Wrong PIN. {tries} tries left."
    assert translate(message, "zh_CN", tries=3) == "密码不对，还可以试 3 次。"
    assert translate(message, "en", tries=3) == "Wrong PIN. 3 tries left."
