"""The board's read at central: which entries a village's month holds, masked and grouped."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sync_helpers import SQLITE_ONLY
from test_sync_board import VILLAGE, approve, place_east_village

from core.domain import board as rules
from core.domain.ledger import LedgerKind
from sync.central.models import Household, LedgerEntry
from sync.central.services import areas, board
from sync.central.services.ledger import credit

pytestmark = SQLITE_ONLY


def book(c, household_id: str, points: int, at: datetime, kind=LedgerKind.ADJUST) -> str:
    with c.uow() as uow:
        h = uow.session.get(Household, household_id)
        entry = credit(uow.session, at, h, points, kind, f"test-{at:%Y%m%d%H%M}")
        uow.commit()
        return entry.id


def test_a_month_runs_from_local_midnight_to_local_midnight_in_asia_shanghai(programme):
    c = programme.central
    place_east_village(c)
    # 2025-02-28 16:30 UTC is 1 March 00:30 in Shanghai: March. 2025-03-31 16:30 UTC is 1 April.
    first = book(c, "H000001", 5, datetime(2025, 2, 28, 16, 30))
    before = book(c, "H000001", 7, datetime(2025, 2, 28, 15, 59))
    last = book(c, "H000002", 3, datetime(2025, 3, 31, 15, 59))
    after = book(c, "H000002", 9, datetime(2025, 3, 31, 16, 0))
    march = board.sheet(c, VILLAGE, "2025-03")
    february = board.sheet(c, VILLAGE, "2025-02")
    april = board.sheet(c, VILLAGE, "2025-04")
    assert (march["entries"], february["entries"], april["entries"]) == (2, 1, 1)

    def expect(month: str, ids: set[str]) -> str:
        with c.uow(write=False) as uow:
            rows = uow.session.execute(
                select(
                    LedgerEntry.id, LedgerEntry.household_id, LedgerEntry.kind, LedgerEntry.points
                ).where(LedgerEntry.id.in_(ids))
            )
            return rules.digest(VILLAGE, month, [r._asdict() for r in rows])

    assert march["digest"] == expect("2025-03", {first, last})
    assert april["digest"] == expect("2025-04", {after})
    assert february["digest"] == expect("2025-02", {before})  # before local midnight


def test_other_villages_households_stay_off_the_board(programme):
    c = programme.central
    place_east_village(c)
    areas.set_household_group(c, "H000004", "青山县/石桥镇/西村/一组", "test")
    c.clock = programme.clock
    approve(c, "CLEAN", "H000004")
    found = board.sheet(c, VILLAGE, "2025-03")
    assert found["entries"] == 0 and found["awards"] == [] and found["ranking"] == []
    west = board.sheet(c, "青山县/石桥镇/西村", "2025-03")
    assert west["entries"] == 1 and west["ranking"][0]["household"] == "陈*明家"


def test_awards_are_masked_ranked_by_honour_and_deductions_are_counted_by_group(programme):
    c = programme.central
    c.clock = programme.clock
    place_east_village(c)
    approve(c, "CLEAN", "H000002")
    approve(c, "CLEAN", "H000002")
    approve(c, "CLEAN", "H000001")
    approve(c, "BURN", "H000001")
    approve(c, "BURN", "H000002")
    approve(c, "BURN", "H000003")
    with c.uow() as uow:  # a household with no points left: the deduction books nothing
        uow.session.get(Household, "H000004").balance = 0
        uow.commit()
    approve(c, "BURN", "H000004")
    b = board.sheet(c, VILLAGE, "2025-03")
    assert b["awards"] == [
        {"label": "庭院整洁", "household": "李*福家", "points": 40, "n": 2},
        {"label": "庭院整洁", "household": "王*国家", "points": 20, "n": 1},
    ]
    assert b["deductions"] == [
        {"group": "一组", "count": 2, "points": 20},
        {"group": "二组", "count": 1, "points": 10},
    ]
    # The ranking counts points earned (honour), not what deductions left.
    assert [(r["household"], r["points"]) for r in b["ranking"]] == [
        ("李*福家", 40),
        ("王*国家", 20),
    ]
    board.set_settings(c, list(rules.SECTIONS), 1, "test")
    assert [r["household"] for r in board.sheet(c, VILLAGE, "2025-03")["ranking"]] == ["李*福家"]
