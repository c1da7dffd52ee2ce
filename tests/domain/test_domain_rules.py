"""Pure rules of the points store, tested without a database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain import errors, rules
from core.domain.rules import Batch, CartLine

# --- quantities ---------------------------------------------------------------------------


@pytest.mark.parametrize(("given_value", "expected"), [(0, 0), (1, 1), (99, 99), ("7", 7)])
def test_cart_quantity_accepts_whole_numbers_from_zero_to_99(given_value, expected):
    assert rules.cart_quantity(given_value) == expected


@pytest.mark.parametrize(
    "bad",
    [-1, 100, 10**30, -(10**30), 2.5, 0.5, 1.0, float("nan"), float("inf"), True, False, None],
)
def test_cart_quantity_refuses_negative_huge_fractional_and_boolean_values(bad):
    with pytest.raises(errors.BadQuantity) as caught:
        rules.cart_quantity(bad)
    assert caught.value.params == {"low": 0, "high": 99}
    assert caught.value.code == "bad_quantity"


@pytest.mark.parametrize(("text", "expected"), [("3", 3), (" 12 ", 12), ("0", 0), ("007", 7)])
def test_cart_quantity_reads_numeric_strings(text, expected):
    assert rules.cart_quantity(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", " ", "-", "-1", "1.5", "2.0", "1e2", "+3", "abc", "3 个", "1_0", "--5", "²", "9" * 40],
)
def test_cart_quantity_refuses_strings_that_are_not_whole_numbers_in_range(text):
    with pytest.raises(errors.BadQuantity):
        rules.cart_quantity(text)


def test_restock_quantity_requires_at_least_one():
    assert rules.restock_quantity(1) == 1
    assert rules.restock_quantity("100000") == rules.MAX_RESTOCK_QTY
    for bad in (0, -5, rules.MAX_RESTOCK_QTY + 1, 3.7, True, "0", "ten"):
        with pytest.raises(errors.BadQuantity):
            rules.restock_quantity(bad)


@given(st.integers())
def test_parse_int_returns_the_value_or_raises_the_given_error(value):
    try:
        got = rules.parse_int(value, -3, 50, errors.BadPoints)
    except errors.BadPoints as exc:
        assert not -3 <= value <= 50
        assert exc.params == {"low": -3, "high": 50}
    else:
        assert got == value


@given(st.text(max_size=20))
def test_parse_int_never_leaks_anything_but_the_domain_error_for_text(text):
    try:
        got = rules.parse_int(text, 0, 10**6, errors.BadQuantity)
    except errors.BadQuantity:
        return
    assert isinstance(got, int)
    assert 0 <= got <= 10**6


def test_points_value_uses_its_lower_bound():
    assert rules.points_value(0) == 0
    assert rules.points_value("25", low=1) == 25
    with pytest.raises(errors.BadPoints):
        rules.points_value(0, low=1)
    with pytest.raises(errors.BadPoints):
        rules.points_value(rules.MAX_POINTS + 1)


# --- text and sources ---------------------------------------------------------------------


@pytest.mark.parametrize("source", ["donation", " Purchase ", "TRANSFER"])
def test_source_value_accepts_the_three_sources_in_any_case(source):
    assert rules.source_value(source) == source.strip().lower()


@pytest.mark.parametrize("bad", ["gift", "", None, 1, "stocktake"])
def test_source_value_refuses_anything_else(bad):
    with pytest.raises(errors.BadSource):
        rules.source_value(bad)


def test_text_value_collapses_whitespace_and_enforces_limits():
    assert rules.text_value("  县  妇联\t", "donor", required=True) == "县 妇联"
    assert rules.text_value(None, "donor", required=False) == ""
    with pytest.raises(errors.BadValue):
        rules.text_value("   ", "donor", required=True)
    with pytest.raises(errors.BadValue):
        rules.text_value("x" * 81, "donor", required=False)
    with pytest.raises(errors.BadValue):
        rules.text_value(12, "donor", required=False)
    with pytest.raises(errors.BadValue):
        rules.text_value("a\x00b", "donor", required=False)


# --- spending -----------------------------------------------------------------------------


def test_check_spend_allows_exactly_the_balance():
    rules.check_spend(100, 0, 100)


def test_check_spend_refuses_more_points_than_balance():
    with pytest.raises(errors.InsufficientPoints) as caught:
        rules.check_spend(100, 0, 101)
    assert caught.value.params == {"needed": 101, "available": 100}


def test_check_spend_allows_the_offline_allowance_on_top_of_the_balance():
    rules.check_spend(50, 200, 250)
    with pytest.raises(errors.InsufficientPoints) as caught:
        rules.check_spend(50, 200, 251)
    assert caught.value.params["available"] == 250


def test_check_spend_counts_an_overdraft_against_the_allowance():
    # A household already 150 points below zero has only 50 of a 200 allowance left.
    rules.check_spend(-150, 200, 50)
    with pytest.raises(errors.InsufficientPoints):
        rules.check_spend(-150, 200, 51)


def test_check_spend_refuses_any_spend_once_the_allowance_is_used_up():
    with pytest.raises(errors.InsufficientPoints) as caught:
        rules.check_spend(-200, 200, 1)
    assert caught.value.params["available"] == 0


def test_check_spend_ignores_a_negative_allowance():
    rules.check_spend(10, -50, 10)
    with pytest.raises(errors.InsufficientPoints):
        rules.check_spend(10, -50, 11)


def test_cart_total_sums_line_totals():
    lines = [CartLine("OIL", "油", 2, 60), CartLine("SALT", "盐", 3, 5)]
    assert lines[0].points == 120
    assert rules.cart_total(lines) == 135
    assert rules.cart_total([]) == 0


# --- stock --------------------------------------------------------------------------------


def test_allocate_fifo_takes_from_the_oldest_batch_first():
    assert rules.allocate_fifo([Batch(1, 5), Batch(2, 5)], 3) == [(1, 3)]


def test_allocate_fifo_spans_batches_when_the_oldest_runs_out():
    assert rules.allocate_fifo([Batch(1, 2), Batch(2, 5), Batch(3, 5)], 6) == [(1, 2), (2, 4)]


def test_allocate_fifo_skips_empty_batches():
    assert rules.allocate_fifo([Batch(1, 0), Batch(2, 4)], 4) == [(2, 4)]


def test_allocate_fifo_refuses_more_than_the_stock_and_names_the_product():
    with pytest.raises(errors.OutOfStock) as caught:
        rules.allocate_fifo([Batch(1, 2), Batch(2, 1)], 4, name="食用油")
    assert caught.value.params == {"name": "食用油", "available": 3}


def test_allocate_fifo_does_not_count_negative_batches_as_stock():
    with pytest.raises(errors.OutOfStock):
        rules.allocate_fifo([Batch(1, -5), Batch(2, 3)], 4)
    assert rules.allocate_fifo([Batch(1, -5), Batch(2, 3)], 3) == [(2, 3)]


@given(
    st.lists(st.integers(min_value=0, max_value=20), max_size=6),
    st.integers(min_value=0, max_value=130),
)
def test_allocate_fifo_takes_exactly_qty_in_order_and_never_below_zero(sizes, qty):
    batches = [Batch(i, n) for i, n in enumerate(sizes)]
    if qty > sum(sizes):
        with pytest.raises(errors.OutOfStock):
            rules.allocate_fifo(batches, qty)
        return
    taken = rules.allocate_fifo(batches, qty)
    assert sum(n for _, n in taken) == qty
    assert all(0 < n <= sizes[i] for i, n in taken)
    ids = [i for i, _ in taken]
    assert ids == sorted(ids)
    # Every batch before the last one used is emptied: first in, first out.
    for i in ids[:-1]:
        assert dict(taken)[i] == sizes[i]
    for i in range(ids[-1] if ids else 0):
        assert sizes[i] == 0 or dict(taken).get(i) == sizes[i]


def test_check_stock_refuses_more_than_on_hand():
    rules.check_stock("盐", 3, 3)
    with pytest.raises(errors.OutOfStock) as caught:
        rules.check_stock("盐", 4, 3)
    assert caught.value.params == {"name": "盐", "available": 3}
    with pytest.raises(errors.OutOfStock) as caught:
        rules.check_stock("盐", 1, -2)
    assert caught.value.params["available"] == 0


# --- voids and activities -----------------------------------------------------------------


def test_check_voidable_allows_a_completed_exchange():
    rules.check_voidable("completed")


def test_check_voidable_refuses_a_second_void():
    with pytest.raises(errors.AlreadyVoided):
        rules.check_voidable("voided")


def test_check_activity_open_allows_an_active_activity_below_its_cap():
    rules.check_activity_open("垃圾分类", True, 29, 30)
    rules.check_activity_open("垃圾分类", True, 10_000, None)


def test_check_activity_open_refuses_a_full_activity():
    with pytest.raises(errors.ActivityFull) as caught:
        rules.check_activity_open("打扫", True, 30, 30)
    assert "打扫" in str(caught.value)


def test_check_activity_open_refuses_an_activity_with_a_cap_of_zero():
    with pytest.raises(errors.ActivityFull):
        rules.check_activity_open("打扫", True, 0, 0)


def test_check_activity_open_refuses_a_closed_activity():
    with pytest.raises(errors.InactiveActivity):
        rules.check_activity_open("打扫", False, 0, None)


# --- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("王秀英", "王*英"),
        ("李四", "李*"),
        ("张", "张"),
        ("", ""),
        ("欧阳娜娜", "欧**娜"),
        ("王建国家", "王**家"),
    ],
)
def test_mask_name_keeps_only_the_first_and_last_character(name, masked):
    assert rules.mask_name(name) == masked


@given(st.text(min_size=2, max_size=12))
def test_mask_name_keeps_the_length_and_hides_the_middle(name):
    masked = rules.mask_name(name)
    assert len(masked) == len(name)
    assert masked[0] == name[0]
    assert set(masked[1:-1]) <= {"*"}
