"""Every refusal and alert text that ingest writes reads in Chinese on the office's pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sync.central.i18n import translate
from sync.central.web.office.refusals import in_words

INGEST = Path(__file__).parents[2] / "sync" / "central" / "services" / "ingest.py"


def zh(message: str, **params) -> str:
    return translate(message, "zh_CN", **params)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("unknown household H000009", "未知的户 H000009"),
        ("activity A1 is full (30)", "活动 A1 名额已满（30 人）"),
        (
            "checkin #12: R000003 is already credited for A1",
            "签到（第 12 条）：R000003 已经因活动 A1 得过积分",
        ),
        (
            "adjust #4: points are adjusted only by the office, not by a kiosk",
            "调整（第 4 条）：积分只能由办公室调整，终端不能调整",
        ),
        (
            "household H000002 is 40 points short",
            "户 H000002 积分透支 40 分（在两台离线终端上都有消费）",
        ),
        ("ledger seq 7 missing before 9", "该终端缺少第 7 条记录（第 9 条之前）"),
        ("something new", "something new"),  # unknown: shown as it is
    ],
)
def test_refusals_read_in_chinese(text, words):
    assert in_words(text, zh) == words


def test_every_refusal_ingest_can_write_has_words():
    """Each refusal in ingest.py, its blanks filled, reads in Chinese (no English word left)."""
    source = INGEST.read_text(encoding="utf-8")
    said = re.findall(r'_Refused\(\s*f?"([^"]+)"', source)
    assert len(said) > 30
    english = []
    for text in said:
        sample = re.sub(r"\{role\}", "resident", text)
        sample = re.sub(r"\{[^}]+\}", "7", sample)
        words = in_words(sample, zh)
        if re.search(r"[a-z]{3,}", words):
            english.append((sample, words))
    assert english == []
