import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.linebreak import NO_END, NO_START
from printer.layout import display_width, wrap


def test_chinese_and_fullwidth_characters_take_two_columns() -> None:
    assert display_width("湘妹子") == 6
    assert display_width("：１２３") == 8
    assert display_width("abc 123") == 7


def test_combining_marks_take_no_columns() -> None:
    assert display_width("e\u0301") == 1
    assert display_width("a\u0308b") == 2


def test_wrap_keeps_latin_words_whole() -> None:
    assert wrap("hello world again", 11) == ["hello world", "again"]


def test_wrap_moves_a_trailing_latin_word_after_chinese_to_the_next_line() -> None:
    assert wrap("洗衣液3kg", 8) == ["洗衣液", "3kg"]


def test_wrap_breaks_a_long_chinese_name_by_characters() -> None:
    assert wrap("老年人防滑拖鞋加厚款", 8) == ["老年人防", "滑拖鞋加", "厚款"]


def test_wrap_never_starts_a_line_with_a_full_stop_nor_ends_one_with_an_opening_mark() -> None:
    # 32 columns: 16 characters a line on 58 mm paper
    assert wrap("如有疑问请向村委会或项目办反映。", 30) == ["如有疑问请向村委会或项目办反", "映。"]
    assert wrap("下次集中兑换日为周六（上午九点）", 20) == ["下次集中兑换日为周六", "（上午九点）"]
    assert wrap("下次集中兑换日周六（上午九点）", 20) == ["下次集中兑换日周六", "（上午九点）"]
    # A Latin word that goes down whole takes the mark that opens it along.
    assert wrap("商品规格（3kg）", 12) == ["商品规格", "（3kg）"]
    assert wrap("兑换说明见“EKC码”", 14) == ["兑换说明见", "“EKC码”"]


@given(
    st.lists(
        st.one_of(
            st.sampled_from(list("村委会积分兑换")),
            st.sampled_from(list("村委会")).map(lambda c: c + "。"),
            st.sampled_from(list("村委会")).map(lambda c: "（" + c),
            st.sampled_from(["（3kg）", "“EKC”", "（500g", "rice"]),
        ),
        max_size=60,
    ).map("".join),
    st.integers(min_value=6, max_value=48),
)
def test_wrap_keeps_chinese_marks_off_the_wrong_end_of_a_line(text: str, width: int) -> None:
    lines = wrap(text, width)
    assert "".join(lines) == text
    assert not any(line[:1] in NO_START for line in lines[1:]), lines
    assert not any(line[-1:] in NO_END for line in lines[:-1]), lines


def test_wrap_rejects_a_width_that_cannot_hold_a_chinese_character() -> None:
    with pytest.raises(ValueError):
        wrap("中", 1)


@given(st.text(max_size=200), st.integers(min_value=2, max_value=64))
def test_wrap_never_produces_a_line_wider_than_width(text: str, width: int) -> None:
    assert all(display_width(line) <= width for line in wrap(text, width))


@given(st.text(alphabet=st.characters(categories=["Lo", "Nd", "Lu", "Ll"]), max_size=120))
def test_wrap_loses_no_printable_characters(text: str) -> None:
    expected = unicodedata.normalize("NFC", text).replace(" ", "")
    assert "".join(wrap(text, 10)).replace(" ", "") == expected
