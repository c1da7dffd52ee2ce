from dataclasses import replace
from pathlib import Path

import pytest
import receipt_samples as samples
from hypothesis import given, settings
from hypothesis import strategies as st

from printer.blocks import QR, Cut, Text
from printer.layout import columns_for_paper, display_width, layout, to_text
from printer.receipt import ExchangeReceipt, ReceiptItem, from_data, to_data

GOLDEN = Path(__file__).parent / "golden"

CASES = {
    "exchange_busy_58": (samples.BUSY_EXCHANGE, 32),
    "exchange_busy_80": (samples.BUSY_EXCHANGE, 48),
    "exchange_plain_58": (samples.PLAIN_EXCHANGE, 32),
    "void_58": (samples.VOID, 32),
    "checkin_58": (samples.CHECKIN, 32),
    "restock_58": (samples.RESTOCK, 32),
    "summary_80": (samples.SUMMARY, 48),
    "exchange_plain_80": (samples.PLAIN_EXCHANGE, 48),
    "void_80": (samples.VOID, 48),
    "checkin_reprint_58": (replace(samples.CHECKIN, reprint=True), 32),
    "restock_80": (samples.RESTOCK, 48),
    "summary_58": (samples.SUMMARY, 32),
}


def lines_of(receipt: object, width: int) -> list[str]:
    return to_text(layout(receipt, width), width).splitlines()


@pytest.mark.parametrize("name", CASES)
def test_receipt_text_matches_golden_file(name: str) -> None:
    receipt, width = CASES[name]
    assert to_text(layout(receipt, width), width) == (GOLDEN / f"{name}.txt").read_text("utf-8")


@pytest.mark.parametrize("name", CASES)
def test_no_line_is_wider_than_the_paper(name: str) -> None:
    receipt, width = CASES[name]
    assert all(display_width(line) <= width for line in lines_of(receipt, width))


@pytest.mark.parametrize("name", CASES)
def test_double_size_lines_fit_half_the_columns(name: str) -> None:
    receipt, width = CASES[name]
    doubles = [b for b in layout(receipt, width) if isinstance(b, Text) and b.double]
    assert doubles
    assert all(display_width(b.text) <= width // 2 for b in doubles)


def test_paper_sizes_map_to_columns() -> None:
    assert columns_for_paper(58) == 32
    assert columns_for_paper(80) == 48
    with pytest.raises(ValueError, match="58 or 80"):
        columns_for_paper(76)


def test_long_chinese_name_wraps_within_58mm_columns() -> None:
    lines = lines_of(samples.BUSY_EXCHANGE, 32)
    first = lines.index("蓝月亮深层洁净护理洗     2   240")
    assert lines[first + 1] == "衣液（薰衣草香）3kg"


def test_quantity_and_points_stay_in_fixed_right_columns() -> None:
    lines = lines_of(samples.BUSY_EXCHANGE, 32)
    header = lines.index("商品                  数量  积分")
    rows = [line for line in lines[header + 1 : header + 11] if line[-1].isdigit()]
    assert len(rows) == len(samples.BUSY_EXCHANGE.items)
    assert all(display_width(row) == 32 for row in rows)
    assert {row[-4] for row in rows} == {" "}


def test_reprint_mark_comes_first() -> None:
    first = layout(samples.BUSY_EXCHANGE, 32)[0]
    assert isinstance(first, Text)
    assert "重打" in first.text
    assert "重打" not in to_text(layout(samples.PLAIN_EXCHANGE, 32), 32)


@pytest.mark.parametrize(
    "receipt", [samples.VOID, samples.CHECKIN, samples.RESTOCK, samples.SUMMARY]
)
def test_every_slip_can_be_marked_as_a_reprint(receipt) -> None:
    assert "重打" not in to_text(layout(receipt, 32), 32)
    first = layout(replace(receipt, reprint=True), 32)[0]
    assert isinstance(first, Text) and first.text == "【重打】"


@pytest.mark.parametrize(
    "receipt",
    [samples.BUSY_EXCHANGE, samples.VOID, samples.CHECKIN, samples.RESTOCK, samples.SUMMARY],
)
def test_receipt_data_survives_a_round_trip_through_json(receipt) -> None:
    import json

    assert from_data(json.loads(json.dumps(to_data(receipt)))) == receipt


def test_pending_sync_is_marked_only_when_pending() -> None:
    assert "待同步" in to_text(layout(samples.BUSY_EXCHANGE, 32), 32)
    assert "待同步" not in to_text(layout(samples.PLAIN_EXCHANGE, 32), 32)


def test_beneficiary_is_named_as_redeemed_on_behalf() -> None:
    assert "代领对象：王*奶" in lines_of(samples.BUSY_EXCHANGE, 32)
    assert "代领" not in to_text(layout(samples.PLAIN_EXCHANGE, 32), 32)


def test_qr_carries_the_transaction_number_and_slip_ends_with_a_cut() -> None:
    doc = layout(samples.PLAIN_EXCHANGE, 32)
    assert [b.data for b in doc if isinstance(b, QR)] == ["X20240501-0008"]
    assert isinstance(doc[-1], Cut)


def test_huge_numbers_fall_back_to_stacked_lines_without_overflow() -> None:
    receipt = replace(
        samples.PLAIN_EXCHANGE, items=(ReceiptItem("油", 10**12, 10**15),), total=10**15
    )
    assert all(display_width(line) <= 32 for line in lines_of(receipt, 32))
    assert any(str(10**15) in line for line in lines_of(receipt, 32))


def test_control_characters_in_names_are_neutralised() -> None:
    receipt = replace(samples.PLAIN_EXCHANGE, resident="王\x1b@\x1dV\x00英")
    text = to_text(layout(receipt, 32), 32)
    assert "\x1b" not in text
    assert "\x1d" not in text
    assert "\x00" not in text


names = st.text(min_size=0, max_size=60)


@settings(max_examples=150, deadline=None)
@given(
    store=names,
    resident=names,
    items=st.lists(
        st.tuples(names, st.integers(-(10**6), 10**9), st.integers(-(10**9), 10**12)),
        min_size=1,
        max_size=5,
    ),
    width=st.sampled_from([32, 48]),
    reprint=st.booleans(),
    beneficiary=st.none() | names,
)
def test_arbitrary_unicode_never_overflows_or_raises(
    store: str,
    resident: str,
    items: list[tuple[str, int, int]],
    width: int,
    reprint: bool,
    beneficiary: str | None,
) -> None:
    receipt = ExchangeReceipt(
        store=store,
        kiosk_id="K01",
        number="X1",
        created_at=samples.AT,
        resident=resident,
        household=resident,
        items=tuple(ReceiptItem(*item) for item in items),
        total=sum(points for _, _, points in items),
        balance_before=0,
        balance_after=0,
        reprint=reprint,
        beneficiary=beneficiary,
    )
    doc = layout(receipt, width)
    for block in doc:
        if isinstance(block, Text):
            assert display_width(block.text) <= (width // 2 if block.double else width)
    assert all(display_width(line) <= width for line in to_text(doc, width).splitlines())


@pytest.mark.parametrize("name", CASES)
def test_what_we_add_to_a_receipt_prints_on_a_gbk_only_printer(name: str) -> None:
    # Names come from people; the receipt's own words, signs and figures must all be in GBK.
    receipt, width = CASES[name]
    for line in lines_of(receipt, width):
        line.encode("gbk")
