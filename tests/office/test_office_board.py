"""The office chooses what the kiosks' 公示 board shows and downloads a village's monthly sheet;
a town's user gets only its own villages' sheets, and a bad form changes nothing."""

from __future__ import annotations

import subprocess

from sync.central.app import create_central_app
from sync.central.services import board
from tests.office.area_helpers import PASSWORD, VILLAGE_A, VILLAGE_B, seed_towns
from tests.office.office_helpers import ADMIN_PASSWORD, VIEWER_PASSWORD, csrf, sign_in


def test_an_admin_chooses_the_sections_and_the_ranking_size(sqlite_central):
    client = create_central_app(sqlite_central).test_client()
    sign_in(client, "admin", ADMIN_PASSWORD)
    page = client.get("/notices").text
    assert "积分公示栏" in page and "公示栏显示内容" in page and "排行前 10 户" in page
    answer = client.post(
        "/notices/board",
        data={
            "csrf_token": csrf(client, "/notices"),
            "section": ["awards", "ranking"],
            "ranking_size": "3",
        },
        follow_redirects=True,
    )
    assert "已保存" in answer.text and "排行前 3 户" in answer.text
    assert board.settings(sqlite_central).to_json() == {
        "sections": ["awards", "ranking"],
        "ranking_size": 3,
    }
    english = client.get("/notices?lang=en").text
    assert "What the board shows" in english and "ranking of 3 households" in english


def test_a_bad_settings_form_is_refused_in_words_and_changes_nothing(sqlite_central):
    client = create_central_app(sqlite_central).test_client()
    sign_in(client, "admin", ADMIN_PASSWORD)
    token = csrf(client, "/notices")
    before = board.settings(sqlite_central)
    for form in (
        {"section": ["awards", "<script>"], "ranking_size": "5"},
        {"section": ["awards"], "ranking_size": "0"},
        {"section": ["awards"], "ranking_size": "21"},
        {"section": ["awards"], "ranking_size": "五"},
        {"section": ["awards"], "ranking_size": "9" * 400},
    ):
        answer = client.post(
            "/notices/board", data={"csrf_token": token, **form}, follow_redirects=True
        )
        assert answer.status_code == 200 and "未保存" in answer.text
    assert board.settings(sqlite_central) == before


def test_a_viewer_reads_the_board_settings_but_may_not_change_them(sqlite_central):
    client = create_central_app(sqlite_central).test_client()
    sign_in(client, "viewer", VIEWER_PASSWORD)
    page = client.get("/notices").text
    assert "公示栏显示：" in page and 'id="board-settings"' not in page
    answer = client.post(
        "/notices/board",
        data={"csrf_token": csrf(client, "/notices"), "section": [], "ranking_size": "1"},
    )
    assert answer.status_code == 403
    assert board.settings(sqlite_central).ranking_size == 10


def test_a_town_user_downloads_its_own_villages_sheet_and_no_other(sqlite_central):
    seed_towns(sqlite_central)
    client = create_central_app(sqlite_central).test_client()
    assert sign_in(client, "town_a", PASSWORD).status_code == 302
    page = client.get("/notices").text
    assert VILLAGE_A in page and VILLAGE_B not in page
    sheet = client.get(
        "/notices/board.pdf", query_string={"village": VILLAGE_A, "month": "2026-12"}
    )
    assert sheet.status_code == 200 and sheet.mimetype == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=sheet.data, capture_output=True, check=True
    ).stdout.decode()
    expected = board.sheet(sqlite_central, VILLAGE_A, "2026-12")["digest"]
    assert expected in text and "东村" in text and "2026-12" in text
    other = client.get(
        "/notices/board.pdf",
        query_string={"village": VILLAGE_B, "month": "2026-12"},
        follow_redirects=True,
    )
    assert other.mimetype == "text/html" and "无法生成公示表" in other.text
    unknown = client.get(
        "/notices/board.pdf",
        query_string={"village": VILLAGE_B.replace("南村", "北村"), "month": "2026-12"},
        follow_redirects=True,
    )

    # Outside the area reads exactly like a village that does not exist.
    def said(page) -> str:
        return next(line for line in page.text.splitlines() if "无法生成公示表" in line)

    assert said(other).replace("南村", "北村") == said(unknown)
    bad = client.get(
        "/notices/board.pdf",
        query_string={"village": VILLAGE_A, "month": "2026-13"},
        follow_redirects=True,
    )
    assert bad.status_code == 200 and "月份须写作 YYYY-MM" in bad.text
