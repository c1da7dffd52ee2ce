"""The shared limits: bounds that refuse bools and strays, and codes in their one form."""

from __future__ import annotations

import pytest

from core.domain import errors, limits, rules


def test_bounds_hold_whole_numbers_within_them_only():
    assert 1 in limits.ACTIVITY_POINTS and 100_000 in limits.ACTIVITY_POINTS
    assert 0 not in limits.ACTIVITY_POINTS and 100_001 not in limits.ACTIVITY_POINTS
    assert True not in limits.ACTIVITY_POINTS and 5.0 not in limits.ACTIVITY_POINTS
    assert "5" not in limits.ACTIVITY_POINTS
    assert tuple(limits.CART_QTY) == (1, 99)


def test_an_activity_is_worth_at_most_100000_points_on_both_sides():
    assert rules.activity_points("100000") == 100_000
    with pytest.raises(errors.BadPoints):
        rules.activity_points(1_000_000)


@pytest.mark.parametrize("code", ["sort", " SORT ", "A.B_C-1", "Z" * 32])
def test_a_code_is_read_in_upper_case_and_trimmed(code):
    assert rules.code_value(code) == code.strip().upper()
    assert limits.is_code(rules.code_value(code))


@pytest.mark.parametrize("code", ["", " ", "Z" * 33, "植树", "A B", "EKA:SORT", None, 5])
def test_a_code_outside_the_one_form_is_refused(code):
    with pytest.raises(errors.BadValue):
        rules.code_value(code)


@pytest.mark.parametrize("text", ["H000001", "H1-2", "K.1_a", "A" * 40])
def test_record_ids_are_plain_ascii_of_at_most_40(text):
    assert limits.is_record_id(text)


@pytest.mark.parametrize("text", ["", "A" * 41, "H 1", "户1", "H1\n", None])
def test_anything_else_is_no_record_id(text):
    assert not limits.is_record_id(text)


def test_a_cap_is_optional_but_within_bounds_when_given():
    assert rules.activity_cap(None) is None
    assert rules.activity_cap(1) == 1
    with pytest.raises(errors.BadQuantity):
        rules.activity_cap(0)
