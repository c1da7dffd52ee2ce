"""The one rule for spreadsheet cells: text that could run as a formula is marked as text."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.domain.cells import csv_field, csv_row, looks_like_formula
from tests.spreadsheet_checks import ATTACKS, FORMULA_STARTS


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_text_starting_with_a_formula_sign_gets_a_leading_quote(start):
    assert looks_like_formula(f"{start}1+1")
    assert csv_field(f"{start}1+1") == f"'{start}1+1"


@pytest.mark.parametrize("text", ATTACKS)
def test_each_attack_is_kept_whole_behind_the_quote(text):
    assert csv_field(text) == "'" + text


@pytest.mark.parametrize("text", ["县妇联", "OIL", "2025-03", "", " =1+1", "'=1+1", "a=1+1", "—"])
def test_text_that_cannot_start_a_formula_is_left_as_it_is(text):
    assert not looks_like_formula(text)
    assert csv_field(text) == text


@pytest.mark.parametrize("number", [-5, 0, 7, -0.5, 69.9, Decimal("-1.50"), True])
def test_numbers_negative_ones_included_stay_numbers(number):
    assert not looks_like_formula(number)
    assert csv_field(number) is number


def test_text_that_looks_like_a_negative_number_is_text_and_is_quoted():
    assert csv_field("-5") == "'-5"


def test_other_values_become_text_under_the_same_rule():
    assert csv_row([None, date(2025, 3, 1), -5, "=1"]) == [None, "2025-03-01", -5, "'=1"]
