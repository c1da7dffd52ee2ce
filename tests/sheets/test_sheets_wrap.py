"""Lines of the printed sheets (公示 sheet, certificates, labels) break as Chinese type does:
no line starts with a closing mark such as 。，、 and none ends with an opening one such as （."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain.linebreak import NO_END, NO_START
from core.sheets import _register_font, _width, _wrap

ROOM = 120.0


@pytest.fixture(autouse=True, scope="module")
def _font():
    _register_font()  # widths are the shipped font's


def test_a_full_stop_that_would_start_a_line_takes_the_character_before_it_along():
    words = "如有疑问请向村委会反映"
    room = _width(words, 10)  # the words fit; the full stop after them does not
    assert _wrap(words + "。", 10, room, 9) == ["如有疑问请向村委会反", "映。"]
    assert _wrap(words + "。”", 10, room, 9) == ["如有疑问请向村委会反", "映。”"]
    # nor does a line end with an opening mark: it goes down with what it opens
    assert _wrap(words[:10] + "（映字", 10, room, 9) == ["如有疑问请向村委会反", "（映字"]


def test_a_code_stays_whole_and_its_line_is_not_left_half_empty():
    code = "636e\u00a0c6d6\u00a0f1b4\u00a007b7"
    text = f"账目校验码 {code} 由本村本月全部积分记账算出，兑换点屏幕上显示的校验码应与此相同。"
    for room in range(110, 400, 7):
        lines = _wrap(text, 10, room, 20)
        held = [line for line in lines if code in line]
        assert len(held) == 1, (room, lines)  # whole, on one line
        if held[0] != lines[-1]:  # a space after the code breaks there only on a full line
            assert _width(held[0], 10) > room / 2, (room, lines)


def test_a_name_breaks_at_its_space_when_the_line_stays_half_full():
    name = "金龙鱼食用油 5升"
    room = _width("金龙鱼食用油 5", 10)
    assert _wrap(name, 10, room, 2) == ["金龙鱼食用油", "5升"]


HAN = st.sampled_from(list("村委会积分兑换公示农户名字"))
UNIT = st.one_of(
    HAN,
    st.tuples(HAN, st.sampled_from(sorted(NO_START))).map("".join),  # 字。
    st.tuples(st.sampled_from(sorted(NO_END)), HAN).map("".join),  # （字
)


@settings(max_examples=300, deadline=None)
@given(st.lists(UNIT, min_size=1, max_size=60).map("".join))
def test_no_line_starts_with_a_closing_mark_or_ends_with_an_opening_one(text):
    lines = _wrap(text, 10, ROOM, 99)
    assert "".join(lines) == text  # nothing lost or added
    assert all(_width(line, 10) <= ROOM for line in lines)
    assert not any(line[0] in NO_START for line in lines[1:]), lines
    assert not any(line[-1] in NO_END for line in lines[:-1]), lines
