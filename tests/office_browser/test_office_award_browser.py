"""Awarding an activity's points through the page: picked residents, and a sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sync.central.context import Central
from sync.central.queries.stats import household
from sync.central.services.activities import award
from sync.central.services.cards import issue_cards, revoke_card
from sync.central.services.records import add_resident

pytestmark = pytest.mark.browser


def test_picked_residents_are_credited_once(admin: Any, central: Central):
    admin.goto("/activities/ACT-SORT")
    admin.get_by_placeholder("按姓名或户名查找居民").fill("家")
    admin.get_by_role("button", name="搜索").click()
    admin.get_by_label("王建国 · 王建国家").check()
    admin.get_by_label("张伟 · 张伟家").check()
    admin.get_by_role("button", name="发放积分").click()
    admin.wait_for_load_state()
    assert "2 人已发放，0 行跳过" in admin.locator("#award-report").inner_text()
    assert (household(central, "H000001")["balance"], household(central, "H000002")["balance"]) == (
        110,
        40,
    )


def test_a_sheet_credits_by_card_or_name_and_reports_each_skipped_row(
    admin: Any, central: Central, tmp_path: Path
):
    add_resident(central, "H000001", "李秀英")
    cards = {c.resident: c.code for c in issue_cards(central)}
    revoke_card(central, "H000002-1", "test")
    award(central, "ACT-SORT", ["H000001-2"], "test")  # 李秀英 already took part
    sheet = tmp_path / "sort.csv"
    sheet.write_text(
        "\n".join(
            [
                "卡号,户名,姓名",  # row 1: the header
                f"{cards['王建国']},,",  # 2: credited by card
                ",王建国家,李秀英",  # 3: already credited
                f"{cards['张伟']},,",  # 4: revoked card
                "EKC:" + "B" * 26 + ",,",  # 5: no such card
                ",赵家,赵一",  # 6: no such household
                ",张伟家,张三",  # 7: no such resident in the household
                ",王建国家,王建国",  # 8: the same resident as row 2
                ",,",  # blank rows are passed over
                ",张伟家,",  # 10: names nobody
            ]
        )
        + "\n",
        encoding="utf-8-sig",
    )
    admin.goto("/activities/ACT-SORT")
    admin.set_input_files("input[name=file]", str(sheet))
    admin.get_by_role("button", name="发放积分").click()
    admin.wait_for_load_state()
    report = admin.locator("#award-report")
    assert "1 人已发放，7 行跳过" in report.inner_text()
    rows = report.locator("table.skipped tr").all_inner_texts()[1:]
    reasons = {int(r.split("\t")[0]): r.split("\t")[-1] for r in rows}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 10]
    assert "已为此活动发放过积分" in reasons[3]
    assert "积分卡已作废" in reasons[4]
    assert "没有此积分卡" in reasons[5]
    assert "赵家" in reasons[6]
    assert "张三" in reasons[7]
    assert "第 2 行" in reasons[8]
    assert household(central, "H000001")["balance"] == 120
    assert household(central, "H000002")["balance"] == 30
