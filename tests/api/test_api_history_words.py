"""查积分 in words: each entry says its rule and, when it adds something, the office's note."""

from __future__ import annotations

from datetime import datetime

import pytest

from kiosk.services.points_history import History, HistoryEntry
from terminal_ui.history import history_view


def words(entry: HistoryEntry, lang: str = "zh_CN") -> str:
    found = History("H000001", "王建国家", 100, (entry,), more=False)
    return history_view(found, lang)["entries"][0]["text"]


AT = datetime(2026, 12, 5, 10, 0)


@pytest.mark.parametrize(
    "lang,said", [("zh_CN", "12-05：垃圾分类做得好，中心审核加分 5 分。"), ("en", None)]
)
def test_a_note_that_only_repeats_the_rule_is_not_said_twice(lang, said):
    entry = HistoryEntry(
        AT, "award", 5, "award", activity="垃圾分类做得好", reason="垃圾分类做得好"
    )
    text = words(entry, lang)
    assert text.count("垃圾分类做得好") == 1, text
    if said is not None:
        assert text == said


def test_a_note_that_adds_something_is_said_after_the_rule():
    entry = HistoryEntry(AT, "award", 20, "award", activity="打扫公共区域", reason="打扫村口")
    assert words(entry) == "12-05：打扫公共区域（打扫村口），中心审核加分 20 分。"
    assert words(entry, "en") == "12-05: 打扫公共区域 (打扫村口), added by the office, 20 points."
