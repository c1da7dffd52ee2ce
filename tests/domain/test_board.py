"""Masked names for posting and the month's digest."""

from __future__ import annotations

import pytest

from core.domain.board import digest, mask_household, mask_person


@pytest.mark.parametrize(
    ("name", "posted"),
    [
        ("王建国家", "王*国家"),
        ("张伟家", "张*家"),
        ("欧阳娜娜家", "欧**娜家"),
        ("李家", "李家"),
        ("家", "家"),
    ],
)
def test_households_are_posted_masked(name, posted):
    assert mask_household(name) == posted


def test_people_are_posted_masked():
    assert [mask_person(n) for n in ("王建国", "张伟", "王", " 陈思雨 ")] == [
        "王*国",
        "张*",
        "王",
        "陈*雨",
    ]


def test_the_digest_follows_every_entry_and_nothing_else():
    entries = [
        {"id": "e2", "household_id": "H1", "kind": "earn", "points": 10},
        {"id": "e1", "household_id": "H2", "kind": "spend", "points": -60},
    ]
    shown = digest("东村", "2026-12", entries)
    assert len(shown) == 19 and shown.count(" ") == 3
    assert digest("东村", "2026-12", list(reversed(entries))) == shown  # order does not matter
    changed = [dict(entries[0], points=11), entries[1]]
    assert digest("东村", "2026-12", changed) != shown
    assert digest("东村", "2026-11", entries) != shown
    assert digest("西村", "2026-12", entries) != shown
    assert digest("东村", "2026-12", entries[:1]) != shown
