"""`kiosk central import-rules FILE.csv`: the rule book from a spreadsheet, every row checked
first, each bad row named with its reason, nothing half-written."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import run_kiosk

from sync.central.queries import rules
from sync.central.server import open_central
from tests.pg import PG_URL, new_database

HEADER = "code,name,category,points,evidence,approver,cap_scope,cap_period,cap_count,active\n"
GOOD = (
    "SORT,垃圾分类,环境卫生,5,none,village,household,day,1,true\n"
    "HELP,帮扶五保户,邻里互助,15,photo,town,resident,month,2,\n"
    "LITTER,乱扔垃圾,环境卫生,-20,,,,,,\n"
)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path):
    """Return a fresh central database URL on SQLite or PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.db'}"
        return
    with new_database("kt_rules_cli") as name:
        yield PG_URL.format(name=name)


def book(url: str) -> dict[str, dict]:
    c = open_central(url)
    try:
        return {r["code"]: r for r in rules.rules(c)}
    finally:
        c.close()


@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_a_rule_book_is_imported_with_or_without_a_bom(url, tmp_path, bom):
    path = tmp_path / "rules.csv"
    path.write_text(bom + HEADER + GOOD, encoding="utf-8")
    done = run_kiosk("central", "import-rules", "--database-url", url, str(path))
    assert done.returncode == 0, done.stderr
    assert "3 rules added" in done.stdout
    found = book(url)
    assert {code: r["points"] for code, r in found.items()} == {
        "SORT": 5,
        "HELP": 15,
        "LITTER": -20,
    }
    assert (found["HELP"]["evidence"], found["HELP"]["approver"]) == ("photo", "town")
    assert (found["HELP"]["cap_scope"], found["HELP"]["cap_count"]) == ("resident", 2)
    assert (found["LITTER"]["cap_period"], found["LITTER"]["active"]) == ("none", True)
    again = run_kiosk("central", "import-rules", "--database-url", url, str(path))
    assert "0 rules added, 0 changed" in again.stdout


def test_each_bad_row_is_named_with_its_reason_and_nothing_is_imported(url, tmp_path):
    path = tmp_path / "rules.csv"
    path.write_text(
        HEADER
        + GOOD
        + "ZERO,不加不减,其他,0,,,,,,\n"  # line 5
        + "BAD CODE,名字,其他,5,,,,,,\n"  # line 6
        + "EV,名字,其他,5,video,,,,,\n"  # line 7
        + "CAP,名字,其他,5,,,,week,,\n"  # line 8
        + "SORT,重复,环境卫生,5,,,,,,\n"  # line 9
        + "TEXT,名字,其他,five,,,,,,\n"  # line 10
        + "ACT,名字,其他,5,,,,,,maybe\n",  # line 11
        encoding="utf-8",
    )
    done = run_kiosk("central", "import-rules", "--database-url", url, str(path))
    assert done.returncode == 1
    problems = [line for line in done.stderr.splitlines() if line.startswith("line ")]
    assert [p.split(":")[0] for p in problems] == [f"line {n}" for n in range(5, 12)]
    assert "not 0" in problems[0] and "rule code" in problems[1]
    assert "none or photo" in problems[2] and "cap" in problems[3]
    assert "already given on line 2" in problems[4] and "whole number" in problems[5]
    assert "true or false" in problems[6]
    assert "nothing was imported" in done.stderr
    assert book(url) == {}  # the database was not even opened for writing
    skipped = run_kiosk("central", "import-rules", "--database-url", url, "--skip-bad", str(path))
    assert skipped.returncode == 0 and set(book(url)) == {"SORT", "HELP", "LITTER"}


def test_a_file_without_the_columns_or_not_utf8_is_refused(url, tmp_path):
    path = tmp_path / "rules.csv"
    path.write_text("code,name\nA,b\n", encoding="utf-8")
    done = run_kiosk("central", "import-rules", "--database-url", url, str(path))
    assert done.returncode == 2 and "category, points" in done.stderr
    path.write_bytes((HEADER + GOOD).encode("gbk"))
    done = run_kiosk("central", "import-rules", "--database-url", url, str(path))
    assert done.returncode == 2 and "not UTF-8" in done.stderr
