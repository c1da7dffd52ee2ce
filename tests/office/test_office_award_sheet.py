"""An award sheet as an office has one: card codes, resident ids, or household and name."""

from __future__ import annotations

from sync.central.imports import parse_award_sheet
from sync.central.services.activities import AwardRow, SkippedRow


def test_a_header_row_is_row_1_and_is_not_awarded():
    rows, skipped = parse_award_sheet("户名,姓名\n王建国家,王建国\n张伟家,张伟\n")
    assert rows == [
        AwardRow(2, household="王建国家", resident="王建国"),
        AwardRow(3, household="张伟家", resident="张伟"),
    ]
    assert skipped == []


def test_columns_are_found_by_name_in_any_order_and_a_card_wins():
    text = "resident,card,household\n王建国,EKC:AAAA,王建国家\n张伟,,张伟家\n,,\n李四,,\n"
    rows, skipped = parse_award_sheet(text)
    assert rows == [
        AwardRow(2, card="EKC:AAAA"),
        AwardRow(3, household="张伟家", resident="张伟"),
    ]
    assert skipped == [
        SkippedRow(5, "names no card, resident id, or household and resident"),
    ]


def test_without_a_header_one_value_is_a_card_or_an_id_and_two_are_household_and_name():
    token = "A" * 26
    rows, skipped = parse_award_sheet(f"H000001-1\nEKC:{token}\n{token.lower()}\n张伟家,张伟\n")
    assert rows == [
        AwardRow(1, resident_id="H000001-1"),
        AwardRow(2, card=f"EKC:{token}"),
        AwardRow(3, card=token.lower()),
        AwardRow(4, household="张伟家", resident="张伟"),
    ]
    assert skipped == []


def test_a_quoted_cell_over_two_lines_is_one_spreadsheet_row():
    rows, _ = parse_award_sheet('household,resident\n"王建国\n家",王建国\n张伟家,张伟\n')
    assert [r.row for r in rows] == [2, 3]
