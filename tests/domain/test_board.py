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


def test_settings_keep_only_known_sections_in_order_and_a_ranking_of_1_to_20():
    from core.domain.board import BoardSettings, valid_settings

    assert valid_settings(["ranking", "awards"], 5) == BoardSettings(("awards", "ranking"), 5)
    assert valid_settings([], 1) == BoardSettings((), 1)
    for sections, size in ((["gossip"], 5), (["awards"], 0), (["awards"], 21), (["awards"], True)):
        assert valid_settings(sections, size) is None
    assert BoardSettings.from_json({"sections": ["x", "deductions"], "ranking_size": 99}) == (
        BoardSettings(("deductions",), 20)
    )
    assert BoardSettings.from_json("nonsense") == BoardSettings()


@pytest.mark.parametrize(
    ("month", "bounds"),
    [
        ("2026-12", ("2026-12-01", "2027-01-01")),
        ("2024-02", ("2024-02-01", "2024-03-01")),
        ("2026-13", None),
        ("2026-1", None),
        ("0000-01", None),
        ("9999-12", None),
        (" 2026-12", None),
        (None, None),
    ],
)
def test_a_month_is_written_yyyy_mm(month, bounds):
    from core.domain.board import month_bounds

    found = month_bounds(month)
    assert (found and tuple(d.isoformat() for d in found)) == bounds or found == bounds
