"""`kiosk central board`: the monthly 公示 sheet as PDF, and what the kiosks' board shows."""

from __future__ import annotations

import subprocess

from cli_helpers import run_kiosk

from sync.central.server import open_central
from sync.central.services import areas, board, claims, kiosks, roster, rules

VILLAGE = "青山县/石桥镇/东村"


def seeded(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    c = open_central(url)
    try:
        areas.save_areas(c, [areas.AreaRow(2, ("青山县", "石桥镇", "东村", "一组"))])
        kiosks.enroll(c, "东村爱心超市", "K1", actor="test")
        areas.set_store_area(c, "东村爱心超市", VILLAGE)
        roster.add_roster(
            c, [roster.RosterRow(2, "王建国家", "王建国", "", 0, f"{VILLAGE}/一组")], "test"
        )
        rules.save_rule(
            c, {"code": "CLEAN", "name": "庭院整洁", "category": "环境", "points": 20}, "t"
        )
        claims.approve_claim(c, claims.record_claim(c, "CLEAN", "H000001", actor="t"), "approver")
    finally:
        c.close()
    return url


def test_the_sheet_is_a_pdf_whose_text_names_the_village_the_month_and_the_digest(tmp_path):
    url = seeded(tmp_path)
    c = open_central(url)
    try:
        from sync.central import localtime
        from sync.central.queries.settings import programme_zone

        month = localtime.today(programme_zone(c)).strftime("%Y-%m")
        expected = board.sheet(c, "东村", month)["digest"]
    finally:
        c.close()
    out = tmp_path / "公示.pdf"
    done = run_kiosk(
        "central",
        "board",
        "--village",
        "东村",
        "--month",
        month,
        "--out",
        str(out),
        "--database-url",
        url,
    )
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout
    assert out.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert expected in text and month in text and "东村" in text
    assert "庭院整洁" in text and "王*国家" in text and "王建国" not in text
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    assert "KioskSans" in fonts and " yes " in fonts  # the shipped font, embedded


def test_an_unknown_village_or_a_bad_month_exits_2_in_words_and_writes_nothing(tmp_path):
    url = seeded(tmp_path)
    out = tmp_path / "x.pdf"
    for village, month, words in (
        ("南村", "2026-12", "no area 南村"),
        ("东村", "2026-13", "YYYY-MM"),
        ("青山县/石桥镇", "2026-12", "is not a village"),
    ):
        done = run_kiosk(
            "central",
            "board",
            "--village",
            village,
            "--month",
            month,
            "--out",
            str(out),
            "--database-url",
            url,
        )
        assert done.returncode == 2 and words in done.stderr
        assert not out.exists()


def test_the_office_chooses_the_sections_from_the_command_line(tmp_path):
    url = seeded(tmp_path)
    done = run_kiosk(
        "central", "board", "--show", "awards,ranking", "--ranking", "5", "--database-url", url
    )
    assert done.returncode == 0, done.stderr
    assert "awards,ranking" in done.stdout and "5" in done.stdout
    wrong = run_kiosk("central", "board", "--show", "gossip", "--database-url", url)
    assert wrong.returncode == 2 and "awards, deductions, ranking or exchange_day" in wrong.stderr
    c = open_central(url)
    try:
        assert board.settings(c).to_json() == {"sections": ["awards", "ranking"], "ranking_size": 5}
    finally:
        c.close()
