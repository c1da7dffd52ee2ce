"""`kiosk central issue-cards --codes` writes names that look like formulas as text."""

from __future__ import annotations

from kiosk.cli import main
from sync.central.server import open_central
from sync.central.services import roster
from tests.spreadsheet_checks import ATTACKS, assert_csv_cannot_run, csv_rows


def test_issue_cards_writes_names_that_start_like_formulas_behind_a_quote(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'central.db'}"
    central = open_central(url)
    try:
        roster.add_roster(
            central,
            [
                roster.RosterRow(i, f"{text}家", text, "", 0)
                for i, text in enumerate(ATTACKS, start=2)
            ],
        )
    finally:
        central.engine.dispose()
    codes = tmp_path / "codes.csv"

    pdf = tmp_path / "cards.pdf"
    argv = ["central", "issue-cards", "--database-url", url, "--out", str(pdf), "--codes"]
    assert main([*argv, str(codes)]) == 0
    assert f"{len(ATTACKS)} cards issued" in capsys.readouterr().out

    rows = csv_rows(codes.read_bytes())
    assert rows[0] == ["resident", "household", "code"]
    assert_csv_cannot_run(rows)
    assert sorted(row[:2] for row in rows[1:]) == sorted(
        ["'" + text, f"'{text}家"] for text in ATTACKS
    )
