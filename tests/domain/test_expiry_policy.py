"""The expiry policy's arithmetic: boundaries, oldest-first spending, notices ahead."""

from __future__ import annotations

from datetime import date

import pytest

from core.domain.expiry import Policy, PolicyError, add_months, to_expire, upcoming


def test_policies_parse_and_round_trip():
    for policy in (Policy.never(), Policy.clear_on("01-10"), Policy.after_months(12)):
        assert Policy.from_json(policy.to_json()) == policy
    assert Policy.clear_on("1-10") == Policy.clear_on("01-10")
    for bad in ("02-29", "13-01", "00-10", "04-31", "0110", "01/10", ""):
        with pytest.raises(PolicyError):
            Policy.clear_on(bad)
    for bad in (0, -1, 121, True, 1.5):
        with pytest.raises(PolicyError):
            Policy.after_months(bad)


def test_boundaries_of_a_yearly_clearing():
    p = Policy.clear_on("01-10")
    assert p.last_boundary(date(2026, 12, 4)) == date(2026, 1, 10)
    assert p.last_boundary(date(2027, 1, 10)) == date(2027, 1, 10)  # its start has passed
    assert p.last_boundary(date(2027, 1, 9)) == date(2026, 1, 10)
    assert p.next_boundary(date(2026, 12, 4)) == date(2027, 1, 10)
    assert p.next_boundary(date(2027, 1, 10)) == date(2028, 1, 10)
    assert p.cutoff(date(2027, 1, 10)) == date(2027, 1, 10)
    assert Policy.never().last_boundary(date(2026, 1, 1)) is None


def test_a_credit_lasts_its_months_and_month_ends_clamp():
    p = Policy.after_months(3)
    assert p.expires_on(date(2026, 1, 10)) == date(2026, 4, 11)
    assert p.expires_on(date(2026, 11, 30)) == date(2027, 3, 1)  # Dec 1 + 3 months
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 3, 31), -1) == date(2028, 2, 29)
    assert p.cutoff(date(2026, 4, 11)) == date(2026, 1, 11)  # credits before Jan 11 expire


@pytest.mark.parametrize(
    ("before", "credits", "balance", "expected"),
    [
        (100, 100, 100, 100),  # nothing spent: all the old points go
        (100, 150, 120, 70),  # 30 spent, taken from the old points first
        (100, 150, 40, 0),  # more than the old points spent: nothing old is left
        (100, 150, 0, 0),
        (0, 50, 50, 0),  # nothing old
        (100, 100, 130, 100),  # voids gave points back: never more than the old credits
    ],
)
def test_oldest_points_are_spent_first(before, credits, balance, expected):
    assert to_expire(before, credits, balance) == expected


def test_running_again_takes_nothing_more():
    before, credits, balance = 100, 150, 120
    gone = to_expire(before, credits, balance)
    assert to_expire(before, credits, balance - gone) == 0


def test_the_notice_says_what_goes_and_when():
    p = Policy.after_months(1)
    lots = [(date(2026, 11, 10), 50), (date(2026, 11, 20), 30), (date(2026, 12, 5), 20)]
    today = date(2026, 12, 4)
    # 60 spent: the 50 of Nov 10 and 10 of Nov 20 are gone; 20 of Nov 20 expire on Dec 21,
    # and the 20 of Dec 1 on Jan 2, after the 31 days ahead that are announced.
    assert upcoming(p, lots, spent=60, balance=40, today=today) == (20, date(2026, 12, 21))
    assert upcoming(p, lots, spent=100, balance=0, today=today) is None
    yearly = Policy.clear_on("01-10")
    assert upcoming(yearly, lots, 0, 100, date(2026, 12, 15)) == (100, date(2027, 1, 10))
    assert upcoming(yearly, lots, 0, 100, today) is None  # 37 days ahead: not yet announced
    assert upcoming(Policy.never(), lots, 0, 100, today) is None
